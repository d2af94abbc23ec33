// Addresses of the stream transports: every tcp:// form (IPv4, [IPv6],
// names, wildcards, port 0), malformed URLs, ports and paths already taken,
// and how ipc:// treats what it finds at its path (stale socket files are
// replaced; live sockets and other files are left alone).
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <filesystem>
#include <optional>

#include "transports/stream/stream_test_util.hpp"

namespace sprocket::test {
namespace {

using Kind = PipeEvent::Kind;

class StreamAddressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bound_blocking_calls(a_);
    bound_blocking_calls(b_);
  }

  /// b_ dials `url`; both sides see the pipe and one message crosses each way.
  void expect_connects(const std::string& url) {
    b_.dial(url);
    ASSERT_TRUE(a_events_.wait_added()) << url << ": " << a_events_.summary();
    ASSERT_TRUE(b_events_.wait_added()) << url << ": " << b_events_.summary();
    b_.send("to " + url);
    EXPECT_EQ(to_string(a_.recv()), "to " + url);
    a_.send("from " + url);
    EXPECT_EQ(to_string(b_.recv()), "from " + url);
  }

  Socket a_{sprocket::pair};
  Socket b_{sprocket::pair};
  PipeEventRecorder a_events_{a_};
  PipeEventRecorder b_events_{b_};
};

// ------------------------------------------------------------------ tcp forms

TEST_F(StreamAddressTest, TcpPortZeroReportsTheChosenPort) {
  Listener l = a_.listen("tcp://127.0.0.1:0");
  ASSERT_NE(l.port(), 0);
  EXPECT_EQ(l.url(), "tcp://127.0.0.1:0");
  expect_connects("tcp://127.0.0.1:" + std::to_string(l.port()));
}

TEST_F(StreamAddressTest, TcpIpv6Loopback) {
  if (!have_ipv6_loopback()) {
    // A machine without IPv6 (e.g. `unshare -rn`, where lo is down): the URL
    // still parses (a dial is accepted and retries in the background), and
    // listening is refused as for any address that is not this machine's.
    std::error_code ec;
    b_.dial("tcp://[::1]:5555", {}, ec);
    EXPECT_FALSE(ec) << ec.message();
    a_.listen("tcp://[::1]:0", {}, ec);
    EXPECT_EQ(ec, make_error_code(errc::invalid_address)) << ec.message();
    return;
  }
  Listener l = a_.listen("tcp://[::1]:0");
  ASSERT_NE(l.port(), 0);
  const std::string url = "tcp://[::1]:" + std::to_string(l.port());
  expect_connects(url);
  EXPECT_EQ(b_events_.events(Kind::added).at(0).peer_address, url);
  EXPECT_EQ(a_events_.events(Kind::added).at(0).peer_address.rfind("tcp://[::1]:", 0), 0u)
      << a_events_.events(Kind::added).at(0).peer_address;
}

TEST_F(StreamAddressTest, TcpDialByHostName) {
  Listener l = a_.listen("tcp://127.0.0.1:0");
  // "localhost" may resolve to ::1 first: the dialer tries each address.
  expect_connects("tcp://localhost:" + std::to_string(l.port()));
}

TEST_F(StreamAddressTest, TcpListenOnEveryInterfaceWithStar) {
  Listener l = a_.listen("tcp://*:0");
  ASSERT_NE(l.port(), 0);
  expect_connects("tcp://127.0.0.1:" + std::to_string(l.port()));
}

TEST_F(StreamAddressTest, TcpListenOnEveryInterfaceWithEmptyHost) {
  Listener l = a_.listen("tcp://:0");
  ASSERT_NE(l.port(), 0);
  expect_connects("tcp://127.0.0.1:" + std::to_string(l.port()));
}

TEST_F(StreamAddressTest, TcpListenOnAFixedPort) {
  const auto port = free_tcp_port();
  const std::string url = "tcp://127.0.0.1:" + std::to_string(port);
  Listener l = a_.listen(url);
  EXPECT_EQ(l.port(), port);
  expect_connects(url);
}

TEST_F(StreamAddressTest, TcpListeningTwiceOnOnePortIsAddressInUse) {
  Listener l = a_.listen("tcp://127.0.0.1:0");
  const std::string url = "tcp://127.0.0.1:" + std::to_string(l.port());
  std::error_code ec;
  Listener second = b_.listen(url, {}, ec);
  EXPECT_ERRC(ec, errc::address_in_use);
  EXPECT_TRUE(ec == std::errc::address_in_use);
  EXPECT_FALSE(second);
  a_.listen(url, {}, ec);  // the same socket twice: the same answer
  EXPECT_ERRC(ec, errc::address_in_use);

  std::string what;
  EXPECT_ERRC(thrown_code([&] { b_.listen(url); }, &what), errc::address_in_use);
  EXPECT_NE(what.find(url), std::string::npos) << what;
  // The first listener is unharmed.
  expect_connects(url);
}

