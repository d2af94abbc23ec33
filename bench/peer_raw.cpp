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
// The other experiments, under the name raw:
//   fanout       the publisher accepts its subscribers and writes every
//                batch (as raw_batched) to each of them in turn; blocking,
//                so the slowest subscriber sets the pace and nothing is lost.
//   connect      each dialer endpoint is one blocking connect(); the
//                listener accepts and reads with epoll (nonblocking sockets).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
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
  if (::listen(fd.get(), SOMAXCONN) != 0) fail("listen");  // connect: a thousand at once
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

/// connect's listener: accepts every connection and returns the first
/// frame (of at most 56 B of body) each one sends, with epoll.
class ManyReceiver {
 public:
  explicit ManyReceiver(int listener) : listener_(listener), epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (epoll_.get() < 0) fail("epoll_create1");
    if (::fcntl(listener_, F_SETFL, ::fcntl(listener_, F_GETFL) | O_NONBLOCK) != 0) fail("O_NONBLOCK");
    watch(listener_, kListenerTag);
  }

  View recv() {
    while (done_.empty()) wait();
    out_ = done_.front();
    done_.pop_front();
    return {out_.data() + sizeof(std::uint64_t), length(out_)};
  }

 private:
  static constexpr std::uint64_t kListenerTag = ~std::uint64_t{0};
  using Frame = std::array<std::byte, 64>;
  struct Conn {
    Fd fd;
    Frame buf{};
    std::size_t have = 0;
  };

  static std::size_t length(const Frame& f) {
    std::uint64_t n;
    std::memcpy(&n, f.data(), sizeof n);
    return n;
  }

  void watch(int fd, std::uint64_t tag) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = tag;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) fail("epoll_ctl");
  }

  void wait() {
    std::array<epoll_event, 64> events;
    const int n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), -1);
    if (n < 0 && errno != EINTR) fail("epoll_wait");
    for (int i = 0; i < n; ++i) {
      if (events[i].data.u64 == kListenerTag) {
        accept_all();
      } else {
        read_from(conns_[events[i].data.u64]);
      }
    }
  }

  void accept_all() {
    for (;;) {
      Fd fd(::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
      if (fd.get() < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        if (errno == EINTR || errno == ECONNABORTED) continue;
        fail("accept");
      }
      watch(fd.get(), conns_.size());
      conns_.push_back({std::move(fd)});
    }
  }

  void read_from(Conn& c) {
    const ssize_t r = ::read(c.fd.get(), c.buf.data() + c.have, c.buf.size() - c.have);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (r < 0) fail("read");
    if (r == 0) throw std::runtime_error("connection closed by the peer before its message");
    c.have += static_cast<std::size_t>(r);
    while (c.have >= sizeof(std::uint64_t)) {
      const std::size_t frame = sizeof(std::uint64_t) + length(c.buf);
      if (frame > c.buf.size()) throw std::runtime_error("connect: a message over 56 B");
      if (c.have < frame) return;
      done_.push_back(c.buf);
      std::memmove(c.buf.data(), c.buf.data() + frame, c.have - frame);
      c.have -= frame;
    }
  }

  int listener_;
  Fd epoll_;
  std::deque<Conn> conns_;  // stable addresses; index = epoll tag
  std::deque<Frame> done_;
  Frame out_{};
};

template <bool Batched>
class RawEndpoint {
 public:
  using Msg = View;
  static constexpr std::size_t kBatch = 64 << 10;

  static bool supports(Pattern p, Transport t) {
    if (t == Transport::ws || t == Transport::tls) return false;
    return Batched ? p == Pattern::push_pull : (t == Transport::tcp || (p != Pattern::pub_sub && p != Pattern::many));
  }

  explicit RawEndpoint(const Setup& s) : setup_(s) {
    if (s.side == Side::listener) {
      listener_ = open_listener(s);  // the connections are accepted at first use
      if (s.pattern == Pattern::many) many_ = std::make_unique<ManyReceiver>(listener_.get());
    } else {
      conns_.push_back(open_dialer(s));
    }
  }

  Msg make(std::size_t n) { return {grow(scratch_, n), n}; }

  void send(Msg&& m) {
    std::uint64_t length = m.size;
    iovec iov[2] = {{&length, sizeof length}, {m.data, m.size}};
    if (batched_) {
      if (used_ + sizeof length + m.size > kBatch) flush();
      if (sizeof length + m.size <= kBatch) {
        std::memcpy(batch_.get() + used_, &length, sizeof length);
        if (m.size) std::memcpy(batch_.get() + used_ + sizeof length, m.data, m.size);
        used_ += sizeof length + m.size;
        return;
      }
    }
    write_everywhere(iov, m.size ? 2 : 1);
  }

  void flush() {
    if (used_ == 0) return;
    iovec iov{batch_.get(), used_};
    write_everywhere(&iov, 1);
    used_ = 0;
  }

  Msg recv() {
    std::uint64_t length = 0;
    if (many_) return many_->recv();
    if (!batched_) {
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

  /// The connection (fanout's publisher: the first of them), accepted now if
  /// need be; a publisher accepts every subscriber first.
  int fd() {
    const std::size_t want = setup_.pattern == Pattern::pub_sub ? setup_.count : 1;
    while (conns_.size() < want) {
      Fd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (conn.get() < 0) fail("accept");
      set_no_delay(conn.get(), setup_);
      conns_.push_back(std::move(conn));
    }
    return conns_.front().get();
  }

  /// Writes the iovecs to the connection, or to every subscriber in turn.
  void write_everywhere(const iovec* iov, int count) {
    fd();
    for (auto& conn : conns_) {
      iovec copy[2] = {iov[0], count > 1 ? iov[1] : iovec{}};
      write_all(conn.get(), copy, count);
    }
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
  // fanout's publisher batches like raw_batched (its subscribers read so too).
  const bool batched_ = Batched || setup_.pattern == Pattern::pub_sub;
  Fd listener_;
  std::vector<Fd> conns_;
  std::unique_ptr<ManyReceiver> many_;
  std::vector<std::byte> scratch_;  // made messages
  std::vector<std::byte> in_;       // received bodies
  std::unique_ptr<std::byte[]> batch_{batched_ ? new std::byte[kBatch] : nullptr};
  std::size_t used_ = 0;                 // writer: bytes in batch_
  std::size_t begin_ = 0, end_ = 0;      // reader: unparsed bytes in batch_
};

}  // namespace

std::vector<bench::stream::Library> raw_stream_libraries() {
  return {bench::stream::make_library<RawEndpoint<false>>("raw"),
          bench::stream::make_library<RawEndpoint<true>>("raw_batched")};
}
