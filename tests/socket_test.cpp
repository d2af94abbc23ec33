// sprocket::Socket's blocking surface over inproc with PAIR: send/recv
// overloads, timeouts, errors (codes, portable conditions, messages), stats,
// pipe events and option round-trips; over tcp, what the default buffer
// depth bounds.
#include <array>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "sprocket/extension/transport.hpp"
#include "test_util.hpp"

namespace sprocket::test {
namespace {

using Kind = PipeEvent::Kind;

class SocketTest : public ConnectedPairTest {};

TEST_F(SocketTest, SendRecvBothDirections) {
  a_.send("ping");
  EXPECT_EQ(to_string(b_.recv()), "ping");
  b_.send("pong");
  EXPECT_EQ(to_string(a_.recv()), "pong");
}

TEST_F(SocketTest, SendOverloadsWithErrorCode) {
  std::error_code ec;
  a_.send(std::string_view{"text"}, ec);
  ASSERT_NO_ERROR(ec);
  const std::array<std::byte, 3> raw{std::byte{1}, std::byte{0}, std::byte{0xff}};
  a_.send(std::span<const std::byte>{raw}, ec);
  ASSERT_NO_ERROR(ec);
  const std::string large(1000, 'x');
  a_.send(Message{large}, ec);
  ASSERT_NO_ERROR(ec);
  a_.send(std::string_view{}, ec);  // an empty message is a message
  ASSERT_NO_ERROR(ec);

  EXPECT_EQ(to_string(b_.recv(ec)), "text");
  Message bytes = b_.recv(ec);
  ASSERT_EQ(bytes.size(), 3u);
  EXPECT_EQ(bytes.body()[0], std::byte{1});
  EXPECT_EQ(bytes.body()[1], std::byte{0});
  EXPECT_EQ(bytes.body()[2], std::byte{0xff});
  EXPECT_EQ(to_string(b_.recv(ec)), large);
  Message empty = b_.recv(ec);
  ASSERT_NO_ERROR(ec);
  EXPECT_TRUE(empty.empty());
}

TEST_F(SocketTest, ThrowingSendOverloads) {
  const std::array<std::byte, 2> raw{std::byte{7}, std::byte{8}};
  a_.send("thrown");
  a_.send(std::span<const std::byte>{raw});
  a_.send(Message{std::string_view{"message"}});
  EXPECT_EQ(to_string(b_.recv()), "thrown");
  EXPECT_EQ(b_.recv().size(), 2u);
  EXPECT_EQ(to_string(b_.recv()), "message");
}

TEST_F(SocketTest, MessagesArriveInOrder) {
  for (int i = 0; i < 100; ++i) a_.send(std::to_string(i));
  for (int i = 0; i < 100; ++i) ASSERT_EQ(to_string(b_.recv()), std::to_string(i));
}

TEST_F(SocketTest, RecvTimesOutNearDeadline) {
  b_.set_recv_timeout(100ms);
  std::error_code ec;
  const auto start = Clock::now();
  Message m = b_.recv(ec);
  const auto elapsed = to_ms(Clock::now() - start);
  EXPECT_ERRC(ec, errc::timed_out);
  EXPECT_TRUE(ec == std::errc::timed_out) << "portable condition";
  EXPECT_GE(elapsed, 90);
  EXPECT_TRUE(m.empty());
}

TEST_F(SocketTest, ThrowingRecvCarriesTimedOut) {
  b_.set_recv_timeout(50ms);
  EXPECT_ERRC(thrown_code([&] { (void)b_.recv(); }), errc::timed_out);
}

TEST_F(SocketTest, TryRecvOnEmptyWouldBlock) {
  std::error_code ec;
  Message m = b_.try_recv(ec);
  EXPECT_ERRC(ec, errc::would_block);
  EXPECT_TRUE(ec == std::errc::operation_would_block);
  EXPECT_TRUE(m.empty());

  a_.send("now there is one");
  // inproc hands the message over inside send(), so it is there at once.
  m = b_.try_recv(ec);
  ASSERT_NO_ERROR(ec);
  EXPECT_EQ(m.str(), "now there is one");
}

TEST_F(SocketTest, TrySendWithRoomSucceeds) {
  std::error_code ec;
  a_.try_send("try-text", ec);
  ASSERT_NO_ERROR(ec);
  a_.try_send(Message{std::string_view{"try-message"}}, ec);
  ASSERT_NO_ERROR(ec);
  EXPECT_EQ(to_string(b_.recv()), "try-text");
  EXPECT_EQ(to_string(b_.recv()), "try-message");
}

TEST_F(SocketTest, EverythingAfterCloseIsClosed) {
  a_.close();
  std::error_code ec;
  Message m{std::string_view{"keep me"}};
  a_.send(std::move(m), ec);
  EXPECT_ERRC(ec, errc::closed);
  EXPECT_EQ(m.str(), "keep me") << "a failed send leaves the message with the caller";

  ec = {};
  a_.send("text", ec);
  EXPECT_ERRC(ec, errc::closed);
  ec = {};
  (void)a_.recv(ec);
  EXPECT_ERRC(ec, errc::closed);
  ec = {};
  a_.try_send("text", ec);
  EXPECT_ERRC(ec, errc::closed);
  ec = {};
  a_.try_send(std::move(m), ec);
  EXPECT_ERRC(ec, errc::closed);
  EXPECT_EQ(m.str(), "keep me");
  ec = {};
  (void)a_.try_recv(ec);
  EXPECT_ERRC(ec, errc::closed);
  ec = {};
  a_.dial(unique_inproc_name(), {}, ec);
  EXPECT_ERRC(ec, errc::closed);
  ec = {};
  a_.listen(unique_inproc_name(), {}, ec);
  EXPECT_ERRC(ec, errc::closed);

  a_.close();  // idempotent
}

TEST_F(SocketTest, ThrowingOverloadsThrowClosed) {
  a_.close();
  EXPECT_ERRC(thrown_code([&] { a_.send("x"); }), errc::closed);
  EXPECT_ERRC(thrown_code([&] { a_.send(Message{std::string_view{"x"}}); }), errc::closed);
  EXPECT_ERRC(thrown_code([&] { (void)a_.recv(); }), errc::closed);
  EXPECT_THROW(a_.send("x"), std::system_error);
}

TEST(SocketErrorsTest, ErrorCategoryAndConditions) {
  const std::error_code ec = errc::timed_out;
  EXPECT_STREQ(ec.category().name(), "sprocket");
  EXPECT_TRUE(ec == std::errc::timed_out);
  EXPECT_TRUE(std::error_code(errc::address_in_use) == std::errc::address_in_use);
  EXPECT_TRUE(std::error_code(errc::connection_refused) == std::errc::connection_refused);
  EXPECT_FALSE(std::error_code(errc::closed) == std::errc::timed_out);
  EXPECT_FALSE(ec.message().empty());
}

TEST(SocketErrorsTest, UnknownSchemeIsUnsupportedTransport) {
  Socket s{sprocket::pair};
  std::error_code ec;
  Dialer d = s.dial("foo://x", {}, ec);
  EXPECT_ERRC(ec, errc::unsupported_transport);
  EXPECT_FALSE(d) << "a failed dial gives no handle";
  ec = {};
  Listener l = s.listen("foo://x", {}, ec);
  EXPECT_ERRC(ec, errc::unsupported_transport);
  EXPECT_FALSE(l);

  std::string what;
  EXPECT_ERRC(thrown_code([&] { s.dial("foo://x"); }, &what), errc::unsupported_transport);
  EXPECT_NE(what.find("foo://x"), std::string::npos) << "what(): " << what;
  what.clear();
  EXPECT_ERRC(thrown_code([&] { s.listen("foo://x"); }, &what), errc::unsupported_transport);
  EXPECT_NE(what.find("foo://x"), std::string::npos) << "what(): " << what;
}

TEST(SocketErrorsTest, MalformedUrlIsInvalidAddress) {
  Socket s{sprocket::pair};
  for (std::string url : {"inproc-no-scheme", "inproc://"}) {
    SCOPED_TRACE(url);
    std::error_code ec;
    s.dial(url, {}, ec);
    EXPECT_ERRC(ec, errc::invalid_address);
    ec = {};
    s.listen(url, {}, ec);
    EXPECT_ERRC(ec, errc::invalid_address);

    std::string what;
    EXPECT_ERRC(thrown_code([&] { s.dial(url); }, &what), errc::invalid_address);
    EXPECT_NE(what.find(url), std::string::npos) << "what(): " << what;
  }
}

TEST(SocketErrorsTest, ListeningTwiceIsAddressInUse) {
  const std::string url = unique_inproc_name();
  Socket first{sprocket::pair};
  Socket second{sprocket::pair};
  first.listen(url);
  std::error_code ec;
  second.listen(url, {}, ec);
  EXPECT_ERRC(ec, errc::address_in_use);
  EXPECT_TRUE(ec == std::errc::address_in_use);
  ec = {};
  first.listen(url, {}, ec);  // the same socket cannot take it twice either
  EXPECT_ERRC(ec, errc::address_in_use);
  EXPECT_ERRC(thrown_code([&] { second.listen(url); }), errc::address_in_use);
}

TEST(SocketErrorsTest, UnregisteredProtocolIsUnknownProtocol) {
  EXPECT_ERRC(thrown_code([] { Socket s{static_cast<Protocol>(0x7777)}; }),
              errc::unknown_protocol);
}

TEST_F(SocketTest, StatsCountMessagesBytesAndPipes) {
  Stats a0 = a_.stats();
  Stats b0 = b_.stats();
  EXPECT_EQ(a0.pipes, 1u);
  EXPECT_EQ(a0.pipes_added, 1u);
  EXPECT_EQ(b0.pipes, 1u);
  EXPECT_EQ(b0.pipes_added, 1u);
  EXPECT_EQ(a0.messages_sent, 0u);
  EXPECT_EQ(b0.messages_received, 0u);

  a_.send(std::string(5, 'a'));
  a_.send(std::string(10, 'b'));
  a_.send(std::string(100, 'c'));
  for (int i = 0; i < 3; ++i) (void)b_.recv();

  // Counters may be updated just after the call returns: wait, with a deadline.
  EXPECT_TRUE(wait_until([&] { return a_.stats().messages_sent == 3; }))
      << "messages_sent=" << a_.stats().messages_sent;
  EXPECT_TRUE(wait_until([&] { return b_.stats().messages_received == 3; }))
      << "messages_received=" << b_.stats().messages_received;
  const Stats a1 = a_.stats();
  const Stats b1 = b_.stats();
  EXPECT_EQ(a1.bytes_sent, 115u);
  EXPECT_EQ(b1.bytes_received, 115u);
  EXPECT_EQ(a1.messages_received, 0u);
  EXPECT_EQ(b1.messages_sent, 0u);
  EXPECT_EQ(a1.drops, 0u);
  EXPECT_EQ(b1.drops, 0u);

  b_.close();
  EXPECT_TRUE(wait_until([&] { return a_.stats().pipes == 0; }))
      << "pipes=" << a_.stats().pipes;
  EXPECT_EQ(a_.stats().pipes_added, 1u);
}

TEST_F(SocketTest, PipeEventsReportAddedAndRemoved) {
  const auto a_added = a_events_.events(Kind::added);
  const auto b_added = b_events_.events(Kind::added);
  ASSERT_EQ(a_added.size(), 1u);
  ASSERT_EQ(b_added.size(), 1u);
  EXPECT_NE(a_added[0].pipe_id, 0u);
  EXPECT_NE(b_added[0].pipe_id, 0u);
  EXPECT_LT(a_added[0].pipe_id, 1u << 31) << "pipe ids are 31 bits";
  EXPECT_NE(a_added[0].pipe_id, b_added[0].pipe_id) << "pipe ids are unique in the process";
  EXPECT_EQ(a_added[0].url, url_);
  EXPECT_EQ(b_added[0].url, url_);
  EXPECT_FALSE(a_added[0].reason);

  b_.close();
  ASSERT_TRUE(a_events_.wait_removed()) << a_events_.summary();
  const auto removed = a_events_.events(Kind::removed);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].pipe_id, a_added[0].pipe_id);
  EXPECT_EQ(removed[0].url, url_);
}

