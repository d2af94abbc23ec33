#include "body_cache.hpp"

#include "body_magazines.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <mutex>
#include <new>

#include "kept_block_poison.hpp"

namespace sprocket::detail {
namespace {

constexpr std::align_val_t kAlign{16};

struct Block {
  void* ptr = nullptr;
  std::size_t bytes = 0;
};

// A handful of blocks under a mutex: a linear scan of 32 entries is
// nothing beside touching 64 KiB.
class BodyCache {
 public:
  // Never waits for the mutex: a thread that finds it busy allocates or
  // frees as if there were no cache (a sender taking and a receiver giving
  // back at millions a second would otherwise sleep on each other).
  void* take(std::size_t bytes) {
    if (std::unique_lock lock(mutex_, std::try_to_lock); lock) {
      for (std::size_t i = count_; i-- > 0;) {  // the most recently given first
        if (blocks_[i].bytes != bytes) continue;
        void* p = blocks_[i].ptr;
        std::move(blocks_.begin() + i + 1, blocks_.begin() + count_, blocks_.begin() + i);
        --count_;
        total_ -= bytes;
        SPROCKET_UNPOISON(p, bytes);
        return p;
      }
    }
    return ::operator new(bytes, kAlign);
  }

  // The oldest blocks make room for the newest: when the message sizes
  // change, the cache follows instead of holding the old sizes forever.
  void give(void* p, std::size_t bytes) noexcept {
    std::array<Block, kCacheMaxEntries> evicted;
    std::size_t n_evicted = 0;
    if (std::unique_lock lock(mutex_, std::try_to_lock); lock) {
      while (count_ > 0 && (count_ == blocks_.size() || total_ + bytes > kCacheBudget)) {
        evicted[n_evicted++] = blocks_[0];
        total_ -= blocks_[0].bytes;
        std::move(blocks_.begin() + 1, blocks_.begin() + count_, blocks_.begin());
        --count_;
      }
      if (total_ + bytes <= kCacheBudget) {
        SPROCKET_POISON(p, bytes);
        blocks_[count_++] = {p, bytes};
        total_ += bytes;
        p = nullptr;
      }
    }
    for (std::size_t i = 0; i < n_evicted; ++i) {
      SPROCKET_UNPOISON(evicted[i].ptr, evicted[i].bytes);
      ::operator delete(evicted[i].ptr, kAlign);
    }
    if (p) ::operator delete(p, kAlign);
  }

  BodyCacheStats stats() noexcept {
    std::lock_guard lock(mutex_);
    return {count_, total_};
  }

 private:
  std::mutex mutex_;
  std::array<Block, kCacheMaxEntries> blocks_{};
  std::size_t count_ = 0;
  std::size_t total_ = 0;
};

// Never destroyed: bodies may be freed by other static destructors and
// threads that outlive main. Still reachable, so not a leak to LSan.
BodyCache& cache() {
  static BodyCache* instance = new BodyCache;
  return *instance;
}

// Sizes are of bodies or of whole blocks (a body plus a small chunk
// header): the bounds are round, the few bytes between do not matter.
bool cacheable(std::size_t size) noexcept {
  return size >= kCacheMinBody && size <= kCacheMaxBody;
}

}  // namespace

std::size_t body_capacity(std::size_t size) noexcept {
  if (!cacheable(size)) return size;
  const std::size_t step = std::bit_floor(size) / 4;
  return (size + step - 1) / step * step;
}

void* take_body_block(std::size_t bytes) {
  if (bytes <= kMagazineMaxBlock) return take_small_block(bytes);
  if (!cacheable(bytes)) return ::operator new(bytes, kAlign);
  return cache().take(bytes);
}

void give_body_block(void* block, std::size_t bytes) noexcept {
  if (bytes <= kMagazineMaxBlock) return give_small_block(block, bytes);
  if (!cacheable(bytes)) return ::operator delete(block, kAlign);
  cache().give(block, bytes);
}

BodyCacheStats body_cache_stats() noexcept { return cache().stats(); }

}  // namespace sprocket::detail
