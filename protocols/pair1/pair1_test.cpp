// PAIR v1 (one peer) over every transport: each message carries a hop
// count, 1 after one send, shown in the header with the pipe it came in on;
// a second peer is refused; raw sockets send the hop count they are given
// plus one and refuse a header that is not one word below 0xff; a receiver
// drops (and counts) messages over its max TTL but keeps the connection; a
// device adds a hop; a PAIR v0 peer is refused.
#include <future>
#include <string>

// After a standard header: asio's configuration must see libstdc++'s macros
// in every translation unit (see src/runtime.hpp).
#include <asio/use_future.hpp>

#include "protocols/pair1/pair1_test_util.hpp"
#include "sprocket/device.hpp"
#include "sprocket/extension/protocol.hpp"

namespace sprocket::test {
namespace {

using Kind = PipeEvent::Kind;
using Words = std::vector<std::uint32_t>;

const EndpointOptions kFastRetry{.reconnect_min = std::chrono::milliseconds(10),
                                 .reconnect_max = std::chrono::milliseconds(50)};

TEST(Pair1Identity, RegisteredAsItsOwnPartner) {
  const ProtocolInfo* info = find_protocol(0x11);
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->peer_id, 0x11);
  EXPECT_EQ(info->name, "pair1");  // ws subprotocol pair1.sp.nanomsg.org
  EXPECT_EQ(info->peer_name, "pair1");
  Socket s{sprocket::pair1};
  EXPECT_EQ(s.protocol(), sprocket::pair1);
  EXPECT_FALSE(s.raw());
}

// a_ listens on a fresh address of the transport, b_ dials it.
class Pair1Test : public ::testing::TestWithParam<Via> {
 protected:
  void SetUp() override {
    url_ = listen_fresh(a_.socket, GetParam());
    b_.socket.dial(url_);
    ASSERT_TRUE(a_.events.wait_added()) << a_.events.summary();
    ASSERT_TRUE(b_.events.wait_added()) << b_.events.summary();
  }

  Node a_{sprocket::pair1};
  Node b_{sprocket::pair1};
  std::string url_;
};
INSTANTIATE_TEST_SUITE_P(Transports, Pair1Test, kAllTransports, ViaName{});

TEST_P(Pair1Test, MessagesCarryOneHopAndTheirPipe) {
  b_.socket.send("ping");
  Message m = a_.socket.recv();
  EXPECT_EQ(m.str(), "ping");
  EXPECT_EQ(header_words(m), Words{1}) << "one send, one hop";
  EXPECT_EQ(m.pipe(), added_pipe(a_.events)) << "the pipe it came in on";

  const std::string large(100 * 1024, 'L');
  a_.socket.send(large);
  m = b_.socket.recv();
  EXPECT_EQ(m.str(), large);
  EXPECT_EQ(header_words(m), Words{1});
  EXPECT_EQ(m.pipe(), added_pipe(b_.events));
  EXPECT_EQ(a_.socket.stats().drops + b_.socket.stats().drops, 0u);
}

TEST_P(Pair1Test, ReplyingWithTheReceivedMessageCountsFromZeroAgain) {
  b_.socket.send("there");
  Message m = a_.socket.recv();
  ASSERT_EQ(header_words(m), Words{1});
  // Cooked sockets own the header: the hop word and pipe on the message
  // are replaced, not trusted, and the user's own header is dropped.
  a_.socket.send(std::move(m));
  m = b_.socket.recv();
  EXPECT_EQ(m.str(), "there");
  EXPECT_EQ(header_words(m), Words{1});
  Message forged("forged");
  ASSERT_TRUE(forged.push_header_word(7));
  ASSERT_TRUE(forged.push_header_word(8));
  forged.set_pipe(12345);  // a one-peer socket ignores the pipe named
  b_.socket.send(std::move(forged));
  m = a_.socket.recv();
  EXPECT_EQ(m.str(), "forged");
  EXPECT_EQ(header_words(m), Words{1});
  EXPECT_EQ(m.pipe(), added_pipe(a_.events));
}

TEST_P(Pair1Test, SecondPeerIsRefusedUntilTheFirstLeaves) {
  Node c(sprocket::pair1);
  c.socket.dial(url_, kFastRetry);
  ASSERT_TRUE(a_.events.wait_refused()) << a_.events.summary();
  EXPECT_ERRC(a_.events.events(Kind::refused).at(0).reason, errc::peer_limit);
  EXPECT_EQ(a_.socket.stats().pipes, 1u);
  a_.socket.send("to the first");
  EXPECT_EQ(to_string(b_.socket.recv()), "to the first");

  b_.socket.close();
  ASSERT_TRUE(a_.events.wait_added(2)) << a_.events.summary();
  a_.socket.send("to the second");
  Message m = c.socket.recv();
  EXPECT_EQ(m.str(), "to the second");
  EXPECT_EQ(header_words(m), Words{1});
}

TEST_P(Pair1Test, PairV0PeerIsRefusedOnBothSides) {
  Node v0(sprocket::pair);
  v0.socket.dial(url_, kFastRetry);
  ASSERT_TRUE(v0.events.wait_refused()) << v0.events.summary();
  EXPECT_ERRC(v0.events.events(Kind::refused).at(0).reason, errc::protocol_mismatch);
  ASSERT_TRUE(a_.events.wait_for(Kind::refused)) << a_.events.summary();
  EXPECT_EQ(v0.events.count(Kind::added), 0u);
}

// ------------------------------------------------------------------ raw

class Pair1RawTest : public ::testing::TestWithParam<Via> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(connect_via(raw_.socket, raw_.events, cooked_.socket, cooked_.events, GetParam()));
  }
  Node raw_{sprocket::pair1, {.raw = true}};
  Node cooked_{sprocket::pair1};
};
INSTANTIATE_TEST_SUITE_P(Transports, Pair1RawTest, kAllTransports, ViaName{});