TEST(SocketEventsTest, PipeEventCallbackMayCallBackIntoSocket) {
  // The callback runs with no lock held, so calling the socket must not
  // deadlock. A new dialer on a second listener makes the event.
  auto pipes_seen = std::make_shared<std::atomic<int>>(-1);
  Socket c{sprocket::pair};
  c.on_pipe_event([&c, pipes_seen](const PipeEvent& e) {
    if (e.kind == Kind::added) pipes_seen->store(static_cast<int>(c.stats().pipes));
  });
  Socket d{sprocket::pair};
  const std::string url = unique_inproc_name();
  d.listen(url);
  c.dial(url);
  EXPECT_TRUE(wait_until([&] { return pipes_seen->load() >= 0; }));
  EXPECT_EQ(pipes_seen->load(), 1);
  c.on_pipe_event({});  // stop before c goes away, so no late event sees a dead socket
}

// After on_pipe_event({}) returns, the old callback is not running and is
// never called again — even when an event was being delivered on another
// thread at that moment.
TEST(SocketEventsTest, ReplacedCallbackIsNeitherRunningNorCalledAfterwards) {
  for (int round = 0; round < 20; ++round) {
    Socket c{sprocket::pair};
    std::atomic<int> inside{0};
    std::atomic<bool> after_reset{false};
    std::atomic<bool> late_call{false};
    c.on_pipe_event([&](const PipeEvent&) {
      if (after_reset) late_call = true;
      ++inside;
      std::this_thread::sleep_for(20ms);  // widen the window
      --inside;
    });
    Socket d{sprocket::pair};
    const std::string url = unique_inproc_name();
    d.listen(url);
    c.dial(url);
    d.close();  // removal and redial attempts keep events coming
    std::this_thread::sleep_for(std::chrono::milliseconds(round % 7));
    c.on_pipe_event({});
    after_reset = true;
    EXPECT_EQ(inside.load(), 0) << "the old callback was still running";
    c.close();
    EXPECT_FALSE(late_call.load()) << "the old callback was called after on_pipe_event({})";
  }
}

