// The slab the subscription tree's nodes live in: blocks named by 32-bit
// handles instead of 8-byte pointers, carved from chunks of at most 64 KiB,
// with a free list per size class so that a freed node's memory is reused
// by the next node of its size.
//
// A handle (Ref) is a unit index: the top 18 bits pick a slot in the chunk
// table, the low 14 bits a 4-byte unit in that slot's chunk. A block larger
// than the biggest size class gets a slot (and an allocation) of its own,
// so keys of any length fit. Slot 0 holds nothing, which makes Ref 0 "no
// block". Chunks never move: a pointer into a block stays valid until that
// block is released.
//
// Once the slab holds kRegionsFrom bytes, its 64 KiB chunks are cut from
// 2 MiB regions aligned to 2 MiB (mapped with mmap on Linux) and marked for
// transparent huge pages (madvise): a match at a million subscriptions touches a dozen nodes
// scattered over tens of megabytes, and with 4 KiB pages most of those
// touches also miss the TLB (a page walk each, costly under a hypervisor).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sprocket::pubsub::radix {

/// A block of a Slab; 0 is none.
using Ref = std::uint32_t;

class Slab {
 public:
  static constexpr std::size_t kUnit = 4;  // bytes; blocks are whole units, aligned to one
  static constexpr unsigned kChunkShift = 14;
  static constexpr std::size_t kChunkUnits = std::size_t{1} << kChunkShift;  // 64 KiB
  static constexpr std::size_t kMaxSlots = std::size_t{1} << (32 - kChunkShift);
  /// Blocks up to this many units come from chunks; larger ones get their own slot.
  static constexpr std::size_t kMaxClassUnits = 1024;
  /// The first chunk's size; each new chunk doubles it, up to kChunkUnits
  /// units, so a tree of ten keys holds hundreds of bytes, not 64 KiB.
  static constexpr std::size_t kFirstChunkBytes = 512;
  /// Readable bytes past the end of every chunk and large block, so that
  /// the tree may compare 8 or 16 bytes at a time near a block's end.
  static constexpr std::size_t kSlack = 16;
  /// Chunks come from regions of this size (one huge page) once the slab
  /// holds kRegionsFrom bytes; below that a region would be mostly empty.
  static constexpr std::size_t kRegionBytes = std::size_t{2} << 20;
  static constexpr std::size_t kRegionsFrom = std::size_t{4} << 20;

  Slab();
  ~Slab();
  Slab(Slab&& other) noexcept;
  Slab& operator=(Slab&& other) noexcept;
  Slab(const Slab&) = delete;
  Slab& operator=(const Slab&) = delete;

  /// A block of at least `bytes` bytes, aligned to 4; throws std::bad_alloc
  /// (or std::length_error past 16 GiB of handles).
  Ref allocate(std::size_t bytes);
  /// Gives back a block; `bytes` is what it was allocated with.
  void release(Ref block, std::size_t bytes) noexcept;

  /// The block's first byte.
  std::byte* at(Ref block) const noexcept {
    return bases_[block >> kChunkShift] + (block & (kChunkUnits - 1)) * kUnit;
  }

  /// Everything taken from the heap: chunks, large blocks and the tables.
  std::size_t held_bytes() const noexcept;
  /// Of held_bytes(), those in regions (mapped, not from operator new).
  std::size_t region_bytes() const noexcept { return regions_.size() * kRegionBytes; }
  /// Bytes in blocks handed out (each rounded up to its size class).
  std::size_t live_bytes() const noexcept { return live_bytes_; }
  /// Bytes on the free lists, ready for reuse.
  std::size_t free_bytes() const noexcept { return free_bytes_; }
  /// Frees every chunk and block: all handles become invalid.
  void clear() noexcept;

  /// The size class of a block of `units` units (1..kMaxClassUnits), and
  /// the units a block of that class has: exact sizes up to 64 units, then
  /// eight classes per doubling (at most 1/8 rounding).
  static std::size_t class_of(std::size_t units) noexcept;
  static std::size_t class_units(std::size_t size_class) noexcept;
  static constexpr std::size_t kClasses = 64 + 4 * 8;

 private:
  Ref allocate_large(std::size_t units);
  void release_large(Ref block) noexcept;
  void start_chunk(std::size_t units);
  std::byte* chunk_from_region(std::size_t& units);
  void free_tail() noexcept;
  void push_free(Ref block, std::size_t size_class) noexcept;
  std::uint32_t new_slot();

  std::vector<std::byte*> bases_;        // slot -> chunk or large block; [0] is null once there are blocks
  std::vector<std::size_t> slot_bytes_;  // slot -> bytes allocated there (0: a chunk of a region)
  std::vector<std::byte*> regions_;      // 2 MiB regions chunks are cut from
  std::size_t region_used_ = 0;          // bytes of the newest region given to chunks
  std::vector<std::uint32_t> free_slots_;  // slots of released large blocks
  std::array<Ref, kClasses + 1> free_{};   // size class -> first free block (next in its first unit)
  Ref bump_ = 0, bump_end_ = 0;  // the unused rest of the newest chunk
  std::size_t chunks_ = 0;       // chunks allocated (their sizes double)
  std::size_t heap_bytes_ = 0, live_bytes_ = 0, free_bytes_ = 0;
};

}  // namespace sprocket::pubsub::radix
