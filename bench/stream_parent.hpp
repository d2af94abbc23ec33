// bench_stream's parent side, shared by its files: the child processes of a
// measurement (started, talked to, watched, reaped), what the parent knows
// of each library and cell, and the parsing of the children's "k=v" lines.
// stream_driver.cpp plans and runs the two-process measurements,
// stream_multi.cpp those with more processes (fanout, connect, idle).
#pragma once

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "stream_driver.hpp"

namespace bench::stream {

/// How ChildProcess::finish() describes a child it had to kill.
inline constexpr const char* kKilledByUs = "did not exit when told to; killed";

[[noreturn]] void fail_errno(const char* what);

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
  double idle = 0;  ///< seconds of the idle experiment; 0: not run
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
  const char* variant = "";     ///< appended to the pattern's name ("_defaults")
  std::size_t queue_depth = 0;  ///< Setup::queue_depth of the children

  std::string pattern_name() const { return std::string(to_string(pattern)) + variant; }
  std::string name() const {
    return std::string(experiment) + "/" + pattern_name() + "/" + to_string(transport) + "/" + lib->name +
           "/" + std::to_string(size);
  }
};

struct Outcome {
  std::string result;   ///< "k=v ..." from the measuring child (and the parent's reductions)
  std::string error;
  std::string warning;  ///< a result was obtained, but a child ended badly
};

/// Something one of the children did: a line, or nullopt for exiting.
struct Event {
  int child;
  std::optional<std::string> line;
};

using Kids = std::vector<std::optional<ChildProcess>>;

/// Waits for the next event from the children, or returns nullopt at the deadline.
std::optional<Event> next_event(Kids& kids, Clock::time_point deadline);

/// The command line of one child of cell `c`.
std::vector<std::string> child_args(const Cell& c, Side side, const std::string& url, const Options& o,
                                    std::size_t count = 1, std::size_t index = 0);

/// Tells every child to exit, first those in `order`, and reaps them (see
/// ChildProcess::finish); notes in `out` how any ended badly.
void finish_all(Kids& kids, const std::vector<int>& order, const std::vector<std::string>& role, Outcome& out);

/// The deadline of a measurement, and its text for a timeout.
struct Limit {
  Clock::time_point at;
  std::string text;
  explicit Limit(double seconds);
};

/// A line a child said, split into its first word and the rest.
struct Said {
  int child;
  std::string word, rest;
};

/// What a child said, or nullopt with `out.error` set: no event before the
/// time limit, a child that exited, or a child's "error" line.
std::optional<Said> said(const std::optional<Event>& ev, const Limit& limit, const std::vector<std::string>& role,
                         Outcome& out);

/// Starts dialers 1..n (kids[first..first+n-1]) towards `url`, `count` connections each.
void start_dialers(Kids& kids, int n, const Cell& c, const std::string& url, const Options& o, std::size_t count,
                   int first = 1);

/// The value of `key` in a "k=v ..." result: int_field throws if it is
/// missing, field() gives 0.
std::int64_t int_field(const std::string& result, const std::string& key);
double field(const std::string& result, const std::string& key);
bool has_field(const std::string& result, const std::string& key);
/// A number as text with 9 significant digits.
std::string number(double v);
std::string json_escape(const std::string& s);

/// The cost of a measurement from its children's "cost n=... <fields>"
/// lines (cost.hpp): per message, CPU (user+sys), context switches and
/// system calls of each child divided by the messages it handled,
/// added over the children; "cores" adds each child's CPU ÷ its wall time.
/// Returns " k=v ..." to append to a result ("" without cost lines).
std::string per_message_cost(const std::vector<std::string>& costs, const std::vector<std::string>& side_names);

/// The same over the children pooled: everything they spent ÷ `messages`
/// (fanout: ÷ the messages delivered to all subscribers).
std::string pooled_cost(const std::vector<std::string>& costs, double messages);

}  // namespace bench::stream
