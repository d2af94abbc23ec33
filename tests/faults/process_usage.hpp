// What this process holds: open descriptors, resident memory and heap in
// use. The connect/close test compares them before and after thousands of
// connections; fault_peer reports its own in its stats answer.
#pragma once

#include <dirent.h>
#include <malloc.h>
#include <unistd.h>

#include <cstddef>
#include <fstream>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#include <sanitizer/allocator_interface.h>
#define SPROCKET_FAULTS_SANITIZED_HEAP 1
#endif

namespace sprocket::test::faults {

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
#ifdef SPROCKET_FAULTS_SANITIZED_HEAP
  return __sanitizer_get_current_allocated_bytes();
#else
  return mallinfo2().uordblks;
#endif
}

/// Gives freed memory back to the system where the allocator allows it
/// (ASan's quarantine holds freed blocks for a while; glibc keeps free
/// pages in its arenas), so that RSS reflects memory still in use.
inline void release_free_memory() {
#ifdef SPROCKET_FAULTS_SANITIZED_HEAP
  __sanitizer_purge_allocator();
#else
  ::malloc_trim(0);
#endif
}

}  // namespace sprocket::test::faults
