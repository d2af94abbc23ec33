// Bounded queues: with small buffers and nobody reading, senders are held
// back (would_block, timed_out, a blocked send or a pending async_send) and
// released as soon as the receiver drains.
#include <string>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>

#include "test_util.hpp"

namespace sprocket::test {
namespace {

constexpr std::size_t kBuffer = 4;
// Where try_send must have stopped: the inproc capacity (send_buffer +
// recv_buffer = 8) plus generous slack for protocol-level buffering.
constexpr int kMaxAccepted = 64;

class BackpressureTest : public ConnectedPairTest {
 protected:
  // Buffers are read when the connection is made, so set them before.
  void configure_sockets() override {
    for (Socket* s : {&a_, &b_}) {
      s->set_send_buffer(kBuffer);
      s->set_recv_buffer(kBuffer);
    }
  }

  /// Fills a_ -> b_ until try_send refuses; asserts that it does, in bounds.
  int fill() {
    std::error_code ec;
    const int n = fill_until_would_block(a_, ec, 1000);
    EXPECT_ERRC(ec, errc::would_block) << "try_send never refused, after " << n << " messages";
    EXPECT_GE(n, int(kBuffer));
    EXPECT_LE(n, kMaxAccepted);
    return n;
  }

  /// Receives `n` messages on b_ and checks they are "0", "1", ...
  void drain(int n) {
    for (int i = 0; i < n; ++i) {
      std::error_code ec;
      Message m = b_.recv(ec);
      ASSERT_NO_ERROR(ec) << "message " << i;
      ASSERT_EQ(m.str(), std::to_string(i));
    }
  }
};

TEST_F(BackpressureTest, TrySendStopsWhenBuffersAreFull) {
  const int n = fill();
  Message m{std::string_view{"one too many"}};
  std::error_code ec;
  a_.try_send(std::move(m), ec);
  EXPECT_ERRC(ec, errc::would_block);
  EXPECT_TRUE(ec == std::errc::operation_would_block);
  EXPECT_EQ(m.str(), "one too many") << "a refused message stays with the caller";
  EXPECT_EQ(a_.stats().drops, 0u) << "PAIR holds back, it does not drop";
  RecordProperty("accepted", n);
}

TEST_F(BackpressureTest, BlockingSendTimesOut) {
  fill();
  a_.set_send_timeout(100ms);
  Message m{std::string_view{"late"}};
  std::error_code ec;
  const auto start = Clock::now();
  a_.send(std::move(m), ec);
  const auto elapsed = to_ms(Clock::now() - start);
  EXPECT_ERRC(ec, errc::timed_out);
  EXPECT_GE(elapsed, 90);
  EXPECT_EQ(m.str(), "late");
}

TEST_F(BackpressureTest, DrainingRestoresSending) {
  const int n = fill();
  drain(n);
  std::error_code ec;
  (void)b_.try_recv(ec);
  EXPECT_ERRC(ec, errc::would_block) << "more arrived than was accepted";

  a_.send("again");  // bounded by the fixture's send timeout
  EXPECT_EQ(to_string(b_.recv()), "again");
  // The same capacity is there again.
  EXPECT_EQ(fill(), n);
  drain(n);
}

TEST_F(BackpressureTest, BlockedSendIsWokenByReceiver) {
  const int n = fill();
  std::atomic<bool> started{false};
  std::atomic<bool> finished{false};
  std::error_code result;
  std::jthread sender([&] {
    started = true;
    std::error_code ec;
    a_.send("blocked", ec);  // send timeout: kEventTimeout
    result = ec;
    finished = true;
  });
  ASSERT_TRUE(wait_until([&] { return started.load(); }));
  EXPECT_FALSE(finished.load()) << "send did not block on full buffers";

  EXPECT_EQ(to_string(b_.recv()), "0");  // makes room
  EXPECT_TRUE(wait_until([&] { return finished.load(); }));
  sender.join();
  EXPECT_NO_ERROR(result);
  for (int i = 1; i < n; ++i) ASSERT_EQ(to_string(b_.recv()), std::to_string(i));
  EXPECT_EQ(to_string(b_.recv()), "blocked");
}

TEST_F(BackpressureTest, PendingAsyncSendCompletesAfterDrain) {
  const int n = fill();
  SendCompletion c;
  a_.async_send(Message{std::string_view{"queued behind"}}, c.handler());
  EXPECT_FALSE(c.done()) << "async_send completed with no room";
  drain(n);
  ASSERT_TRUE(c.wait());
  EXPECT_NO_ERROR(c.ec());
  EXPECT_EQ(to_string(b_.recv()), "queued behind");
}

// The queue tells a refused sender at half its bound, unless the sender
// said it would block (MessageQueue::want_room): a pending async_send goes
// as soon as the receiver takes one message.
TEST_F(BackpressureTest, PendingAsyncSendCompletesAfterOneReceive) {
  const int n = fill();
  SendCompletion c;
  a_.async_send(Message{std::string_view{"queued behind"}}, c.handler());
  EXPECT_FALSE(c.done()) << "async_send completed with no room";
  EXPECT_EQ(to_string(b_.recv()), "0");  // makes room
  ASSERT_TRUE(c.wait());
  EXPECT_NO_ERROR(c.ec());
  for (int i = 1; i < n; ++i) ASSERT_EQ(to_string(b_.recv()), std::to_string(i));
  EXPECT_EQ(to_string(b_.recv()), "queued behind");
}

TEST_F(BackpressureTest, AsyncSendHonoursSendTimeout) {
  const int n = fill();
  a_.set_send_timeout(100ms);
  SendCompletion c;
  const auto start = Clock::now();
  a_.async_send(Message{std::string_view{"never"}}, c.handler());
  ASSERT_TRUE(c.wait());
  EXPECT_ERRC(c.ec(), errc::timed_out);
  EXPECT_GE(to_ms(c.when() - start), 90);
  drain(n);
  std::error_code ec;
  (void)b_.try_recv(ec);
  EXPECT_ERRC(ec, errc::would_block) << "the timed-out message was sent anyway";
}

TEST_F(BackpressureTest, CancelledAsyncSendIsNotSent) {
  const int n = fill();
  asio::cancellation_signal signal;
  SendCompletion c;
  a_.async_send(Message{std::string_view{"cancelled"}},
                asio::bind_cancellation_slot(signal.slot(), c.handler()));
  signal.emit(asio::cancellation_type::terminal);
  ASSERT_TRUE(c.wait());
  EXPECT_ERRC(c.ec(), errc::canceled);
  drain(n);
  std::error_code ec;
  (void)b_.try_recv(ec);
  EXPECT_ERRC(ec, errc::would_block) << "the cancelled message was sent anyway";
}

TEST_F(BackpressureTest, BackpressureWorksBothWays) {
  // b_ -> a_ has its own queues: filling one direction leaves the other free.
  const int n = fill();
  b_.send("reverse");
  EXPECT_EQ(to_string(a_.recv()), "reverse");
  drain(n);
}

}  // namespace
}  // namespace sprocket::test
