// Many threads on one socket: exactly-once delivery, close() waking blocked
// callers and cancelling async operations, destruction with operations
// pending, concurrent close(), and options changed under traffic. Run under
// TSan: all shared test state is atomic or owned by one thread at a time.
#include <algorithm>
#include <latch>
#include <memory>
#include <vector>

#include "test_util.hpp"

namespace sprocket::test {
namespace {

using Kind = PipeEvent::Kind;

constexpr int kThreads = 4;
constexpr int kPerSender = 20'000;

struct Connected {
  Socket a{sprocket::pair};
  Socket b{sprocket::pair};
  PipeEventRecorder ea{a};
  PipeEventRecorder eb{b};
};

/// Two connected sockets; `buffers` > 0 sets every queue depth first.
::testing::AssertionResult make_connected(Connected& c, std::size_t buffers = 0) {
  if (buffers) {
    for (Socket* s : {&c.a, &c.b}) {
      s->set_send_buffer(buffers);
      s->set_recv_buffer(buffers);
    }
  }
  return connect(c.a, c.ea, c.b, c.eb, unique_inproc_name());
}

TEST(ConcurrencyTest, FourSendersFourReceiversDeliverEachMessageOnce) {
  Connected c;
  ASSERT_TRUE(make_connected(c));
  c.a.set_send_timeout(30s);  // bounded, so a lost wake-up fails instead of hanging
  c.b.set_recv_timeout(30s);

  constexpr int kTotal = kThreads * kPerSender;
  std::atomic<int> received{0};
  std::atomic<int> send_errors{0};
  std::atomic<int> recv_errors{0};
  std::vector<std::vector<std::uint64_t>> got(kThreads);  // one per receiver thread

  std::vector<std::jthread> receivers;
  for (int r = 0; r < kThreads; ++r) {
    receivers.emplace_back([&, r] {
      for (;;) {
        std::error_code ec;
        Message m = c.b.recv(ec);
        if (ec) {
          if (ec != errc::closed) recv_errors.fetch_add(1);
          return;
        }
        got[r].push_back(message_id(m));
        received.fetch_add(1);
      }
    });
  }
  {
    std::vector<std::jthread> senders;
    for (int s = 0; s < kThreads; ++s) {
      senders.emplace_back([&, s] {
        for (int i = 0; i < kPerSender; ++i) {
          std::error_code ec;
          c.a.send(id_message(std::uint64_t(s) << 32 | std::uint32_t(i)), ec);
          if (ec) {
            send_errors.fetch_add(1);
            return;
          }
        }
      });
    }
  }  // senders joined
  EXPECT_EQ(send_errors.load(), 0);
  EXPECT_TRUE(wait_until([&] { return received.load() >= kTotal; }, 60s))
      << "received " << received.load() << " of " << kTotal;
  c.b.close();  // the receivers still blocked in recv() return errc::closed
  receivers.clear();  // joins
  EXPECT_EQ(recv_errors.load(), 0);

  std::vector<std::uint64_t> all;
  for (int r = 0; r < kThreads; ++r) {
    // One receiver's messages come off one FIFO pipe, so each sender's ids
    // it saw must be increasing.
    std::vector<std::int64_t> last(kThreads, -1);
    for (std::uint64_t id : got[r]) {
      const auto sender = id >> 32;
      ASSERT_LT(sender, std::uint64_t(kThreads)) << "corrupt message";
      EXPECT_GT(std::int64_t(id & 0xffffffffu), last[sender]) << "reordered within a pipe";
      last[sender] = std::int64_t(id & 0xffffffffu);
    }
    all.insert(all.end(), got[r].begin(), got[r].end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a message arrived twice";
  ASSERT_EQ(all.size(), std::size_t(kTotal));
  std::size_t k = 0;
  for (int s = 0; s < kThreads; ++s)
    for (int i = 0; i < kPerSender; ++i, ++k)
      ASSERT_EQ(all[k], std::uint64_t(s) << 32 | std::uint32_t(i)) << "missing message";
}

// Sends and receives with 1 ms timeouts, so that many of them time out at
// the moment their operation completes: a wait that gives up must either
// have its operation undone (a send keeps its message, a recv takes none)
// or report it done — never both, never neither.
TEST(ConcurrencyTest, TimeoutsRacingCompletionsLoseAndDuplicateNothing) {
  Connected c;
  ASSERT_TRUE(make_connected(c, 2));  // small queues, so that sends wait too
  c.a.set_send_timeout(std::chrono::milliseconds(1));
  c.b.set_recv_timeout(std::chrono::milliseconds(1));
  constexpr int kSenders = 2, kReceivers = 2, kEach = 3000;
  constexpr int kTotal = kSenders * kEach;
  std::atomic<int> received{0}, send_timeouts{0}, recv_timeouts{0}, errors{0};
  std::atomic<bool> stop{false};
  std::vector<std::vector<std::uint64_t>> got(kReceivers);
  std::vector<std::jthread> receivers;
  for (int r = 0; r < kReceivers; ++r) {
    receivers.emplace_back([&, r] {
      while (!stop.load()) {
        std::error_code ec;
        Message m = c.b.recv(ec);
        if (ec == errc::timed_out) {
          recv_timeouts.fetch_add(1);
        } else if (ec) {
          errors.fetch_add(1);
          return;
        } else {
          got[r].push_back(message_id(m));
          received.fetch_add(1);
        }
      }
    });
  }
  {
    std::vector<std::jthread> senders;
    for (int s = 0; s < kSenders; ++s) {
      senders.emplace_back([&, s] {
        for (int i = 0; i < kEach; ++i) {
          const std::uint64_t id = std::uint64_t(s) << 32 | std::uint32_t(i);
          Message m = id_message(id);
          for (;;) {
            std::error_code ec;
            c.a.send(std::move(m), ec);
            if (!ec) break;
            if (ec != errc::timed_out || message_id(m) != id) {  // a failed send keeps its message
              errors.fetch_add(1);
              return;
            }
            send_timeouts.fetch_add(1);
          }
          // Now and then a pause longer than the receivers' timeout.
          if (i % 16 == 0) std::this_thread::sleep_for(std::chrono::microseconds((i / 16 % 4) * 700));
        }
      });
    }
  }  // senders joined
  EXPECT_TRUE(wait_until([&] { return received.load() >= kTotal; }, 60s))
      << "received " << received.load() << " of " << kTotal;
  stop = true;
  receivers.clear();  // joins: each returns within one timeout
  EXPECT_EQ(errors.load(), 0);
  EXPECT_GT(recv_timeouts.load(), 0);
  std::vector<std::uint64_t> all;
  for (auto& g : got) all.insert(all.end(), g.begin(), g.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a message arrived twice";
  ASSERT_EQ(all.size(), std::size_t(kTotal));
  RecordProperty("send_timeouts", send_timeouts.load());
  RecordProperty("recv_timeouts", recv_timeouts.load());
}

TEST(ConcurrencyTest, CloseWakesBlockedRecv) {
  Connected c;
  ASSERT_TRUE(make_connected(c));
  c.b.set_recv_timeout(30s);  // bounds the test if close() fails to wake it
  std::atomic<bool> started{false};
  std::atomic<bool> finished{false};
  std::error_code result;
  std::jthread t([&] {
    started = true;
    std::error_code ec;
    (void)c.b.recv(ec);
    result = ec;
    finished = true;
  });
  ASSERT_TRUE(wait_until([&] { return started.load(); }));
  c.b.close();
  EXPECT_TRUE(wait_until([&] { return finished.load(); })) << "close() did not wake the blocked recv";
  t.join();
  EXPECT_ERRC(result, errc::closed);
}

TEST(ConcurrencyTest, CloseWakesSendBlockedByBackpressure) {
  Connected c;
  ASSERT_TRUE(make_connected(c, 1));
  std::error_code ec;
  const int accepted = fill_until_would_block(c.a, ec, 64);
  ASSERT_ERRC(ec, errc::would_block) << "after " << accepted << " messages";

  c.a.set_send_timeout(30s);
  std::atomic<bool> started{false};
  std::atomic<bool> finished{false};
  std::error_code result;
  std::string left_in_argument;
  std::jthread t([&] {
    Message m{std::string_view{"blocked"}};
    started = true;
    std::error_code e;
    c.a.send(std::move(m), e);
    result = e;
    left_in_argument = std::string(m.str());
    finished = true;
  });
  ASSERT_TRUE(wait_until([&] { return started.load(); }));
  c.a.close();
  EXPECT_TRUE(wait_until([&] { return finished.load(); }));
  t.join();
  EXPECT_ERRC(result, errc::closed);
  EXPECT_EQ(left_in_argument, "blocked") << "a failed send leaves the message with the caller";
}

TEST(ConcurrencyTest, CloseCompletesPendingAsyncOperationsWithClosed) {
  Connected c;
  ASSERT_TRUE(make_connected(c, 1));
  std::error_code ec;
  fill_until_would_block(c.a, ec, 64);
  ASSERT_ERRC(ec, errc::would_block);

  std::vector<RecvCompletion> receives(3);
  for (auto& r : receives) c.a.async_recv(r.handler());  // nothing comes from b
  SendCompletion send;  // waits for room that never comes
  c.a.async_send(Message{std::string_view{"stuck"}}, send.handler());
  EXPECT_FALSE(send.done());

  c.a.close();
  ASSERT_TRUE(send.wait());
  EXPECT_ERRC(send.ec(), errc::closed);
  for (auto& r : receives) {
    ASSERT_TRUE(r.wait());
    EXPECT_ERRC(r.ec(), errc::closed);
    EXPECT_EQ(r.calls(), 1);
  }

  // An operation started after close() completes too, never hangs.
  RecvCompletion late;
  c.a.async_recv(late.handler());
  ASSERT_TRUE(late.wait());
  EXPECT_ERRC(late.ec(), errc::closed);
}

TEST(ConcurrencyTest, DestroyingSocketCompletesPendingReceivesOnCallersIoContext) {
  asio::io_context io;  // outlives the socket, as the handlers need it
  auto s = std::make_unique<Socket>(sprocket::pair, SocketOptions{}, io.get_executor());
  s->listen(unique_inproc_name());
  std::vector<RecvCompletion> receives(3);
  for (auto& r : receives) s->async_recv(r.handler());
  s.reset();
  ASSERT_TRUE(run_until(io, [&] {
    return std::all_of(receives.begin(), receives.end(), [](auto& r) { return r.done(); });
  }));
  for (auto& r : receives) {
    EXPECT_ERRC(r.ec(), errc::closed);
    EXPECT_EQ(r.calls(), 1);
  }
  EXPECT_TRUE(drain_io(io)) << "the destroyed socket still holds work on the io_context";
}

TEST(ConcurrencyTest, DestroyingConnectedSocketCompletesPendingReceives) {
  auto c = std::make_unique<Connected>();
  ASSERT_TRUE(make_connected(*c));
  std::vector<RecvCompletion> receives(3);
  for (auto& r : receives) c->b.async_recv(r.handler());
  PipeEventRecorder a_events = c->ea;  // shares the record; outlives c
  Socket a = std::move(c->a);          // keep the peer alive to see the pipe go
  c.reset();                           // destroys b with three receives pending
  for (auto& r : receives) {
    ASSERT_TRUE(r.wait());
    EXPECT_ERRC(r.ec(), errc::closed);
  }
  EXPECT_TRUE(a_events.wait_removed()) << a_events.summary();
}

TEST(ConcurrencyTest, ConcurrentCloseFromManyThreads) {
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE(round);
    Connected c;
    ASSERT_TRUE(make_connected(c));
    c.a.set_recv_timeout(30s);
    std::error_code blocked_result;
    std::atomic<bool> blocked_started{false};
    {
      std::jthread blocked([&] {
        blocked_started = true;
        std::error_code ec;
        (void)c.a.recv(ec);
        blocked_result = ec;
      });
      ASSERT_TRUE(wait_until([&] { return blocked_started.load(); }));
      std::latch go(kThreads + 1);
      std::vector<std::jthread> closers;
      for (int i = 0; i < kThreads; ++i)
        closers.emplace_back([&] {
          go.arrive_and_wait();
          c.a.close();
        });
      closers.emplace_back([&] {  // and the peer at the same moment
        go.arrive_and_wait();
        c.b.close();
      });
    }  // all joined
    EXPECT_ERRC(blocked_result, errc::closed);
  }
}

TEST(ConcurrencyTest, OptionsChangeWhileTrafficFlows) {
  Connected c;
  ASSERT_TRUE(make_connected(c));
  constexpr int kMessages = 5000;
  c.a.set_send_timeout(30s);
  c.b.set_recv_timeout(30s);
  std::atomic<int> send_errors{0};
  std::atomic<int> recv_errors{0};
  std::atomic<int> out_of_order{0};
  std::atomic<bool> stop{false};

  std::jthread tuner([&] {
    for (unsigned k = 0; !stop.load(); ++k) {
      for (Socket* s : {&c.a, &c.b}) {
        s->set_send_buffer(1 + k % 64);
        s->set_recv_buffer(1 + (k * 7) % 64);
        // Timeouts stay long: changing them must not make a call fail.
        s->set_send_timeout(std::chrono::milliseconds(30'000 + k % 100));
        s->set_recv_timeout(std::chrono::milliseconds(30'000 + k % 100));
        s->set_linger(std::chrono::milliseconds(k % 50));
        s->set_recv_max_size(1024 * 1024 + k % 1024);
        (void)s->send_buffer();
        (void)s->recv_timeout();
        (void)s->stats();
      }
      std::this_thread::yield();
    }
  });
  {
    std::jthread receiver([&] {
      for (int i = 0; i < kMessages; ++i) {
        std::error_code ec;
        Message m = c.b.recv(ec);
        if (ec) {
          recv_errors.fetch_add(1);
          return;
        }
        if (message_id(m) != std::uint64_t(i)) out_of_order.fetch_add(1);
      }
    });
    std::jthread sender([&] {
      for (int i = 0; i < kMessages; ++i) {
        std::error_code ec;
        c.a.send(id_message(std::uint64_t(i)), ec);
        if (ec) {
          send_errors.fetch_add(1);
          return;
        }
      }
    });
  }  // sender and receiver joined
  stop = true;
  tuner.join();
  EXPECT_EQ(send_errors.load(), 0);
  EXPECT_EQ(recv_errors.load(), 0);
  EXPECT_EQ(out_of_order.load(), 0);
}

}  // namespace
}  // namespace sprocket::test
