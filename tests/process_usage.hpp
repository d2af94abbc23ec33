// What this process holds: open descriptors, resident memory and heap in
// use. Tests compare them before and after floods and thousands of
// connections; fault_peer reports its own in its stats answer.
#pragma once

#include <dirent.h>
#include <malloc.h>
#include <unistd.h>

#include <cstddef>
#include <fstream>

// The sanitizers' allocator interface (GCC ships no header for it).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SPROCKET_TEST_SANITIZED_HEAP 1
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif
#if defined(__SANITIZE_ADDRESS__)
extern "C" void __sanitizer_purge_allocator();
#endif

namespace sprocket::test {

/// Entries in /proc/self/fd, less the one opendir() itself holds.
inline int open_fd_count() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return -1;
  int n = 0;
  while (const dirent* e = ::readdir(dir))
    if (e->d_name[0] != '.') ++n;
  ::closedir(dir);
  return n - 1;
}

/// Resident set size in KiB (/proc/self/statm), -1 if unreadable.
inline long rss_kib() {
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = -1;
  if (!(statm >> size >> resident)) return -1;
  return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

/// Bytes the allocator has handed out and not had back: the sanitizers'
/// own count in sanitizer builds, glibc's otherwise.
inline std::size_t heap_in_use() {
#ifdef SPROCKET_TEST_SANITIZED_HEAP
  return __sanitizer_get_current_allocated_bytes();
#else
  return mallinfo2().uordblks;
#endif
}

/// Gives freed memory back to the system where the allocator allows it
/// (ASan's quarantine holds freed blocks for a while; glibc keeps free
/// pages in its arenas; TSan's allocator keeps them), so that RSS
/// reflects memory still in use.
inline void release_free_memory() {
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_purge_allocator();
#elif !defined(__SANITIZE_THREAD__)
  ::malloc_trim(0);
#endif
}

}  // namespace sprocket::test
