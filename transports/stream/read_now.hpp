// The system calls of the pump's own reads over a plain socket: one
// non-blocking receive of what the socket holds now, and a bounded wait for
// it to become readable. The strand reads this way so that a receiving
// thread may read the same descriptor in turn (the pump's caller read):
// a read asio started would hold the byte stream for the reactor.
#pragma once

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <ctime>
#include <span>
#include <system_error>

#include <asio/error.hpp>

namespace sprocket::stream {

struct ReadNow {
  std::size_t got = 0;    // bytes read; 0 when there were none now, or on an error
  std::error_code error;  // the peer's end (asio::error::eof) or a failure
};

/// Receives into `into` what `fd` holds now, without blocking.
inline ReadNow read_now(int fd, std::span<std::byte> into) {
  for (;;) {
    const ssize_t n = ::recv(fd, into.data(), into.size(), MSG_DONTWAIT);
    if (n > 0) return {static_cast<std::size_t>(n), {}};
    if (n == 0) return {0, asio::error::eof};
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {0, {}};
    return {0, std::error_code(errno, asio::error::get_system_category())};
  }
}

/// Blocks until `fd` is readable (or reports an error or hang-up, which the
/// next read_now() says) or `until` passes. A signal ends it early too: the
/// caller looks again either way.
inline void wait_readable(int fd, std::chrono::steady_clock::time_point until) {
  const auto left = until - std::chrono::steady_clock::now();
  if (left <= decltype(left)::zero()) return;
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
  const timespec limit{static_cast<std::time_t>(ns / 1'000'000'000),
                       static_cast<long>(ns % 1'000'000'000)};
  pollfd p{fd, POLLIN, 0};
  ::ppoll(&p, 1, &limit, nullptr);
}

}  // namespace sprocket::stream
