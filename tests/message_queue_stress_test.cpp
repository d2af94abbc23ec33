// MessageQueue's lock-free hand-off under two threads: a producer and a
// consumer move millions of numbered messages through a small queue, each
// sleeping only when the queue said so (full, empty) until the other side's
// notice. A lost notice leaves one side asleep (the generous deadline
// fails the test); a torn publication shows as a wrong or missing number.
// Meant for TSan as much as for the release build.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "sprocket/extension/message_queue.hpp"

namespace sprocket {
namespace {

constexpr auto kNoticeDeadline = std::chrono::seconds(60);

/// One side's doorbell: the other side rings it through the queue's
/// listener calls; wait() sleeps until rung (or the deadline passes).
class Doorbell final : public QueueListener {
 public:
  void on_queue_readable() override { ring(); }
  void on_queue_writable() override { ring(); }
  /// False if nobody rang before the deadline: a lost notice.
  bool wait() {
    std::unique_lock lock(mu_);
    const bool rung = cv_.wait_for(lock, kNoticeDeadline, [this] { return rung_; });
    rung_ = false;
    return rung;
  }

 private:
  void ring() {
    {
      std::lock_guard lock(mu_);
      rung_ = true;
    }
    cv_.notify_one();
  }
  std::mutex mu_;
  std::condition_variable cv_;
  bool rung_ = false;
};

/// Message `i`: its number, then `i % 97` bytes (a heap body past 64),
/// each derived from the number.
Message numbered(std::uint64_t i) {
  Message m(sizeof i + i % 97);
  std::memcpy(m.data(), &i, sizeof i);
  for (std::size_t k = sizeof i; k < m.size(); ++k)
    m.data()[k] = static_cast<std::byte>((i + k) & 0xff);
  return m;
}

/// True if `m` is exactly message `i`.
bool is_numbered(const Message& m, std::uint64_t i) {
  if (m.size() != sizeof i + i % 97) return false;
  std::uint64_t got = 0;
  std::memcpy(&got, m.data(), sizeof got);
  if (got != i) return false;
  for (std::size_t k = sizeof i; k < m.size(); ++k)
    if (m.data()[k] != static_cast<std::byte>((i + k) & 0xff)) return false;
  return true;
}

struct Sides {
  std::shared_ptr<Doorbell> producer = std::make_shared<Doorbell>();
  std::shared_ptr<Doorbell> consumer = std::make_shared<Doorbell>();
};

// Pushes every message, one at a time or in batches of up to 40, sleeping
// when refused; every third refusal asks for the first free slot.
void produce(MessageQueue& q, std::uint64_t count, Doorbell& bell, bool& ok) {
  std::vector<Message> batch;
  std::size_t from = 0;
  std::uint64_t next = 0;
  std::uint64_t refusals = 0;
  while (next < count || from < batch.size()) {
    bool notify = false;
    MessageQueue::Push r;
    if (from < batch.size() || (next / 1000) % 2 == 1) {
      if (from == batch.size()) {
        batch.clear();
        from = 0;
        for (std::uint64_t n = 1 + next % 40; n > 0 && next < count; --n)
          batch.push_back(numbered(next++));
      }
      r = q.push_batch(batch, from, notify);
    } else {
      Message m = numbered(next);
      r = q.push(m, notify);
      if (r == MessageQueue::Push::ok) ++next;
    }
    if (notify) q.notify_consumer();
    if (r == MessageQueue::Push::closed) return;
    if (r != MessageQueue::Push::full) continue;
    if (++refusals % 3 == 0 && q.want_room()) continue;
    if (!bell.wait()) return;  // the consumer's notice never came
  }
  q.close_producer();
  ok = true;
}

// Takes until the queue is closed, one at a time or up to 33 at once,
// checking each number in turn; sleeps when the queue is empty.
void consume(MessageQueue& q, std::uint64_t count, Doorbell& bell, std::uint64_t& taken, bool& ok) {
  std::vector<Message> got;
  for (std::uint64_t round = 0;; ++round) {
    bool notify = false;
    got.clear();
    MessageQueue::Pop r;
    if (round % 3 == 0) {
      got.emplace_back();
      r = q.pop(got.back(), notify);
      if (r != MessageQueue::Pop::ok) got.clear();
    } else {
      r = q.pop_batch(got, 33, notify);
    }
    if (notify) q.notify_producer();
    for (const Message& m : got) {
      if (!is_numbered(m, taken)) return;  // out of order, torn or lost
      ++taken;
    }
    if (r == MessageQueue::Pop::closed) break;
    if (r == MessageQueue::Pop::empty && !bell.wait()) return;  // the producer's notice never came
  }
  ok = taken == count;
}

void run(MessageQueue& q, std::uint64_t count) {
  Sides sides;
  q.set_producer(sides.producer);
  q.set_consumer(sides.consumer);
  bool produced = false, consumed = false;
  std::uint64_t taken = 0;
  std::thread producer([&] { produce(q, count, *sides.producer, produced); });
  consume(q, count, *sides.consumer, taken, consumed);
  if (!consumed) q.close_consumer();  // frees a producer waiting for room
  producer.join();
  EXPECT_TRUE(produced) << "the producer waited " << kNoticeDeadline.count()
                        << " s for room it was promised";
  EXPECT_TRUE(consumed) << "the consumer stopped at message " << taken << " of " << count;
  EXPECT_EQ(q.size(), 0u);
}

TEST(MessageQueueStress, AMillionMessagesCrossInOrderWithEveryNoticeDelivered) {
  MessageQueue q{64};
  run(q, 1'000'000);
}

TEST(MessageQueueStress, AByteBoundQueueLosesNothingEither) {
  MessageQueue q{1000, 1500};
  run(q, 1'000'000);
}

// Every message is a sleep and a wake-up here: fewer of them.
TEST(MessageQueueStress, AQueueOfOneHandsOverEveryMessage) {
  MessageQueue q{1};
  run(q, 100'000);
}

}  // namespace
}  // namespace sprocket
