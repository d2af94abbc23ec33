// PAIR v0: exactly one peer at a time, refusing others with peer_limit and
// accepting the next once the first leaves; raw mode passes messages through.
// The peer rules, raw mode and protocol refusal run over every transport.
#include <string>

#include "protocols/common/protocol_test_util.hpp"
#include "sprocket/extension/protocol.hpp"

namespace sprocket::test {
namespace {

using Kind = PipeEvent::Kind;

// The refused dialer keeps retrying; keep its backoff short so the test
// sees it connect soon after the first peer leaves.
const EndpointOptions kFastRetry{.reconnect_min = std::chrono::milliseconds(10),
                                 .reconnect_max = std::chrono::milliseconds(50)};

// a_ listens on a fresh address of the transport, b_ dials it.
class PairTest : public ::testing::TestWithParam<Via> {
 protected:
  void SetUp() override {
    bound_blocking_calls(a_);
    bound_blocking_calls(b_);
    url_ = listen_fresh(a_, GetParam());
    b_.dial(url_);
    ASSERT_TRUE(a_events_.wait_added()) << a_events_.summary();
    ASSERT_TRUE(b_events_.wait_added()) << b_events_.summary();
  }

  /// What a_'s events name: the URL given to listen(), which for tcp and ws
  /// (port 0) is not the one dialed.
  bool is_listen_url(const std::string& url) const {
    if (GetParam() == Via::inproc || GetParam() == Via::ipc) return url == url_;
    return url.rfind(std::string(via_name(GetParam())) + "://127.0.0.1:0", 0) == 0;
  }

