// Helpers for the tcp and ipc tests: unique addresses (so tests can run in
// parallel), the SP wire bytes written by hand, and a raw POSIX client socket
// whose every read and write is bounded by a deadline.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "process_usage.hpp"
#include "test_util.hpp"

namespace sprocket::test {

enum class Transport { tcp, ipc };

inline const char* transport_name(Transport t) { return t == Transport::tcp ? "tcp" : "ipc"; }
inline void PrintTo(Transport t, std::ostream* os) { *os << transport_name(t); }

/// For INSTANTIATE_TEST_SUITE_P: names cases ".../tcp" and ".../ipc".
struct TransportName {
  template <class Info>
  std::string operator()(const Info& info) const {
    return transport_name(info.param);
  }
};

/// A private directory for this test process's ipc sockets, removed (with
/// whatever is left in it) when the process exits. Kept short: a unix
/// socket path holds at most 107 bytes.
inline const std::filesystem::path& ipc_dir() {
  struct Dir {
    std::filesystem::path path;
    Dir() {
      char tmpl[] = "/tmp/sprocket-stream-XXXXXX";
      if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
      path = tmpl;
    }
    ~Dir() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  };
  static Dir dir;
  return dir.path;
}

/// A fresh socket path in ipc_dir() (nothing exists there yet).
inline std::string unique_ipc_path() {
  static std::atomic<unsigned> counter{0};
  return (ipc_dir() / (std::to_string(counter.fetch_add(1)) + ".sock")).string();
}

/// A TCP port on 127.0.0.1 that was free a moment ago: bound to port 0 and
/// released. For peers that must listen on a port chosen in advance; a
/// sprocket listener uses port 0 and Listener::port() instead.
inline std::uint16_t free_tcp_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  std::uint16_t port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  if (fd >= 0) ::close(fd);
  return port;
}

