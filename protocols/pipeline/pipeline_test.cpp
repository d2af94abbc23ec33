// PUSH/PULL: PUSH load-balances (highest send_priority with room,
// round-robin inside a level) and holds back when no PULL has room; PULL
// fair-queues its input (highest recv_priority first). One-way: the wrong
// direction is errc::not_supported.
#include <sys/resource.h>

#include <algorithm>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

// After a standard header: asio's configuration must see libstdc++'s macros
// in every translation unit (see src/runtime.hpp).
#include <asio/use_future.hpp>

#include "protocols/common/protocol_test_util.hpp"
#include "sprocket/device.hpp"

namespace sprocket::test {
namespace {

class PipelineTest : public ::testing::TestWithParam<Via> {};
INSTANTIATE_TEST_SUITE_P(Transports, PipelineTest, kAllTransports, ViaName{});

TEST_P(PipelineTest, PushRoundRobinsOverPulls) {
  constexpr int kPulls = 3, kMessages = 30;
  Node push(sprocket::push);
  const std::string url = listen_fresh(push.socket, GetParam());
  std::vector<std::unique_ptr<Node>> pulls;
  for (int i = 0; i < kPulls; ++i) {
    pulls.push_back(std::make_unique<Node>(sprocket::pull));
    pulls.back()->socket.dial(url);
    ASSERT_TRUE(pulls.back()->events.wait_added()) << pulls.back()->events.summary();
  }
  ASSERT_TRUE(push.events.wait_added(kPulls)) << push.events.summary();

  for (int i = 0; i < kMessages; ++i) push.socket.send(std::to_string(i));
  std::vector<int> got(kPulls, 0);
  int total = 0;
  ASSERT_TRUE(wait_until([&] {
    for (int i = 0; i < kPulls; ++i) {
      const auto n = static_cast<int>(drain_now(pulls[i]->socket).size());
      got[i] += n;
      total += n;
    }
    return total >= kMessages;
  })) << "received "
      << total << " of " << kMessages;
  EXPECT_EQ(total, kMessages);
  for (int i = 0; i < kPulls; ++i) {
    EXPECT_GE(got[i], kMessages / kPulls - 1) << "PULL " << i;
    EXPECT_LE(got[i], kMessages / kPulls + 1) << "PULL " << i;
  }
}

TEST(PipelineFairQueueTest, PullFairQueuesFromSeveralPushes) {
  constexpr int kPushes = 3, kEach = 10;
  Node pull(sprocket::pull);
  const std::string url = listen_fresh(pull.socket, Via::inproc);
  std::vector<std::unique_ptr<Node>> pushes;
  for (int i = 0; i < kPushes; ++i) {
    pushes.push_back(std::make_unique<Node>(sprocket::push));
    pushes.back()->socket.dial(url);
    ASSERT_TRUE(pushes.back()->events.wait_added());
  }
  ASSERT_TRUE(pull.events.wait_added(kPushes)) << pull.events.summary();
  // Everything is queued before the first recv, so the order PULL picks is
  // its own choice, not the order of arrival.
  for (int i = 0; i < kPushes; ++i)
    for (int k = 0; k < kEach; ++k)
      pushes[i]->socket.send(std::to_string(i) + "-" + std::to_string(k));

  std::vector<int> count(kPushes, 0);
  for (const auto& m : recv_n(pull.socket, kPushes * kEach)) {
    const int from = m[0] - '0';
    ASSERT_EQ(m, std::to_string(from) + "-" + std::to_string(count[from]))
        << "each PUSH's messages arrive in order";
    ++count[from];
    const auto [lo, hi] = std::minmax_element(count.begin(), count.end());
    ASSERT_LE(*hi - *lo, 1) << "one PUSH got ahead of another: not fair-queued (at " << m << ")";
  }
}

// Capacity of one inproc PUSH->PULL pipe: PUSH's send buffer plus PULL's
// receive buffer.
constexpr std::size_t kSmallBuffer = 1;
constexpr int kSmallPipe = 2 * kSmallBuffer;

TEST(PipelineBackpressureTest, PushHoldsBackWhenEveryPullIsFull) {
  Node push(sprocket::push);
  push.socket.set_send_buffer(kSmallBuffer);
  const std::string url = listen_fresh(push.socket, Via::inproc);
  Node a(sprocket::pull), b(sprocket::pull);
  for (Node* n : {&a, &b}) {
    n->socket.set_recv_buffer(kSmallBuffer);
    n->socket.dial(url);
  }
  ASSERT_TRUE(push.events.wait_added(2)) << push.events.summary();

  std::error_code ec;
  EXPECT_EQ(fill_until_would_block(push.socket, ec), 2 * kSmallPipe);
  EXPECT_ERRC(ec, errc::would_block);
  push.socket.set_send_timeout(100ms);
  push.socket.send("late", ec);
  EXPECT_ERRC(ec, errc::timed_out);
  EXPECT_EQ(push.socket.stats().drops, 0u) << "PUSH holds back, it never drops";

  // A blocked send goes out as soon as one PULL makes room, to that PULL.
  push.socket.set_send_timeout(kEventTimeout);
  std::error_code blocked_ec = make_error_code(errc::canceled);
  std::thread sender([&] { push.socket.send("released", blocked_ec); });
  (void)a.socket.recv();
  sender.join();
  EXPECT_NO_ERROR(blocked_ec);
  auto rest_a = recv_n(a.socket, kSmallPipe);
  EXPECT_EQ(rest_a.back(), "released") << "went to the PULL that had room";
  EXPECT_TRUE(nothing_waiting(a.socket));
  EXPECT_EQ(drain_now(b.socket).size(), std::size_t(kSmallPipe)) << "b kept only what it had";
}

TEST(PipelineBackpressureTest, PushSendsToTheFreePullWhenOneIsFull) {
  Node push(sprocket::push);
  push.socket.set_send_buffer(kSmallBuffer);
  Node full(sprocket::pull), spare(sprocket::pull);
  full.socket.set_recv_buffer(kSmallBuffer);
  ASSERT_TRUE(connect_via(full.socket, full.events, push.socket, push.events, Via::inproc));
  std::error_code ec;
  ASSERT_EQ(fill_until_would_block(push.socket, ec), kSmallPipe);

  ASSERT_TRUE(connect_via(spare.socket, spare.events, push.socket, push.events, Via::inproc));
  for (int i = 0; i < 5; ++i) {
    push.socket.try_send("to-free-" + std::to_string(i), ec);
    ASSERT_NO_ERROR(ec) << "message " << i << " was not sent past the full PULL";
  }
  auto got = recv_n(spare.socket, 5);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got.front(), "to-free-0");
  EXPECT_EQ(got.back(), "to-free-4");
  EXPECT_EQ(drain_now(full.socket), (std::vector<std::string>{"0", "1"}));
}

TEST(PipelineDirectionTest, PushHasNoRecvAndPullHasNoSend) {
  Socket push{sprocket::push}, pull{sprocket::pull};
  bound_blocking_calls(push);
  bound_blocking_calls(pull);
  std::error_code ec;
  (void)push.recv(ec);
  EXPECT_ERRC(ec, errc::not_supported);
  (void)push.try_recv(ec);
  EXPECT_ERRC(ec, errc::not_supported);
  EXPECT_ERRC(thrown_code([&] { (void)push.recv(); }), errc::not_supported);
  pull.send("nowhere", ec);
  EXPECT_ERRC(ec, errc::not_supported);
  pull.try_send("nowhere", ec);
  EXPECT_ERRC(ec, errc::not_supported);
  EXPECT_ERRC(thrown_code([&] { pull.send("nowhere"); }), errc::not_supported);
}

// ------------------------------------------------------------------ priority

/// A PUSH dialing two PULLs: `first` at send_priority 1, `second` at 2
/// (dialed first, so that arrival order cannot explain a preference).
/// `buffer` sizes the PUSH's send buffer and `first`'s receive buffer.
struct PriorityRig {
  explicit PriorityRig(Via via, std::size_t buffer = 128) {
    push.socket.set_send_buffer(buffer);
    first.socket.set_recv_buffer(buffer);
    const auto url2 = listen_fresh(second.socket, via);
    const auto url1 = listen_fresh(first.socket, via);
    push.socket.dial(url2, {.send_priority = 2});
    push.socket.dial(url1, {.send_priority = 1});
  }
  ::testing::AssertionResult connected() {
    if (push.events.wait_added(2) && first.events.wait_added() && second.events.wait_added())
      return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "push: " << push.events.summary();
  }
  Node push{sprocket::push};
  Node first{sprocket::pull};
  Node second{sprocket::pull};
};

TEST_P(PipelineTest, SendPriorityOneTakesEverythingWhileItHasRoom) {
  PriorityRig rig(GetParam());
  ASSERT_TRUE(rig.connected());
  for (int i = 0; i < 20; ++i) rig.push.socket.send(std::to_string(i));
  // Had any message gone to priority 2, this would time out short of 20.
  auto got = recv_n(rig.first.socket, 20);
  EXPECT_EQ(got.size(), 20u);
  EXPECT_TRUE(nothing_waiting(rig.second.socket));
}

TEST(PipelinePriorityTest, SendFallsToPriorityTwoWhenOneIsFull) {
  PriorityRig rig(Via::inproc, kSmallBuffer);
  ASSERT_TRUE(rig.connected());
  for (int i = 0; i < 5; ++i) rig.push.socket.send(std::to_string(i));
  EXPECT_EQ(drain_now(rig.second.socket), (std::vector<std::string>{"2", "3", "4"}))
      << "priority 2 gets only what priority 1 had no room for";
  // Once priority 1 has room again it is preferred again.
  EXPECT_EQ(to_string(rig.first.socket.recv()), "0");
  rig.push.socket.send("5");
  EXPECT_EQ(drain_now(rig.first.socket), (std::vector<std::string>{"1", "5"}));
  EXPECT_TRUE(nothing_waiting(rig.second.socket));
}

TEST_P(PipelineTest, SendFallsToPriorityTwoWhenOneIsGone) {
  PriorityRig rig(GetParam());
  ASSERT_TRUE(rig.connected());
  rig.push.socket.send("before");
  EXPECT_EQ(to_string(rig.first.socket.recv()), "before");
  rig.first.socket.close();
  ASSERT_TRUE(rig.push.events.wait_removed()) << rig.push.events.summary();
  for (int i = 0; i < 3; ++i) rig.push.socket.send("after-" + std::to_string(i));
  EXPECT_EQ(recv_n(rig.second.socket, 3),
            (std::vector<std::string>{"after-0", "after-1", "after-2"}));
}

TEST(PipelinePriorityTest, RecvPriorityOneIsServedFirst) {
  Node pull(sprocket::pull), low(sprocket::push), high(sprocket::push);
  const auto low_url = listen_fresh(low.socket, Via::inproc);
  const auto high_url = listen_fresh(high.socket, Via::inproc);
  pull.socket.dial(low_url, {.recv_priority = 2});
  pull.socket.dial(high_url, {.recv_priority = 1});
  ASSERT_TRUE(pull.events.wait_added(2)) << pull.events.summary();
  ASSERT_TRUE(low.events.wait_added() && high.events.wait_added());
  // The low-priority messages are queued first: order of arrival loses.
  for (int i = 0; i < 3; ++i) low.socket.send("low-" + std::to_string(i));
  for (int i = 0; i < 3; ++i) high.socket.send("high-" + std::to_string(i));
  EXPECT_EQ(recv_n(pull.socket, 6),
            (std::vector<std::string>{"high-0", "high-1", "high-2", "low-0", "low-1", "low-2"}));
}

TEST(PipelinePriorityTest, PrioritiesOutsideOneToSixteenAreRefused) {
  Socket push{sprocket::push}, pull{sprocket::pull};
  for (int bad : {0, 17, -1}) {
    EXPECT_ERRC(thrown_code([&] { push.dial(unique_inproc_name(), {.send_priority = bad}); }),
                errc::invalid_argument)
        << "send_priority " << bad;
    EXPECT_ERRC(thrown_code([&] { pull.listen(unique_inproc_name(), {.recv_priority = bad}); }),
                errc::invalid_argument)
        << "recv_priority " << bad;
  }
  for (int good : {1, 16}) {
    EXPECT_NO_ERROR(thrown_code([&] { push.dial(unique_inproc_name(), {.send_priority = good}); }));
    EXPECT_NO_ERROR(
        thrown_code([&] { pull.listen(unique_inproc_name(), {.recv_priority = good}); }));
  }
}

// -------------------------------------------------------------- relay device

double process_cpu_seconds() {
  rusage r{};
  ::getrusage(RUSAGE_SELF, &r);
  return double(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         double(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

TEST(PipelineDeviceTest, RelayForwardsAndIdlesQuietly) {
  // source PUSH -> [raw PULL | device | raw PUSH] -> sink PULL
  Node source(sprocket::push), sink(sprocket::pull);
  Node front(sprocket::pull, {.raw = true}), back(sprocket::push, {.raw = true});
  ASSERT_TRUE(connect_via(front.socket, front.events, source.socket, source.events, Via::inproc));
  ASSERT_TRUE(connect_via(back.socket, back.events, sink.socket, sink.events, Via::inproc));
  auto relay = async_device(front.socket, back.socket,
                            asio::use_future([](std::error_code ec) { return ec; }));
  for (int i = 0; i < 10; ++i) source.socket.send(std::to_string(i));
  EXPECT_EQ(recv_n(sink.socket, 10),
            (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}));

  // Idle, the device must wait for input. PUSH cannot receive, so the
  // back-to-front direction has nothing to wait for: it must not spin on
  // the immediate errc::not_supported. Measured over a bounded wait in
  // which nothing may arrive: an idle process uses almost no CPU, a
  // spinning loop most of a core.
  sink.socket.set_recv_timeout(300ms);
  const double cpu_before = process_cpu_seconds();
  const auto start = Clock::now();
  std::error_code ec;
  (void)sink.socket.recv(ec);
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = process_cpu_seconds() - cpu_before;
  EXPECT_ERRC(ec, errc::timed_out);
  EXPECT_LT(cpu, 0.25 * wall) << "the idle relay used " << cpu << " s of CPU in " << wall << " s";

  front.socket.close();
  ASSERT_EQ(relay.wait_for(kEventTimeout), std::future_status::ready);
  EXPECT_NO_ERROR(relay.get());
}

}  // namespace
}  // namespace sprocket::test
