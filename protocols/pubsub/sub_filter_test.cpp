// SUB filters where messages arrive: an unwanted message never takes room
// in the subscriber's queue, so a flood of a topic nobody subscribed cannot
// crowd out the wanted ones; what is discarded is counted in
// stats().filtered, apart from drops.
//
// The second suite changes subscriptions while messages arrive (the
// connection threads match while the application's thread changes the
// tree; run it under TSan) and checks, with markers, that a subscription
// holds for every message published after subscribe() returned and before
// the next unsubscribe began, and that an unsubscribe holds for every
// message published after it returned, until the next subscribe began.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "protocols/pubsub/fanout_test_util.hpp"
#include "sprocket/extension/message_queue.hpp"

namespace sprocket::test {
namespace {

/// A PUB listening on a fresh address and a SUB dialled to it, both sides'
/// pipes up; `configure` runs on the SUB before it dials.
struct PubSubPair {
  PubSubPair(Via via, const std::function<void(Socket&)>& configure) {
    bound_blocking_calls(pub);
    bound_blocking_calls(sub);
    configure(sub);
    const std::string url = listen_fresh(pub, via);
    sub.dial(url);
    EXPECT_TRUE(pub_events.wait_added()) << pub_events.summary();
    EXPECT_TRUE(sub_events.wait_added()) << sub_events.summary();
  }
  Socket pub{sprocket::pub};
  Socket sub{sprocket::sub};
  PipeEventRecorder pub_events{pub};
  PipeEventRecorder sub_events{sub};
};

class SubFilterTest : public ::testing::TestWithParam<Via> {};

INSTANTIATE_TEST_SUITE_P(Transports, SubFilterTest, kAllTransports, ViaName{});

// The case. The subscriber reads nothing while the publisher sends
// 32 MiB of a topic it does not want (more than its queue and the kernel's
// loopback buffers hold) with a wanted message after every 128 unwanted
// ones. Each message is sent until the publisher's queue takes it (a PUB
// drops for a subscriber whose path is full; one subscriber, so a new drop
// is that message), so all of them reach the subscriber. Had the unwanted
// ones taken room in its queue, its path would fill up with them and the
// rest would never find room; filtered on arrival, they take none, and the
// wanted ones wait in the queue until read.
TEST_P(SubFilterTest, FloodOfUnwantedTopicLeavesRoomForWanted) {
  constexpr int kWanted = 8;  // exactly the subscriber's queue
  constexpr int kUnwantedPerWanted = 128;
  constexpr std::size_t kUnwantedSize = 32 * 1024;
  PubSubPair p(GetParam(), [](Socket& s) {
    s.set_recv_buffer(kWanted);
    s.subscribe("want");
  });

  const Message unwanted = [] {
    Message m(kUnwantedSize);
    std::memset(m.data(), 'u', m.size());
    return m;
  }();
  // Sends until taken; false if that never happens.
  auto send_until_taken = [&](const Message& m) {
    return wait_until([&] {
      const std::uint64_t before = p.pub.stats().drops;
      std::error_code ec;
      p.pub.try_send(m.clone(), ec);
      EXPECT_NO_ERROR(ec) << "a publisher never waits";
      return p.pub.stats().drops == before;
    });
  };
  std::uint64_t unwanted_sent = 0;
  for (int i = 0; i < kWanted; ++i) {
    for (int j = 0; j < kUnwantedPerWanted; ++j, ++unwanted_sent)
      ASSERT_TRUE(send_until_taken(unwanted))
          << "unwanted message " << unwanted_sent << " (after " << i << " wanted) never found "
          << "room: the subscriber's path is full of messages it does not want";
    ASSERT_TRUE(send_until_taken(Message(std::string_view("want-" + std::to_string(i)))))
        << "want-" << i << " never found room: the subscriber's path is full of messages "
        << "it does not want";
  }
  // The sentinel: everything published is ahead of it.
  ASSERT_TRUE(send_until_taken(Message(std::string_view("want-end"))));
  for (int i = 0; i < kWanted; ++i)
    ASSERT_NO_FATAL_FAILURE(EXPECT_EQ(to_string(p.sub.recv()), "want-" + std::to_string(i)));
  EXPECT_EQ(to_string(p.sub.recv()), "want-end");
  EXPECT_TRUE(nothing_waiting(p.sub));

  const Stats s = p.sub.stats();
  EXPECT_EQ(s.filtered, unwanted_sent) << "each unwanted message is filtered, once";
  EXPECT_EQ(s.drops, 0u) << "filtered messages are not drops";
  EXPECT_EQ(s.messages_received, static_cast<std::uint64_t>(kWanted + 1));
}

// Filtering at arrival and the second check at receive count once each: a
// message queued while subscribed and unsubscribed before it is received
// is filtered then, and counted.
TEST_P(SubFilterTest, QueuedThenUnsubscribedIsCountedOnce) {
  PubSubPair p(GetParam(), [](Socket& s) {
    s.subscribe("a");
    s.subscribe("end");
  });
  p.pub.send("a1");       // admitted on arrival, queued
  p.pub.send("b1");       // filtered on arrival
  p.pub.send("end-1");
  ASSERT_TRUE(wait_until([&] { return p.sub.stats().filtered == 1; }));
  // "a1" and "end-1" are queued: receive the sentinel only after the
  // unsubscribe, so "a1" is filtered by the receive-time check.
  p.sub.unsubscribe("a");
  EXPECT_EQ(to_string(p.sub.recv()), "end-1");
  const Stats s = p.sub.stats();
  EXPECT_EQ(s.filtered, 2u);
  EXPECT_EQ(s.messages_received, 1u);
  EXPECT_EQ(s.drops, 0u);
}

// ------------------------------------------------------------------ the queue's filter

/// Admits messages whose body starts with 'y'; counts what it sees.
class FirstByteFilter final : public MessageFilter {
 public:
  bool admit(const Message& m) noexcept override {
    ++seen;
    return m.size() != 0 && m.data()[0] == std::byte{'y'};
  }
  int seen = 0;
};

TEST(MessageQueueFilter, RefusedMessagesTakeNoRoom) {
  MessageQueue q{1};
  auto filter = std::make_shared<FirstByteFilter>();
  q.set_filter(filter);
  bool notify = true;
  Message m("no 1");
  EXPECT_EQ(q.push(m, notify), MessageQueue::Push::ok);
  EXPECT_TRUE(m.empty()) << "a refused message is released";
  EXPECT_FALSE(notify) << "nothing to read: the consumer is not woken";
  EXPECT_EQ(q.size(), 0u);

  m = Message("yes 1");
  EXPECT_EQ(q.push(m, notify), MessageQueue::Push::ok);
  EXPECT_TRUE(notify);
  m = Message("no 2");
  EXPECT_EQ(q.push(m, notify), MessageQueue::Push::ok) << "refused before it needs room";
  m = Message("yes 2");
  EXPECT_EQ(q.push(m, notify), MessageQueue::Push::full);
  EXPECT_EQ(m.str(), "yes 2") << "a message that found no room is left to the caller";
  EXPECT_EQ(filter->seen, 4);

  Message out;
  EXPECT_EQ(q.pop(out, notify), MessageQueue::Pop::ok);
  EXPECT_EQ(out.str(), "yes 1");
  q.close_consumer();
  m = Message("no 3");
  EXPECT_EQ(q.push(m, notify), MessageQueue::Push::closed);
  EXPECT_EQ(m.str(), "no 3") << "closed: the message is left to the caller";
}

TEST(MessageQueueFilter, AReplacedFilterLivesAsLongAsTheQueue) {
  std::weak_ptr<MessageFilter> first;
  {
    MessageQueue q{4};
    auto f = std::make_shared<FirstByteFilter>();
    first = f;
    q.set_filter(std::move(f));
    q.set_filter(std::make_shared<FirstByteFilter>());
    EXPECT_FALSE(first.expired()) << "a push may still be using it";
    bool notify = false;
    Message m("no");
    EXPECT_EQ(q.push(m, notify), MessageQueue::Push::ok);
    EXPECT_EQ(q.size(), 0u) << "the new filter applies";
  }
  EXPECT_TRUE(first.expired());
}

// ------------------------------------------------------------------ changing subscriptions

/// Message texts: "a|<epoch>|<seq>" (the toggled topic), "c|<seq>" (never
/// subscribed), "m|<epoch>" (a marker; "m" is always subscribed).
std::string tagged(char topic, std::uint64_t a, std::uint64_t b = 0) {
  return std::string(1, topic) + "|" + std::to_string(a) + "|" + std::to_string(b);
}

struct Parsed {
  char topic = 0;
  std::uint64_t a = 0, b = 0;
};

Parsed parse(const std::string& s) {
  Parsed p;
  if (s.size() < 2) return p;
  p.topic = s[0];
  const auto bar = s.find('|', 2);
  p.a = std::stoull(s.substr(2, bar - 2));
  if (bar != std::string::npos) p.b = std::stoull(s.substr(bar + 1));
  return p;
}

// The epoch is 4k + 0 while "a" is unsubscribed (unsubscribe returned),
// 4k + 1 while subscribe("a") runs, 4k + 2 while subscribed (it returned),
// 4k + 3 while unsubscribe("a") runs. The publisher tags each "a" message
// with the epoch it read before sending it. Before leaving a stable epoch
// the controller has the publisher send the marker of that epoch and waits
// until the subscriber received it; messages travel in order on the one
// connection. So:
// - an "a" tagged with a subscribed epoch and sent before its marker
//   arrived after subscribe() returned and was received before the next
//   unsubscribe began: it must be received (unless the publisher's queue
//   refused it, which the publisher sees and records);
// - an "a" tagged with an unsubscribed epoch and received before that
//   epoch's marker arrived after unsubscribe() returned and before the
//   next subscribe began: receiving it is a failure.
// Messages published during a change may go either way. Every message the
// publisher did not drop is either received or counted as filtered.
TEST_P(SubFilterTest, SubscriptionsChangeWhileMessagesArrive) {
  const int kPhases = std::getenv("SPROCKET_SUB_FILTER_PHASES")
                          ? std::atoi(std::getenv("SPROCKET_SUB_FILTER_PHASES"))
                          : 60;
  PubSubPair p(GetParam(), [](Socket& s) {
    s.set_recv_buffer(4096);
    s.subscribe("m|");
  });
  p.sub.set_recv_timeout(std::chrono::milliseconds(50));  // the receiver looks at `stop`
  std::atomic<std::uint64_t> epoch{0};
  std::atomic<std::uint64_t> marker_wanted{~0ull};  // the epoch whose marker to send
  std::atomic<std::uint64_t> marker_seen{~0ull};    // the last marker received
  std::atomic<bool> stop{false};
  // The publisher's progress: epoch * kPerEpoch + "a" messages sent in it.
  constexpr std::uint64_t kPerEpoch = 1ull << 32;
  std::atomic<std::uint64_t> progress{0};

  struct Sent {
    std::uint64_t epoch, seq;
    bool dropped, before_marker;
  };
  std::vector<Sent> sent;  // the publisher's, read after it is joined
  std::uint64_t published = 0;  // sends the publisher's queue took
  std::thread publisher([&] {
    std::uint64_t seq = 0, marker_sent = ~0ull, in_epoch = 0, last_epoch = 0;
    // Sends `text`; true if the publisher's queue refused it (a drop).
    auto send_counted = [&](const std::string& text) {
      const std::uint64_t before = p.pub.stats().drops;
      std::error_code ec;
      p.pub.try_send(text, ec);
      EXPECT_NO_ERROR(ec);
      const bool dropped = p.pub.stats().drops != before;
      published += !dropped;
      return dropped;
    };
    while (!stop.load()) {
      const std::uint64_t e = epoch.load();
      const bool dropped = send_counted(tagged('a', e, seq));
      sent.push_back({e, seq++, dropped, marker_sent != e});
      in_epoch = e == last_epoch ? in_epoch + 1 : 1;
      last_epoch = e;
      progress.store(e * kPerEpoch + in_epoch);
      for (int i = 0; i < 3; ++i) send_counted(tagged('c', seq++));
      if (marker_wanted.load() == e && marker_sent != e && !send_counted(tagged('m', e)))
        marker_sent = e;
    }
  });

  std::vector<Parsed> received_a;
  std::vector<std::string> violations;
  std::uint64_t received_total = 0;
  std::thread receiver([&] {
    std::uint64_t last_marker = ~0ull;
    while (!stop.load()) {
      std::error_code ec;
      Message m = p.sub.recv(ec);
      if (ec) continue;  // timed out: look at stop again
      ++received_total;
      const std::string text(m.str());
      const Parsed r = parse(text);
      if (r.topic == 'm') {
        last_marker = r.a;
        marker_seen.store(r.a);
      } else if (r.topic == 'a') {
        received_a.push_back(r);
        // (Epoch 0, before the first subscribe, has no marker.)
        if (r.a != 0 && r.a % 4 == 0 && (last_marker == ~0ull || last_marker < r.a))
          violations.push_back(text + ": published after unsubscribe returned, before the next subscribe");
      } else {
        violations.push_back(text + ": never subscribed");
      }
    }
  });

  // Lets the publisher send some "a" messages in the current (stable)
  // epoch, then publishes its marker and waits for it.
  auto fence = [&](std::uint64_t e) {
    if (!wait_until([&] { return progress.load() >= e * kPerEpoch + 16; })) return false;
    marker_wanted.store(e);
    return wait_until([&] { return marker_seen.load() == e; });
  };
  bool fenced = true;
  for (int k = 0; k < kPhases && fenced; ++k) {
    const std::uint64_t base = 4ull * k;
    epoch.store(base + 1);
    p.sub.subscribe("a|");
    epoch.store(base + 2);
    fenced = fence(base + 2);
    epoch.store(base + 3);
    p.sub.unsubscribe("a|");
    epoch.store(base + 4);
    fenced = fenced && fence(base + 4);
  }
  EXPECT_TRUE(fenced) << "a marker never arrived (epoch " << epoch.load() << ")";
  stop.store(true);
  publisher.join();
  receiver.join();

  // Each received "a" once; every one that had to arrive did.
  std::map<std::uint64_t, int> got;
  for (const Parsed& r : received_a) ++got[r.b];
  std::uint64_t must = 0, must_not = 0, missed = 0;
  std::string first_missed;
  for (const Sent& s : sent) {
    if (s.dropped || !s.before_marker || s.epoch == 0) continue;
    if (s.epoch % 4 == 2) {
      ++must;
      if (got[s.seq] == 1) continue;
      if (missed++ == 0) first_missed = tagged('a', s.epoch, s.seq) + " received " + std::to_string(got[s.seq]) + " times";
    } else if (s.epoch % 4 == 0) {
      ++must_not;
    }
  }
  EXPECT_EQ(missed, 0u) << "published while subscribed, not received exactly once; the first: "
                        << first_missed;
  EXPECT_TRUE(violations.empty()) << violations.size() << " wrongly delivered, the first: "
                                  << violations.front();
  EXPECT_GT(must, 0u) << "no message was published in a subscribed phase: the test proved nothing";
  EXPECT_GT(must_not, 0u) << "no message was published in an unsubscribed phase";

  // Every message the publisher's queue took (markers included) is
  // received or filtered, exactly once; the subscriber dropped none.
  auto drain = [&] {
    for (std::error_code ec;;) {
      (void)p.sub.try_recv(ec);
      if (ec) return;
      ++received_total;
    }
  };
  EXPECT_TRUE(wait_until([&] {
    drain();
    return p.sub.stats().filtered + received_total >= published;
  }));
  const Stats s = p.sub.stats();
  EXPECT_EQ(s.filtered + received_total, published)
      << "filtered " << s.filtered << ", received " << received_total;
  EXPECT_EQ(s.drops, 0u);
  EXPECT_GE(s.filtered, must_not);
  RecordProperty("published", std::to_string(published));
  RecordProperty("must_arrive", std::to_string(must));
  RecordProperty("must_not_arrive", std::to_string(must_not));
  RecordProperty("filtered", std::to_string(s.filtered));
}

}  // namespace
}  // namespace sprocket::test
