#include "protocols/pubsub/radix_slab.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <new>
#include <stdexcept>
#include <utility>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace sprocket::pubsub::radix {

namespace {

constexpr std::size_t kExactClasses = 64;

std::size_t units_for(std::size_t bytes) { return std::max<std::size_t>(1, (bytes + Slab::kUnit - 1) / Slab::kUnit); }

/// The units a block of `units` takes: its size class's, or exactly its
/// own past the classes.
std::size_t rounded_units(std::size_t units) {
  return units > Slab::kMaxClassUnits ? units : Slab::class_units(Slab::class_of(units));
}

std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

// The next free block is kept in the first unit of a free one.
Ref next_of(const std::byte* block) {
  Ref r;
  std::memcpy(&r, block, sizeof r);
  return r;
}

/// `bytes` (a multiple of Slab::kRegionBytes) of zeroed memory aligned to
/// Slab::kRegionBytes and advised for huge pages. On Linux mapped directly
/// (an aligned operator new would keep up to 2 MiB more of address space,
/// and would touch every page), elsewhere from the heap.
std::byte* map_regions(std::size_t bytes) {
  constexpr std::size_t kAlign = Slab::kRegionBytes;
#if defined(__linux__)
  const std::size_t span = bytes + kAlign;
  void* p = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t aligned = (start + kAlign - 1) & ~(std::uintptr_t{kAlign} - 1);
  if (aligned != start) ::munmap(p, aligned - start);
  if (aligned + bytes != start + span)
    ::munmap(reinterpret_cast<void*>(aligned + bytes), start + span - (aligned + bytes));
#if defined(MADV_HUGEPAGE)
  ::madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);  // advice: without it, 4 KiB pages
#endif
  return reinterpret_cast<std::byte*>(aligned);
#else
  auto* p = static_cast<std::byte*>(::operator new(bytes, std::align_val_t{kAlign}));
  std::memset(p, 0, bytes);
  return p;
#endif
}

void unmap_regions(std::byte* p, std::size_t bytes) noexcept {
#if defined(__linux__)
  ::munmap(p, bytes);
#else
  (void)bytes;
  ::operator delete(p, std::align_val_t{Slab::kRegionBytes});
#endif
}

/// The bytes a buffer of `units` units takes with its slack (a mapped one
/// rounds that up to whole regions).
std::size_t buffer_bytes(std::size_t units) { return units * Slab::kUnit + Slab::kSlack; }

}  // namespace

Slab::~Slab() { clear(); }

Slab::Slab(Slab&& other) noexcept { *this = std::move(other); }

Slab& Slab::operator=(Slab&& other) noexcept {
  if (this == &other) return *this;
  clear();
  base_ = std::exchange(other.base_, nullptr);
  capacity_ = std::exchange(other.capacity_, 0);
  free_ = std::exchange(other.free_, {});
  bump_ = std::exchange(other.bump_, 1);
  high_ = std::exchange(other.high_, 1);
  reserved_ = std::exchange(other.reserved_, 0);
  live_bytes_ = std::exchange(other.live_bytes_, 0);
  free_bytes_ = std::exchange(other.free_bytes_, 0);
  return *this;
}

void Slab::clear() noexcept {
  clear_buffer_only();
  capacity_ = 0;
  free_.fill(0);
  bump_ = high_ = 1;
  reserved_ = 0;
  live_bytes_ = free_bytes_ = 0;
}

std::size_t Slab::class_of(std::size_t units) noexcept {
  if (units <= kExactClasses) return units;
  // 2^k < units <= 2^(k+1), in steps of 2^(k-3).
  const auto k = static_cast<std::size_t>(std::bit_width(units - 1) - 1);
  const std::size_t step = std::size_t{1} << (k - 3);
  const std::size_t j = (units - (std::size_t{1} << k) + step - 1) / step;  // 1..8
  return kExactClasses + (k - 6) * 8 + j;
}

std::size_t Slab::class_units(std::size_t size_class) noexcept {
  if (size_class <= kExactClasses) return size_class;
  const std::size_t c = size_class - kExactClasses - 1;
  const std::size_t k = 6 + c / 8, j = c % 8 + 1;
  return (std::size_t{1} << k) + j * (std::size_t{1} << (k - 3));
}

