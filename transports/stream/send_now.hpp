// The system calls of a write made by the sending thread itself (the
// pump's caller write): one non-blocking gather send of what the socket
// takes now, and what is left of a batch after part of it went; and how
// much of it the pump's own writes offer the kernel at once.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <limits>
#include <system_error>
#include <vector>

#include <asio/buffer.hpp>

namespace sprocket::stream {

struct SendNow {
  std::size_t sent = 0;
  std::error_code error;  // set only for a failure; "would block" is not one
};

/// A completion condition for asio::async_write that offers the kernel all
/// that is left in every system call. asio's default (transfer_all) offers
/// at most 64 KiB per call, so the rest of a 1 MiB message took sixteen
/// writes, each a trip through the reactor.
struct AllThatIsLeft {
  std::size_t operator()(const std::error_code& ec, std::size_t) const {
    return ec ? 0 : std::numeric_limits<std::size_t>::max();
  }
};

/// Sends as much of `buffers` as the socket `fd` takes without blocking.
/// Never raises SIGPIPE.
inline SendNow send_now(int fd, const std::vector<asio::const_buffer>& buffers) {
  SendNow r;
  std::size_t first = 0;    // the buffer the next call starts in
  std::size_t offset = 0;   // bytes of it already sent
  iovec iov[IOV_MAX];
  while (first < buffers.size()) {
    std::size_t count = 0;
    for (std::size_t i = first; i < buffers.size() && count < IOV_MAX; ++i, ++count) {
      const std::size_t skip = i == first ? offset : 0;
      iov[count].iov_base = const_cast<char*>(static_cast<const char*>(buffers[i].data()) + skip);
      iov[count].iov_len = buffers[i].size() - skip;
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = count;
    const ssize_t n = ::sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) r.error = {errno, std::generic_category()};
      return r;
    }
    r.sent += static_cast<std::size_t>(n);
    // Step over what went; a short send means the socket's buffer is full.
    std::size_t left = static_cast<std::size_t>(n);
    bool short_send = false;
    for (std::size_t i = 0; i < count; ++i) {
      if (left < iov[i].iov_len) {
        offset = (i == 0 ? offset : 0) + left;
        first += i;
        short_send = true;
        break;
      }
      left -= iov[i].iov_len;
    }
    if (short_send) return r;
    first += count;
    offset = 0;
  }
  return r;
}

/// `buffers` without their first `skip` bytes.
inline std::vector<asio::const_buffer> buffers_after(const std::vector<asio::const_buffer>& buffers,
                                                     std::size_t skip) {
  std::vector<asio::const_buffer> rest;
  for (const asio::const_buffer& b : buffers) {
    if (skip >= b.size()) {
      skip -= b.size();
      continue;
    }
    rest.push_back(b + skip);
    skip = 0;
  }
  return rest;
}

}  // namespace sprocket::stream
