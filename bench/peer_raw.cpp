// The raw-socket baselines for bench_stream: what a hand-written program gets
// from blocking POSIX stream sockets (tcp with TCP_NODELAY, or unix-domain),
// each message an 8-byte length (host order) followed by its body.
//   raw          one writev() per message; the reader reads the length, then
//                the body (two read()s or more per message). Any pattern:
//                the listener of a round trip simply echoes.
//   raw_batched  the writer gathers messages into a 64 KiB buffer and writes
//                it when full (bodies that do not fit go out by writev() from
//                their own memory); the reader reads 64 KiB at a time and
//                parses every frame in it. One-way streams only.
// Neither allocates per message: messages are views of reused buffers.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <system_error>
#include <utility>
#include <vector>

#include "stream_driver.hpp"

namespace {

using bench::stream::Pattern;
using bench::stream::Setup;
using bench::stream::Side;
using bench::stream::Transport;

[[noreturn]] void fail(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

/// An owned file descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) noexcept : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  int get() const noexcept { return fd_; }
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_UNSPEC;
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
};

Address address_of(const Setup& s) {
  Address a;
  if (s.transport == Transport::tcp) {
    auto* in = reinterpret_cast<sockaddr_in*>(&a.storage);
    in->sin_family = AF_INET;
    in->sin_port = htons(s.port);
    if (::inet_pton(AF_INET, s.host.c_str(), &in->sin_addr) != 1) throw std::runtime_error("bad host " + s.host);
    a.length = sizeof *in;
    a.family = AF_INET;
  } else {
    auto* un = reinterpret_cast<sockaddr_un*>(&a.storage);
    un->sun_family = AF_UNIX;
    if (s.path.size() >= sizeof un->sun_path) throw std::runtime_error("ipc path too long");
    std::memcpy(un->sun_path, s.path.c_str(), s.path.size() + 1);
    a.length = sizeof *un;
    a.family = AF_UNIX;
  }
  return a;
}

void set_no_delay(int fd, const Setup& s) {
  const int one = 1;
  if (s.transport == Transport::tcp && ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
    fail("TCP_NODELAY");
  }
}

Fd open_listener(const Setup& s) {
  auto a = address_of(s);
  Fd fd(::socket(a.family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) fail("socket");
  const int one = 1;
  if (a.family == AF_INET) ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (a.family == AF_UNIX) ::unlink(s.path.c_str());
  if (::bind(fd.get(), a.get(), a.length) != 0) fail("bind");
  if (::listen(fd.get(), 1) != 0) fail("listen");
  return fd;
}

Fd open_dialer(const Setup& s) {
  auto a = address_of(s);
  Fd fd(::socket(a.family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) fail("socket");
  while (::connect(fd.get(), a.get(), a.length) != 0) {
    if (errno != EINTR) fail("connect");
  }
  set_no_delay(fd.get(), s);
  return fd;
}

/// Writes every byte of the iovecs (which it consumes).
void write_all(int fd, iovec* iov, int count) {
  while (count > 0) {
    ssize_t n = ::writev(fd, iov, count);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("writev");
    for (; count > 0 && static_cast<std::size_t>(n) >= iov->iov_len; ++iov, --count) n -= static_cast<ssize_t>(iov->iov_len);
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + n;
      iov->iov_len -= static_cast<std::size_t>(n);
    }
  }
}

/// Reads at least `min` and at most `max` bytes; returns how many.
std::size_t read_some(int fd, std::byte* p, std::size_t min, std::size_t max) {
  std::size_t got = 0;
  while (got < min) {
    const ssize_t r = ::read(fd, p + got, max - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) fail("read");
    if (r == 0) throw std::runtime_error("connection closed by the peer");
    got += static_cast<std::size_t>(r);
  }
  return got;
}

/// A message: a view of one of the endpoint's buffers, valid until its next call.
struct View {
  std::byte* data;
  std::size_t size;
};

template <bool Batched>
class RawEndpoint {
 public:
  using Msg = View;
  static constexpr std::size_t kBatch = 64 << 10;

  static bool supports(Pattern p, Transport) { return !Batched || p == Pattern::push_pull; }

  explicit RawEndpoint(const Setup& s) : setup_(s) {
    if (s.side == Side::listener) {
      listener_ = open_listener(s);  // the connection is accepted at first use
    } else {
      conn_ = open_dialer(s);
    }
  }

  Msg make(std::size_t n) { return {grow(scratch_, n), n}; }

  void send(Msg&& m) {
    std::uint64_t length = m.size;
    iovec iov[2] = {{&length, sizeof length}, {m.data, m.size}};
    if constexpr (Batched) {
      if (used_ + sizeof length + m.size > kBatch) flush();
      if (sizeof length + m.size <= kBatch) {
        std::memcpy(batch_.get() + used_, &length, sizeof length);
        if (m.size) std::memcpy(batch_.get() + used_ + sizeof length, m.data, m.size);
        used_ += sizeof length + m.size;
        return;
      }
    }
    write_all(fd(), iov, m.size ? 2 : 1);
  }

  void flush() {
    if (used_ == 0) return;
    iovec iov{batch_.get(), used_};
    write_all(fd(), &iov, 1);
    used_ = 0;
  }

  Msg recv() {
    std::uint64_t length = 0;
    if constexpr (!Batched) {
      read_some(fd(), reinterpret_cast<std::byte*>(&length), sizeof length, sizeof length);
      std::byte* body = grow(in_, length);
      read_some(fd(), body, length, length);
      return {body, length};
    } else {
      return recv_buffered();
    }
  }

  static std::byte* data(Msg& m) { return m.data; }
  static std::size_t size(const Msg& m) { return m.size; }

 private:
  static std::byte* grow(std::vector<std::byte>& v, std::size_t n) {
    if (v.size() < n) v.resize(n);
    return v.data();
  }

  int fd() {
    if (conn_.get() < 0) {
      conn_ = Fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (conn_.get() < 0) fail("accept");
      set_no_delay(conn_.get(), setup_);
    }
    return conn_.get();
  }

  /// Makes sure `n` bytes (n <= kBatch) are buffered from begin_ on.
  void fill(std::size_t n) {
    if (end_ - begin_ >= n) return;
    std::memmove(batch_.get(), batch_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    end_ += read_some(fd(), batch_.get() + end_, n - end_, kBatch - end_);
  }

  Msg recv_buffered() {
    std::uint64_t length = 0;
    fill(sizeof length);
    std::memcpy(&length, batch_.get() + begin_, sizeof length);
    begin_ += sizeof length;
    if (length <= kBatch) {  // parsed in place
      fill(length);
      View v{batch_.get() + begin_, length};
      begin_ += length;
      return v;
    }
    std::byte* body = grow(in_, length);  // what is buffered, then straight into the body
    const std::size_t have = end_ - begin_;
    std::memcpy(body, batch_.get() + begin_, have);
    begin_ = end_ = 0;
    read_some(fd(), body + have, length - have, length - have);
    return {body, length};
  }

  Setup setup_;
  Fd listener_;
  Fd conn_;
  std::vector<std::byte> scratch_;  // made messages
  std::vector<std::byte> in_;       // received bodies
  std::unique_ptr<std::byte[]> batch_{Batched ? new std::byte[kBatch] : nullptr};
  std::size_t used_ = 0;                 // writer: bytes in batch_
  std::size_t begin_ = 0, end_ = 0;      // reader: unparsed bytes in batch_
};

}  // namespace

std::vector<bench::stream::Library> raw_stream_libraries() {
  return {bench::stream::make_library<RawEndpoint<false>>("raw"),
          bench::stream::make_library<RawEndpoint<true>>("raw_batched")};
}