/// SO_KEEPALIVE and TCP_NODELAY of this process's connected IPv4 socket
/// whose local (or, with `by_peer`, remote) port is `port`.
struct TcpOpts {
  int keepalive = -1;
  int nodelay = -1;
};
std::optional<TcpOpts> connected_socket_opts(std::uint16_t port, bool by_peer) {
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    int fd = std::atoi(it->path().filename().c_str());
    sockaddr_in local{}, remote{};
    socklen_t llen = sizeof local, rlen = sizeof remote;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &llen) != 0 ||
        ::getpeername(fd, reinterpret_cast<sockaddr*>(&remote), &rlen) != 0 ||
        local.sin_family != AF_INET)
      continue;  // not a socket, not connected (a listener), or not IPv4
    if (ntohs(by_peer ? remote.sin_port : local.sin_port) != port) continue;
    TcpOpts o;
    socklen_t len = sizeof o.keepalive;
    ::getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &o.keepalive, &len);
    len = sizeof o.nodelay;
    ::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &o.nodelay, &len);
    return o;
  }
  return std::nullopt;
}

TEST_F(StreamAddressTest, TcpNoDelayAlwaysAndKeepaliveWhereAsked) {
  Listener l = a_.listen("tcp://127.0.0.1:0", {.tcp_keepalive = true});
  expect_connects("tcp://127.0.0.1:" + std::to_string(l.port()));  // b_ dials without it
  auto accepted = connected_socket_opts(l.port(), false);
  auto dialed = connected_socket_opts(l.port(), true);
  ASSERT_TRUE(accepted && dialed) << "connection sockets not found in /proc/self/fd";
  EXPECT_EQ(accepted->keepalive, 1) << "the listener was given tcp_keepalive";
  EXPECT_EQ(dialed->keepalive, 0) << "the dialer was not";
  EXPECT_EQ(accepted->nodelay, 1);
  EXPECT_EQ(dialed->nodelay, 1);
}

// ------------------------------------------------------------------ malformed

struct BadUrl {
  const char* why;
  std::string url;
  bool dial;    // dialing it must fail
  bool listen;  // listening on it must fail
};

std::vector<BadUrl> bad_urls() {
  return {
      {"no port", "tcp://127.0.0.1", true, true},
      {"empty port", "tcp://127.0.0.1:", true, true},
      {"port above 65535", "tcp://127.0.0.1:99999", true, true},
      {"port not a number", "tcp://127.0.0.1:http", true, true},
      {"port with trailing junk", "tcp://127.0.0.1:55x", true, true},
      {"negative port", "tcp://127.0.0.1:-1", true, true},
      {"unbracketed IPv6", "tcp://::1:5555", true, true},
      {"unclosed bracket", "tcp://[::1:5555", true, true},
      {"empty brackets", "tcp://[]:5555", true, true},
      // Found by the url fuzz target (docs/fuzzing.md): dialing these used to
      // succeed and then fail name resolution on every retry.
      {"line break in the host", "tcp://local\r\nhost:5555", true, true},
      {"space in the host", "tcp://local host:5555", true, true},
      {"control character in the host", "tcp://local\x01host:5555", true, true},
      {"no host to dial", "tcp://:5555", true, false},
      {"wildcard host to dial", "tcp://*:5555", true, false},
      {"port 0 to dial", "tcp://127.0.0.1:0", true, false},
      {"nothing after the scheme", "tcp://", true, true},
      {"empty ipc path", "ipc://", true, true},
      {"ipc path of 200 characters", "ipc:///tmp/" + std::string(200, 'x'), true, true},
  };
}

