// The subscription matcher on its own: splitting, merging, reference
// counts, binary keys, and a large tree.
#include "protocols/pubsub/radix_tree.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace sprocket::pubsub {
namespace {

using namespace std::string_literals;

TEST(RadixTree, EmptyTreeMatchesNothing) {
  SubscriptionTree t;
  EXPECT_FALSE(t.matches("anything"));
  EXPECT_FALSE(t.matches(""));
  EXPECT_EQ(t.size(), 0u);
}

TEST(RadixTree, EmptyPrefixMatchesEverything) {
  SubscriptionTree t;
  t.subscribe("");
  EXPECT_TRUE(t.matches(""));
  EXPECT_TRUE(t.matches("weather/oslo"));
  EXPECT_TRUE(t.unsubscribe(""));
  EXPECT_FALSE(t.matches("weather/oslo"));
}

TEST(RadixTree, MatchesByBytePrefixOnly) {
  SubscriptionTree t;
  t.subscribe("weather/");
  EXPECT_TRUE(t.matches("weather/oslo"));
  EXPECT_TRUE(t.matches("weather/"));
  EXPECT_FALSE(t.matches("weather"));  // shorter than the prefix
  EXPECT_FALSE(t.matches("weatheR/oslo"));
  EXPECT_FALSE(t.matches("news/weather/"));
}

TEST(RadixTree, SplitsAnEdgeWhereKeysDiverge) {
  SubscriptionTree t;
  t.subscribe("weather/oslo");
  EXPECT_EQ(t.node_count(), 2u);  // root + one compressed edge
  t.subscribe("weather/bergen");
  EXPECT_EQ(t.node_count(), 4u);  // root, "weather/", "oslo", "bergen"
  EXPECT_TRUE(t.matches("weather/oslo/rain"));
  EXPECT_TRUE(t.matches("weather/bergen"));
  EXPECT_FALSE(t.matches("weather/"));  // the split node holds no subscription
  EXPECT_FALSE(t.matches("weather/trondheim"));
}

TEST(RadixTree, MergesBackOnUnsubscribe) {
  SubscriptionTree t;
  t.subscribe("weather/oslo");
  t.subscribe("weather/bergen");
  ASSERT_EQ(t.node_count(), 4u);
  EXPECT_TRUE(t.unsubscribe("weather/bergen"));
  EXPECT_EQ(t.node_count(), 2u);  // "weather/" + "oslo" merged into one edge
  EXPECT_TRUE(t.matches("weather/oslo"));
  EXPECT_FALSE(t.matches("weather/bergen"));
  EXPECT_TRUE(t.unsubscribe("weather/oslo"));
  EXPECT_EQ(t.node_count(), 1u);
  EXPECT_EQ(t.size(), 0u);
}

TEST(RadixTree, KeysThatArePrefixesOfEachOther) {
  SubscriptionTree t;
  t.subscribe("a");
  t.subscribe("abc");
  t.subscribe("ab");
  EXPECT_TRUE(t.matches("a"));
  EXPECT_TRUE(t.matches("abz"));
  EXPECT_TRUE(t.unsubscribe("a"));
  EXPECT_FALSE(t.matches("a"));
  EXPECT_TRUE(t.matches("ab"));
  EXPECT_TRUE(t.matches("abcd"));
  EXPECT_TRUE(t.unsubscribe("ab"));
  EXPECT_FALSE(t.matches("abz"));
  EXPECT_TRUE(t.matches("abc"));
  EXPECT_EQ(t.node_count(), 2u);  // only "abc" is left, as one edge
}

TEST(RadixTree, ReferenceCounted) {
  SubscriptionTree t;
  t.subscribe("topic");
  t.subscribe("topic");
  EXPECT_EQ(t.size(), 1u);
  EXPECT_TRUE(t.unsubscribe("topic"));
  EXPECT_TRUE(t.matches("topic"));  // one reference left
  EXPECT_TRUE(t.unsubscribe("topic"));
  EXPECT_FALSE(t.matches("topic"));
  EXPECT_FALSE(t.unsubscribe("topic"));  // nothing left to drop
}

TEST(RadixTree, UnsubscribeOfUnknownOrPartialKeyFails) {
  SubscriptionTree t;
  t.subscribe("weather/oslo");
  EXPECT_FALSE(t.unsubscribe("weather/"));  // a split point, not a subscription
  EXPECT_FALSE(t.unsubscribe("weather/oslo/x"));
  EXPECT_FALSE(t.unsubscribe("news"));
  EXPECT_TRUE(t.matches("weather/oslo"));
}

TEST(RadixTree, BinaryKeysWithZeroBytes) {
  SubscriptionTree t;
  const std::string a = "\0\x01\xff"s, b = "\0\x01\0"s;
  t.subscribe(a);
  t.subscribe(b);
  EXPECT_TRUE(t.matches(a + "tail"));
  EXPECT_TRUE(t.matches(b));
  EXPECT_FALSE(t.matches("\0\x01"s));
  EXPECT_FALSE(t.matches("\0\x02"s));
  EXPECT_TRUE(t.unsubscribe(b));
  EXPECT_FALSE(t.matches(b));
  EXPECT_TRUE(t.matches(a));
}

TEST(RadixTree, ManyRandomKeysAgreeWithANaiveList) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> len(0, 6), byte(0, 3);  // a small alphabet: many shared runs
  auto random_key = [&] {
    std::string k(len(rng), '\0');
    for (auto& c : k) c = static_cast<char>('a' + byte(rng));
    return k;
  };
  SubscriptionTree t;
  std::vector<std::string> naive;
  for (int i = 0; i < 300; ++i) {
    auto k = random_key();
    t.subscribe(k);
    naive.push_back(k);
  }
  for (int i = 0; i < 150; ++i) {  // drop half again
    auto k = naive.back();
    naive.pop_back();
    ASSERT_TRUE(t.unsubscribe(k)) << k;
  }
  for (int i = 0; i < 2000; ++i) {
    auto msg = random_key() + random_key();
    bool expected = false;
    for (const auto& k : naive) expected |= msg.compare(0, k.size(), k) == 0;
    ASSERT_EQ(t.matches(msg), expected) << msg;
  }
}

TEST(RadixTree, StaysCompactAtScale) {
  SubscriptionTree t;
  constexpr int kKeys = 200'000;
  for (int i = 0; i < kKeys; ++i) t.subscribe("sensor/" + std::to_string(i * 7919 % 1'000'003));
  EXPECT_EQ(t.size(), static_cast<std::size_t>(kKeys));
  // A compressed trie needs fewer than two nodes per key and little per byte.
  EXPECT_LT(t.node_count(), 2u * kKeys);
  EXPECT_LT(t.memory_bytes() / kKeys, 160u);
  EXPECT_TRUE(t.matches("sensor/" + std::to_string(5 * 7919 % 1'000'003) + "/temp"));
}

}  // namespace
}  // namespace sprocket::pubsub
