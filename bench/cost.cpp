// See cost.hpp.
#include "cost.hpp"

#include <linux/perf_event.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace bench::cost {

namespace {

struct Tracepoint {
  const char* name;  // under <tracefs>/events/syscalls/sys_enter_<name>
  SyscallGroup group;
};

// A tracepoint this kernel lacks (epoll_pwait2 before 5.11, ...) is left out.
constexpr Tracepoint kTracepoints[] = {
    {"futex", SyscallGroup::futex},         {"futex_wait", SyscallGroup::futex},
    {"futex_wake", SyscallGroup::futex},    {"epoll_wait", SyscallGroup::epoll},
    {"epoll_pwait", SyscallGroup::epoll},   {"epoll_pwait2", SyscallGroup::epoll},
    {"epoll_ctl", SyscallGroup::epoll},     {"poll", SyscallGroup::poll},
    {"ppoll", SyscallGroup::poll},          {"select", SyscallGroup::poll},
    {"pselect6", SyscallGroup::poll},       {"read", SyscallGroup::read},
    {"readv", SyscallGroup::read},          {"recvfrom", SyscallGroup::read},
    {"recvmsg", SyscallGroup::read},        {"recvmmsg", SyscallGroup::read},
    {"write", SyscallGroup::write},         {"writev", SyscallGroup::write},
    {"sendto", SyscallGroup::write},        {"sendmsg", SyscallGroup::write},
    {"sendmmsg", SyscallGroup::write},      {"sched_yield", SyscallGroup::yield},
};

struct Counter {
  int fd;
  int group;  // -1: the total
};

std::vector<Counter>& counters() {
  static std::vector<Counter> c;
  return c;
}

/// The tracepoint's id, or -1 if this kernel has none of that name.
long tracepoint_id(const std::string& event) {
  for (const char* root : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
    std::ifstream f(std::string(root) + "/events/" + event + "/id");
    long id = -1;
    if (f >> id) return id;
  }
  return -1;
}

int open_counter(long id) {
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_TRACEPOINT;
  attr.config = static_cast<std::uint64_t>(id);
  attr.inherit = 1;  // threads started later count too
  return static_cast<int>(::syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC));
}

std::uint64_t read_counter(int fd) {
  std::uint64_t v = 0;
  if (::read(fd, &v, sizeof v) != static_cast<ssize_t>(sizeof v)) {
    throw std::runtime_error(std::string("reading a system-call counter: ") + std::strerror(errno));
  }
  return v;
}

std::string number(double v) {
  char text[48];
  std::snprintf(text, sizeof text, "%.9g", v);
  return text;
}

}  // namespace

const char* to_string(SyscallGroup g) {
  static constexpr const char* names[] = {"futex", "epoll", "poll", "read", "write", "yield"};
  return names[static_cast<std::size_t>(g)];
}

bool syscalls_requested() {
  const char* v = std::getenv("SPROCKET_BENCH_SYSCALLS");
  return v != nullptr && std::strcmp(v, "1") == 0;
}

void enable_syscall_counting() {
  auto& c = counters();
  if (!c.empty()) return;
  const long total = tracepoint_id("raw_syscalls/sys_enter");
  if (total < 0) {
    throw std::runtime_error(
        "counting system calls needs the tracepoint raw_syscalls/sys_enter: no tracefs at "
        "/sys/kernel/tracing (mount it, or run as root)");
  }
  const int fd = open_counter(total);
  if (fd < 0) {
    throw std::runtime_error(std::string("perf_event_open(raw_syscalls:sys_enter) failed: ") +
                             std::strerror(errno) +
                             " (run as root, or lower kernel.perf_event_paranoid to 1 or less)");
  }
  c.push_back({fd, -1});
  for (const auto& t : kTracepoints) {
    const long id = tracepoint_id(std::string("syscalls/sys_enter_") + t.name);
    if (id < 0) continue;
    const int g = open_counter(id);
    if (g >= 0) c.push_back({g, static_cast<int>(t.group)});
  }
}

void enable_syscall_counting_if_requested() {
  if (syscalls_requested()) enable_syscall_counting();
}

Usage now() {
  Usage u;
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  u.wall_s = static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  rusage r{};
  ::getrusage(RUSAGE_SELF, &r);
  u.user_s = static_cast<double>(r.ru_utime.tv_sec) + static_cast<double>(r.ru_utime.tv_usec) / 1e6;
  u.sys_s = static_cast<double>(r.ru_stime.tv_sec) + static_cast<double>(r.ru_stime.tv_usec) / 1e6;
  u.voluntary_switches = r.ru_nvcsw;
  u.involuntary_switches = r.ru_nivcsw;
  for (const auto& c : counters()) {
    const auto v = read_counter(c.fd);
    if (c.group < 0) {
      u.syscalls = v;
    } else {
      u.groups[static_cast<std::size_t>(c.group)] += v;
    }
    u.counted = true;
  }
  return u;
}

std::string fields(const Usage& a, const Usage& b) {
  std::string f = "wall_s=" + number(b.wall_s - a.wall_s) + " cpu_user_s=" + number(b.user_s - a.user_s) +
                  " cpu_sys_s=" + number(b.sys_s - a.sys_s) +
                  " vcsw=" + std::to_string(b.voluntary_switches - a.voluntary_switches) +
                  " ivcsw=" + std::to_string(b.involuntary_switches - a.involuntary_switches);
  if (a.counted && b.counted) {
    f += " syscalls=" + std::to_string(b.syscalls - a.syscalls);
    for (std::size_t g = 0; g < kGroups; ++g) {
      f += std::string(" syscalls_") + to_string(static_cast<SyscallGroup>(g)) + "=" +
           std::to_string(b.groups[g] - a.groups[g]);
    }
  }
  return f;
}

}  // namespace bench::cost