// Destroying the socket likewise waits for a callback running elsewhere.
TEST(SocketEventsTest, DestructionWaitsForARunningCallback) {
  std::atomic<bool> running{false}, finished{false};
  {
    auto c = std::make_unique<Socket>(sprocket::pair);
    c->on_pipe_event([&](const PipeEvent&) {
      running = true;
      std::this_thread::sleep_for(100ms);
      finished = true;
    });
    Socket d{sprocket::pair};
    const std::string url = unique_inproc_name();
    d.listen(url);
    c->dial(url);
    ASSERT_TRUE(wait_until([&] { return running.load(); }));
    c.reset();
  }
  EXPECT_TRUE(finished.load()) << "~Socket returned while its callback was running";
}

// wait_for_pipes: blocking and async, with a timeout and on close.
TEST(SocketPeersTest, WaitForPipesBlockingAndAsync) {
  Socket pub{sprocket::pub};
  const std::string url = unique_inproc_name();
  pub.listen(url);
  std::error_code ec;
  pub.wait_for_pipes(1, 50ms, ec);
  EXPECT_ERRC(ec, errc::timed_out) << "nobody is there yet";

  std::promise<std::error_code> async_result;
  pub.async_wait_for_pipes(2, -1ms, [&](std::error_code e) { async_result.set_value(e); });
  std::vector<std::unique_ptr<Socket>> subs;
  std::thread joiner([&] {
    for (int i = 0; i < 2; ++i) {
      subs.push_back(std::make_unique<Socket>(sprocket::sub));
      subs.back()->dial(url);
    }
  });
  pub.wait_for_pipes(2, kEventTimeout, ec);
  EXPECT_NO_ERROR(ec);
  auto f = async_result.get_future();
  ASSERT_EQ(f.wait_for(kEventTimeout), std::future_status::ready);
  EXPECT_NO_ERROR(f.get());
  joiner.join();
  pub.wait_for_pipes(2);  // already there: at once
  EXPECT_EQ(pub.stats().pipes, 2u);

  std::promise<std::error_code> on_close;
  pub.async_wait_for_pipes(5, -1ms, [&](std::error_code e) { on_close.set_value(e); });
  std::thread closer([&] { pub.close(); });
  pub.wait_for_pipes(5, kEventTimeout, ec);
  closer.join();
  EXPECT_ERRC(ec, errc::closed);
  auto g = on_close.get_future();
  ASSERT_EQ(g.wait_for(kEventTimeout), std::future_status::ready);
  EXPECT_ERRC(g.get(), errc::closed);
}

