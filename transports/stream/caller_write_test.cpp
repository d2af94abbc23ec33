// The pump's caller write (issue #12): a message sent to an idle tcp or ipc
// connection is written by the sending thread itself; what the socket does
// not take, and every stream of sends, goes on from the connection's strand.
// These tests show the write happens without an I/O thread, that the two
// writers never interleave or reorder bytes, and that a connection closing
// under a caller write loses nothing it did not report (run under TSan by
// tools/test.sh).
#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/test_util.hpp"
#include "transports/stream/caller_test_util.hpp"
#include "transports/stream/stream_test_util.hpp"

namespace sprocket::test {
namespace {

using namespace std::chrono_literals;

class CallerWriteTest : public ::testing::TestWithParam<Transport> {};

// With the sender's only I/O thread held, a message to an idle connection
// still reaches the peer: the sending thread wrote it. (Before the caller
// write it waited in the queue until the I/O thread was free.)
TEST_P(CallerWriteTest, AMessageToAnIdleConnectionLeavesWithoutAnIoThread) {
  OwnIoThread io;
  Socket sender{sprocket::pair, {}, io.executor()};
  Socket receiver{sprocket::pair};
  connected_and_bounded(GetParam(), sender, receiver);
  ASSERT_FALSE(HasFailure());

  io.hold();
  for (int i = 0; i < 3; ++i) {  // each after a pause, so each finds the connection idle
    std::this_thread::sleep_for(2ms);
    sender.send("hello " + std::to_string(i));
    std::string got;
    ASSERT_NO_THROW(got = to_string(receiver.recv()))
        << "message " << i << " did not leave while the sender's I/O thread was busy";
    EXPECT_EQ(got, "hello " + std::to_string(i));
  }
  io.release();
  // The strand takes over again for what follows.
  sender.send("after");
  EXPECT_EQ(to_string(receiver.recv()), "after");
}

// One sender alternating bursts (left to the strand) with pauses (written
// by the caller), small messages with ones larger than the socket buffer
// (a caller write the strand must finish): everything arrives whole and in
// order, so the two writers never interleaved their bytes.
TEST_P(CallerWriteTest, PausesAndBurstsArriveWholeAndInOrder) {
  Socket sender{sprocket::pair}, receiver{sprocket::pair};
  receiver.set_recv_max_size(0);
  connected_and_bounded(GetParam(), sender, receiver);
  ASSERT_FALSE(HasFailure());

  constexpr int kMessages = 3000;
  auto body_of = [](int i) {
    std::size_t size = i % 97 == 0 ? 3 * 1024 * 1024 : 16 + (i * 37) % 2000;
    std::string b = std::to_string(i) + ":";
    b.resize(size, static_cast<char>('a' + i % 26));
    return b;
  };
  std::thread reader([&] {
    for (int i = 0; i < kMessages; ++i) {
      std::string got = to_string(receiver.recv());
      if (got != body_of(i)) {
        ADD_FAILURE() << "message " << i << " arrived as " << got.substr(0, 40) << "… ("
                      << got.size() << " bytes)";
        return;
      }
    }
  });
  std::mt19937 rng(7);
  for (int i = 0; i < kMessages; ++i) {
    sender.send(body_of(i));
    if (rng() % 8 == 0) std::this_thread::sleep_for(std::chrono::microseconds(rng() % 60));
  }
  reader.join();
}

// Connections closed by the peer while two threads keep sending with
// pauses (caller writes racing the strand's close): nothing crashes or
// races (TSan), no message arrives twice, and the sender keeps serving the
// next connection.
TEST_P(CallerWriteTest, APeerLeavingUnderCallerWritesLosesTheConnectionOnly) {
  Socket push{sprocket::push};
  push.set_send_timeout(50ms);
  Endpoint ep;
  std::set<std::string> seen;  // across rounds: a message the dead connection took is not re-sent
  for (int round = 0; round < 6; ++round) {
    Socket pull{sprocket::pull};
    PipeEventRecorder ue{push}, le{pull};
    pull.set_recv_timeout(20ms);
    if (round == 0) {
      ep = connected(GetParam(), push, ue, pull, le);
      ASSERT_FALSE(HasFailure());
    } else {
      pull.listen(ep.relisten_url());
      ASSERT_TRUE(le.wait_added(1)) << "the dialer did not come back in round " << round;
    }
    std::atomic<bool> stop{false};
    auto sender = [&](int who) {
      std::mt19937 rng(who + round);
      for (int i = 0; !stop.load(); ++i) {
        std::error_code ec;
        push.send(std::to_string(round) + "/" + std::to_string(who) + "/" + std::to_string(i), ec);
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 40));
      }
    };
    std::thread a(sender, 1), b(sender, 2);
    const std::size_t before = seen.size();
    for (int n = 0; n < 200; ++n) {
      std::error_code ec;
      Message m = pull.recv(ec);
      if (ec) continue;
      // (What the last round's connection never took comes here too.)
      EXPECT_TRUE(seen.insert(to_string(m)).second) << "received twice: " << to_string(m);
    }
    pull.close();  // under the senders
    std::this_thread::sleep_for(5ms);
    stop = true;
    a.join();
    b.join();
    EXPECT_GT(seen.size(), before) << "round " << round << " received nothing";
  }
}

