// The local address of a tcp dial, "tcp://local;host:port": the connection
// leaves from that address (the listener sees it as the peer), by address
// literal, [IPv6] or host name; ws dials the same way (it dials through
// TcpTraits::connect). Refused: a local address that is not this machine's
// (the message names it), a name that does not resolve, one with no
// address in the host's family, malformed local parts, and ';' in a
// listen URL. (Linux answers for all of 127.0.0.0/8 on lo, so 127.0.0.2
// is a second local address on every test machine.)
#include <string>
#include <system_error>

#include "transports/stream/stream_test_util.hpp"

namespace sprocket::test {
namespace {

using Kind = PipeEvent::Kind;

class TcpLocalAddressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bound_blocking_calls(a_);
    bound_blocking_calls(b_);
  }

  /// b_ dials `url`; both sides see the pipe, a message crosses each way,
  /// and a_'s peer address is returned.
  std::string connect_and_exchange(const std::string& url) {
    b_.dial(url);
    EXPECT_TRUE(a_events_.wait_added()) << url << ": " << a_events_.summary();
    EXPECT_TRUE(b_events_.wait_added()) << url << ": " << b_events_.summary();
    b_.send("ping");
    EXPECT_EQ(to_string(a_.recv()), "ping");
    a_.send("pong");
    EXPECT_EQ(to_string(b_.recv()), "pong");
    auto added = a_events_.events(Kind::added);
    return added.empty() ? std::string() : added.at(0).peer_address;
  }

  /// The error and message of `dial(url)`, which must fail.
  std::system_error dial_error(const std::string& url, const EndpointOptions& options = {}) {
    try {
      b_.dial(url, options);
    } catch (const std::system_error& e) {
      return e;
    }
    ADD_FAILURE() << "dial(" << url << ") succeeded";
    return std::system_error(std::error_code());
  }

  Socket a_{sprocket::pair};
  Socket b_{sprocket::pair};
  PipeEventRecorder a_events_{a_};
  PipeEventRecorder b_events_{b_};
};

std::string port_of(const Listener& l) { return std::to_string(l.port()); }

TEST_F(TcpLocalAddressTest, DialLeavesFromTheLocalAddress) {
  Listener l = a_.listen("tcp://127.0.0.1:0");
  auto peer = connect_and_exchange("tcp://127.0.0.2;127.0.0.1:" + port_of(l));
  EXPECT_EQ(peer.rfind("tcp://127.0.0.2:", 0), 0u) << peer;
}

TEST_F(TcpLocalAddressTest, WithoutLocalAddressTheRoutingTableChooses) {
  Listener l = a_.listen("tcp://127.0.0.1:0");
  auto peer = connect_and_exchange("tcp://127.0.0.1:" + port_of(l));
  EXPECT_EQ(peer.rfind("tcp://127.0.0.1:", 0), 0u) << peer;
}

TEST_F(TcpLocalAddressTest, LocalHostNameTakesItsAddressOfTheHostsFamily) {
  // "localhost" may resolve to ::1 as well: the IPv4 one is bound for an
  // IPv4 host.
  Listener l = a_.listen("tcp://127.0.0.1:0");
  auto peer = connect_and_exchange("tcp://localhost;127.0.0.1:" + port_of(l));
  EXPECT_EQ(peer.rfind("tcp://127.0.0.1:", 0), 0u) << peer;
}

TEST_F(TcpLocalAddressTest, Ipv6LocalAddress) {
  ASSERT_TRUE(have_ipv6_loopback()) << "this machine has no IPv6 loopback (::1), which the test needs";
  Listener l = a_.listen("tcp://[::1]:0");
  auto peer = connect_and_exchange("tcp://[::1];[::1]:" + port_of(l));
  EXPECT_EQ(peer.rfind("tcp://[::1]:", 0), 0u) << peer;
}

TEST_F(TcpLocalAddressTest, WsDialLeavesFromTheLocalAddress) {
  Listener l = a_.listen("ws://127.0.0.1:0/local");
  auto peer = connect_and_exchange("ws://127.0.0.2;127.0.0.1:" + port_of(l) + "/local");
  EXPECT_EQ(peer.rfind("ws://127.0.0.2:", 0), 0u) << peer;
}

TEST_F(TcpLocalAddressTest, ForeignLocalAddressIsRefusedByDialNamingIt) {
  // 192.0.2.0/24 is TEST-NET-1: no machine's own.
  for (std::string url : {"tcp://192.0.2.1;127.0.0.1:5555", "ws://192.0.2.1;127.0.0.1:5555/p"}) {
    auto e = dial_error(url);
    EXPECT_EQ(e.code(), make_error_code(errc::invalid_address)) << url;
    EXPECT_NE(std::string(e.what()).find("192.0.2.1 is not an address of this machine"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(TcpLocalAddressTest, LocalNameThatDoesNotResolveFailsTheAttemptNamingIt) {
  Listener l = a_.listen("tcp://127.0.0.1:0");
  // A name resolves only when the attempt runs: wait_connected returns
  // the first attempt's error.
  auto e = dial_error("tcp://nonexistent.invalid;127.0.0.1:" + port_of(l),
                      EndpointOptions{}.with_wait_connected());
  EXPECT_EQ(e.code(), make_error_code(errc::invalid_address));
  EXPECT_NE(std::string(e.what()).find("local host not found: nonexistent.invalid"),
            std::string::npos)
      << e.what();
}

TEST_F(TcpLocalAddressTest, LocalAddressOfAnotherFamilyThanTheHostFailsTheAttempt) {
  ASSERT_TRUE(have_ipv6_loopback()) << "this machine has no IPv6 loopback (::1), which the test needs";
  Listener l = a_.listen("tcp://[::1]:0");
  auto e = dial_error("tcp://127.0.0.2;[::1]:" + port_of(l), EndpointOptions{}.with_wait_connected());
  EXPECT_EQ(e.code(), make_error_code(errc::invalid_address));
  EXPECT_NE(std::string(e.what()).find("local address 127.0.0.2 has no IPv6 address"),
            std::string::npos)
      << e.what();
}

TEST_F(TcpLocalAddressTest, MalformedLocalPartsAreRefused) {
  const std::pair<const char*, const char*> cases[] = {
      {"tcp://;127.0.0.1:5555", "empty local address"},
      {"tcp://::1;127.0.0.1:5555", "needs brackets"},
      {"tcp://[::1;127.0.0.1:5555", "malformed local IPv6"},
      {"tcp://*;127.0.0.1:5555", "not *"},
      {"tcp://127.0.0.1;127.0.0.2;127.0.0.1:5555", "more than one ';'"},
      {"tcp://127.0.0.1;127.0.0.1", "no port"},
  };
  for (auto [url, why] : cases) {
    auto e = dial_error(url);
    EXPECT_EQ(e.code(), make_error_code(errc::invalid_address)) << url;
    EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << url << ": " << e.what();
  }
}

TEST_F(TcpLocalAddressTest, ListenRefusesALocalPart) {
  for (std::string url : {"tcp://127.0.0.1;127.0.0.1:0", "ws://127.0.0.1;127.0.0.1:0/p"}) {
    try {
      a_.listen(url);
      ADD_FAILURE() << "listen(" << url << ") succeeded";
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code(), make_error_code(errc::invalid_address)) << url;
      EXPECT_NE(std::string(e.what()).find("only dial takes a local address"), std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace sprocket::test
