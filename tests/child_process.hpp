// A peer program (nngcat, nanocat...) run as a child process for interop
// tests. Its stdout and stderr are captured through pipes, stdin reads
// /dev/null, and it inherits no other descriptor (a child holding a copy of
// a test's listening socket would keep the port open after the test closed
// it). Every wait is bounded, and the destructor always kills and reaps the
// child, so a test that fails half-way leaves no process behind.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;

namespace sprocket::test {

class ChildProcess {
 public:
  using Clock = std::chrono::steady_clock;

  /// Starts `argv[0]` (a full path) with the given arguments. On failure
  /// running() is false and error() says why.
  explicit ChildProcess(std::vector<std::string> argv) : argv_(std::move(argv)) { start(); }
  ~ChildProcess() { kill_and_reap(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool running() const { return pid_ > 0 && !exited_; }
  const std::string& error() const { return error_; }
  /// The child's process id (-1 if it did not start).
  pid_t pid() const { return pid_; }

  /// Reads the child's output until it exits (closing stdout), then reaps
  /// it, waiting at most `timeout` in all. Returns its exit code (128 + the
  /// signal if a signal ended it), or -1 if it is still running.
  int wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (pump(deadline)) {
    }
    while (!exited_ && !reap(false) && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return exited_ ? exit_code_ : -1;
  }

  /// Sends `signal` and waits (at most `timeout`) for the child to exit:
  /// its exit code as wait_exit() gives it, or -1 if it did not exit (the
  /// destructor then kills it).
  int stop(int signal, std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return -1;
    if (!exited_) ::kill(pid_, signal);
    return wait_exit(timeout);
  }

  /// Reads stdout until it contains `needle`, the child closes it, or
  /// `timeout` passes. True if the needle was seen.
  bool wait_for_output(std::string_view needle, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (out_.find(needle) == std::string::npos) {
      if (!pump(deadline)) return out_.find(needle) != std::string::npos;
    }
    return true;
  }

  /// Reads stdout until it holds at least `n` bytes (or EOF, or timeout).
  bool wait_for_bytes(std::size_t n, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (out_.size() < n) {
      if (!pump(deadline)) return out_.size() >= n;
    }
    return true;
  }

  /// What the child printed so far (stdout, stderr).
  const std::string& output() const { return out_; }
  const std::string& errors() {
    drain_stderr();
    return err_;
  }

  /// The command line and everything captured, for failure messages.
  std::string describe() {
    std::string s = "command:";
    for (const auto& a : argv_) s += " " + a;
    s += "\nstdout: [" + out_ + "]\nstderr: [" + errors() + "]";
    if (!error_.empty()) s += "\nspawn error: " + error_;
    return s;
  }

  /// Sends SIGKILL (if still running) and reaps the child, waiting at most
  /// `timeout`. Idempotent.
  void kill_and_reap(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      const auto deadline = Clock::now() + timeout;
      while (!exited_ && Clock::now() < deadline) {
        if (!reap(false)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    close_fd(out_fd_);
    close_fd(err_fd_);
  }

 private:
  void start() {
    int out[2] = {-1, -1}, err[2] = {-1, -1};
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
      error_ = std::string("pipe2: ") + std::strerror(errno);
      for (int fd : {out[0], out[1], err[0], err[1]}) close_fd(fd);
      return;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    std::vector<char*> args;
    for (auto& a : argv_) args.push_back(a.data());
    args.push_back(nullptr);
    int rc = ::posix_spawn(&pid_, argv_.at(0).c_str(), &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close_fd(out[1]);
    close_fd(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
    if (rc != 0) {
      pid_ = -1;
      error_ = "posix_spawn(" + argv_.at(0) + "): " + std::strerror(rc);
    }
    for (int fd : {out_fd_, err_fd_})
      if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }

  // Waits (until `deadline`) for output and appends it. False once stdout
  // is closed or the deadline has passed.
  bool pump(Clock::time_point deadline) {
    if (out_fd_ < 0) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    int n = ::poll(fds, err_fd_ >= 0 ? 2 : 1, static_cast<int>(std::min<long long>(left.count(), 100)));
    if (n < 0 && errno != EINTR) return false;
    drain_stderr();  // a chatty stderr must not fill its pipe and stall the child
    char buf[4096];
    for (;;) {
      ssize_t got = ::read(out_fd_, buf, sizeof buf);
      if (got > 0) {
        out_.append(buf, static_cast<std::size_t>(got));
        continue;
      }
      if (got == 0) {  // the child closed stdout (exited)
        close_fd(out_fd_);
        return false;
      }
      return errno == EAGAIN || errno == EINTR;
    }
  }

  void drain_stderr() {
    if (err_fd_ < 0) return;
    char buf[4096];
    for (;;) {
      ssize_t got = ::read(err_fd_, buf, sizeof buf);
      if (got > 0) {
        err_.append(buf, static_cast<std::size_t>(got));
      } else {
        if (got == 0) close_fd(err_fd_);
        return;
      }
    }
  }

  bool reap(bool block) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      exited_ = true;
    } else if (r < 0 && errno == ECHILD) {
      exited_ = true;
    }
    return exited_;
  }

  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  std::vector<std::string> argv_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_code_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
  std::string error_;
};

}  // namespace sprocket::test
