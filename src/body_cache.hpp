// A small process-wide cache of large message bodies.
//
// A fresh allocation of a large body (64 KiB and up) comes from mmap or a
// freshly trimmed heap, and its first touch page-faults every 4 KiB: at
// 1 MiB per message that costs more than moving the bytes. Keeping a few
// freed bodies for the next message of the same size class avoids it. The
// cache is bounded in entries and bytes, so an idle process holds at most
// kCacheBudget of it; the newest bodies push out the oldest, so it follows
// the sizes in use; and it never makes a thread wait (a busy cache is
// passed by).
#pragma once

#include <cstddef>

namespace sprocket::detail {

/// Bodies below this size are left to the allocator, and those of at most
/// kMagazineMaxBlock bytes to the magazines (src/body_magazines.hpp).
inline constexpr std::size_t kCacheMinBody = 64 * 1024;
/// Bodies above this size are never cached.
inline constexpr std::size_t kCacheMaxBody = 8 * 1024 * 1024;
/// At most this many bytes (and kCacheMaxEntries bodies) wait in the cache.
inline constexpr std::size_t kCacheBudget = 32 * 1024 * 1024;
inline constexpr std::size_t kCacheMaxEntries = 32;

/// The capacity actually allocated for a body of `size` bytes: large sizes
/// round up to a size class (four per power of two, so at most 25% more)
/// so that bodies of nearby sizes can share cached memory.
std::size_t body_capacity(std::size_t size) noexcept;

/// A block of `bytes` bytes, 16-byte aligned: a cached one of exactly that
/// size if there is one, else a new one. Throws std::bad_alloc.
void* take_body_block(std::size_t bytes);

/// Gives a block of `bytes` bytes back: cached if it is large enough to be
/// worth it and fits the budget, freed otherwise.
void give_body_block(void* block, std::size_t bytes) noexcept;

/// For tests: how many blocks and bytes the cache holds now.
struct BodyCacheStats {
  std::size_t entries = 0;
  std::size_t bytes = 0;
};
BodyCacheStats body_cache_stats() noexcept;

}  // namespace sprocket::detail
