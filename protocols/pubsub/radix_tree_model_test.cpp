// The subscription tree against a model built on std::map: millions of
// random subscribes, unsubscribes and matches, with keys chosen to hit
// every path of the tree — shared prefixes, keys that are prefixes of
// others, the empty prefix, bytes 0x00 and 0xff, fan-outs of up to 256 at
// one node, and keys past the 255-byte inline prefix length and past the
// slab's largest size class. Every answer is compared; the tree's
// invariants are checked as it goes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/pubsub/radix_tree.hpp"

namespace sprocket::pubsub {
namespace {

/// Reference counts per prefix; a message matches when one of its own
/// prefixes is a key. Only the lengths some key has are looked up.
class Model {
 public:
  void subscribe(std::string_view k) {
    if (refs_[std::string(k)]++ == 0) ++lengths_[k.size()];
  }
  bool unsubscribe(std::string_view k) {
    auto it = refs_.find(k);
    if (it == refs_.end()) return false;
    if (--it->second == 0) {
      refs_.erase(it);
      if (--lengths_[k.size()] == 0) lengths_.erase(k.size());
    }
    return true;
  }
  bool matches(std::string_view m) const {
    for (const auto& [length, keys] : lengths_) {
      if (length > m.size()) return false;
      if (refs_.contains(m.substr(0, length))) return true;
    }
    return false;
  }
  std::size_t size() const { return refs_.size(); }
  const std::map<std::string, std::uint32_t, std::less<>>& refs() const { return refs_; }

 private:
  std::map<std::string, std::uint32_t, std::less<>> refs_;
  std::map<std::size_t, std::size_t> lengths_;  // key length -> keys of that length
};

/// Operations per run: a few million in a plain build, fewer under the
/// sanitizers (which make each one 5-20 times slower);
/// SPROCKET_RADIX_MODEL_OPS overrides.
std::size_t operations() {
  if (const char* env = std::getenv("SPROCKET_RADIX_MODEL_OPS")) return std::strtoull(env, nullptr, 10);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return 600'000;
#else
  return 3'000'000;
#endif
}

/// The keys a run draws from: a fixed pool, so that subscribes,
/// unsubscribes and matches keep meeting the same keys.
std::vector<std::string> key_pool(std::mt19937_64& rng) {
  std::vector<std::string> pool{""};
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  const std::string tiny = std::string("\0\x01" "a\xfe\xff", 5);  // many shared prefixes
  for (int i = 0; i < 600; ++i) {
    std::string k(1 + pick(6), '\0');
    for (auto& c : k) c = tiny[pick(tiny.size())];
    pool.push_back(k);
  }
  const char* words[] = {"market", "eu", "us", "stock", "fx", "ABC", "ABD", "trades", "quotes", "."};
  for (int i = 0; i < 600; ++i) {
    std::string k;
    for (std::size_t n = 1 + pick(5); n > 0; --n) k += std::string(words[pick(10)]) + "/";
    k.resize(k.size() - pick(3));
    pool.push_back(k);
  }
  for (int i = 0; i < 1200; ++i) {  // wide: any byte first, under a few shared stems
    std::string k = std::string(pick(3), 'w') + static_cast<char>(rng());
    for (std::size_t n = pick(6); n > 0; --n) k += static_cast<char>(rng());
    pool.push_back(k);
  }
  std::string base(300, '\0');  // long: past 255 bytes, and past the slab's 4 KiB classes
  for (auto& c : base) c = static_cast<char>(rng());
  for (int i = 0; i < 120; ++i) {
    std::string k = base.substr(0, 200 + pick(100));
    if (pick(4) == 0) k += std::string(4000 + pick(2000), static_cast<char>(i % 3));
    if (pick(2) == 0) k[pick(k.size())] = static_cast<char>(rng());
    pool.push_back(k);
  }
  std::sort(pool.begin(), pool.end());
  pool.erase(std::unique(pool.begin(), pool.end()), pool.end());
  std::shuffle(pool.begin(), pool.end(), rng);
  return pool;
}

/// A message: a pool key with a tail, a cut pool key, or random bytes.
std::string message(std::mt19937_64& rng, const std::vector<std::string>& pool) {
  const std::string& k = pool[rng() % pool.size()];
  switch (rng() % 4) {
    case 0: return k.substr(0, rng() % (k.size() + 1));
    case 1: {
      std::string m(rng() % 12, '\0');
      for (auto& c : m) c = static_cast<char>(rng() % 4 == 0 ? 0xff : rng());
      return m;
    }
    default: {
      std::string m = k;
      for (std::size_t n = rng() % 6; n > 0; --n) m += static_cast<char>(rng());
      return m;
    }
  }
}

/// Drops every reference the model holds, one unsubscribe at a time.
void drop_all(SubscriptionTree& tree, Model& model) {
  while (model.size() != 0) {
    const std::string key = model.refs().begin()->first;
    ASSERT_TRUE(tree.unsubscribe(key));
    model.unsubscribe(key);
  }
  ASSERT_EQ(tree.size(), 0u);
  ASSERT_EQ(tree.node_count(), 1u);  // the root alone
  ASSERT_EQ(tree.validate(), "");
  ASSERT_FALSE(tree.matches(""));
  ASSERT_LT(tree.memory_bytes(), 2048u);  // the slab was given back
}

TEST(RadixTreeModel, MillionsOfRandomOperationsAgreeWithAStdMap) {
  std::mt19937_64 rng(20261130);
  const auto pool = key_pool(rng);
  SubscriptionTree tree;
  Model model;
  const std::size_t total = operations();
  constexpr std::size_t kPhase = 25'000;
  std::size_t matches = 0, matched = 0;
  bool seen_node48 = false, seen_node256 = false;
  for (std::size_t op = 0; op < total; ++op) {
    // Phases alternate between growing (3 subscribes to 1 unsubscribe) and
    // shrinking (1 to 4) over a third of the pool that moves every two
    // phases; every eighth phase ends with the tree emptied.
    const std::size_t phase = op / kPhase;
    const bool growing = phase % 2 == 0;
    const std::string& key = pool[(phase / 2 * 397 + rng() % (pool.size() / 3)) % pool.size()];
    const unsigned r = static_cast<unsigned>(rng() % 9);
    if (r < (growing ? 3u : 1u)) {
      tree.subscribe(key);
      model.subscribe(key);
    } else if (r < (growing ? 4u : 5u)) {
      ASSERT_EQ(tree.unsubscribe(key), model.unsubscribe(key)) << "op " << op << " key size " << key.size();
    } else {
      const std::string m = message(rng, pool);
      const bool expected = model.matches(m);
      ++matches;
      matched += expected;
      ASSERT_EQ(tree.matches(m), expected) << "op " << op << " message size " << m.size();
    }
    if (op % 4096 == 0) {
      ASSERT_EQ(tree.size(), model.size()) << "op " << op;
      ASSERT_EQ(tree.validate(), "") << "op " << op;
      const auto shape = tree.shape();
      seen_node48 |= shape.node48 != 0;
      seen_node256 |= shape.node256 != 0;
    }
    if (op % (8 * kPhase) == 8 * kPhase - 1) drop_all(tree, model);
  }
  // Both answers came often enough to mean something.
  std::printf("%zu matches, %zu matched, pool %zu\n", matches, matched, pool.size());
  EXPECT_GT(matched, matches / 10);
  EXPECT_LT(matched, matches * 9 / 10);
  EXPECT_TRUE(seen_node48);
  EXPECT_TRUE(seen_node256);
  drop_all(tree, model);
}

}  // namespace
}  // namespace sprocket::pubsub