  Socket a_{sprocket::pair};
  Socket b_{sprocket::pair};
  PipeEventRecorder a_events_{a_};
  PipeEventRecorder b_events_{b_};
  std::string url_;  // to dial a_
};

INSTANTIATE_TEST_SUITE_P(Transports, PairTest, kAllTransports, ViaName{});

TEST_P(PairTest, SecondPeerIsRefusedWhileFirstIsConnected) {
  Socket c{sprocket::pair};
  bound_blocking_calls(c);
  c.dial(url_, kFastRetry);
  ASSERT_TRUE(a_events_.wait_refused()) << a_events_.summary();
  const auto refused = a_events_.events(Kind::refused).at(0);
  EXPECT_ERRC(refused.reason, errc::peer_limit);
  EXPECT_TRUE(is_listen_url(refused.url)) << refused.url;
  EXPECT_EQ(a_events_.count(Kind::added), 1u) << "only the first peer is a pipe";
  EXPECT_GE(a_.stats().refused, 1u);
  EXPECT_EQ(a_.stats().pipes, 1u);

  // Messages flow with the first peer only.
  std::error_code ec;
  c.try_send("from the refused peer", ec);  // may fail; must never arrive
  a_.send("to the first peer");
  EXPECT_EQ(to_string(b_.recv()), "to the first peer");
  b_.send("from the first peer");
  EXPECT_EQ(to_string(a_.recv()), "from the first peer");
  (void)a_.try_recv(ec);
  EXPECT_ERRC(ec, errc::would_block) << "a message from the refused peer arrived";
  (void)c.try_recv(ec);
  EXPECT_ERRC(ec, errc::would_block) << "the refused peer received a message";
}

TEST_P(PairTest, SecondPeerConnectsWhenFirstLeaves) {
  Socket c{sprocket::pair};
  bound_blocking_calls(c);
  c.dial(url_, kFastRetry);
  ASSERT_TRUE(a_events_.wait_refused()) << a_events_.summary();

  b_.close();
  ASSERT_TRUE(a_events_.wait_removed()) << a_events_.summary();
  // c retries every 10-50 ms and now gets in.
  ASSERT_TRUE(a_events_.wait_added(2)) << a_events_.summary();
  a_.send("to the second peer");
  EXPECT_EQ(to_string(c.recv()), "to the second peer");
  c.send("from the second peer");
  EXPECT_EQ(to_string(a_.recv()), "from the second peer");
  EXPECT_EQ(a_.stats().pipes, 1u);
}

TEST_P(PairTest, RefusalAppliesOnTheDialingSideToo) {
  // b_ dialed a_; a second listener that c makes b_ dial to is refused by b_.
  Socket c{sprocket::pair};
  const std::string other = listen_fresh(c, GetParam());
  b_.dial(other, kFastRetry);
  ASSERT_TRUE(b_events_.wait_refused()) << b_events_.summary();
  EXPECT_ERRC(b_events_.events(Kind::refused).at(0).reason, errc::peer_limit);
  a_.send("still paired");
  EXPECT_EQ(to_string(b_.recv()), "still paired");
}

TEST(PairNoPeerTest, SendWithoutPeerWaitsForOne) {
  // As in nanomsg and NNG: with no peer there is nowhere to send.
  Socket s{sprocket::pair};
  s.listen(unique_inproc_name());
  std::error_code ec;
  s.try_send("nobody", ec);
  EXPECT_ERRC(ec, errc::would_block);
  s.set_send_timeout(100ms);
  const auto start = Clock::now();
  s.send("nobody", ec);
  EXPECT_ERRC(ec, errc::timed_out);
  EXPECT_GE(to_ms(Clock::now() - start), 90);
}

TEST(PairNoPeerTest, SendBeforeConnectionIsDelivered) {
  // The README example relies on this: send() waits for the dial to land.
  const std::string url = unique_inproc_name();
  Socket server{sprocket::pair};
  Socket client{sprocket::pair};
  bound_blocking_calls(server);
  bound_blocking_calls(client);
  server.listen(url);
  client.dial(url);
  client.send("hello");
  EXPECT_EQ(to_string(server.recv()), "hello");
}

class PairRawTest : public ::testing::TestWithParam<Via> {};
INSTANTIATE_TEST_SUITE_P(Transports, PairRawTest, kAllTransports, ViaName{});

TEST_P(PairRawTest, RawSocketsPassMessagesThrough) {
  Socket a{sprocket::pair, {.raw = true}};
  Socket b{sprocket::pair, SocketOptions{.raw = true}};
  bound_blocking_calls(a);
  bound_blocking_calls(b);
  PipeEventRecorder ea(a), eb(b);
  ASSERT_TRUE(connect_via(a, ea, b, eb, GetParam()));
  const std::string large(500, 'r');
  a.send("raw");
  a.send(large);
  Message m = b.recv();
  EXPECT_EQ(m.str(), "raw");
  EXPECT_TRUE(m.header().empty()) << "PAIR v0 has no header";
  EXPECT_EQ(to_string(b.recv()), large);
  b.send("raw back");
  EXPECT_EQ(to_string(a.recv()), "raw back");
}

TEST_P(PairRawTest, RawAndCookedInteroperate) {
  Socket raw{sprocket::pair, {.raw = true}};
  Socket cooked{sprocket::pair};
  bound_blocking_calls(raw);
  bound_blocking_calls(cooked);
  PipeEventRecorder er(raw), ec(cooked);
  ASSERT_TRUE(connect_via(raw, er, cooked, ec, GetParam()));
  raw.send("from raw");
  EXPECT_EQ(to_string(cooked.recv()), "from raw");
  cooked.send("from cooked");
  EXPECT_EQ(to_string(raw.recv()), "from cooked");
}

// A protocol that is nobody's partner but its own, added through the same
// public seam the built-ins use; PAIR must refuse it.
class LonerHandler final : public ProtocolHandler {
 public:
  std::error_code add_pipe(Pipe&) override { return {}; }
  void remove_pipe(Pipe&) override {}
  void pipe_readable(Pipe&) override {}
  void pipe_writable(Pipe&) override {}
  std::error_code send(Message&) override { return errc::would_block; }
  std::error_code recv(Message&) override { return errc::would_block; }
};

class PairProtocolTest : public ::testing::TestWithParam<Via> {};
INSTANTIATE_TEST_SUITE_P(Transports, PairProtocolTest, kAllTransports, ViaName{});

TEST_P(PairProtocolTest, NonPairPeerIsRefused) {
  constexpr std::uint16_t kLoner = 0x0F01;  // the SP range for local experiments
  register_protocol({kLoner, kLoner, "loner", "loner",
                     [](ProtocolHost&) { return std::make_unique<LonerHandler>(); }});
  Socket pair_socket{sprocket::pair};
  Socket loner{Protocol{kLoner}};
  PipeEventRecorder pair_events(pair_socket), loner_events(loner);
  const auto url = listen_fresh(pair_socket, GetParam());
  loner.dial(url, kFastRetry);
  ASSERT_TRUE(pair_events.wait_refused()) << pair_events.summary();
  EXPECT_ERRC(pair_events.events(Kind::refused).at(0).reason, errc::protocol_mismatch);
  ASSERT_TRUE(loner_events.wait_refused()) << loner_events.summary();
  EXPECT_ERRC(loner_events.events(Kind::refused).at(0).reason, errc::protocol_mismatch);
  EXPECT_EQ(pair_events.count(Kind::added), 0u);
  EXPECT_EQ(pair_socket.stats().pipes, 0u);
  EXPECT_GE(pair_socket.stats().refused, 1u);
}

}  // namespace
}  // namespace sprocket::test
