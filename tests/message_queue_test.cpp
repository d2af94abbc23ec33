// MessageQueue (include/sprocket/extension/message_queue.hpp): when a
// refused producer is told that it may push again. At half the bounds (the
// low-water mark), so that a faster producer is not woken per message; at
// the first free slot once it said it is about to block (want_room).
#include <string>

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace sprocket
