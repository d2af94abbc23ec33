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

// The next free block is kept in the first unit of a free one.
Ref next_of(const std::byte* block) {
  Ref r;
  std::memcpy(&r, block, sizeof r);
  return r;
}

/// A region of Slab::kRegionBytes aligned to its size, advised for huge
/// pages. On Linux mapped directly (a 2 MiB-aligned operator new would keep
/// up to 2 MiB more of address space per region), elsewhere from the heap.
std::byte* map_region() {
  constexpr std::size_t kBytes = Slab::kRegionBytes;
#if defined(__linux__)
  void* p = ::mmap(nullptr, 2 * kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t aligned = (start + kBytes - 1) & ~(std::uintptr_t{kBytes} - 1);
  if (aligned != start) ::munmap(p, aligned - start);
  if (aligned + kBytes != start + 2 * kBytes)
    ::munmap(reinterpret_cast<void*>(aligned + kBytes), start + 2 * kBytes - (aligned + kBytes));
#if defined(MADV_HUGEPAGE)
  ::madvise(reinterpret_cast<void*>(aligned), kBytes, MADV_HUGEPAGE);  // advice: without it, 4 KiB pages
#endif
  return reinterpret_cast<std::byte*>(aligned);
#else
  return static_cast<std::byte*>(::operator new(kBytes, std::align_val_t{kBytes}));
#endif
}

void unmap_region(std::byte* region) noexcept {
#if defined(__linux__)
  ::munmap(region, Slab::kRegionBytes);
#else
  ::operator delete(region, std::align_val_t{Slab::kRegionBytes});
#endif
}

}  // namespace

Slab::Slab() = default;

Slab::~Slab() { clear(); }

Slab::Slab(Slab&& other) noexcept { *this = std::move(other); }

Slab& Slab::operator=(Slab&& other) noexcept {
  if (this == &other) return *this;
  clear();
  bases_ = std::exchange(other.bases_, {});
  slot_bytes_ = std::exchange(other.slot_bytes_, {});
  free_slots_ = std::exchange(other.free_slots_, {});
  regions_ = std::exchange(other.regions_, {});
  region_used_ = std::exchange(other.region_used_, 0);
  free_ = std::exchange(other.free_, {});
  bump_ = std::exchange(other.bump_, 0);
  bump_end_ = std::exchange(other.bump_end_, 0);
  chunks_ = std::exchange(other.chunks_, 0);
  heap_bytes_ = std::exchange(other.heap_bytes_, 0);
  live_bytes_ = std::exchange(other.live_bytes_, 0);
  free_bytes_ = std::exchange(other.free_bytes_, 0);
  return *this;
}

void Slab::clear() noexcept {
  for (std::size_t s = 0; s < bases_.size(); ++s)
    if (slot_bytes_[s] != 0) ::operator delete(bases_[s]);  // not a chunk of a region
  for (std::byte* r : regions_) unmap_region(r);
  std::vector<std::byte*>().swap(bases_);
  std::vector<std::size_t>().swap(slot_bytes_);
  std::vector<std::uint32_t>().swap(free_slots_);
  std::vector<std::byte*>().swap(regions_);
  region_used_ = 0;
  free_.fill(0);
  bump_ = bump_end_ = 0;
  chunks_ = heap_bytes_ = live_bytes_ = free_bytes_ = 0;
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
  return heap_bytes_ + bases_.capacity() * sizeof(std::byte*) + slot_bytes_.capacity() * sizeof(std::size_t) +
         free_slots_.capacity() * sizeof(std::uint32_t) + regions_.capacity() * sizeof(std::byte*);
}

std::uint32_t Slab::new_slot() {
  if (!free_slots_.empty()) {
    const std::uint32_t s = free_slots_.back();
    free_slots_.pop_back();
    return s;
  }
  if (bases_.size() >= kMaxSlots) throw std::length_error("subscription tree: more than 16 GiB of nodes");
  // Every table gets its room first, so that a failure leaves them as they
  // were, and so that giving a slot back later never allocates.
  const std::size_t want = std::max<std::size_t>(bases_.size() + 2, 8);  // slot 0 and the new one
  if (bases_.capacity() < want) {
    bases_.reserve(2 * want);
    slot_bytes_.reserve(2 * want);
    free_slots_.reserve(2 * want);
  }
  if (bases_.empty()) {  // slot 0 holds nothing, so that Ref 0 is no block
    bases_.push_back(nullptr);
    slot_bytes_.push_back(0);
  }
  bases_.push_back(nullptr);
  slot_bytes_.push_back(0);
  return static_cast<std::uint32_t>(bases_.size() - 1);
}

