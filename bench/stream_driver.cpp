// bench_stream's side: the measurements of a round, the two processes of
// each (started, watched, stopped, reaped), and the results. See
// stream_driver.hpp.
#include "stream_driver.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>
#include <thread>

namespace bench::stream {

namespace {

/// How ChildProcess::finish() describes a child it had to kill.
constexpr const char* kKilledByUs = "did not exit when told to; killed";

[[noreturn]] void fail_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

std::pair<std::string, std::string> split_word(const std::string& line) {
  const auto space = line.find(' ');
  if (space == std::string::npos) return {line, ""};
  return {line.substr(0, space), line.substr(space + 1)};
}


/// A child process with a control socket, as the parent sees it.
class ChildProcess {
 public:
  ChildProcess(const std::string& exe, const std::vector<std::string>& args) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) fail_errno("socketpair");
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) {
      ::close(sv[0]);
      ::close(sv[1]);
      fail_errno("fork");
    }
    if (pid_ == 0) {  // only async-signal-safe calls until exec
      if (sv[1] == kControlFd) {
        ::fcntl(kControlFd, F_SETFD, 0);
      } else {
        ::dup2(sv[1], kControlFd);  // the copy is not close-on-exec
      }
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      ::execv(exe.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(sv[1]);
    fd_ = sv[0];
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() { finish(std::chrono::milliseconds(0)); }

  int fd() const { return fd_; }
  bool eof() const { return eof_; }

  /// Writes one line to the child (a newline is added); false if it is gone.
  bool tell(const std::string& line) {
    const std::string text = line + "\n";
    for (std::size_t done = 0; done < text.size();) {
      const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  /// The next complete line received, if any.
  std::optional<std::string> take_line() {
    const auto nl = buffer_.find('\n');
    if (nl == std::string::npos) return std::nullopt;
    std::string line = buffer_.substr(0, nl);
    buffer_.erase(0, nl + 1);
    return line;
  }

  /// Reads what is there; false at end of file (the child exited).
  bool read_some() {
    char buf[4096];
    ssize_t n;
    do {
      n = ::read(fd_, buf, sizeof buf);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return !(eof_ = true);
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  /// Tells the child to exit (closes the control socket) and reaps it,
  /// killing it if it has not exited within `grace`. Returns "" for a
  /// clean exit, or what happened.
  std::string finish(std::chrono::milliseconds grace) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (pid_ <= 0) return "";
    const auto until = Clock::now() + grace;
    int status = 0;
    bool killed = false;
    for (;;) {
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) break;
      if (r < 0 && errno != EINTR) {
        pid_ = -1;
        return "lost (waitpid failed)";
      }
      if (Clock::now() >= until) {
        ::kill(pid_, SIGKILL);
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        killed = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    pid_ = -1;
    if (killed) return kKilledByUs;
    if (WIFSIGNALED(status)) {
      const int sig = WTERMSIG(status);
      return "killed by signal " + std::to_string(sig) + " (" + ::strsignal(sig) + ")";
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
      return "exit status " + std::to_string(WEXITSTATUS(status));
    }
    return "";
  }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  bool eof_ = false;
  std::string buffer_;
};

/// A library as the parent knows it: served by which program, supporting what.
struct PeerLibrary {
  std::string name;
  std::string program;
  std::set<std::pair<Pattern, Transport>> supports;
};

struct Options {
  double duration = 0.5;
  int round = 0;
  std::string filter;
  std::string out;
  bool list = false;
};

struct Cell {
  const char* experiment;
  Pattern pattern;
  Transport transport;
  std::size_t size;
  const PeerLibrary* lib;

  std::string name() const {
    return std::string(experiment) + "/" + to_string(pattern) + "/" + to_string(transport) + "/" +
           lib->name + "/" + std::to_string(size);
  }
};

/// Every measurement of one round: per (experiment, pattern, transport,
/// size), each library that supports it, in an order rotated by the round.
std::vector<Cell> plan(const std::vector<PeerLibrary>& libraries, const Options& o) {
  static constexpr std::size_t kThroughputSizes[] = {64, 1024, 64 << 10, 1 << 20};
  static constexpr std::size_t kLatencySizes[] = {64, 1024, 64 << 10};
  const std::regex filter(o.filter);
  std::vector<Cell> cells;
  auto add = [&](const char* experiment, Pattern p, Transport t, std::size_t size) {
    std::vector<const PeerLibrary*> able;
    for (const auto& l : libraries) {
      if (l.supports.count({p, t})) able.push_back(&l);
    }
    if (able.empty()) return;
    std::rotate(able.begin(), able.begin() + o.round % static_cast<int>(able.size()), able.end());
    for (const auto* l : able) {
      Cell c{experiment, p, t, size, l};
      if (std::regex_search(c.name(), filter)) cells.push_back(c);
    }
  };
  for (auto t : {Transport::tcp, Transport::ipc, Transport::ws}) {
    for (auto size : kThroughputSizes) add("throughput", Pattern::push_pull, t, size);
    for (auto p : {Pattern::pair, Pattern::req_rep}) {
      for (auto size : kLatencySizes) add("latency", p, t, size);
    }
  }
  add("fanout", Pattern::pub_sub, Transport::tcp, 64);
  add("connect", Pattern::many, Transport::tcp, kConnections);
  return cells;
}

struct Outcome {
  std::string result;   ///< "k=v ..." from the measuring child
  std::string error;
  std::string warning;  ///< a result was obtained, but a child ended badly
};

/// Something one of the two children did: a line, or nullopt for exiting.
struct Event {
  int child;
  std::optional<std::string> line;
};

using Kids = std::vector<std::optional<ChildProcess>>;

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

std::vector<std::string> child_args(const Cell& c, Side side, const std::string& url,
                                    const Options& o, std::size_t count = 1, std::size_t index = 0) {
  return {c.lib->program,
          "--child",
          c.lib->name,
          side == Side::listener ? "listener" : "dialer",
          to_string(c.pattern),
          to_string(c.transport),
          std::to_string(c.size),
          std::to_string(o.duration),
          url,
          std::to_string(count),
          std::to_string(index)};
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

/// The deadline of a measurement, and its text for a timeout.
struct Limit {
  Clock::time_point at;
  std::string text;
  explicit Limit(const Options& o) {
    const auto limit = std::chrono::duration<double>(o.duration + kGraceSeconds);
    at = Clock::now() + std::chrono::duration_cast<Clock::duration>(limit);
    text = "timed out after " + std::to_string(static_cast<int>(limit.count())) + " s";
  }
};

/// A line a child said, split into its first word and the rest.
struct Said {
  int child;
  std::string word, rest;
};

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

/// Starts dialers 1..n (kids[1..n]) towards `url`, `count` connections each.
void start_dialers(Kids& kids, int n, const Cell& c, const std::string& url, const Options& o,
                   std::size_t count) {
  for (int i = 1; i <= n; ++i) {
    kids[i].emplace(c.lib->program, child_args(c, Side::dialer, url, o, count, i - 1));
  }
}

/// The integer value of `key` in a "k=v ..." result.
std::int64_t int_field(const std::string& result, const std::string& key) {
  std::istringstream fields(result);
  for (std::string kv; fields >> kv;) {
    if (kv.rfind(key + "=", 0) == 0) return std::stoll(kv.substr(key.size() + 1));
  }
  throw std::runtime_error("no " + key + " in the result " + result);
}

double field(const std::string& result, const std::string& key);

std::string number(double v) {
  std::ostringstream t;
  t.precision(9);
  t << v;
  return t.str();
}

/// fanout: a PUB listener and kFanoutSubscribers SUB dialers. The parent
/// says "go" to the publisher once every subscriber has had a probe, and
/// "stop" to the subscribers still counting 2 s after the publisher
/// reported (their end markers were all dropped). Result: per subscriber
/// messages/s (median and min of the subscribers) and loss (median, max).
Outcome run_fanout(const Cell& c, const Options& o, const std::string& hint) {
  const int subs = kFanoutSubscribers;
  std::vector<std::string> role{"publisher"};
  for (int i = 1; i <= subs; ++i) role.push_back("subscriber " + std::to_string(i));
  const Limit limit(o);
  Outcome out;
  Kids kids(1 + subs);
  kids[0].emplace(c.lib->program, child_args(c, Side::listener, hint, o, subs));
  int subscribed = 0;
  std::string published;
  std::vector<std::string> counted(1 + subs);
  int reported = 0;
  auto stop_at = Clock::time_point::max();
  while (out.error.empty() && (published.empty() || reported < subs)) {
    auto ev = next_event(kids, std::min(limit.at, stop_at));
    if (!ev && Clock::now() >= stop_at && Clock::now() < limit.at) {
      for (int i = 1; i <= subs; ++i) {
        if (counted[i].empty()) kids[i]->tell("stop");
      }
      stop_at = Clock::time_point::max();
      continue;
    }
    if (auto sd = said(ev, limit, role, out)) {
      const auto& [k, word, rest] = *sd;
      if (k == 0 && word == "ready" && !kids[1]) {
        start_dialers(kids, subs, c, rest, o, 1);
      } else if (k > 0 && word == "subscribed" && ++subscribed == subs) {
        kids[0]->tell("go");
      } else if (k == 0 && word == "result") {
        published = rest;
        stop_at = Clock::now() + std::chrono::seconds(2);
      } else if (k > 0 && word == "result" && counted[k].empty()) {
        counted[k] = rest;
        ++reported;
      }
    }
  }
  std::vector<int> order;
  for (int i = subs; i >= 0; --i) order.push_back(i);
  finish_all(kids, order, role, out);
  if (!out.error.empty()) return out;

  const double sent = field(published, "sent");
  std::vector<double> rates, losses;
  int ended = 0;
  for (int i = 1; i <= subs; ++i) {
    const double got = field(counted[i], "received"), seconds = field(counted[i], "seconds");
    rates.push_back(seconds > 0 ? got / seconds : 0.0);
    losses.push_back(sent > 0 ? 1.0 - got / sent : 1.0);
    ended += static_cast<int>(field(counted[i], "ended"));
  }
  std::sort(rates.begin(), rates.end());
  std::sort(losses.begin(), losses.end());
  auto median = [](const std::vector<double>& v) { return (v[(v.size() - 1) / 2] + v[v.size() / 2]) / 2; };
  out.result = "msgs_per_s=" + number(median(rates)) + " min_msgs_per_s=" + number(rates.front()) +
               " bytes_per_s=" + number(median(rates) * static_cast<double>(c.size)) +
               " loss=" + number(median(losses)) + " max_loss=" + number(losses.back()) +
               " sent=" + number(sent) + " pub_msgs_per_s=" + number(sent / field(published, "seconds")) +
               " subscribers=" + std::to_string(subs) + " ended=" + std::to_string(ended);
  return out;
}

/// connect: a PULL listener and kConnectDialers dialer processes of
/// kConnections / kConnectDialers connections each. The parent says "go"
/// to every dialer once all are ready and the listener has taken its
/// memory figure, and "measure" once the listener has a message from every
/// connection. Result: the time from the first dialer's start to the last
/// message, and resident memory per connection on each side (and, as
/// diagnostics, when the dialers had opened every socket and sent).
Outcome run_connect(const Cell& c, const Options& o, const std::string& hint) {
  const int dialers = kConnectDialers;
  const std::size_t per_dialer = c.size / dialers;
  std::vector<std::string> role{"listener"};
  for (int i = 1; i <= dialers; ++i) role.push_back("dialer " + std::to_string(i));
  const Limit limit(o);
  Outcome out;
  Kids kids(1 + dialers);
  kids[0].emplace(c.lib->program, child_args(c, Side::listener, hint, o, per_dialer * dialers));
  bool armed = false, went = false;
  int ready = 0, reported = 0;
  std::vector<std::string> results(1 + dialers);
  while (out.error.empty() && (results[0].empty() || reported < dialers)) {
    if (auto sd = said(next_event(kids, limit.at), limit, role, out)) {
      const auto& [k, word, rest] = *sd;
      if (k == 0 && word == "ready" && !kids[1]) {
        start_dialers(kids, dialers, c, rest, o, per_dialer);
      } else if (k == 0 && word == "armed") {
        armed = true;
      } else if (k > 0 && word == "ready") {
        ++ready;
      } else if (k == 0 && word == "result") {
        results[0] = rest;
        for (int i = 1; i <= dialers; ++i) kids[i]->tell("measure");
      } else if (k > 0 && word == "result" && results[k].empty()) {
        results[k] = rest;
        ++reported;
      }
      if (armed && ready == dialers && !went) {
        went = true;
        for (int i = 1; i <= dialers; ++i) kids[i]->tell("go");
      }
    }
  }
  std::vector<int> order;
  for (int i = dialers; i >= 0; --i) order.push_back(i);
  finish_all(kids, order, role, out);
  if (!out.error.empty()) return out;

  const double n = static_cast<double>(per_dialer * dialers);
  std::int64_t start = std::numeric_limits<std::int64_t>::max(), opened = 0, sent = 0, dialer_bytes = 0;
  for (int i = 1; i <= dialers; ++i) {
    start = std::min(start, int_field(results[i], "start_ns"));
    opened = std::max(opened, int_field(results[i], "opened_ns"));
    sent = std::max(sent, int_field(results[i], "sent_ns"));
    dialer_bytes += int_field(results[i], "rss_after") - int_field(results[i], "rss_before");
  }
  const auto listener_bytes = int_field(results[0], "rss_after") - int_field(results[0], "rss_before");
  out.result = "time_s=" + number(static_cast<double>(int_field(results[0], "end_ns") - start) / 1e9) +
               " listener_bytes_per_conn=" + number(static_cast<double>(listener_bytes) / n) +
               " dialer_bytes_per_conn=" + number(static_cast<double>(dialer_bytes) / n) +
               " connections=" + number(n) + " dialers=" + std::to_string(dialers) +
               // where the time went: every socket made and dialing, every send returned
               " open_s=" + number(static_cast<double>(opened - start) / 1e9) +
               " send_s=" + number(static_cast<double>(sent - start) / 1e9);
  return out;
}

/// One measurement: starts the listener, then (once it is ready) the
/// dialer, and waits for the measuring one's result; then lets both go.
Outcome run_cell(const Cell& c, const Options& o, int index) {
  namespace fs = std::filesystem;
  const auto ipc_path = fs::temp_directory_path() /
                        ("sprocket-bench-" + std::to_string(::getpid()) + "-" + std::to_string(index) + ".sock");
  std::string hint = "ipc://" + ipc_path.string();
  if (c.transport == Transport::tcp) hint = "tcp://127.0.0.1:0";  // the child picks a port
  if (c.transport == Transport::ws) hint = "ws://127.0.0.1:0/bench";
  if (c.pattern == Pattern::pub_sub) return run_fanout(c, o, hint);
  if (c.pattern == Pattern::many) return run_connect(c, o, hint);
  const int measuring = c.pattern == Pattern::push_pull ? 0 : 1;
  const std::vector<std::string> role{"listener", "dialer"};
  const Limit limit(o);

  Outcome out;
  Kids kids(2);
  kids[0].emplace(c.lib->program, child_args(c, Side::listener, hint, o));
  while (out.result.empty() && out.error.empty()) {
    if (auto sd = said(next_event(kids, limit.at), limit, role, out)) {
      if (sd->word == "ready" && sd->child == 0 && !kids[1]) {
        start_dialers(kids, 1, c, sd->rest, o, 1);
      } else if (sd->word == "result" && sd->child == measuring) {
        out.result = sd->rest;
      }
    }
  }
  finish_all(kids, {1 - measuring, measuring}, role, out);
  std::error_code ignored;
  fs::remove(ipc_path, ignored);
  return out;
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

/// One JSON object (a line of the output): the cell, and its figures or error.
std::string json_line(const Cell& c, const Options& o, const Outcome& r) {
  std::ostringstream j;
  j.precision(9);
  j << "{\"name\":\"" << c.name() << "\",\"experiment\":\"" << c.experiment << "\",\"pattern\":\""
    << to_string(c.pattern) << "\",\"transport\":\"" << to_string(c.transport) << "\",\"library\":\""
    << c.lib->name << "\",\"size\":" << c.size << ",\"round\":" << o.round
    << ",\"duration\":" << o.duration;
  std::istringstream fields(r.result);
  for (std::string kv; fields >> kv;) {
    const auto eq = kv.find('=');
    if (eq != std::string::npos) j << ",\"" << kv.substr(0, eq) << "\":" << std::stod(kv.substr(eq + 1));
  }
  if (!r.error.empty()) j << ",\"error\":\"" << json_escape(r.error) << "\"";
  if (!r.warning.empty()) j << ",\"warning\":\"" << json_escape(r.warning) << "\"";
  j << "}";
  return j.str();
}

double field(const std::string& result, const std::string& key) {
  std::istringstream fields(result);
  for (std::string kv; fields >> kv;) {
    if (kv.rfind(key + "=", 0) == 0) return std::stod(kv.substr(key.size() + 1));
  }
  return 0;
}

/// A line for the console.
std::string summary(const Cell& c, const Outcome& r) {
  char text[160];
  if (!r.error.empty()) return c.name() + ": FAILED: " + r.error;
  if (c.pattern == Pattern::pub_sub) {
    std::snprintf(text, sizeof text, "per subscriber %.0f msg/s (min %.0f), loss %.1f%% (max %.1f%%); published %.0f msg/s",
                  field(r.result, "msgs_per_s"), field(r.result, "min_msgs_per_s"), 100 * field(r.result, "loss"),
                  100 * field(r.result, "max_loss"), field(r.result, "pub_msgs_per_s"));
  } else if (c.pattern == Pattern::many) {
    std::snprintf(text, sizeof text, "%.1f ms for all; %.0f B per connection (listener), %.0f B (dialers)",
                  field(r.result, "time_s") * 1e3, field(r.result, "listener_bytes_per_conn"),
                  field(r.result, "dialer_bytes_per_conn"));
  } else if (c.pattern == Pattern::push_pull) {
    const double s = field(r.result, "seconds");
    std::snprintf(text, sizeof text, "%.0f msg/s, %.1f MB/s", field(r.result, "messages") / s,
                  field(r.result, "bytes") / s / 1e6);
  } else {
    std::snprintf(text, sizeof text, "one-way p50 %.2f us, p99 %.2f us", field(r.result, "p50_us"),
                  field(r.result, "p99_us"));
  }
  return c.name() + ": " + text + (r.warning.empty() ? "" : " (warning: " + r.warning + ")");
}

void usage(std::ostream& os) {
  os << "usage: bench_stream [--duration SECONDS] [--round N] [--filter REGEX] [--out FILE.jsonl] [--list]\n"
        "Measures every library over tcp, ipc and ws (loopback), each end in its own process;\n"
        "also PUB to 4 SUB (fanout) and 1000 connections to one listener (connect).\n"
        "Measurements are named experiment/pattern/transport/library/size; --filter selects\n"
        "by regex. --round N rotates the order of the libraries. Results, one JSON object\n"
        "a line, go to --out (appended).\n";
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--duration") {
      o.duration = std::stod(value());
    } else if (a == "--round") {
      o.round = std::stoi(value());
    } else if (a == "--filter") {
      o.filter = value();
    } else if (a == "--out") {
      o.out = value();
    } else if (a == "--list") {
      o.list = true;
    } else {
      throw std::runtime_error("unknown argument " + a);
    }
  }
  if (!(o.duration > 0 && o.duration < 60)) throw std::runtime_error("--duration must be in (0, 60)");
  return o;
}

/// The libraries each peer program serves (it is asked with --libraries);
/// programs that cannot answer are added to `missing`.
std::vector<PeerLibrary> find_libraries(const std::vector<std::string>& programs, std::string& missing) {
  std::error_code ec;
  const auto dir = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
  if (ec) throw std::system_error(ec, "reading /proc/self/exe");
  std::vector<PeerLibrary> found;
  for (const auto& name : programs) {
    const std::string program = (dir / name).string();
    FILE* f = ::popen(("'" + program + "' --libraries").c_str(), "r");
    std::string text;
    char buf[256];
    while (f && std::fgets(buf, sizeof buf, f)) text += buf;
    if (!f || ::pclose(f) != 0) {
      missing += (missing.empty() ? "" : "; ") + name + " (did not run)";
      continue;
    }
    std::istringstream lines(text);
    for (std::string lib, pattern, transport; lines >> lib >> pattern >> transport;) {
      auto it = std::find_if(found.begin(), found.end(), [&](const auto& l) { return l.name == lib; });
      if (it == found.end()) it = found.insert(found.end(), PeerLibrary{lib, program, {}});
      it->supports.insert({parse_pattern(pattern), parse_transport(transport)});
    }
  }
  return found;
}

int parent_main(const std::vector<std::string>& programs, std::string missing, const Options& o) {
  const auto libraries = find_libraries(programs, missing);
  const auto cells = plan(libraries, o);
  if (o.list) {
    for (const auto& c : cells) std::cout << c.name() << "\n";
    return 0;
  }
  ::signal(SIGPIPE, SIG_IGN);
  std::ofstream out;
  if (!o.out.empty()) {
    out.open(o.out, std::ios::app);
    if (!out) throw std::runtime_error("cannot write " + o.out);
    std::string names;
    for (const auto& l : libraries) names += std::string(names.empty() ? "\"" : ",\"") + l.name + "\"";
    out << "{\"context\":{\"program\":\"bench_stream\",\"round\":" << o.round << ",\"duration\":"
        << o.duration << ",\"libraries\":[" << names << "],\"missing_peers\":\""
        << json_escape(missing) << "\"}}" << std::endl;
  }
  if (!missing.empty()) std::cout << "bench_stream: peers not built: " << missing << "\n";
  int failures = 0;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const Outcome r = run_cell(cells[i], o, static_cast<int>(i));
    failures += !r.error.empty();
    std::cout << summary(cells[i], r) << std::endl;
    if (out.is_open()) out << json_line(cells[i], o, r) << std::endl;
  }
  if (failures) std::cout << "bench_stream: " << failures << " measurement(s) failed\n";
  return failures ? 1 : 0;
}

}  // namespace

int main(const std::vector<std::string>& peer_programs, const std::string& missing, int argc,
         char** argv) {
  try {
    if (argc > 1 && (std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help")) {
      usage(std::cout);
      return 0;
    }
    return parent_main(peer_programs, missing, parse_options(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "bench_stream: " << e.what() << "\n";
    usage(std::cerr);
    return 2;
  }
}

}  // namespace bench::stream
