// A pollable flag: an eventfd that is readable exactly while the flag is
// set. NN_SNDFD and NN_RCVFD are two of them per socket.
#pragma once

namespace sprocket::nanomsg {

class SignalFd {
 public:
  /// Opens the eventfd; throws std::system_error if the process is out of
  /// descriptors.
  SignalFd();
  ~SignalFd();
  SignalFd(const SignalFd&) = delete;
  SignalFd& operator=(const SignalFd&) = delete;

  int fd() const noexcept { return fd_; }
  /// Makes the descriptor readable (true) or not (false). Idempotent; the
  /// owner serialises calls.
  void set(bool on) noexcept;
  bool is_set() const noexcept { return on_; }

 private:
  int fd_;
  bool on_ = false;
};

}  // namespace sprocket::nanomsg