TEST_F(StreamAddressTest, MalformedAddressesAreInvalidAndNamed) {
  for (const BadUrl& bad : bad_urls()) {
    SCOPED_TRACE(bad.url + " (" + bad.why + ")");
    std::error_code ec;
    if (bad.dial) {
      Dialer d = b_.dial(bad.url, {}, ec);
      EXPECT_ERRC(ec, errc::invalid_address);
      EXPECT_FALSE(d);
      std::string what;
      EXPECT_ERRC(thrown_code([&] { b_.dial(bad.url); }, &what), errc::invalid_address);
      EXPECT_NE(what.find(bad.url), std::string::npos) << what;
    }
    if (bad.listen) {
      Listener l = a_.listen(bad.url, {}, ec);
      EXPECT_ERRC(ec, errc::invalid_address);
      EXPECT_FALSE(l);
      std::string what;
      EXPECT_ERRC(thrown_code([&] { a_.listen(bad.url); }, &what), errc::invalid_address);
      EXPECT_NE(what.find(bad.url), std::string::npos) << what;
    }
  }
  EXPECT_EQ(a_.stats().pipes_added + b_.stats().pipes_added, 0u);
}

TEST_F(StreamAddressTest, ListeningOnAnAddressOfAnotherMachineIsInvalid) {
  std::error_code ec;
  a_.listen("tcp://192.0.2.1:0", {}, ec);  // TEST-NET-1: never a local address
  EXPECT_ERRC(ec, errc::invalid_address);
}

// ------------------------------------------------------------------ ipc paths

/// Binds a raw unix socket at `path`; listens on it unless told not to.
/// Returns the descriptor (closing it leaves the socket file behind).
int bind_raw_unix(const std::string& path, bool listen) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      (listen && ::listen(fd, 8) != 0)) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  return fd;
}

bool is_socket(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

TEST_F(StreamAddressTest, IpcUniquePathConnects) {
  const std::string url = "ipc://" + unique_ipc_path();
  Listener l = a_.listen(url);
  EXPECT_EQ(l.port(), 0) << "ipc has no port";
  expect_connects(url);
}

TEST_F(StreamAddressTest, IpcStaleSocketFileIsReplaced) {
  const std::string path = unique_ipc_path();
  int fd = bind_raw_unix(path, false);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  ::close(fd);  // a dead owner: the file stays, nobody answers on it
  ASSERT_TRUE(is_socket(path));

  std::error_code ec;
  a_.listen("ipc://" + path, {}, ec);
  ASSERT_NO_ERROR(ec);
  expect_connects("ipc://" + path);
}

TEST_F(StreamAddressTest, IpcLiveSocketIsAddressInUse) {
  const std::string path = unique_ipc_path();
  int fd = bind_raw_unix(path, true);
  ASSERT_GE(fd, 0) << std::strerror(errno);

  std::error_code ec;
  Listener l = a_.listen("ipc://" + path, {}, ec);
  EXPECT_ERRC(ec, errc::address_in_use);
  EXPECT_FALSE(l);
  // Its owner still serves there: the file was not taken away.
  RawStream probe = RawStream::connect_ipc(path);
  EXPECT_TRUE(probe.ok()) << "the live socket file was removed";
  ::close(fd);
}

TEST_F(StreamAddressTest, IpcListeningTwiceOnOnePathIsAddressInUse) {
  const std::string url = "ipc://" + unique_ipc_path();
  a_.listen(url);
  std::error_code ec;
  b_.listen(url, {}, ec);
  EXPECT_ERRC(ec, errc::address_in_use);
  expect_connects(url);  // the first listener is unharmed
}

TEST_F(StreamAddressTest, IpcRegularFileIsNeverDeleted) {
  const std::string path = unique_ipc_path();
  { std::ofstream(path) << "precious"; }
  std::error_code ec;
  Listener l = a_.listen("ipc://" + path, {}, ec);
  EXPECT_ERRC(ec, errc::address_in_use);
  EXPECT_FALSE(l);
  std::ifstream in(path);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");
}

TEST_F(StreamAddressTest, IpcClosingTheListenerRemovesItsSocketFile) {
  const std::string path = unique_ipc_path();
  Listener l = a_.listen("ipc://" + path);
  EXPECT_TRUE(is_socket(path));
  l.close();
  EXPECT_FALSE(is_socket(path));
  a_.listen("ipc://" + path);  // and the path can be used again
  expect_connects("ipc://" + path);
}

TEST_F(StreamAddressTest, IpcPathInAMissingDirectoryIsInvalid) {
  std::error_code ec;
  a_.listen("ipc://" + (ipc_dir() / "no-such-dir" / "x.sock").string(), {}, ec);
  EXPECT_ERRC(ec, errc::invalid_address);
}

TEST_F(StreamAddressTest, IpcDialToAMissingPathIsRefused) {
  std::error_code ec;
  b_.dial("ipc://" + unique_ipc_path(), {.wait_connected = true}, ec);
  EXPECT_ERRC(ec, errc::connection_refused);
}

}  // namespace
}  // namespace sprocket::test
