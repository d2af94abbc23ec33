// A program run as a child process by nanocat's end-to-end tests: our
// nanocat, nanomsg's nanocat or NNG's nngcat. stdout and stderr are captured
// through pipes; stdin is /dev/null or a pipe the test writes to. Every wait
// is bounded by a deadline, and the destructor kills and reaps the child, so
// a failing test leaves no process behind. Nothing here sleeps to wait for
// an event: waits poll() the pipes and waitpid() the child. The child
// also dies with the test process if that one is killed.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

namespace nanocat::test {

struct ProcessOptions {
  bool stdin_pipe = false;  ///< give the child a pipe as stdin (write_stdin/close_stdin)
};

class Process {
 public:
  using Clock = std::chrono::steady_clock;
  using Millis = std::chrono::milliseconds;
  using Options = ProcessOptions;

  /// Starts argv[0] (a full path). On failure running() is false and
  /// describe() says why.
  explicit Process(std::vector<std::string> argv, Options options = {}) : argv_(std::move(argv)) {
    start(options);
  }
  ~Process() { kill(); }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  bool started() const { return pid_ > 0; }
  bool running() { return pid_ > 0 && !exited(); }

  /// Writes to the child's stdin (Options::stdin_pipe). False on failure.
  bool write_stdin(std::string_view data) {
    while (!data.empty() && in_fd_ >= 0) {
      ssize_t n = ::write(in_fd_, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return data.empty();
  }
  void close_stdin() { close_fd(in_fd_); }

  /// Reads output until `done(stdout, stderr)` holds, both pipes close, or
  /// `timeout` passes; returns done's last value.
  bool wait_until(const std::function<bool(const std::string&, const std::string&)>& done,
                  Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      if (done(out_, err_)) return true;
      if (!pump(deadline)) return done(out_, err_);
    }
  }
  bool wait_for_stdout(std::string_view needle, Millis timeout) {
    return wait_until(
        [&](const std::string& o, const std::string&) { return o.find(needle) != o.npos; },
        timeout);
  }
  bool wait_for_stderr(std::string_view needle, Millis timeout) {
    return wait_until(
        [&](const std::string&, const std::string& e) { return e.find(needle) != e.npos; },
        timeout);
  }
  /// Waits until stderr holds `needle` at least `n` times.
  bool wait_for_stderr_count(std::string_view needle, std::size_t n, Millis timeout) {
    return wait_until(
        [&](const std::string&, const std::string& e) { return count(e, needle) >= n; }, timeout);
  }

  /// Waits for the child to exit (reading its output meanwhile) and
  /// returns its exit status, or nullopt if it is still running after
  /// `timeout` or was killed by a signal.
  std::optional<int> wait_exit(Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!exited()) {
      if (Clock::now() >= deadline) return std::nullopt;
      // Output pipes closed before the exit: tick in small steps.
      if (!pump(std::min(deadline, Clock::now() + Millis(20)))) ::poll(nullptr, 0, 5);
    }
    drain();
    if (WIFEXITED(status_)) return WEXITSTATUS(status_);
    return std::nullopt;
  }

  /// SIGKILLs the child (if running) and reaps it. Idempotent.
  void kill() {
    if (pid_ > 0 && !exited()) {
      ::kill(pid_, SIGKILL);
      while (!reaped_) {
        int st = 0;
        pid_t r = ::waitpid(pid_, &st, 0);
        if (r == pid_ || (r < 0 && errno != EINTR)) reaped_ = true;
      }
    }
    close_fd(in_fd_);
    drain();
    close_fd(out_fd_);
    close_fd(err_fd_);
  }

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

  /// The command line and what it printed, for failure messages.
  std::string describe() const {
    std::string s = "command:";
    for (const auto& a : argv_) s += " '" + a + "'";
    s += "\nstdout: [" + out_ + "]\nstderr: [" + err_ + "]";
    if (!error_.empty()) s += "\nspawn error: " + error_;
    return s;
  }

  static std::size_t count(std::string_view haystack, std::string_view needle) {
    std::size_t n = 0;
    for (auto at = haystack.find(needle); at != haystack.npos; at = haystack.find(needle, at + 1))
      ++n;
    return n;
  }