/// True when this machine can bind the IPv6 loopback address.
inline bool have_ipv6_loopback() {
  int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

/// Where a test listens and where its peers dial. For tcp the listener asks
/// for port 0 and the dial URL is filled in from Listener::port().
struct Endpoint {
  Transport transport;
  std::string listen_url;
  std::string dial_url;  // empty until known (tcp: after listen)
  std::string path;      // ipc only

  static Endpoint make(Transport t) {
    if (t == Transport::tcp) return {t, "tcp://127.0.0.1:0", "", ""};
    auto path = unique_ipc_path();
    return {t, "ipc://" + path, "ipc://" + path, path};
  }
  /// An address nobody listens on yet, with the same URL for both sides.
  static Endpoint make_fixed(Transport t) {
    if (t == Transport::ipc) return make(t);
    auto url = "tcp://127.0.0.1:" + std::to_string(free_tcp_port());
    return {t, url, url, ""};
  }
  /// Records the bound port after listening with port 0.
  void bound(const Listener& l) {
    if (transport == Transport::tcp && dial_url.empty())
      dial_url = "tcp://127.0.0.1:" + std::to_string(l.port());
  }
  /// The listen URL with the actual port, to listen there again.
  std::string relisten_url() const { return dial_url; }
};

// ------------------------------------------------------------------ wire bytes

using Bytes = std::vector<std::uint8_t>;

/// The 8-byte SP header: 0x00 'S' 'P' version | protocol id | reserved.
inline Bytes sp_header(std::uint16_t protocol, std::uint8_t version = 0,
                       std::uint8_t reserved0 = 0, std::uint8_t reserved1 = 0) {
  return {0x00, 'S', 'P', version, std::uint8_t(protocol >> 8), std::uint8_t(protocol & 0xff),
          reserved0, reserved1};
}

/// A frame prefix (ipc: type byte first) for a payload of `length` bytes.
inline Bytes frame_prefix(Transport t, std::uint64_t length, std::uint8_t ipc_type = 0x01) {
  Bytes out;
  if (t == Transport::ipc) out.push_back(ipc_type);
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(std::uint8_t(length >> shift));
  return out;
}

inline Bytes frame(Transport t, std::string_view payload) {
  Bytes out = frame_prefix(t, payload.size());
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

inline std::string hex(std::span<const std::uint8_t> b) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (auto c : b) {
    if (!s.empty()) s += ' ';
    s += digits[c >> 4];
    s += digits[c & 15];
  }
  return s;
}

// ------------------------------------------------------------------ raw socket

/// A plain client socket for speaking (or mangling) the wire by hand.
class RawStream {
 public:
  RawStream() = default;
  explicit RawStream(int fd) : fd_(fd) {}
  ~RawStream() { close(); }
  RawStream(RawStream&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  RawStream& operator=(RawStream&& o) noexcept {
    if (this != &o) {
      close();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }

  /// Connects (blocking; loopback connects complete or fail at once).
  static RawStream connect_tcp(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      fd = -1;
    }
    return RawStream(fd);
  }
  static RawStream connect_ipc(const std::string& path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      fd = -1;
    }
    return RawStream(fd);
  }
  static RawStream connect(const Endpoint& e, std::uint16_t port) {
    return e.transport == Transport::tcp ? connect_tcp(port) : connect_ipc(e.path);
  }

  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  /// Writes everything; false on any error (MSG_NOSIGNAL: a peer that closed
  /// gives EPIPE, not a SIGPIPE that kills the test).
  bool write_all(std::span<const std::uint8_t> bytes,
                 std::chrono::milliseconds timeout = kEventTimeout) {
    const auto deadline = Clock::now() + timeout;
    std::size_t at = 0;
    while (at < bytes.size()) {
      if (!wait_ready(POLLOUT, deadline)) return false;
      ssize_t n = ::send(fd_, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) return false;
      at += static_cast<std::size_t>(n);
    }
    return true;
  }
  bool write_all(std::string_view s) {
    return write_all(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
  }

  /// Reads exactly `n` bytes; empty optional on EOF, error or timeout.
  std::optional<Bytes> read_exact(std::size_t n, std::chrono::milliseconds timeout = kEventTimeout) {
    const auto deadline = Clock::now() + timeout;
    Bytes out(n);
    std::size_t at = 0;
    while (at < n) {
      if (!wait_ready(POLLIN, deadline)) return std::nullopt;
      ssize_t got = ::recv(fd_, out.data() + at, n - at, MSG_DONTWAIT);
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (got <= 0) return std::nullopt;
      at += static_cast<std::size_t>(got);
    }
    return out;
  }

  /// Waits up to `timeout` for the peer to close the connection (EOF or an
  /// error such as a reset), discarding what it sends first. True if closed.
  bool wait_closed(std::chrono::milliseconds timeout = kEventTimeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      if (!wait_ready(POLLIN, deadline)) return false;
      char buf[4096];
      ssize_t got = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (got == 0) return true;
      if (got < 0 && errno != EAGAIN && errno != EINTR) return true;
    }
  }

  /// A slow drip: writes all of `bytes` but the last, one byte every 100 ms
  /// (each pause doubling as the wait for the peer to hang up), stopping
  /// when the peer hangs up; then waits up to 5 s more for it to. True if
  /// the peer closed the connection.
  bool drip_until_closed(std::span<const std::uint8_t> bytes) {
    bool closed = false;
    for (std::size_t i = 0; i + 1 < bytes.size() && !closed; ++i) {
      if (!write_all(bytes.subspan(i, 1))) break;  // it hung up under our write
      closed = wait_closed(std::chrono::milliseconds(100));
    }
    return closed || wait_closed(std::chrono::seconds(5));
  }
  bool drip_until_closed(std::string_view s) {
    return drip_until_closed(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
  }

  /// Polls for `events` until `deadline`; true when ready (or in error).
  bool wait_ready(short events, Clock::time_point deadline) {
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() < 0) return false;
      pollfd p{fd_, events, 0};
      int n = ::poll(&p, 1, static_cast<int>(left.count()));
      if (n > 0) return true;
      if (n == 0 && Clock::now() >= deadline) return false;
      if (n < 0 && errno != EINTR) return false;
    }
  }

  /// Closes with an RST instead of a FIN (tcp only): SO_LINGER of zero.
  void abort() {
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close();
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

/// Descriptors this process has open.
inline std::size_t open_fds() {
  std::error_code ec;
  std::size_t n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++n;
  return n;
}

}  // namespace sprocket::test
