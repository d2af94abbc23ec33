// Small bodies recycled between threads a magazine at a time
// (src/body_magazines.hpp): size classes, reuse by the freeing thread,
// whole magazines moving through the depot (also when a thread exits), the
// bounds, and a producer and a consumer trading millions of blocks (TSan's
// and ASan's case: a block handed to two owners shows as a wrong pattern).
#include <gtest/gtest.h>

#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "body_magazines.hpp"

namespace sprocket::detail {
namespace {

TEST(BodyMagazines, SizeClassesRoundUpByAtMostAQuarter) {
  EXPECT_EQ(magazine_block_bytes(1), 64u);
  EXPECT_EQ(magazine_block_bytes(64), 64u);
  EXPECT_EQ(magazine_block_bytes(65), 80u);
  EXPECT_EQ(magazine_block_bytes(1024), 1024u);
  EXPECT_EQ(magazine_block_bytes(1025), 1280u);
  EXPECT_EQ(magazine_block_bytes(kMagazineMaxBlock), kMagazineMaxBlock);
  std::size_t last = 0;
  for (std::size_t b = 65; b <= kMagazineMaxBlock; ++b) {
    const std::size_t got = magazine_block_bytes(b);
    ASSERT_GE(got, b);
    ASSERT_LE(got, b + b / 4) << b;
    ASSERT_GE(got, last) << b;
    last = got;
  }
}

TEST(BodyMagazines, AFreedBlockIsReusedForItsClass) {
  void* p = take_small_block(1100);
  std::memset(p, 0x5a, 1100);
  give_small_block(p, 1100);
  void* again = take_small_block(1200);  // the same class (1280 bytes)
  EXPECT_EQ(again, p);
  std::memset(again, 0xa5, 1200);
  give_small_block(again, 1200);
}

TEST(BodyMagazines, StayWithinTheirBounds) {
  std::vector<void*> many;
  for (int i = 0; i < 20'000; ++i) many.push_back(take_small_block(1000));
  for (void* p : many) give_small_block(p, 1000);
  const MagazineStats s = magazine_stats(1000);
  EXPECT_LE(s.thread_blocks, kMagazineSlots);
  EXPECT_LE(s.depot_bytes, kDepotBytes);
  EXPECT_EQ(s.depot_blocks, kDepotMagazines * kMagazineSlots);  // full: the rest was freed
}

TEST(BodyMagazines, AnExitingThreadLeavesItsFullMagazineInTheDepot) {
  constexpr std::size_t kBytes = 1000;  // class 1024: a magazine of 32 blocks
  // Taken out first, so that the depot has room for the thread's magazine.
  std::vector<void*> held;
  while (magazine_stats(kBytes).depot_blocks > 0 || magazine_stats(kBytes).thread_blocks > 0)
    held.push_back(take_small_block(kBytes));
  std::thread([&] {
    std::vector<void*> blocks;
    for (std::size_t i = 0; i < kMagazineSlots; ++i) blocks.push_back(take_small_block(kBytes));
    for (void* p : blocks) give_small_block(p, kBytes);
    EXPECT_EQ(magazine_stats(kBytes).thread_blocks, kMagazineSlots);
    EXPECT_EQ(magazine_stats(kBytes).depot_blocks, 0u);
  }).join();
  EXPECT_EQ(magazine_stats(kBytes).depot_blocks, kMagazineSlots);
  for (void* p : held) give_small_block(p, kBytes);
}

// What the producer hands over: a block, its size and the id written all
// over it.
struct Handed {
  unsigned char* block;
  std::size_t bytes;
  unsigned char id;
};

TEST(BodyMagazines, ProducerAndConsumerTradeBlocksWithoutSharingOne) {
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  constexpr int kBlocks = 200'000;
#else
  constexpr int kBlocks = 2'000'000;
#endif
  constexpr std::size_t kInFlight = 256;  // like two full queues of 128
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Handed> queue;
  bool done = false;
  int wrong = 0;

  std::thread consumer([&] {
    for (;;) {
      std::vector<Handed> batch;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return !queue.empty() || done; });
        if (queue.empty()) return;
        batch.assign(queue.begin(), queue.end());
        queue.clear();
      }
      cv.notify_all();
      for (const Handed& h : batch) {
        for (std::size_t i = 0; i < h.bytes; ++i)
          if (h.block[i] != h.id) {
            ++wrong;
            break;
          }
        give_small_block(h.block, h.bytes);
      }
    }
  });
  std::mt19937 rng(7);
  for (int i = 0; i < kBlocks; ++i) {
    const std::size_t bytes = 1 + rng() % kMagazineMaxBlock;
    auto* block = static_cast<unsigned char*>(take_small_block(bytes));
    const auto id = static_cast<unsigned char>(i);
    std::memset(block, id, bytes);
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return queue.size() < kInFlight; });
    queue.push_back({block, bytes, id});
    lock.unlock();
    cv.notify_all();
  }
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  consumer.join();
  EXPECT_EQ(wrong, 0);
  EXPECT_LE(magazine_stats(1).depot_bytes, kDepotBytes);
}

}  // namespace
}  // namespace sprocket::detail
