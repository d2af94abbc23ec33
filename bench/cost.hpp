// What a process spends over a window of a benchmark: CPU time (user and
// system, every thread), context switches and, when counting is on,
// system calls by kind. Both drivers use it: bench_stream's children
// (stream_roles.hpp) snapshot their own process at the two ends of their
// measuring window; the in-process programs (driver.hpp) around their
// timed loops. The per-message figures come from dividing the difference
// of two snapshots by the messages handled in between.
//
// System calls are counted with the kernel's tracepoints
// (raw_syscalls:sys_enter and syscalls:sys_enter_<name>) through
// perf_event_open, one counter per tracepoint on the calling thread,
// inherited by every thread it starts later: so counting must be enabled
// before the library under test starts any thread. Counting slows every
// system call a little, so it is a mode of its own (tools/bench.sh
// --syscalls), switched on by SPROCKET_BENCH_SYSCALLS=1 in the environment.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace bench::cost {

/// The kinds of system call counted apart (the rest is "other").
enum class SyscallGroup { futex, epoll, poll, read, write, yield, count_ };
inline constexpr std::size_t kGroups = static_cast<std::size_t>(SyscallGroup::count_);
/// Their names in results: syscalls_<name>.
const char* to_string(SyscallGroup g);

/// One snapshot of this process.
struct Usage {
  double wall_s = 0;              ///< CLOCK_MONOTONIC
  double user_s = 0, sys_s = 0;   ///< getrusage(RUSAGE_SELF): every thread, living or ended
  std::int64_t voluntary_switches = 0, involuntary_switches = 0;
  bool counted = false;           ///< the syscall figures below are valid
  std::uint64_t syscalls = 0;     ///< every system call
  std::array<std::uint64_t, kGroups> groups{};
};

/// True when SPROCKET_BENCH_SYSCALLS=1 asks for system calls to be counted.
bool syscalls_requested();

/// Opens the system-call counters of this process (on the calling thread,
/// inherited by threads started afterwards); idempotent. Throws a clear
/// error when the kernel does not allow it (tracefs missing, or
/// perf_event_paranoid too high for this user).
void enable_syscall_counting();

/// Enables counting if syscalls_requested(); for the start of main().
void enable_syscall_counting_if_requested();

/// The process's usage now.
Usage now();

/// "k=v ..." fields of the window from `a` to `b` for a child's report:
/// wall_s, cpu_user_s, cpu_sys_s, vcsw, ivcsw, and with counting,
/// syscalls and syscalls_<group>.
std::string fields(const Usage& a, const Usage& b);

}  // namespace bench::cost