 private:
  void start(const Options& options) {
    int out[2] = {-1, -1}, err[2] = {-1, -1}, in[2] = {-1, -1}, status[2] = {-1, -1};
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0 ||
        ::pipe2(status, O_CLOEXEC) != 0 || (options.stdin_pipe && ::pipe2(in, O_CLOEXEC) != 0)) {
      error_ = std::string("pipe2: ") + std::strerror(errno);
      for (int fd : {out[0], out[1], err[0], err[1], in[0], in[1], status[0], status[1]})
        if (fd >= 0) ::close(fd);
      return;
    }
    std::vector<char*> args;
    for (auto& a : argv_) args.push_back(a.data());
    args.push_back(nullptr);
    const ChildSetup setup{args.data(),
                           in[0],
                           out[1],
                           err[1],
                           status[1],
                           ::getpid(),
                           static_cast<int>(std::min<long>(::sysconf(_SC_OPEN_MAX), 65536))};
    pid_ = ::fork();
    if (pid_ == 0) exec_child(setup);
    for (int fd : {out[1], err[1], in[0], status[1]})
      if (fd >= 0) ::close(fd);
    out_fd_ = out[0];
    err_fd_ = err[0];
    in_fd_ = in[1];
    for (int fd : {out_fd_, err_fd_}) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (pid_ < 0) {
      error_ = std::string("fork: ") + std::strerror(errno);
    } else if (int e = exec_error(status[0])) {
      error_ = "exec(" + argv_.at(0) + "): " + std::strerror(e);
      kill();
      pid_ = -1;
    }
    ::close(status[0]);
  }

  struct ChildSetup {
    char* const* args;
    int in_fd;  // -1: /dev/null
    int out_fd;
    int err_fd;
    int status_fd;  // close-on-exec; gets errno if exec fails
    pid_t parent;
    int max_fd;
  };

  // In the child, between fork and exec: async-signal-safe calls only.
  [[noreturn]] static void exec_child(const ChildSetup& s) {
    // Dies with the test process, even when that one is killed (a ctest
    // timeout), so that no child outlives its test.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != s.parent) ::_exit(127);
    int in = s.in_fd >= 0 ? s.in_fd : ::open("/dev/null", O_RDONLY);
    if (in >= 0 && ::dup2(in, 0) == 0 && ::dup2(s.out_fd, 1) == 1 && ::dup2(s.err_fd, 2) == 2) {
      for (int fd = 3; fd < s.max_fd; ++fd)
        if (fd != s.status_fd) ::close(fd);  // inherit nothing else (a test's listening socket...)
      ::execve(s.args[0], s.args, environ);
    }
    int e = errno;
    [[maybe_unused]] ssize_t n = ::write(s.status_fd, &e, sizeof e);
    ::_exit(127);
  }

  // The child's errno if exec failed, 0 once it succeeded (the pipe closed).
  static int exec_error(int status_fd) {
    int e = 0;
    ssize_t n;
    do {
      n = ::read(status_fd, &e, sizeof e);
    } while (n < 0 && errno == EINTR);
    return n == static_cast<ssize_t>(sizeof e) ? e : 0;
  }

  bool exited() {
    if (reaped_) return true;
    if (pid_ <= 0) return true;
    pid_t r = ::waitpid(pid_, &status_, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) reaped_ = true;
    return reaped_;
  }

  // Waits (until `deadline`) for output and appends it. False once both
  // pipes are closed or the deadline has passed.
  bool pump(Clock::time_point deadline) {
    if (out_fd_ < 0 && err_fd_ < 0) return false;
    auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    int n = ::poll(fds, 2, static_cast<int>(std::min<long long>(left, 50)));
    if (n < 0 && errno != EINTR) return false;
    drain();
    return true;
  }

  void drain() {
    read_all(out_fd_, out_);
    read_all(err_fd_, err_);
  }

  static void read_all(int& fd, std::string& into) {
    if (fd < 0) return;
    char buf[65536];
    for (;;) {
      ssize_t got = ::read(fd, buf, sizeof buf);
      if (got > 0) {
        into.append(buf, static_cast<std::size_t>(got));
      } else if (got == 0) {
        close_fd(fd);
        return;
      } else {
        if (errno == EINTR) continue;
        return;  // EAGAIN: nothing more for now
      }
    }
  }

  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  std::vector<std::string> argv_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  int in_fd_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
  std::string error_;
};

}  // namespace nanocat::test
