#include "src/compat/nanomsg/signal_fd.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace sprocket::nanomsg {

SignalFd::SignalFd() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

SignalFd::~SignalFd() { ::close(fd_); }

void SignalFd::set(bool on) noexcept {
  if (on == on_) return;
  on_ = on;
  std::uint64_t value = 1;
  // Non-blocking: a write cannot fail while the counter is 0 or 1, and a
  // read of a set counter always succeeds; either way the state is on_.
  if (on) {
    [[maybe_unused]] auto n = ::write(fd_, &value, sizeof value);
  } else {
    [[maybe_unused]] auto n = ::read(fd_, &value, sizeof value);
  }
}

}  // namespace sprocket::nanomsg
