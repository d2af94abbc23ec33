// The large-body cache under sprocket::Message (src/body_cache.hpp): a
// freed large body is reused by the next one of its size class, small and
// huge bodies bypass it, newer sizes displace older ones, and what it holds
// stays within its bounds.
#include <vector>

#include "body_cache.hpp"
#include "test_util.hpp"

namespace sprocket::test {
namespace {

using detail::body_cache_stats;
using detail::kCacheBudget;
using detail::kCacheMaxEntries;

constexpr std::size_t kMiB = 1024 * 1024;

TEST(BodyCache, SizeClassesRoundUpByAtMostAQuarter) {
  EXPECT_EQ(detail::body_capacity(100), 100u);  // small: left to the allocator
  EXPECT_EQ(detail::body_capacity(64 * 1024), 64u * 1024);
  EXPECT_EQ(detail::body_capacity(kMiB), kMiB);
  EXPECT_EQ(detail::body_capacity(kMiB + 1), kMiB + kMiB / 4);
  EXPECT_EQ(detail::body_capacity(kMiB + kMiB / 4 + 1), kMiB + kMiB / 2);
  EXPECT_EQ(detail::body_capacity(64 * kMiB + 3), 64 * kMiB + 3);  // huge: never cached
  for (std::size_t size = 64 * 1024; size < 8 * kMiB; size = size * 9 / 7 + 13) {
    const auto cap = detail::body_capacity(size);
    EXPECT_GE(cap, size);
    EXPECT_LE(cap, size + size / 4) << size;
  }
}

TEST(BodyCache, AFreedLargeBodyIsReused) {
  const std::byte* first = nullptr;
  {
    Message m(kMiB);
    first = m.data();
    std::memset(m.data(), 0x5a, m.size());
  }
  EXPECT_GE(body_cache_stats().entries, 1u);
  Message again(kMiB - 100);  // the same size class
  EXPECT_EQ(again.data(), first);
  EXPECT_EQ(again.size(), kMiB - 100);
  Message other(kMiB);  // the cached block is taken: a new one
  EXPECT_NE(other.data(), first);
}

TEST(BodyCache, ClonesReturnTheBodyOnceTheLastIsGone) {
  const auto before = body_cache_stats().entries;
  Message m(256 * 1024);
  Message copy = m.clone();
  m = Message();
  EXPECT_EQ(body_cache_stats().entries, before);  // still used by the clone
  copy = Message();
  EXPECT_EQ(body_cache_stats().entries, before + 1);
}

TEST(BodyCache, StaysWithinItsBounds) {
  {
    std::vector<Message> many;
    for (int i = 0; i < 100; ++i) many.emplace_back(kMiB);
    std::vector<Message> small;
    for (int i = 0; i < 100; ++i) small.emplace_back(200 * 1024);
  }
  const auto s = body_cache_stats();
  EXPECT_LE(s.entries, kCacheMaxEntries);
  EXPECT_LE(s.bytes, kCacheBudget);
  EXPECT_GT(s.entries, 0u);

  const auto held = body_cache_stats();
  { Message huge(16 * kMiB); }  // above kCacheMaxBody: freed, not kept
  EXPECT_EQ(body_cache_stats().bytes, held.bytes);
}

// When the message sizes change, the cache follows: a full cache of one
// size makes room for the new one instead of refusing it.
TEST(BodyCache, NewSizesDisplaceOldOnes) {
  {
    std::vector<Message> small;
    for (std::size_t i = 0; i < kCacheMaxEntries + 4; ++i) small.emplace_back(64 * 1024);
  }
  EXPECT_EQ(body_cache_stats().entries, kCacheMaxEntries);
  const std::byte* first = nullptr;
  {
    Message big(2 * kMiB);
    first = big.data();
  }
  Message again(2 * kMiB);
  EXPECT_EQ(again.data(), first) << "the 2 MiB body was not kept";
  EXPECT_LE(body_cache_stats().bytes, kCacheBudget);
}

TEST(BodyCache, AbsurdSizesThrowInsteadOfWrapping) {
  EXPECT_THROW(Message(std::numeric_limits<std::size_t>::max() - 8), std::bad_alloc);
}

}  // namespace
}  // namespace sprocket::test