std::size_t Slab::held_bytes() const noexcept {
  if (base_ == nullptr) return 0;
  // A mapping's pages past the highest block ever handed out were never
  // touched, so they hold no memory.
  return mapped(capacity_) ? round_up(buffer_bytes(high_), kRegionBytes) : buffer_bytes(capacity_);
}

std::size_t Slab::region_bytes() const noexcept { return mapped(capacity_) ? held_bytes() : 0; }

void Slab::reserve(std::size_t blocks, std::size_t bytes) {
  const std::size_t each = rounded_units(units_for(bytes));
  if (blocks != 0 && each > (kMaxUnits - bump_) / blocks)
    throw std::length_error("subscription tree: more than 16 GiB of nodes");
  const std::size_t need = blocks * each;
  if (bump_ + need > capacity_) grow(bump_ + need);
  reserved_ = need;
}

/// Moves the blocks to a buffer of at least `units` units (doubling, so
/// that growing costs amortized constant time per unit).
void Slab::grow(std::size_t units) {
  std::size_t capacity = std::max(kFirstBytes / kUnit, capacity_ * 2);
  while (capacity < units) capacity *= 2;
  capacity = std::min(capacity, kMaxUnits);
  const std::size_t bytes = buffer_bytes(capacity);
  std::byte* fresh = nullptr;
  if (mapped(capacity)) {
    fresh = map_regions(round_up(bytes, kRegionBytes));  // zeroed
  } else {
    fresh = static_cast<std::byte*>(::operator new(bytes));
    std::memset(fresh + bump_ * kUnit, 0, bytes - bump_ * kUnit);  // the tail a compare may read
  }
  if (base_ != nullptr) std::memcpy(fresh, base_, bump_ * kUnit);
  clear_buffer_only();
  base_ = fresh;
  capacity_ = capacity;
  high_ = bump_;  // the copy touched these pages of a new mapping, no more
}

void Slab::clear_buffer_only() noexcept {
  if (base_ == nullptr) return;
  if (mapped(capacity_)) {
    unmap_regions(base_, round_up(buffer_bytes(capacity_), kRegionBytes));
  } else {
    ::operator delete(base_);
  }
  base_ = nullptr;
}

Ref Slab::allocate(std::size_t bytes) {
  const std::size_t units = units_for(bytes);
  const std::size_t rounded = rounded_units(units);
  if (units <= kMaxClassUnits) {
    const std::size_t c = class_of(units);
    if (const Ref r = free_[c]; r != 0) {
      free_[c] = next_of(at(r));
      free_bytes_ -= rounded * kUnit;
      live_bytes_ += rounded * kUnit;
      return r;
    }
  }
  if (rounded > reserved_) throw std::logic_error("subscription tree: a node allocated past Slab::reserve()");
  const auto r = static_cast<Ref>(bump_);
  bump_ += rounded;
  high_ = std::max(high_, bump_);
  reserved_ -= rounded;
  live_bytes_ += rounded * kUnit;
  return r;
}

void Slab::release(Ref block, std::size_t bytes) noexcept {
  const std::size_t units = units_for(bytes);
  std::size_t rounded = rounded_units(units);
  live_bytes_ -= rounded * kUnit;
  if (units <= kMaxClassUnits) return push_free(block, class_of(units));
  // A very long key's block: at the end it goes back to the unused end
  // (a long key subscribed and dropped again and again reuses one place),
  // elsewhere it is cut into the largest classed pieces.
  if (block + rounded == bump_) {
    bump_ = block;
    return;
  }
  while (rounded != 0) {
    std::size_t c = class_of(std::min(rounded, kMaxClassUnits));
    while (class_units(c) > rounded) --c;
    push_free(block, c);
    block += static_cast<Ref>(class_units(c));
    rounded -= class_units(c);
  }
}

void Slab::push_free(Ref block, std::size_t size_class) noexcept {
  std::memcpy(at(block), &free_[size_class], sizeof(Ref));
  free_[size_class] = block;
  free_bytes_ += class_units(size_class) * kUnit;
}

}  // namespace sprocket::pubsub::radix
