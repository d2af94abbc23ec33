// See stream_parent.hpp.
#include "stream_parent.hpp"

#include <poll.h>

#include <chrono>
#include <map>
#include <sstream>
#include <stdexcept>

#include "cost.hpp"

namespace bench::stream {

namespace {

std::pair<std::string, std::string> split_word(const std::string& line) {
  const auto space = line.find(' ');
  if (space == std::string::npos) return {line, ""};
  return {line.substr(0, space), line.substr(space + 1)};
}

/// A child's "cost" line, parsed.
struct ChildCost {
  double n = 0, wall = 0, cpu = 0, user = 0, sys = 0, csw = 0, ivcsw = 0;
  std::map<std::string, double> syscalls;  // "syscalls", "syscalls_futex", ...

  explicit ChildCost(const std::string& line) {
    n = field(line, "n");
    wall = field(line, "wall_s");
    user = field(line, "cpu_user_s");
    sys = field(line, "cpu_sys_s");
    cpu = user + sys;
    ivcsw = field(line, "ivcsw");
    csw = field(line, "vcsw") + ivcsw;
    std::istringstream fields(line);
    for (std::string kv; fields >> kv;) {
      if (kv.rfind("syscalls", 0) == 0) {
        const auto eq = kv.find('=');
        syscalls[kv.substr(0, eq)] = std::stod(kv.substr(eq + 1));
      }
    }
  }
};

/// " syscalls_per_msg=... syscalls_<group>_per_msg=..., syscalls_other_per_msg=..."
/// from the totals of every group, divided by `messages` (already per message when 1).
std::string syscall_fields(const std::map<std::string, double>& totals, double messages) {
  if (totals.empty() || messages <= 0) return "";
  std::string out;
  double grouped = 0;
  for (const auto& [key, v] : totals) {
    out += " " + key + "_per_msg=" + number(v / messages);
    if (key != "syscalls") grouped += v;
  }
  const auto all = totals.find("syscalls");
  if (all != totals.end()) out += " syscalls_other_per_msg=" + number((all->second - grouped) / messages);
  return out;
}

}  // namespace

void fail_errno(const char* what) { throw std::system_error(errno, std::generic_category(), what); }

/// Waits for the next event from the children, or returns nullopt at the deadline.
std::optional<Event> next_event(Kids& kids, Clock::time_point deadline) {
  for (;;) {
    std::vector<pollfd> fds(kids.size());
    std::vector<int> which(kids.size());
    nfds_t n = 0;
    for (int i = 0; i < static_cast<int>(kids.size()); ++i) {
      if (!kids[i] || kids[i]->eof()) continue;
      if (auto line = kids[i]->take_line()) return Event{i, line};
      fds[n] = {kids[i]->fd(), POLLIN, 0};
      which[n++] = i;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (n == 0 || left.count() <= 0) return std::nullopt;
    const int r = ::poll(fds.data(), n, static_cast<int>(left.count()) + 1);
    if (r < 0 && errno != EINTR) fail_errno("poll");
    for (nfds_t k = 0; r > 0 && k < n; ++k) {
      if (fds[k].revents == 0) continue;
      auto& kid = *kids[which[k]];
      if (!kid.read_some()) return Event{which[k], std::nullopt};
    }
  }
}

std::vector<std::string> child_args(const Cell& c, Side side, const std::string& url, const Options& o,
                                    std::size_t count, std::size_t index) {
  const double seconds = std::string(c.experiment) == "idle" ? o.idle : o.duration;
  return {c.lib->program,
          "--child",
          c.lib->name,
          side == Side::listener ? "listener" : "dialer",
          to_string(c.pattern),
          to_string(c.transport),
          std::to_string(c.size),
          std::to_string(seconds),
          url,
          std::to_string(count),
          std::to_string(index),
          c.experiment,
          std::to_string(c.queue_depth)};
}

/// Tells every child to exit, first those in `order`, and reaps them (see
/// ChildProcess::finish); notes in `out` how any ended badly.
void finish_all(Kids& kids, const std::vector<int>& order, const std::vector<std::string>& role,
                Outcome& out) {
  // On failure the others may be blocked for good: stop them all at once.
  const auto grace = std::chrono::milliseconds(out.error.empty() ? 5000 : 0);
  for (int i : order) {
    if (!kids[i]) continue;
    const std::string how = kids[i]->finish(grace);
    if (how.empty() || (!out.error.empty() && how == kKilledByUs)) continue;
    auto& note = out.error.empty() ? out.warning : out.error;
    note += (note.empty() ? "" : "; ") + role[i] + " " + how;
  }
}


Limit::Limit(double seconds) {
  const auto limit = std::chrono::duration<double>(seconds + kGraceSeconds);
  at = Clock::now() + std::chrono::duration_cast<Clock::duration>(limit);
  text = "timed out after " + std::to_string(static_cast<int>(limit.count())) + " s";
}

/// What a child said, or nullopt with `out.error` set: no event before the
/// time limit, a child that exited, or a child's "error" line.
std::optional<Said> said(const std::optional<Event>& ev, const Limit& limit,
                         const std::vector<std::string>& role, Outcome& out) {
  if (!ev) {
    out.error = limit.text;
    return std::nullopt;
  }
  if (!ev->line) {
    out.error = role[ev->child] + " exited before the measurement ended";
    return std::nullopt;
  }
  auto [word, rest] = split_word(*ev->line);
  if (word == "error") {
    out.error = role[ev->child] + ": " + rest;
    return std::nullopt;
  }
  return Said{ev->child, std::move(word), std::move(rest)};
}

void start_dialers(Kids& kids, int n, const Cell& c, const std::string& url, const Options& o, std::size_t count,
                   int first) {
  for (int i = 0; i < n; ++i) {
    kids[first + i].emplace(c.lib->program, child_args(c, Side::dialer, url, o, count, i));
  }
}

std::int64_t int_field(const std::string& result, const std::string& key) {
  std::istringstream fields(result);
  for (std::string kv; fields >> kv;) {
    if (kv.rfind(key + "=", 0) == 0) return std::stoll(kv.substr(key.size() + 1));
  }
  throw std::runtime_error("no " + key + " in the result " + result);
}

double field(const std::string& result, const std::string& key) {
  std::istringstream fields(result);
  for (std::string kv; fields >> kv;) {
    if (kv.rfind(key + "=", 0) == 0) return std::stod(kv.substr(key.size() + 1));
  }
  return 0;
}

bool has_field(const std::string& result, const std::string& key) {
  return (" " + result).find(" " + key + "=") != std::string::npos;
}

std::string number(double v) {
  std::ostringstream t;
  t.precision(9);
  t << v;
  return t.str();
}

std::string json_escape(const std::string& s) {
  std::string r;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      r += '\\';
      r += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      r += ' ';
    } else {
      r += ch;
    }
  }
  return r;
}


