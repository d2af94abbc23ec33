// PUB/SUB conformance over inproc, ipc and tcp: prefix filtering at the
// subscriber (reference counted, binary-safe), fan-out of one shared body to
// every subscriber, and a slow subscriber that loses messages — counted in
// the publisher's stats — without slowing the publisher or anyone else.
//
// "Never arrives" is checked with a sentinel: a matching message published
// after the others on the same connection. Once it has been received,
// everything published before it has been seen and filtered, so try_recv()
// must then find nothing.
#include <atomic>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "protocols/pubsub/fanout_test_util.hpp"

namespace sprocket::test {
namespace {

using namespace std::string_literals;

/// A publisher listening on a fresh address of the case's transport.
/// Subscribers made by add_sub() are connected before it returns: the
/// publisher has their pipe, so nothing published afterwards is lost to the
/// join race (a publisher sends only to the pipes it has).
class PubSubTest : public ::testing::TestWithParam<Via> {
 protected:
  void SetUp() override {
    bound_blocking_calls(pub_);
    url_ = listen_fresh(pub_, GetParam());
  }

  /// A SUB connected to pub_; `configure` runs before it dials (buffer
  /// sizes are fixed when a connection is made).
  Socket add_sub(const std::function<void(Socket&)>& configure = {}) {
    Socket sub{sprocket::sub};
    bound_blocking_calls(sub);
    if (configure) configure(sub);
    const auto before = pub_events_.count(PipeEvent::Kind::added);
    sub.dial(url_);
    EXPECT_TRUE(pub_events_.wait_added(before + 1)) << pub_events_.summary();
    return sub;
  }

  /// Receives and expects `text`.
  static void expect_recv(Socket& sub, std::string_view text) {
    std::error_code ec;
    Message m = sub.recv(ec);
    ASSERT_NO_ERROR(ec) << "waiting for '" << text << "'";
    EXPECT_EQ(m.str(), text);
  }

  /// Nothing more is receivable now.
  static void expect_nothing_more(Socket& sub) {
    std::error_code ec;
    Message m = sub.try_recv(ec);
    EXPECT_ERRC(ec, errc::would_block) << "unexpected message '" << m.str() << "'";
  }