TEST_P(Pair1RawTest, RawShowsTheHopCountAndAddsOneOnSend) {
  EXPECT_TRUE(raw_.socket.raw());
  cooked_.socket.send("up");
  Message m = raw_.socket.recv();
  EXPECT_EQ(m.str(), "up");
  EXPECT_EQ(header_words(m), Words{1}) << "raw receive shows the count as it arrived";
  EXPECT_EQ(m.pipe(), added_pipe(raw_.events));

  raw_.socket.send(with_hops(3, "down"));
  m = cooked_.socket.recv();
  EXPECT_EQ(m.str(), "down");
  EXPECT_EQ(header_words(m), Words{4});
}

TEST_P(Pair1RawTest, HopsOverTheMaxTtlAreDroppedAndCounted) {
  cooked_.socket.set_max_ttl(4);
  raw_.socket.send(with_hops(3, "at the limit"));  // arrives with 4
  raw_.socket.send(with_hops(4, "over"));           // arrives with 5
  raw_.socket.send(with_hops(0, "after"));
  Message m = cooked_.socket.recv();
  EXPECT_EQ(m.str(), "at the limit");
  EXPECT_EQ(header_words(m), Words{4});
  EXPECT_EQ(to_string(cooked_.socket.recv()), "after") << "the one over the limit is gone";
  EXPECT_EQ(cooked_.socket.stats().drops, 1u);

  cooked_.socket.set_max_ttl(15);
  raw_.socket.send(with_hops(14, "fifteen"));
  raw_.socket.send(with_hops(15, "sixteen"));
  raw_.socket.send(with_hops(0, "last"));
  m = cooked_.socket.recv();
  EXPECT_EQ(m.str(), "fifteen");
  EXPECT_EQ(header_words(m), Words{15});
  EXPECT_EQ(to_string(cooked_.socket.recv()), "last");
  EXPECT_EQ(cooked_.socket.stats().drops, 2u);
  EXPECT_EQ(cooked_.events.count(Kind::removed), 0u) << "TTL drops keep the connection";
  EXPECT_EQ(cooked_.socket.stats().protocol_errors, 0u);
}