TEST(SocketOptionsTest, DefaultsAndRoundTrips) {
  Socket s{sprocket::pair};
  EXPECT_LT(s.send_timeout().count(), 0) << "no send timeout by default";
  EXPECT_LT(s.recv_timeout().count(), 0) << "no recv timeout by default";
  EXPECT_EQ(s.send_buffer(), 1024u);
  EXPECT_EQ(s.recv_buffer(), 1024u);
  EXPECT_EQ(s.recv_max_size(), 1024u * 1024u);
  EXPECT_EQ(s.protocol(), sprocket::pair);
  EXPECT_TRUE(static_cast<bool>(s.get_executor()));

  s.set_send_timeout(250ms);
  s.set_recv_timeout(1500ms);
  EXPECT_EQ(to_ms(s.send_timeout()), 250);
  EXPECT_EQ(to_ms(s.recv_timeout()), 1500);
  s.set_send_timeout(std::chrono::microseconds(1234));
  EXPECT_EQ(s.send_timeout().count(), 1'234'000);
  s.set_send_timeout(-1ms);
  EXPECT_LT(s.send_timeout().count(), 0);

  s.set_send_buffer(16);
  s.set_recv_buffer(32);
  EXPECT_EQ(s.send_buffer(), 16u);
  EXPECT_EQ(s.recv_buffer(), 32u);
  s.set_recv_max_size(0);
  EXPECT_EQ(s.recv_max_size(), 0u);
  s.set_recv_max_size(4096);
  EXPECT_EQ(s.recv_max_size(), 4096u);
  s.set_linger(500ms);
  EXPECT_EQ(to_ms(s.linger()), 500);
}

