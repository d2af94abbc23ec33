// MessageQueue (include/sprocket/extension/message_queue.hpp): when a
// refused producer is told that it may push again (at half the bounds, the
// low-water mark, so that a faster producer is not woken per message; at
// the first free slot once it said it is about to block: want_room), and
// push_batch, the connection side's hand-off of everything decoded from
// one read under one lock.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sprocket/extension/message_queue.hpp"

namespace sprocket {
namespace {

constexpr std::size_t kBound = 8;

/// Fills a queue of kBound and has one more push refused.
void fill_until_refused(MessageQueue& q) {
  bool notify = false;
  for (std::size_t i = 0; i < kBound; ++i) {
    Message m{std::string_view{std::to_string(i)}};
    ASSERT_EQ(q.push(m, notify), MessageQueue::Push::ok);
  }
  Message extra{std::string_view{"extra"}};
  ASSERT_EQ(q.push(extra, notify), MessageQueue::Push::full);
  EXPECT_EQ(extra.str(), "extra") << "a refused message is left with the producer";
}

/// Pops one message; returns whether the producer must be told.
bool pop_tells(MessageQueue& q) {
  Message out;
  bool notify = false;
  EXPECT_EQ(q.pop(out, notify), MessageQueue::Pop::ok);
  return notify;
}

TEST(MessageQueueTest, RefusedProducerIsToldAtHalfNotAtTheFirstFreeSlot) {
  MessageQueue q{kBound};
  fill_until_refused(q);
  for (std::size_t left = kBound - 1; left > kBound / 2; --left)
    EXPECT_FALSE(pop_tells(q)) << "told with " << left << " of " << kBound << " still queued";
  EXPECT_TRUE(pop_tells(q)) << "not told at half";
  EXPECT_FALSE(pop_tells(q)) << "told twice for one refusal";
}

TEST(MessageQueueTest, ProducerAboutToBlockIsToldAtTheFirstFreeSlot) {
  MessageQueue q{kBound};
  fill_until_refused(q);
  EXPECT_FALSE(q.want_room()) << "the queue is full";
  EXPECT_TRUE(pop_tells(q));
  EXPECT_FALSE(pop_tells(q)) << "told twice for one refusal";
}

TEST(MessageQueueTest, WantRoomSaysWhenThereIsRoomAlready) {
  MessageQueue q{kBound};
  fill_until_refused(q);
  EXPECT_FALSE(pop_tells(q));  // below the bound, above half: not told
  EXPECT_TRUE(q.want_room()) << "a slot is free: the producer should push again";
}

TEST(MessageQueueTest, WantRoomWithoutARefusalAsksNothing) {
  MessageQueue q{kBound};
  EXPECT_FALSE(q.want_room());
  bool notify = false;
  Message m{std::string_view{"one"}};
  ASSERT_EQ(q.push(m, notify), MessageQueue::Push::ok);
  EXPECT_FALSE(pop_tells(q)) << "nobody was refused";
}

TEST(MessageQueueTest, AQueueOfOneTellsWhenEmptied) {
  MessageQueue q{1};
  bool notify = false;
  Message first{std::string_view{"first"}}, second{std::string_view{"second"}};
  ASSERT_EQ(q.push(first, notify), MessageQueue::Push::ok);
  ASSERT_EQ(q.push(second, notify), MessageQueue::Push::full);
  EXPECT_TRUE(pop_tells(q));
}

TEST(MessageQueueTest, ByteBoundTellsAtHalfItsBytes) {
  MessageQueue q{100, 4000};
  bool notify = false;
  for (int i = 0; i < 4; ++i) {
    Message m{std::string(1000, 'x')};
    ASSERT_EQ(q.push(m, notify), MessageQueue::Push::ok);
  }
  Message extra{std::string(1000, 'y')};
  ASSERT_EQ(q.push(extra, notify), MessageQueue::Push::full);
  EXPECT_FALSE(pop_tells(q)) << "3000 of 4000 bytes queued";
  EXPECT_TRUE(pop_tells(q)) << "2000 of 4000 bytes queued";
}

std::vector<Message> numbered(int first, int n) {
  std::vector<Message> ms;
  for (int i = first; i < first + n; ++i) ms.emplace_back(std::to_string(i));
  return ms;
}

std::vector<std::string> drain(MessageQueue& q) {
  std::vector<std::string> out;
  Message m;
  bool notify = false;
  while (q.pop(m, notify) == MessageQueue::Pop::ok) out.push_back(std::string(m.str()));
  return out;
}

TEST(MessageQueueBatch, TakesWhatFitsInOrderAndLeavesTheRest) {
  MessageQueue q{4};
  auto ms = numbered(0, 6);
  std::size_t from = 0;
  bool notify = false;
  EXPECT_EQ(q.push_batch(ms, from, notify), MessageQueue::Push::full);
  EXPECT_EQ(from, 4u);
  EXPECT_TRUE(notify) << "empty to non-empty: the consumer is told once";
  EXPECT_EQ(ms[4].str(), "4") << "what did not fit is untouched";
  EXPECT_EQ(ms[5].str(), "5");

  // The producer is told once the queue has drained to half (it was refused).
  Message out;
  EXPECT_EQ(q.pop(out, notify), MessageQueue::Pop::ok);
  EXPECT_FALSE(notify) << "3 of 4 queued";
  EXPECT_EQ(q.pop(out, notify), MessageQueue::Pop::ok);
  EXPECT_TRUE(notify) << "2 of 4 queued";
  EXPECT_EQ(q.push_batch(ms, from, notify), MessageQueue::Push::ok);
  EXPECT_EQ(from, 6u);
  EXPECT_FALSE(notify) << "not empty before: no second notification";
  EXPECT_EQ(drain(q), (std::vector<std::string>{"2", "3", "4", "5"}));
}

TEST(MessageQueueBatch, HonoursTheByteBound) {
  MessageQueue q{100, 10};
  std::vector<Message> ms;
  for (int i = 0; i < 5; ++i) ms.emplace_back(std::string(4, char('a' + i)));
  std::size_t from = 0;
  bool notify = false;
  EXPECT_EQ(q.push_batch(ms, from, notify), MessageQueue::Push::full);
  EXPECT_EQ(from, 2u) << "8 bytes in, a third message of 4 would pass 10";
}

TEST(MessageQueueBatch, AClosedQueueTakesNothing) {
  MessageQueue q{4};
  q.close_consumer();
  auto ms = numbered(0, 2);
  std::size_t from = 0;
  bool notify = false;
  EXPECT_EQ(q.push_batch(ms, from, notify), MessageQueue::Push::closed);
  EXPECT_EQ(from, 0u);
  EXPECT_FALSE(notify);
}

class EvenOnly final : public MessageFilter {
 public:
  bool admit(const Message& m) noexcept override {
    return std::stoi(std::string(m.str())) % 2 == 0;
  }
};

TEST(MessageQueueBatch, TheFilterRemovesWhatItRefusesBeforeRoomIsCounted) {
  MessageQueue q{2};
  q.set_filter(std::make_shared<EvenOnly>());
  auto ms = numbered(0, 6);
  std::size_t from = 0;
  bool notify = false;
  EXPECT_EQ(q.push_batch(ms, from, notify), MessageQueue::Push::full);
  ASSERT_EQ(ms.size(), 3u) << "the odd ones were released and the rest closed ranks";
  EXPECT_EQ(from, 2u);
  EXPECT_EQ(ms[2].str(), "4");
  EXPECT_EQ(drain(q), (std::vector<std::string>{"0", "2"}));
  EXPECT_EQ(q.push_batch(ms, from, notify), MessageQueue::Push::ok);
  EXPECT_EQ(drain(q), (std::vector<std::string>{"4"}));
}

TEST(MessageQueueTest, AClosedConsumersUnsentComeBackBeforeWhatIsQueued) {
  MessageQueue q{8};
  bool notify = false;
  for (int i = 2; i < 4; ++i) {
    Message m{std::string_view{std::to_string(i)}};
    ASSERT_EQ(q.push(m, notify), MessageQueue::Push::ok);
  }
  std::vector<Message> out;
  q.reclaim(out);
  EXPECT_TRUE(out.empty()) << "the consumer has not closed: nothing is taken from it";
  std::vector<Message> unsent = numbered(0, 2);
  q.close_consumer(std::move(unsent));
  EXPECT_EQ(q.size(), 4u);
  Message late{std::string_view{"late"}};
  EXPECT_EQ(q.push(late, notify), MessageQueue::Push::closed);
  q.reclaim(out);
  ASSERT_EQ(out.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(out[i].str(), std::to_string(i));
  EXPECT_EQ(q.size(), 0u);
}

TEST(MessageQueueTest, TheConsumerIsToldAfterItEmptiedTheQueueNotWhileItTakes) {
  MessageQueue q{8};
  bool notify = false;
  Message a{std::string_view{"a"}}, b{std::string_view{"b"}}, c{std::string_view{"c"}};
  ASSERT_EQ(q.push(a, notify), MessageQueue::Push::ok);
  EXPECT_TRUE(notify) << "a new queue's consumer is waiting";
  ASSERT_EQ(q.push(b, notify), MessageQueue::Push::ok);
  EXPECT_FALSE(notify) << "told already";
  Message out;
  ASSERT_EQ(q.pop(out, notify), MessageQueue::Pop::ok);
  ASSERT_EQ(q.push(c, notify), MessageQueue::Push::ok);
  EXPECT_FALSE(notify) << "the consumer has not emptied the queue";
  std::vector<Message> all;
  ASSERT_EQ(q.pop_batch(all, 10, notify), MessageQueue::Pop::ok);
  EXPECT_EQ(all.size(), 2u);
  Message d{std::string_view{"d"}};
  ASSERT_EQ(q.push(d, notify), MessageQueue::Push::ok);
  EXPECT_TRUE(notify) << "the consumer took the last one: the next push tells it";
}

}  // namespace
}  // namespace sprocket
