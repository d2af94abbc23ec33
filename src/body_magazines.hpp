// Small message bodies recycled between threads, a magazine at a time.
//
// A message's body is usually allocated by one thread (the sender, or the
// I/O thread that read it) and freed by another (the receiver, or the I/O
// thread once it is written). glibc's per-thread cache never sees such a
// block come back to the thread that allocated it, so every allocation and
// every free takes an arena lock that the other thread also takes: in an
// inproc PUSH/PULL stream of 1 KiB messages that was a fifth of the CPU,
// and another allocator doubled the rate. Here each thread keeps, per size
// class, a magazine of up to kMagazineSlots freed blocks to allocate from.
// A thread that fills a magazine by freeing hands it whole to a shared
// depot (one lock per magazine, not per block); a thread that empties one
// by allocating takes a full one from there.
//
// Bounded: a magazine holds at most kMagazineBytes; the depot at most
// kDepotMagazines per class and kDepotBytes in all (a magazine that does
// not fit is freed); a thread's magazines go to the depot or are freed
// when it exits. The depot was sized for the bursts of a stream with full
// queues on both sides when the default depth was 128 (2 × 128 messages in
// flight, with room to spare): with 4 magazines a class, a third of the
// blocks still went through malloc and free. At the default of 1024 a
// 1 KiB stream goes through malloc more often, and is faster still for the
// fewer wake-ups (docs/benchmarks.md, "the default buffer depth").
#pragma once

#include <cstddef>

namespace sprocket::detail {

/// Blocks of more bytes than this bypass the magazines.
inline constexpr std::size_t kMagazineMaxBlock = 4096;
inline constexpr std::size_t kMagazineSlots = 32;
inline constexpr std::size_t kMagazineBytes = 32 * 1024;
inline constexpr std::size_t kDepotMagazines = 16;
inline constexpr std::size_t kDepotBytes = 4 * 1024 * 1024;

/// The bytes actually allocated for a block of `bytes` (at most
/// kMagazineMaxBlock): size classes of four per power of two (at most 25 %
/// more), so that blocks of nearby sizes are interchangeable.
std::size_t magazine_block_bytes(std::size_t bytes) noexcept;

/// A block of `bytes` bytes (1..kMagazineMaxBlock), 16-byte aligned: from
/// this thread's magazine, a full one from the depot, or new. Throws
/// std::bad_alloc.
void* take_small_block(std::size_t bytes);

/// Gives back a block that take_small_block(bytes) returned.
void give_small_block(void* block, std::size_t bytes) noexcept;

/// For tests: of the class of blocks of `bytes` bytes, the blocks waiting
/// in the depot and in this thread's magazine; and the depot's bytes in all.
struct MagazineStats {
  std::size_t depot_blocks = 0;
  std::size_t thread_blocks = 0;
  std::size_t depot_bytes = 0;
};
MagazineStats magazine_stats(std::size_t bytes) noexcept;

}  // namespace sprocket::detail