/// How many messages of `size` bytes a PUSH queues towards a PULL that does
/// not receive, over tcp or inproc, before try_send() says would_block;
/// `depth` is set as both sockets' buffers, or left at the default.
int queued_until_full(std::string_view transport, std::size_t size,
                      std::optional<std::size_t> depth) {
  Socket push{sprocket::push}, pull{sprocket::pull};
  if (depth) {
    for (Socket* s : {&push, &pull}) {
      s->set_send_buffer(*depth);
      s->set_recv_buffer(*depth);
    }
  }
  PipeEventRecorder push_events{push}, pull_events{pull};
  if (transport == "inproc") {
    const std::string url = unique_inproc_name();
    pull.listen(url);
    push.dial(url);
  } else {
    Listener listener = pull.listen("tcp://127.0.0.1:0");
    push.dial("tcp://127.0.0.1:" + std::to_string(listener.port()));
  }
  EXPECT_TRUE(push_events.wait_added(1) && pull_events.wait_added(1));
  std::error_code ec;
  int queued = 0;
  for (; queued < 5000; ++queued) {
    push.try_send(Message(size), ec);
    if (ec) break;
  }
  EXPECT_ERRC(ec, errc::would_block) << "after " << queued;
  return queued;
}

// The default depth lets small messages flow in batches (1024), and a
// queue left at it also stops at SocketPort::kDefaultBufferBytes per side,
// so that large messages do not pile up by the gigabyte. A depth the user
// sets counts messages only, as before.
constexpr std::size_t kLargeMessage = 256 * 1024;
constexpr int kLargePerSide = static_cast<int>(SocketPort::kDefaultBufferBytes / kLargeMessage);