  Socket pub_{sprocket::pub};
  PipeEventRecorder pub_events_{pub_};
  std::string url_;
};

INSTANTIATE_TEST_SUITE_P(Transports, PubSubTest, kAllTransports, ViaName{});

TEST_P(PubSubTest, NoSubscriptionReceivesNothing) {
  Socket sub = add_sub();
  // A receive already waiting takes each message as it arrives and filters
  // it against the subscriptions of that moment: none.
  RecvCompletion pending;
  sub.async_recv(pending.handler());
  pub_.send("weather/oslo");
  pub_.send("");
  pub_.send("anything at all");
  // Subscribed only now and published last: arriving after the three
  // above, the sentinel is the first message the receive may complete with.
  sub.subscribe("sentinel");
  pub_.send("sentinel");
  ASSERT_TRUE(pending.wait());
  ASSERT_NO_ERROR(pending.ec());
  EXPECT_EQ(to_string(pending.take_message()), "sentinel");
  expect_nothing_more(sub);
  EXPECT_EQ(sub.stats().messages_received, 1u);
}

TEST_P(PubSubTest, PrefixSubscriptionFiltersAtTheSubscriber) {
  Socket sub = add_sub();
  sub.subscribe("weather/");
  for (const char* text : {"news/x", "weather/oslo", "news/weather/", "weather", "Weather/x",
                           "weather/bergen"})
    pub_.send(text);
  expect_recv(sub, "weather/oslo");
  expect_recv(sub, "weather/bergen");  // the sentinel: last published
  expect_nothing_more(sub);
  EXPECT_EQ(sub.stats().messages_received, 2u);
  EXPECT_EQ(pub_.stats().messages_sent, 6u) << "the publisher sends everything";
}

TEST_P(PubSubTest, EmptyPrefixMatchesEverything) {
  Socket sub = add_sub();
  sub.subscribe("");
  const std::vector<std::string> texts{"a", "", "news/x", "\0\xff"s};
  for (const auto& t : texts) pub_.send(t);
  for (const auto& t : texts) expect_recv(sub, t);
  expect_nothing_more(sub);
}

TEST_P(PubSubTest, SeveralPrefixesAreOred) {
  Socket sub = add_sub();
  sub.subscribe("a/");
  sub.subscribe("b/");
  sub.subscribe("a/deeper/");  // nested in "a/": matches nothing more
  for (const char* text : {"a/1", "c/1", "b/1", "a/deeper/1", "ab", "b/end"}) pub_.send(text);
  expect_recv(sub, "a/1");
  expect_recv(sub, "b/1");
  expect_recv(sub, "a/deeper/1");
  expect_recv(sub, "b/end");
  expect_nothing_more(sub);
}

TEST_P(PubSubTest, SubscriptionsAreReferenceCounted) {
  Socket sub = add_sub();
  sub.subscribe("weather/");
  sub.subscribe("weather/");
  sub.unsubscribe("weather/");  // one reference left
  pub_.send("weather/still");
  expect_recv(sub, "weather/still");

  sub.unsubscribe("weather/");  // the last reference
  sub.subscribe("sentinel");
  pub_.send("weather/gone");
  pub_.send("sentinel");
  expect_recv(sub, "sentinel");
  expect_nothing_more(sub);

  std::error_code ec;
  sub.unsubscribe("weather/", ec);
  EXPECT_ERRC(ec, errc::invalid_argument) << "no reference is left";
  sub.unsubscribe("never subscribed", ec);
  EXPECT_ERRC(ec, errc::invalid_argument);
  sub.unsubscribe("sentine", ec);  // a prefix of a subscription is not one
  EXPECT_ERRC(ec, errc::invalid_argument);
  EXPECT_ERRC(thrown_code([&] { sub.unsubscribe("nope"); }), errc::invalid_argument);
}

TEST_P(PubSubTest, BinaryTopicsWithZeroBytes) {
  Socket sub = add_sub();
  const std::string topic = "\0\x01\0"s;
  sub.subscribe(topic);
  sub.subscribe("\xff\0"s);  // the sentinel's topic
  const std::string match = topic + "payload\0tail"s;
  for (const std::string& text : {"\0"s, "\0\x01\x01"s, match, "\0\x01"s, topic, "\xff\0end"s})
    pub_.send(text);
  expect_recv(sub, match);
  expect_recv(sub, topic);  // a message exactly as long as the prefix matches
  expect_recv(sub, "\xff\0end"s);
  expect_nothing_more(sub);
  std::error_code ec;
  sub.unsubscribe("\0\x01"s, ec);  // a different key, though a prefix of it
  EXPECT_ERRC(ec, errc::invalid_argument);
  sub.unsubscribe(topic, ec);
  EXPECT_NO_ERROR(ec);
}

TEST_P(PubSubTest, FansOutToEverySubscriber) {
  std::vector<Socket> subs;
  for (int i = 0; i < 4; ++i) {
    subs.push_back(add_sub());
    subs.back().subscribe("");
  }
  constexpr int kCount = 50;
  for (int i = 0; i < kCount; ++i) pub_.send(std::to_string(i));
  for (auto& sub : subs) {
    for (int i = 0; i < kCount; ++i) ASSERT_NO_FATAL_FAILURE(expect_recv(sub, std::to_string(i)));
    expect_nothing_more(sub);
  }
  const Stats s = pub_.stats();
  EXPECT_EQ(s.messages_sent, static_cast<std::uint64_t>(kCount)) << "one send, however many subscribers";
  EXPECT_EQ(s.drops, 0u);
  EXPECT_EQ(s.pipes, 4u);
}

TEST_P(PubSubTest, LargeMessageIsSharedNotCopied) {
  std::vector<Socket> subs;
  for (int i = 0; i < 4; ++i) {
    subs.push_back(add_sub());
    subs.back().subscribe("");
  }
  constexpr std::size_t kSize = 1024 * 1024;  // exactly the default recv_max_size
  auto* buffer = static_cast<std::byte*>(std::malloc(kSize));
  ASSERT_NE(buffer, nullptr);
  for (std::size_t i = 0; i < kSize; ++i) buffer[i] = std::byte(i * 7 + 3);
  auto deletions = std::make_shared<std::atomic<int>>(0);
  pub_.send(Message::wrap(buffer, kSize, [deletions](void* p) {
    std::free(p);
    deletions->fetch_add(1);
  }));

  std::vector<Message> received;
  for (auto& sub : subs) {
    std::error_code ec;
    received.push_back(sub.recv(ec));
    ASSERT_NO_ERROR(ec);
    const Message& m = received.back();
    ASSERT_EQ(m.size(), kSize);
    bool same = true;
    for (std::size_t i = 0; i < kSize && same; i += 4093) same = m.data()[i] == std::byte(i * 7 + 3);
    EXPECT_TRUE(same) << "the body arrived corrupted";
  }
  if (GetParam() == Via::inproc) {
    // inproc hands the Message over: every subscriber holds the caller's
    // buffer itself, and the deleter waits for the last of them.
    for (const auto& m : received) EXPECT_EQ(m.data(), buffer) << "the body was copied";
    EXPECT_EQ(deletions->load(), 0) << "freed while subscribers still hold it";
    for (std::size_t i = 0; i + 1 < received.size(); ++i) {
      received[i] = Message{};
      EXPECT_EQ(deletions->load(), 0) << "freed with " << received.size() - i - 1 << " holders left";
    }
    received.back() = Message{};
    EXPECT_EQ(deletions->load(), 1);
  } else {
    // The stream transports write from the caller's buffer (one body for
    // all four connections) and release it once every write is done.
    EXPECT_TRUE(wait_until([&] { return deletions->load() >= 1; })) << "the buffer was never freed";
  }
  pub_.close();
  for (auto& sub : subs) sub.close();
  EXPECT_EQ(deletions->load(), 1) << "the deleter must run exactly once";
}

TEST_P(PubSubTest, SlowSubscriberLosesMessagesOthersDoNot) {
  pub_.set_send_buffer(2);  // before the connections: a per-connection queue depth
  Socket fast = add_sub();
  Socket slow = add_sub([](Socket& s) { s.set_recv_buffer(1); });
  fast.subscribe("");
  slow.subscribe("");
  // 64 MiB in all: far beyond what the slow subscriber's queues and the
  // loopback socket buffers can hold, so it must lose some.
  constexpr int kCount = 256;
  constexpr std::size_t kSize = 256 * 1024;
  const SlowPeerOutcome out = run_slow_peer_scenario(pub_, fast, slow, kCount, kSize);
  EXPECT_EQ(out.fast_received, kCount);
  EXPECT_GT(out.sender_drops, 0u) << "the slow subscriber lost nothing: buffers larger than expected?";
  EXPECT_LT(out.slow_received, kCount);
  EXPECT_EQ(pub_.stats().messages_sent, static_cast<std::uint64_t>(kCount));
}

TEST_P(PubSubTest, DeviceForwardsAStreamToMoreSubscribers) {
  // pub_ -> [raw SUB | device | raw PUB] -> downstream SUB. The raw SUB
  // filters like a cooked one, so the forwarder subscribes to everything;
  // the raw PUB side has nothing to receive (one-way), so only one
  // direction forwards.
  Socket xsub{sprocket::sub, {.raw = true}};
  xsub.subscribe("");
  xsub.dial(url_);
  ASSERT_TRUE(pub_events_.wait_added()) << pub_events_.summary();
  Socket xpub{sprocket::pub, {.raw = true}};
  PipeEventRecorder xpub_events(xpub);
  const std::string down_url = listen_fresh(xpub, GetParam());
  Socket down{sprocket::sub};
  bound_blocking_calls(down);
  down.subscribe("weather/");
  down.dial(down_url);
  ASSERT_TRUE(xpub_events.wait_added()) << xpub_events.summary();
  SendCompletion device_done;
  async_device(xsub, xpub, device_done.handler());

  for (const char* text : {"news/x", "weather/oslo", "weather/end"}) pub_.send(text);
  expect_recv(down, "weather/oslo");
  expect_recv(down, "weather/end");
  expect_nothing_more(down);
  EXPECT_FALSE(device_done.done()) << "the device stopped early: " << describe(device_done.ec());
  xsub.close();
  ASSERT_TRUE(device_done.wait());
  EXPECT_NO_ERROR(device_done.ec());
}

// ------------------------------------------------------------------ without a transport

TEST(PubSubApiTest, SendWithNoSubscribersSucceedsAtOnce) {
  Socket pub{sprocket::pub};
  std::error_code ec;
  pub.try_send("into the void", ec);
  EXPECT_NO_ERROR(ec) << "a publisher never waits for subscribers";
  pub.send("again", ec);
  EXPECT_NO_ERROR(ec);
  EXPECT_EQ(pub.stats().drops, 0u) << "no subscriber missed it: there is none";
}

TEST(PubSubApiTest, PubCannotReceiveSubCannotSend) {
  Socket pub{sprocket::pub};
  Socket sub{sprocket::sub};
  std::error_code ec;
  (void)pub.recv(ec);
  EXPECT_ERRC(ec, errc::not_supported);
  (void)pub.try_recv(ec);
  EXPECT_ERRC(ec, errc::not_supported);
  EXPECT_ERRC(thrown_code([&] { (void)pub.recv(); }), errc::not_supported);
  sub.send("x", ec);
  EXPECT_ERRC(ec, errc::not_supported);
  sub.try_send("x", ec);
  EXPECT_ERRC(ec, errc::not_supported);
  EXPECT_ERRC(thrown_code([&] { sub.send("x"); }), errc::not_supported);

  RecvCompletion r;
  pub.async_recv(r.handler());
  ASSERT_TRUE(r.wait());
  EXPECT_ERRC(r.ec(), errc::not_supported);
}

TEST(PubSubApiTest, SubscribeOnlyOnSub) {
  for (Protocol p : {sprocket::pub, sprocket::pair, sprocket::bus, sprocket::req,
                     sprocket::surveyor}) {
    Socket s{p};
    std::error_code ec;
    s.subscribe("weather/", ec);
    EXPECT_ERRC(ec, errc::not_supported) << "protocol " << static_cast<int>(p);
    s.unsubscribe("weather/", ec);
    EXPECT_ERRC(ec, errc::not_supported) << "protocol " << static_cast<int>(p);
    EXPECT_ERRC(thrown_code([&] { s.subscribe("x"); }), errc::not_supported);
  }
}

TEST(PubSubApiTest, SubscribeOnClosedSocketReportsClosed) {
  Socket sub{sprocket::sub};
  sub.close();
  std::error_code ec;
  sub.subscribe("x", ec);
  EXPECT_ERRC(ec, errc::closed);
}

// ------------------------------------------------------------------ on the wire

/// Subscriptions are local: a hand-written subscriber that never subscribes
/// gets every message over the wire, and a real SUB sends nothing at all.
class PubSubWireTest : public ::testing::TestWithParam<Transport> {};

INSTANTIATE_TEST_SUITE_P(Stream, PubSubWireTest, ::testing::Values(Transport::tcp, Transport::ipc),
                         TransportName{});

/// Reads one frame's payload from `raw` (tcp: length; ipc: type byte, length).
std::optional<std::string> read_frame(RawStream& raw, Transport t) {
  auto prefix = raw.read_exact(t == Transport::ipc ? 9 : 8);
  if (!prefix) return std::nullopt;
  std::uint64_t length = 0;
  for (std::size_t i = prefix->size() - 8; i < prefix->size(); ++i) length = length << 8 | (*prefix)[i];
  if (length == 0) return std::string{};
  auto body = raw.read_exact(static_cast<std::size_t>(length));
  if (!body) return std::nullopt;
  return std::string(body->begin(), body->end());
}

TEST_P(PubSubWireTest, PublisherSendsEverythingWhateverSubscribersWant) {
  Socket pub{sprocket::pub};
  PipeEventRecorder events(pub);
  auto ep = Endpoint::make(GetParam());
  Listener l = pub.listen(ep.listen_url);
  // A real SUB with a narrow subscription shares the publisher.
  Socket sub{sprocket::sub};
  bound_blocking_calls(sub);
  sub.subscribe("weather/");
  ep.bound(l);
  sub.dial(ep.dial_url);
  RawStream raw = RawStream::connect(ep, l.port());
  ASSERT_TRUE(raw.ok());
  ASSERT_TRUE(raw.write_all(sp_header(0x21)));  // a SUB
  auto theirs = raw.read_exact(8);
  ASSERT_TRUE(theirs);
  EXPECT_EQ(*theirs, sp_header(0x20));
  ASSERT_TRUE(events.wait_added(2)) << events.summary();

  pub.send("news/x");
  pub.send("weather/oslo");
  for (const char* expected : {"news/x", "weather/oslo"}) {
    auto payload = read_frame(raw, GetParam());
    ASSERT_TRUE(payload) << "no frame for " << expected;
    EXPECT_EQ(*payload, expected) << "no header, the body as published";
  }
  EXPECT_EQ(to_string(sub.recv()), "weather/oslo");
}

TEST_P(PubSubWireTest, SubscriberSendsNothing) {
  Socket sub{sprocket::sub};
  PipeEventRecorder events(sub);
  auto ep = Endpoint::make(GetParam());
  Listener l = sub.listen(ep.listen_url);
  ep.bound(l);
  RawStream raw = RawStream::connect(ep, l.port());
  ASSERT_TRUE(raw.ok());
  ASSERT_TRUE(raw.write_all(sp_header(0x20)));  // a PUB
  auto theirs = raw.read_exact(8);
  ASSERT_TRUE(theirs);
  EXPECT_EQ(*theirs, sp_header(0x21));
  ASSERT_TRUE(events.wait_added()) << events.summary();

  sub.subscribe("weather/");
  sub.subscribe("");
  sub.unsubscribe("weather/");
  // The close is the sentinel: the connection ends, and nothing came first.
  sub.close();
  EXPECT_FALSE(raw.read_exact(1)) << "the subscriber sent bytes: subscriptions must stay local";
}

}  // namespace
}  // namespace sprocket::test