std::string per_message_cost(const std::vector<std::string>& costs, const std::vector<std::string>& side_names) {
  double cpu = 0, user = 0, sys = 0, csw = 0, ivcsw = 0, cores = 0;
  std::map<std::string, double> syscalls;
  std::string sides;
  for (std::size_t i = 0; i < costs.size(); ++i) {
    const ChildCost c(costs[i]);
    if (c.n <= 0) return "";
    cpu += c.cpu / c.n;
    user += c.user / c.n;
    sys += c.sys / c.n;
    csw += c.csw / c.n;
    ivcsw += c.ivcsw / c.n;
    if (c.wall > 0) cores += c.cpu / c.wall;
    for (const auto& [key, v] : c.syscalls) syscalls[key] += v / c.n;
    sides += " " + side_names[i] + "_cpu_us_per_msg=" + number(c.cpu / c.n * 1e6);
  }
  return " cpu_us_per_msg=" + number(cpu * 1e6) + " cpu_user_us_per_msg=" + number(user * 1e6) +
         " cpu_sys_us_per_msg=" + number(sys * 1e6) + sides + " csw_per_msg=" + number(csw) +
         " ivcsw_per_msg=" + number(ivcsw) + " cores=" + number(cores) + syscall_fields(syscalls, 1);
}

std::string pooled_cost(const std::vector<std::string>& costs, double messages) {
  if (costs.empty() || messages <= 0) return "";
  double cpu = 0, csw = 0, cores = 0;
  std::map<std::string, double> syscalls;
  for (const auto& line : costs) {
    const ChildCost c(line);
    cpu += c.cpu;
    csw += c.csw;
    if (c.wall > 0) cores += c.cpu / c.wall;
    for (const auto& [key, v] : c.syscalls) syscalls[key] += v;
  }
  return " cpu_us_per_msg=" + number(cpu / messages * 1e6) + " csw_per_msg=" + number(csw / messages) +
         " cores=" + number(cores) + syscall_fields(syscalls, messages);
}

}  // namespace bench::stream
