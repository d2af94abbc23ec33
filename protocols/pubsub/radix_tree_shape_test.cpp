// The subscription tree's node kinds and memory: nodes grow through every
// kind and shrink back, freed nodes return to the slab and are reused,
// keys longer than the inline prefix length and the slab's size classes,
// huge-page regions for large trees, and concurrent matching of one tree.
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "protocols/pubsub/radix_slab.hpp"
#include "protocols/pubsub/radix_tree.hpp"

namespace sprocket::pubsub {
namespace {

using namespace std::string_literals;

/// The kind of the node below "k": all other nodes are the root (n4, one
/// child) and leaves.
std::string branch_kind(const SubscriptionTree& t) {
  const auto s = t.shape();
  if (s.node4 + s.node8 + s.node16 + s.node32 + s.node48 + s.node256 != 2) return "?";
  if (s.node256) return "n256";
  if (s.node48) return "n48";
  if (s.node32) return "n32";
  if (s.node16) return "n16";
  if (s.node8) return "n8";
  return "n4";
}

std::string child_key(int b) { return "k"s + static_cast<char>(b) + "tail"; }

TEST(RadixTreeShape, GrowsThroughEveryKindAndShrinksBack) {
  SubscriptionTree t;
  t.subscribe("k");  // holds the branching node in place as children come and go
  std::vector<std::pair<int, std::string>> grown;
  for (int b = 0; b < 256; ++b) {
    t.subscribe(child_key(255 - b));  // 0xff first, 0x00 last
    const std::string kind = b == 0 ? "n4" : branch_kind(t);
    if (grown.empty() || grown.back().second != kind) grown.emplace_back(b + 1, kind);
    ASSERT_EQ(t.validate(), "") << b;
  }
  const std::vector<std::pair<int, std::string>> want_up{
      {1, "n4"}, {5, "n8"}, {9, "n16"}, {17, "n32"}, {33, "n48"}, {49, "n256"}};
  EXPECT_EQ(grown, want_up);
  EXPECT_EQ(t.shape().leaves, 256u);
  for (int b = 0; b < 256; ++b) EXPECT_TRUE(t.matches(child_key(b) + "!")) << b;
  EXPECT_TRUE(t.matches("kx"));  // "k" itself is subscribed
  EXPECT_FALSE(t.matches("j"));

  std::vector<std::pair<int, std::string>> shrunk;
  for (int b = 0; b < 256; ++b) {
    ASSERT_TRUE(t.unsubscribe(child_key(b)));
    const int left = 255 - b;
    const std::string kind = left == 0 ? "leaf" : branch_kind(t);
    if (shrunk.empty() || shrunk.back().second != kind) shrunk.emplace_back(left, kind);
    ASSERT_EQ(t.validate(), "") << b;
  }
  const std::vector<std::pair<int, std::string>> want_down{
      {255, "n256"}, {40, "n48"}, {24, "n32"}, {12, "n16"}, {6, "n8"}, {3, "n4"}, {0, "leaf"}};
  EXPECT_EQ(shrunk, want_down);
  EXPECT_EQ(t.node_count(), 2u);  // the root and "k"
  EXPECT_TRUE(t.matches("k"));
}

TEST(RadixTreeShape, FreedNodesGoBackToTheSlabAndAreReused) {
  SubscriptionTree t;
  t.subscribe("k");
  for (int b = 0; b < 256; ++b) t.subscribe(child_key(b));
  const auto full = t.shape();
  EXPECT_EQ(full.node256, 1u);
  // Every smaller kind the node passed through was freed on the way up.
  EXPECT_GT(full.free_bytes, 0u);
  for (int b = 0; b < 256; ++b) ASSERT_TRUE(t.unsubscribe(child_key(b)));
  const auto empty = t.shape();
  EXPECT_EQ(empty.held_bytes, full.held_bytes);  // under the compaction threshold: kept for reuse
  EXPECT_LT(empty.live_bytes, 64u);
  EXPECT_EQ(empty.free_bytes + empty.live_bytes, full.free_bytes + full.live_bytes);
  // Growing again takes the freed blocks: the slab does not grow.
  for (int b = 0; b < 256; ++b) t.subscribe(child_key(b));
  EXPECT_EQ(t.shape().held_bytes, full.held_bytes);
  EXPECT_EQ(t.validate(), "");
}

TEST(RadixTreeShape, MostlyFreeSlabIsCompacted) {
  SubscriptionTree t;
  for (int i = 0; i < 50'000; ++i) t.subscribe("sensor/" + std::to_string(i));
  const std::size_t big = t.memory_bytes();
  for (int i = 0; i < 50'000; ++i)
    if (i % 100 != 0) ASSERT_TRUE(t.unsubscribe("sensor/" + std::to_string(i)));
  EXPECT_EQ(t.size(), 500u);
  // The tree moved to a fresh slab once the free blocks outweighed the
  // live ones: it holds a small part of what it did.
  EXPECT_LT(t.memory_bytes(), big / 10);
  EXPECT_LT(t.shape().free_bytes, 64u * 1024 + t.shape().live_bytes);
  EXPECT_EQ(t.validate(), "");
  std::vector<std::string> left;
  for (int i = 0; i < 50'000; i += 100) left.push_back("sensor/" + std::to_string(i));
  for (int i = 0; i < 50'000; i += 7) {
    const std::string m = "sensor/" + std::to_string(i) + "/x";
    bool expected = false;
    for (const auto& k : left) expected |= m.starts_with(k);
    ASSERT_EQ(t.matches(m), expected) << m;
  }
  for (int i = 0; i < 50'000; i += 100) ASSERT_TRUE(t.unsubscribe("sensor/" + std::to_string(i)));
  EXPECT_EQ(t.node_count(), 1u);
  EXPECT_LT(t.memory_bytes(), 2048u);
}

TEST(RadixTreeShape, LargeTreesUseHugePageRegionsAndGiveThemBack) {
  SubscriptionTree t;
  t.subscribe("small");
  EXPECT_EQ(t.shape().region_bytes, 0u);  // a small tree holds no 2 MiB region
  constexpr int kKeys = 300'000;        // about 8 MB of nodes
  for (int i = 0; i < kKeys; ++i) t.subscribe("sensor/" + std::to_string(i * 7919LL % 1'000'003) + "/t");
  const auto big = t.shape();
  EXPECT_GT(big.region_bytes, 0u);
  EXPECT_EQ(big.region_bytes % radix::Slab::kRegionBytes, 0u);
  EXPECT_LE(big.region_bytes, big.held_bytes);
  // Less than one region (and the chunks before the first one) unused.
  EXPECT_LT(big.held_bytes, big.live_bytes + big.free_bytes + radix::Slab::kRegionBytes + radix::Slab::kRegionsFrom);
  EXPECT_EQ(t.validate(), "");
  for (int i = 0; i < kKeys; i += 997) {
    const std::string k = "sensor/" + std::to_string(i * 7919LL % 1'000'003) + "/t";
    ASSERT_TRUE(t.matches(k + "x")) << k;
    ASSERT_FALSE(t.matches(k.substr(0, k.size() - 1))) << k;
  }
  for (int i = 0; i < kKeys; ++i) ASSERT_TRUE(t.unsubscribe("sensor/" + std::to_string(i * 7919LL % 1'000'003) + "/t"));
  EXPECT_EQ(t.shape().region_bytes, 0u);  // compaction moved the rest to a fresh slab
  EXPECT_TRUE(t.matches("small"));
  EXPECT_EQ(t.validate(), "");
}

TEST(RadixTreeShape, KeysLongerThanTheInlinePrefixAndTheSizeClasses) {
  const std::string stem(300, 's');   // past the 255-byte inline length
  const std::string huge(9000, 'h');  // past the slab's largest class (4 KiB)
  SubscriptionTree t;
  t.subscribe(stem + "A" + huge);
  t.subscribe(stem + "B");
  EXPECT_EQ(t.node_count(), 4u);  // root, stem, two leaves
  EXPECT_TRUE(t.matches(stem + "A" + huge + "tail"));
  EXPECT_FALSE(t.matches(stem + "A" + huge.substr(1)));
  EXPECT_FALSE(t.matches(stem + "A" + huge.substr(0, 8999) + "x"));
  EXPECT_TRUE(t.matches(stem + "B"));
  EXPECT_FALSE(t.matches(stem));
  EXPECT_EQ(t.validate(), "");
  // Split inside the huge leaf, then merge back into one long leaf.
  t.subscribe(stem + "A" + huge.substr(0, 5000) + "\0"s);
  EXPECT_TRUE(t.matches(stem + "A" + huge.substr(0, 5000) + "\0\xff"s));
  EXPECT_EQ(t.validate(), "");
  EXPECT_TRUE(t.unsubscribe(stem + "B"));
  EXPECT_TRUE(t.unsubscribe(stem + "A" + huge.substr(0, 5000) + "\0"s));
  EXPECT_EQ(t.node_count(), 2u);  // the root and one leaf of 9301 bytes
  EXPECT_TRUE(t.matches(stem + "A" + huge));
  EXPECT_FALSE(t.matches(stem + "A" + huge.substr(0, 8000)));
  EXPECT_EQ(t.validate(), "");
  EXPECT_TRUE(t.unsubscribe(stem + "A" + huge));
  EXPECT_EQ(t.size(), 0u);
  EXPECT_LT(t.memory_bytes(), 2048u);
}

TEST(RadixTreeShape, MatchesNearTheEndOfTheMessage) {
  // Prefixes compared 8 bytes at a time must not read past a message that
  // ends inside or right after them (ASan checks the reads).
  SubscriptionTree t;
  const std::string key = "abcdefghijklmnopq";  // 17 bytes: two words and one byte
  t.subscribe(key);
  for (std::size_t n = 0; n <= key.size(); ++n) {
    const std::string m = key.substr(0, n);
    auto* exact = new char[n == 0 ? 1 : n];  // a block of exactly n bytes
    std::copy(m.begin(), m.end(), exact);
    EXPECT_EQ(t.matches(std::string_view(exact, n)), n == key.size()) << n;
    delete[] exact;
  }
}

TEST(RadixTreeShape, ConcurrentMatchesOfOneTree) {
  // Matching only reads: threads may share a tree (TSan checks it).
  SubscriptionTree t;
  for (int i = 0; i < 20'000; i += 2) t.subscribe("topic/" + std::to_string(i) + "/");
  std::atomic<int> wrong{0};
  auto reader = [&](int offset) {
    for (int round = 0; round < 20; ++round)
      for (int i = offset; i < 20'000; i += 3)
        if (t.matches("topic/" + std::to_string(i) + "/x") != (i % 2 == 0)) wrong.fetch_add(1);
  };
  std::thread a(reader, 0), b(reader, 1);
  reader(2);
  a.join();
  b.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(RadixSlab, SizeClassesRoundUpByAtMostAnEighth) {
  using radix::Slab;
  for (std::size_t units = 1; units <= Slab::kMaxClassUnits; ++units) {
    const std::size_t c = Slab::class_of(units);
    ASSERT_GE(Slab::class_units(c), units);
    ASSERT_LE(Slab::class_units(c), units + units / 8);
    ASSERT_LE(c, Slab::kClasses);
    if (c > 1) ASSERT_LT(Slab::class_units(c - 1), units) << units;  // the smallest class that fits
  }
}

TEST(RadixSlab, ReusesFreedBlocksAndLongKeysBlocks) {
  radix::Slab slab;
  slab.reserve(2, 40);
  const radix::Ref a = slab.allocate(40);
  const radix::Ref b = slab.allocate(40);
  EXPECT_NE(a, 0u);
  EXPECT_NE(a, b);
  const std::size_t held = slab.held_bytes();
  slab.release(a, 40);
  EXPECT_EQ(slab.free_bytes(), 40u);
  EXPECT_EQ(slab.allocate(37), a);  // same class (10 units), from its free list: no reserve needed
  EXPECT_EQ(slab.held_bytes(), held);
  // A block past the size classes at the end goes back to the unused end:
  // the next one takes the same place.
  slab.reserve(1, 100'000);
  const radix::Ref large = slab.allocate(100'000);
  EXPECT_GE(slab.held_bytes(), held + 100'000);
  slab.release(large, 100'000);
  EXPECT_EQ(slab.free_bytes(), 0u);
  slab.reserve(1, 100'000);
  EXPECT_EQ(slab.allocate(100'000), large);
  // One with a block after it is cut into classed pieces that smaller
  // blocks reuse.
  slab.reserve(1, 40);
  const radix::Ref after = slab.allocate(40);
  slab.release(large, 100'000);
  EXPECT_EQ(slab.free_bytes(), 100'000u);
  const radix::Ref piece = slab.allocate(4096);
  EXPECT_GE(piece, large);
  EXPECT_LT(piece, large + 100'000 / radix::Slab::kUnit);
  EXPECT_EQ(slab.live_bytes(), 3 * 40u + 4096u);
  EXPECT_NE(after, 0u);
}

TEST(RadixSlab, AllocatesOnlyWhatWasReserved) {
  radix::Slab slab;
  slab.reserve(2, 64);
  slab.allocate(64);
  slab.allocate(64);
  EXPECT_THROW(slab.allocate(64), std::logic_error);
  EXPECT_EQ(slab.live_bytes(), 128u);
}

TEST(RadixSlab, HandlesOutliveTheBufferMoving) {
  radix::Slab slab;
  std::vector<std::pair<radix::Ref, std::uint32_t>> blocks;
  const std::byte* first_base = nullptr;
  bool moved = false;
  for (std::uint32_t i = 0; i < 300'000; ++i) {  // 4.8 MB: through the heap doublings into a mapping
    slab.reserve(1, 16);
    const radix::Ref r = slab.allocate(16);
    std::memcpy(slab.at(r), &i, sizeof i);
    if (i == 0) first_base = slab.at(0);
    moved |= slab.at(0) != first_base;
    blocks.emplace_back(r, i);
  }
  EXPECT_TRUE(moved);
  EXPECT_GT(slab.region_bytes(), 0u);
  for (const auto& [r, value] : blocks) {
    std::uint32_t got;
    std::memcpy(&got, slab.at(r), sizeof got);
    ASSERT_EQ(got, value) << r;
  }
}

TEST(RadixSlab, RefusesMoreThanHandlesCanName) {
  radix::Slab slab;
  EXPECT_THROW(slab.reserve(2, std::size_t{12} << 30), std::length_error);
  slab.reserve(1, 8);
  EXPECT_NE(slab.allocate(8), 0u);  // unchanged by the refusal
}

}  // namespace
}  // namespace sprocket::pubsub