Ref Slab::allocate(std::size_t bytes) {
  const std::size_t units = units_for(bytes);
  if (units > kMaxClassUnits) return allocate_large(units);
  const std::size_t c = class_of(units), cu = class_units(c);
  Ref r = free_[c];
  if (r != 0) {
    free_[c] = next_of(at(r));
    free_bytes_ -= cu * kUnit;
  } else {
    if (bump_end_ - bump_ < cu) start_chunk(cu);
    r = bump_;
    bump_ += static_cast<Ref>(cu);
  }
  live_bytes_ += cu * kUnit;
  return r;
}

void Slab::release(Ref block, std::size_t bytes) noexcept {
  const std::size_t units = units_for(bytes);
  if (units > kMaxClassUnits) return release_large(block);
  const std::size_t c = class_of(units);
  live_bytes_ -= class_units(c) * kUnit;
  push_free(block, c);
}

void Slab::push_free(Ref block, std::size_t size_class) noexcept {
  std::memcpy(at(block), &free_[size_class], sizeof(Ref));
  free_[size_class] = block;
  free_bytes_ += class_units(size_class) * kUnit;
}

void Slab::start_chunk(std::size_t units) {
  const std::size_t doubled = (kFirstChunkBytes / kUnit) << std::min<std::size_t>(chunks_, kChunkShift);
  std::size_t size = std::max(units, std::min(kChunkUnits, doubled));
  const std::uint32_t slot = new_slot();
  std::byte* mem = nullptr;
  std::size_t own = 0;  // bytes of a chunk allocated on its own
  try {
    if (size == kChunkUnits && heap_bytes_ >= kRegionsFrom) {
      mem = chunk_from_region(size);
    } else {
      own = size * kUnit + kSlack;
      mem = static_cast<std::byte*>(::operator new(own));
      std::memset(mem + size * kUnit, 0, kSlack);
    }
  } catch (...) {
    free_slots_.push_back(slot);
    throw;
  }
  free_tail();  // only once the new chunk is certain
  bases_[slot] = mem;
  slot_bytes_[slot] = own;
  heap_bytes_ += own;
  ++chunks_;
  bump_ = slot << kChunkShift;
  bump_end_ = bump_ + static_cast<Ref>(size);
}

// The rest of a chunk too small for the block at hand goes to the free
// lists in the largest pieces that have a class.
void Slab::free_tail() noexcept {
  while (bump_end_ > bump_) {
    std::size_t c = class_of(std::min<std::size_t>(bump_end_ - bump_, kMaxClassUnits));
    while (class_units(c) > bump_end_ - bump_) --c;
    push_free(bump_, c);
    bump_ += static_cast<Ref>(class_units(c));
  }
}

/// The next 64 KiB of the newest region, after a new region if it is full.
/// The region's last chunk is shorter by kSlack, its slack; the others'
/// slack is the start of the next chunk. Changes nothing when it throws.
std::byte* Slab::chunk_from_region(std::size_t& units) {
  constexpr std::size_t kChunkBytes = kChunkUnits * kUnit;
  if (regions_.empty() || region_used_ == kRegionBytes) {
    regions_.reserve(regions_.size() + 1);  // so that push_back below cannot throw
    regions_.push_back(map_region());
    region_used_ = 0;
    heap_bytes_ += kRegionBytes;
  }
  std::byte* mem = regions_.back() + region_used_;
  region_used_ += kChunkBytes;
  if (region_used_ == kRegionBytes) {
    units -= kSlack / kUnit;
    std::memset(mem + units * kUnit, 0, kSlack);
  }
  return mem;
}

Ref Slab::allocate_large(std::size_t units) {
  const std::uint32_t slot = new_slot();
  try {
    bases_[slot] = static_cast<std::byte*>(::operator new(units * kUnit + kSlack));
  } catch (...) {
    free_slots_.push_back(slot);
    throw;
  }
  std::memset(bases_[slot] + units * kUnit, 0, kSlack);
  slot_bytes_[slot] = units * kUnit + kSlack;
  heap_bytes_ += units * kUnit + kSlack;
  live_bytes_ += units * kUnit;
  return slot << kChunkShift;
}

void Slab::release_large(Ref block) noexcept {
  const std::uint32_t slot = block >> kChunkShift;
  ::operator delete(bases_[slot]);
  bases_[slot] = nullptr;
  heap_bytes_ -= slot_bytes_[slot];
  live_bytes_ -= slot_bytes_[slot] - kSlack;
  slot_bytes_[slot] = 0;
  free_slots_.push_back(slot);  // never allocates: new_slot reserved room
}

}  // namespace sprocket::pubsub::radix
