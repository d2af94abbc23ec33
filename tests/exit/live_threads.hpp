// Which threads of this process can still run code, for the exit check of
// exit_with_live_sockets.cpp.
//
// A thread that pthread_join has returned for may still be listed in
// /proc/self/task for a few microseconds: the kernel wakes the joiner when it
// releases the thread's memory map, and unlists the thread only at the end of
// its exit. Seen 2 times in 200 000 joins on a loaded two-core machine, and
// once in CI as a failed exit_test ("library threads still running at exit").
// Such a thread has the kernel's PF_EXITING flag set: it has left user code for
// good and calls no library again, so it is not counted. A thread without the
// flag can still run code, and is.
#pragma once

#include <dirent.h>

#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace sprocket::test {

/// The kernel's per-task flag for a task inside exit() (include/linux/sched.h).
inline constexpr std::uint64_t kPfExiting = 0x4;

/// The flags field of a /proc/<pid>/task/<tid>/stat line, or nothing if the
/// line is not one. The name in parentheses may hold spaces and ')', so the
/// fields are counted from the last ')'.
inline std::optional<std::uint64_t> task_flags(std::string_view stat_line) {
  const auto name_end = stat_line.rfind(')');
  if (name_end == std::string_view::npos) return std::nullopt;
  std::istringstream fields{std::string(stat_line.substr(name_end + 1))};
  std::string state, ppid, pgrp, session, tty, tpgid;
  std::uint64_t flags = 0;
  if (!(fields >> state >> ppid >> pgrp >> session >> tty >> tpgid >> flags)) return std::nullopt;
  return flags;
}

/// True for a stat line of a task that has not begun to exit (and for a line
/// that cannot be read, so that the check errs towards reporting).
inline bool may_still_run_code(std::string_view stat_line) {
  const auto flags = task_flags(stat_line);
  return !flags || (*flags & kPfExiting) == 0;
}

/// " <tid> (<name>)" for each thread of this process whose name begins with
/// `prefix` and that may still run code; empty if there is none.
inline std::string threads_still_running(std::string_view prefix) {
  DIR* tasks = ::opendir("/proc/self/task");
  if (!tasks) return {};
  std::string found;
  while (const dirent* entry = ::readdir(tasks)) {
    if (entry->d_name[0] == '.') continue;
    const std::string dir = std::string("/proc/self/task/") + entry->d_name;
    std::string name, stat;
    std::getline(std::ifstream(dir + "/comm"), name);
    if (name.rfind(prefix, 0) != 0) continue;
    // Gone between the listing and the read: it has ended.
    if (!std::getline(std::ifstream(dir + "/stat"), stat)) continue;
    if (may_still_run_code(stat)) found += std::string(" ") + entry->d_name + " (" + name + ")";
  }
  ::closedir(tasks);
  return found;
}

}  // namespace sprocket::test
