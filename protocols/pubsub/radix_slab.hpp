// The slab the subscription tree's nodes live in: one contiguous buffer of
// 4-byte units, blocks named by 32-bit handles instead of 8-byte pointers,
// with a free list per size class so that a freed node's memory is reused
// by the next node of its size.
//
// A handle (Ref) is a unit index into the buffer, so finding a block is one
// multiply-add: a match walks a dozen nodes, and a table lookup per step
// (the chunk table this slab used to have) put one more dependent load on
// each of them. Unit 0 holds nothing, which makes Ref 0 "no block".
//
// The price of one buffer is that it moves when it grows, and every
// pointer into it then dangles. So allocate() never grows it: the tree
// calls reserve() with the most an operation can allocate before it takes
// any pointer, and allocate() refuses (std::logic_error) a block past what
// was reserved. Handles stay valid across a move; pointers do not.
//
// Up to kRegionsFrom bytes the buffer is heap memory that doubles. Past
// that it is mapped (on Linux) aligned to 2 MiB and advised for
// transparent huge pages: a match at a million subscriptions touches a
// dozen nodes scattered over tens of megabytes, and with 4 KiB pages most
// of those touches also miss the TLB (a page walk each, costly under a
// hypervisor). Pages of the mapping past the highest block ever handed out
// are never touched, so they cost address space, not memory.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace sprocket::pubsub::radix {

/// A block of a Slab; 0 is none.
using Ref = std::uint32_t;

class Slab {
 public:
  static constexpr std::size_t kUnit = 4;  // bytes; blocks are whole units, aligned to one
  /// The most units handles can name (16 GiB).
  static constexpr std::size_t kMaxUnits = std::size_t{1} << 32;
  /// Blocks up to this many units have a size class and a free list; a
  /// larger one (a very long key) is cut into classed pieces when freed.
  static constexpr std::size_t kMaxClassUnits = 1024;
  /// The buffer's first size; it doubles from there.
  static constexpr std::size_t kFirstBytes = 512;
  /// Readable bytes past the end of the buffer, so that the tree may
  /// compare 8 or 16 bytes at a time near a block's end.
  static constexpr std::size_t kSlack = 16;
  /// Past kRegionsFrom bytes the buffer is mapped in whole regions of
  /// kRegionBytes (one huge page), aligned to one.
  static constexpr std::size_t kRegionBytes = std::size_t{2} << 20;
  static constexpr std::size_t kRegionsFrom = std::size_t{4} << 20;

  Slab() = default;
  ~Slab();
  Slab(Slab&& other) noexcept;
  Slab& operator=(Slab&& other) noexcept;
  Slab(const Slab&) = delete;
  Slab& operator=(const Slab&) = delete;

  /// Makes sure that `blocks` blocks of up to `bytes` each can be
  /// allocated without the buffer moving. May move it: call with no
  /// pointer into the slab held. Throws std::bad_alloc (or
  /// std::length_error past 16 GiB of handles) and then changes nothing.
  void reserve(std::size_t blocks, std::size_t bytes);
  /// A block of at least `bytes` bytes, aligned to 4, from what reserve()
  /// made room for; std::logic_error past it (a missing reserve()).
  Ref allocate(std::size_t bytes);
  /// Gives back a block; `bytes` is what it was allocated with.
  void release(Ref block, std::size_t bytes) noexcept;

  /// The block's first byte.
  std::byte* at(Ref block) const noexcept { return base_ + std::size_t{block} * kUnit; }

  /// Memory the slab holds: the heap buffer, or the mapped regions it has
  /// touched (those past its highest block are untouched, so not counted).
  std::size_t held_bytes() const noexcept;
  /// Of held_bytes(), those mapped as 2 MiB regions rather than from the heap.
  std::size_t region_bytes() const noexcept;
  /// Bytes in blocks handed out (each rounded up to its size class).
  std::size_t live_bytes() const noexcept { return live_bytes_; }
  /// Bytes on the free lists, ready for reuse.
  std::size_t free_bytes() const noexcept { return free_bytes_; }
  /// Frees the buffer: all handles become invalid.
  void clear() noexcept;

  /// The size class of a block of `units` units (1..kMaxClassUnits), and
  /// the units a block of that class has: exact sizes up to 64 units, then
  /// eight classes per doubling (at most 1/8 rounding).
  static std::size_t class_of(std::size_t units) noexcept;
  static std::size_t class_units(std::size_t size_class) noexcept;
  static constexpr std::size_t kClasses = 64 + 4 * 8;

 private:
  void grow(std::size_t units);
  void clear_buffer_only() noexcept;
  /// Whether the buffer is mapped regions rather than heap memory: it is
  /// from kRegionsFrom bytes on.
  static bool mapped(std::size_t capacity) noexcept { return capacity * kUnit >= kRegionsFrom; }
  void push_free(Ref block, std::size_t size_class) noexcept;

  std::byte* base_ = nullptr;
  std::size_t capacity_ = 0;  // units in the buffer (kSlack bytes more are readable)
  std::array<Ref, kClasses + 1> free_{};  // size class -> first free block (next in its first unit)
  std::size_t bump_ = 1;      // the first unit never handed out (unit 0 is "no block")
  std::size_t high_ = 1;      // the highest bump_ since the buffer was made: touched below it
  std::size_t reserved_ = 0;  // units past bump_ the last reserve() made room for
  std::size_t live_bytes_ = 0, free_bytes_ = 0;
};

}  // namespace sprocket::pubsub::radix
