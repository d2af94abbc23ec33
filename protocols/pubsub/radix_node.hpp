// The nodes of the subscription tree, as bytes in a Slab.
//
// Every node starts with an 8-byte Header, then its prefix (the bytes
// between the key byte that leads to it and its own branching point: path
// compression, of any length), then, by kind:
//
//   leaf    nothing: a node without children (its prefix is the rest of a key)
//   n4      keys[4]  then children[4]   (keys unordered, found by SIMD compare)
//   n8      keys[8]  then children[8]
//   n16     keys[16] then children[16]
//   n32     keys[32] then children[32]
//   n48     keys[48] then children[48]
//   n256    children[256], indexed by the key byte (0 = none)
//
// Children are 4-byte Refs at a 4-aligned offset. ART's four kinds (4, 16,
// 48, 256) plus 8 and 32: a node of 10 children takes 56 bytes instead of
// 88, one of 20 takes 168 instead of 248 — a fifth of the tree at a million
// subscriptions. A node grows to the next kind when full and shrinks with
// hysteresis (see shrunk()), so it never uses fewer than a quarter of its
// slots for long. n48 keeps a key array rather than ART's 256-byte index:
// 240 bytes against 448, found with three 16-byte compares instead of one
// load.
//
// A 16-byte load of the keys never leaves the node: the children follow
// the keys, and there are at least four of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "protocols/pubsub/radix_slab.hpp"

namespace sprocket::pubsub::radix {

enum class Kind : std::uint8_t { leaf, n4, n8, n16, n32, n48, n256 };
inline constexpr int kKinds = 7;

constexpr unsigned capacity(Kind k) {
  constexpr unsigned caps[kKinds] = {0, 4, 8, 16, 32, 48, 256};
  return caps[static_cast<int>(k)];
}

/// The kind a full node grows into, and the kind a node of `count`
/// children shrinks to (itself while it has enough): each kind shrinks
/// when its children fit the smaller kind with a quarter of it to spare.
constexpr Kind grown(Kind k) { return k == Kind::n256 ? k : static_cast<Kind>(static_cast<int>(k) + 1); }
constexpr Kind shrunk(Kind k, unsigned count) {
  constexpr unsigned at[kKinds] = {0, 0, 3, 6, 12, 24, 40};  // shrink when count <= this
  if (k == Kind::leaf || count > at[static_cast<int>(k)]) return k;
  return static_cast<Kind>(static_cast<int>(k) - 1);
}
/// The fewest children a node of this kind has once the tree has settled.
constexpr unsigned least_children(Kind k) {
  constexpr unsigned least[kKinds] = {0, 1, 4, 7, 13, 25, 41};
  return least[static_cast<int>(k)];
}

/// A prefix length of 255 or more is stored as 4 bytes after the header.
inline constexpr std::uint8_t kLongPrefix = 255;

struct Header {
  Kind kind;
  std::uint8_t prefix;   // its length, or kLongPrefix
  std::uint16_t count;   // children
  std::uint32_t refs;    // subscriptions of exactly this node's key
};
static_assert(sizeof(Header) == 8);

constexpr std::size_t align4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }
constexpr std::size_t prefix_offset(std::size_t prefix) { return sizeof(Header) + (prefix >= kLongPrefix ? 4 : 0); }
constexpr std::size_t keys_offset(std::size_t prefix) { return prefix_offset(prefix) + prefix; }
constexpr std::size_t children_offset(Kind k, std::size_t prefix) {
  return align4(keys_offset(prefix) + (k == Kind::n256 ? 0 : capacity(k)));
}
constexpr std::size_t node_bytes(Kind k, std::size_t prefix) {
  return k == Kind::leaf ? keys_offset(prefix) : children_offset(k, prefix) + capacity(k) * sizeof(Ref);
}

/// The slot (0..count-1) holding `b` among `count` unordered keys of an
/// array of `cap` bytes, or -1. Reads whole 16-byte groups (see the top).
inline int find_key(const unsigned char* keys, unsigned cap, unsigned count, unsigned char b) {
#if defined(__SSE2__)
  const __m128i needle = _mm_set1_epi8(static_cast<char>(b));
  std::uint64_t hits = 0;
  for (unsigned i = 0; i < cap; i += 16) {
    const __m128i group = _mm_loadu_si128(reinterpret_cast<const __m128i*>(keys + i));
    hits |= static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(group, needle)))) << i;
  }
  hits &= (std::uint64_t{1} << count) - 1;  // count <= 48
  return hits ? __builtin_ctzll(hits) : -1;
#else
  (void)cap;
  for (unsigned i = 0; i < count; ++i)
    if (keys[i] == b) return static_cast<int>(i);
  return -1;
#endif
}

/// A view of one node's bytes.
class Node {
 public:
  explicit Node(std::byte* p) noexcept : p_(p) {}

  Header& head() const noexcept { return *std::launder(reinterpret_cast<Header*>(p_)); }
  Kind kind() const noexcept { return head().kind; }
  unsigned count() const noexcept { return head().count; }

  std::size_t prefix_size() const noexcept {
    if (head().prefix != kLongPrefix) return head().prefix;
    std::uint32_t n;
    std::memcpy(&n, p_ + sizeof(Header), sizeof n);
    return n;
  }
  unsigned char* prefix() const noexcept {
    return reinterpret_cast<unsigned char*>(p_ + prefix_offset(prefix_size()));
  }
  std::string_view prefix_view() const noexcept {
    return {reinterpret_cast<const char*>(prefix()), prefix_size()};
  }
  unsigned char* keys() const noexcept { return reinterpret_cast<unsigned char*>(p_ + keys_offset(prefix_size())); }
  Ref* children() const noexcept {
    return std::launder(reinterpret_cast<Ref*>(p_ + children_offset(kind(), prefix_size())));
  }
  std::size_t bytes() const noexcept { return node_bytes(kind(), prefix_size()); }

  /// The slot of the child reached by `b`, or nullptr.
  Ref* find(unsigned char b) const noexcept {
    const Kind k = kind();
    if (k == Kind::leaf) return nullptr;
    Ref* c = children();
    if (k == Kind::n256) return c[b] ? &c[b] : nullptr;
    const int i = find_key(keys(), capacity(k), count(), b);
    return i < 0 ? nullptr : &c[i];
  }

  /// Adds a child for `b` (absent); the node has room.
  void add(unsigned char b, Ref child) noexcept {
    Header& h = head();
    if (h.kind == Kind::n256) {
      children()[b] = child;
    } else {
      keys()[h.count] = b;
      children()[h.count] = child;
    }
    ++h.count;
  }

  /// Removes the child for `b` (present): the last one takes its slot.
  void remove(unsigned char b) noexcept {
    Header& h = head();
    Ref* c = children();
    --h.count;
    if (h.kind == Kind::n256) {
      c[b] = 0;
      return;
    }
    unsigned char* k = keys();
    const auto i = static_cast<unsigned>(find_key(k, capacity(h.kind), h.count + 1u, b));
    k[i] = k[h.count];
    c[i] = c[h.count];
  }

  /// Calls f(key byte, child slot) for each child.
  template <class F>
  void each_child(F f) const {
    Ref* c = children();
    if (kind() == Kind::n256) {
      for (unsigned b = 0; b < 256; ++b)
        if (c[b]) f(static_cast<unsigned char>(b), c[b]);
      return;
    }
    const unsigned char* k = keys();
    for (unsigned i = 0, n = count(); i < n; ++i) f(k[i], c[i]);
  }

 private:
  std::byte* p_;
};

}  // namespace sprocket::pubsub::radix