TEST_P(Pair1RawTest, RawSendRefusesAHeaderThatIsNotOneHopWord) {
  std::error_code ec;
  raw_.socket.send(Message("no header"), ec);
  EXPECT_ERRC(ec, errc::invalid_argument);
  Message two_words("two words");
  ASSERT_TRUE(two_words.push_header_word(1));
  ASSERT_TRUE(two_words.push_header_word(1));
  raw_.socket.send(std::move(two_words), ec);
  EXPECT_ERRC(ec, errc::invalid_argument);
  raw_.socket.send(with_hops(0xff, "0xff hops"), ec);
  EXPECT_ERRC(ec, errc::invalid_argument) << "0xff + 1 would not fit the hop byte";
  Message short_header("two bytes");
  const std::byte two[2] = {};
  ASSERT_TRUE(short_header.set_header(two));
  raw_.socket.try_send(std::move(short_header), ec);
  EXPECT_ERRC(ec, errc::invalid_argument);
  EXPECT_THROW(raw_.socket.send(Message("thrown")), std::system_error);

  // 0xfe is the most a raw send takes: 0xff arrives, above any TTL.
  raw_.socket.send(with_hops(0xfe, "0xfe hops"), ec);
  EXPECT_NO_ERROR(ec);
  raw_.socket.send(with_hops(0, "fine"));
  EXPECT_EQ(to_string(cooked_.socket.recv()), "fine");
  EXPECT_EQ(cooked_.socket.stats().drops, 1u);
  EXPECT_EQ(cooked_.events.count(Kind::removed), 0u) << "0xff is a hop count, not garbage";
}

// ------------------------------------------------------------------ devices

/// async_device's result as a value (a plain use_future would throw the
/// error from another thread, which TSan misreads; see async_test.cpp).
std::future<std::error_code> start_device(Socket& a, Socket& b) {
  return async_device(a, b, asio::use_future([](std::error_code ec) { return ec; }));
}

TEST(Pair1DeviceTest, EachDeviceAddsAHopAndTheTtlCutsLongChains) {
  // front -- [raw1 | device | raw2] -- [raw3 | device | raw4] -- back
  Node front(sprocket::pair1), back(sprocket::pair1);
  Node raw1(sprocket::pair1, {.raw = true}), raw2(sprocket::pair1, {.raw = true});
  Node raw3(sprocket::pair1, {.raw = true}), raw4(sprocket::pair1, {.raw = true});
  ASSERT_TRUE(connect_via(raw1.socket, raw1.events, front.socket, front.events, Via::inproc));
  ASSERT_TRUE(connect_via(raw3.socket, raw3.events, raw2.socket, raw2.events, Via::inproc));
  ASSERT_TRUE(connect_via(back.socket, back.events, raw4.socket, raw4.events, Via::inproc));
  auto first = start_device(raw1.socket, raw2.socket);
  auto second = start_device(raw3.socket, raw4.socket);

  front.socket.send("through two devices");
  Message m = back.socket.recv();
  EXPECT_EQ(m.str(), "through two devices");
  EXPECT_EQ(header_words(m), Words{3}) << "three sends: front, and one per device";
  back.socket.send("and back");
  m = front.socket.recv();
  EXPECT_EQ(header_words(m), Words{3});

  // The hop count is checked as a message is received: keep trying to
  // receive until the one over the limit was taken and dropped.
  back.socket.set_max_ttl(2);
  front.socket.send("one hop too many");
  EXPECT_TRUE(wait_until([&] {
    std::error_code ec;
    Message got = back.socket.try_recv(ec);
    EXPECT_ERRC(ec, errc::would_block) << "'" << got.str() << "' was delivered";
    return back.socket.stats().drops == 1;
  })) << "drops: " << back.socket.stats().drops;
  back.socket.set_max_ttl(3);
  front.socket.send("within the limit again");
  EXPECT_EQ(to_string(back.socket.recv()), "within the limit again");
  EXPECT_EQ(back.socket.stats().drops, 1u);

  raw1.socket.close();
  raw3.socket.close();
  ASSERT_EQ(first.wait_for(kEventTimeout), std::future_status::ready);
  ASSERT_EQ(second.wait_for(kEventTimeout), std::future_status::ready);
  EXPECT_NO_ERROR(first.get());
  EXPECT_NO_ERROR(second.get());
}

// ------------------------------------------------------------------ no peer

TEST(Pair1NoPeerTest, SendWaitsForAPeerAndThenDelivers) {
  const std::string url = unique_inproc_name();
  Node server(sprocket::pair1);
  server.socket.listen(url);
  std::error_code ec;
  server.socket.try_send("nobody", ec);
  EXPECT_ERRC(ec, errc::would_block);
  server.socket.set_send_timeout(std::chrono::milliseconds(50));
  server.socket.send("nobody", ec);
  EXPECT_ERRC(ec, errc::timed_out);

  bound_blocking_calls(server.socket);
  Node client(sprocket::pair1);
  client.socket.dial(url);
  server.socket.send("hello");
  Message m = client.socket.recv();
  EXPECT_EQ(m.str(), "hello");
  EXPECT_EQ(header_words(m), Words{1});
}

}  // namespace
}  // namespace sprocket::test
