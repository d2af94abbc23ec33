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
  for (auto t : {Transport::tcp, Transport::ipc}) {
    for (auto size : kThroughputSizes) add("throughput", Pattern::push_pull, t, size);
    for (auto p : {Pattern::pair, Pattern::req_rep}) {
      for (auto size : kLatencySizes) add("latency", p, t, size);
    }
  }
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

/// Waits for the next event from the children, or returns nullopt at the deadline.
std::optional<Event> next_event(std::array<std::optional<ChildProcess>, 2>& kids,
                                Clock::time_point deadline) {
  for (;;) {
    std::array<pollfd, 2> fds{};
    std::array<int, 2> which{};
    nfds_t n = 0;
    for (int i = 0; i < 2; ++i) {
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
                                    const Options& o) {
  return {c.lib->program,
          "--child",
          c.lib->name,
          side == Side::listener ? "listener" : "dialer",
          to_string(c.pattern),
          to_string(c.transport),
          std::to_string(c.size),
          std::to_string(o.duration),
          url};
}

/// One measurement: starts the listener, then (once it is ready) the
/// dialer, and waits for the measuring one's result; then lets both go.
Outcome run_cell(const Cell& c, const Options& o, int index) {
  namespace fs = std::filesystem;
  const auto ipc_path = fs::temp_directory_path() /
                        ("sprocket-bench-" + std::to_string(::getpid()) + "-" + std::to_string(index) + ".sock");
  const std::string hint = c.transport == Transport::tcp ? "tcp://127.0.0.1:0" : "ipc://" + ipc_path.string();
  const int measuring = c.pattern == Pattern::push_pull ? 0 : 1;
  const char* role[2] = {"listener", "dialer"};
  const auto limit = std::chrono::duration<double>(o.duration + kGraceSeconds);
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(limit);

  Outcome out;
  std::array<std::optional<ChildProcess>, 2> kids;
  kids[0].emplace(c.lib->program, child_args(c, Side::listener, hint, o));
  while (out.result.empty() && out.error.empty()) {
    auto ev = next_event(kids, deadline);
    if (!ev) {
      out.error = "timed out after " + std::to_string(static_cast<int>(limit.count())) + " s";
    } else if (!ev->line) {
      out.error = std::string(role[ev->child]) + " exited before the measurement ended";
    } else {
      auto [word, rest] = split_word(*ev->line);
      if (word == "ready" && ev->child == 0 && !kids[1]) {
        kids[1].emplace(c.lib->program, child_args(c, Side::dialer, rest, o));
      } else if (word == "result" && ev->child == measuring) {
        out.result = rest;
      } else if (word == "error") {
        out.error = std::string(role[ev->child]) + ": " + rest;
      }
    }
  }
  // On failure the other side may be blocked for good: stop both at once.
  const auto grace = std::chrono::milliseconds(out.error.empty() ? 5000 : 0);
  for (int i : {1 - measuring, measuring}) {
    if (!kids[i]) continue;
    const std::string how = kids[i]->finish(grace);
    if (how.empty() || (!out.error.empty() && how == kKilledByUs)) continue;
    auto& note = out.error.empty() ? out.warning : out.error;
    note += (note.empty() ? "" : "; ") + std::string(role[i]) + " " + how;
  }
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
  if (c.pattern == Pattern::push_pull) {
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
        "Measures every library over tcp and ipc (loopback), each end in its own process.\n"
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