TEST(SocketOptionsTest, TheDefaultDepthAlsoBoundsBytesASetDepthDoesNot) {
  const int by_default = queued_until_full("tcp", kLargeMessage, std::nullopt);
  RecordProperty("queued_by_default", by_default);
  EXPECT_GE(by_default, kLargePerSide) << "the PUSH's own queue holds 4 MiB";
  // Both queues, the writer's batch in hand and the kernel's buffers hold a
  // few dozen at most; 128 messages was the old default depth of the PUSH's
  // queue alone.
  EXPECT_LT(by_default, 128) << "a default queue of large messages is bounded in bytes";
  EXPECT_GE(queued_until_full("tcp", kLargeMessage, 130), 130) << "a set depth is in messages only";
}

// Over inproc the one queue of a direction is both sides' buffers, and so
// are its bounds: exactly, since nothing but the queue holds a message.
TEST(SocketOptionsTest, AnInprocQueueSumsBothSidesBounds) {
  EXPECT_EQ(queued_until_full("inproc", kLargeMessage, std::nullopt), 2 * kLargePerSide);
  EXPECT_EQ(queued_until_full("inproc", kLargeMessage, 40), 80)
      << "a set depth is in messages only";
  EXPECT_EQ(queued_until_full("inproc", 64, std::nullopt), 2048) << "small messages: the depth";
}

TEST(SocketHandlesTest, DialerAndListenerKnowTheirUrl) {
  const std::string url = unique_inproc_name();
  Socket a{sprocket::pair};
  Socket b{sprocket::pair};
  Listener l = a.listen(url);
  Dialer d = b.dial(url);
  ASSERT_TRUE(l);
  ASSERT_TRUE(d);
  EXPECT_EQ(l.url(), url);
  EXPECT_EQ(d.url(), url);
  EXPECT_EQ(l.port(), 0) << "inproc has no port";
}

TEST(SocketHandlesTest, DroppingHandlesLeavesEndpointsRunning) {
  const std::string url = unique_inproc_name();
  Socket a{sprocket::pair};
  Socket b{sprocket::pair};
  bound_blocking_calls(a);
  bound_blocking_calls(b);
  PipeEventRecorder ea(a), eb(b);
  (void)a.listen(url);  // handles dropped at once
  (void)b.dial(url);
  ASSERT_TRUE(ea.wait_added()) << ea.summary();
  b.send("still running");
  EXPECT_EQ(to_string(a.recv()), "still running");
}

TEST_F(SocketTest, MovedSocketKeepsWorking) {
  Socket moved{std::move(b_)};
  a_.send("to the moved socket");
  EXPECT_EQ(to_string(moved.recv()), "to the moved socket");
  Socket assigned{sprocket::pair};
  assigned = std::move(moved);
  assigned.send("from the assigned socket");
  EXPECT_EQ(to_string(a_.recv()), "from the assigned socket");
}

}  // namespace
}  // namespace sprocket::test