// A thread publishing to many subscribers sends a stream, though each
// connection alone sees its sends spaced out by the thread's writes to the
// others: with the publisher's I/O thread held, the burst waits for it (and
// then leaves in gather writes) instead of being written by the publisher,
// one system call per message and subscriber. (Judged per connection
// alone, every send looked like one after a pause: PUB to 4 SUB fell from
// 1.4 M to 20-60 k messages a second.)
TEST_P(CallerWriteTest, ABurstToManySubscribersIsLeftToTheIoThread) {
  constexpr int kSubscribers = 16;
  constexpr int kMessages = 100;  // within the default send buffer of each pipe
  OwnIoThread io;
  Socket pub{sprocket::pub, {}, io.executor()};
  PipeEventRecorder pe{pub};
  Endpoint ep = Endpoint::make(GetParam());
  ep.bound(pub.listen(ep.listen_url));
  std::vector<std::unique_ptr<Socket>> subs;
  for (int i = 0; i < kSubscribers; ++i) {
    subs.push_back(std::make_unique<Socket>(sprocket::sub));
    subs.back()->subscribe("");
    bound_blocking_calls(*subs.back());
    subs.back()->dial(ep.dial_url);
  }
  ASSERT_TRUE(pe.wait_added(kSubscribers));

  io.hold();
  for (int i = 0; i < kMessages; ++i) pub.send(std::to_string(i));
  // What the publisher wrote itself reaches the subscribers meanwhile.
  std::this_thread::sleep_for(100ms);
  std::vector<int> next(kSubscribers, 0);
  int written_by_the_publisher = 0;
  for (int s = 0; s < kSubscribers; ++s) {
    for (;;) {
      std::error_code ec;
      Message m = subs[s]->try_recv(ec);
      if (ec) break;
      EXPECT_EQ(to_string(m), std::to_string(next[s]++));
      ++written_by_the_publisher;
    }
  }
  EXPECT_LT(written_by_the_publisher, kSubscribers * kMessages / 2)
      << "the publishing thread wrote the burst itself, message by message";

  io.release();
  for (int s = 0; s < kSubscribers; ++s) {
    while (next[s] < kMessages) {
      std::string got;
      ASSERT_NO_THROW(got = to_string(subs[s]->recv())) << "subscriber " << s << " at " << next[s];
      ASSERT_EQ(got, std::to_string(next[s]++)) << "subscriber " << s;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Transports, CallerWriteTest,
                         ::testing::Values(Transport::tcp, Transport::ipc), TransportName{});

}  // namespace
}  // namespace sprocket::test
