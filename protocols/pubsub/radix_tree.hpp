// SubscriptionTree: SUB's prefix matcher, an adaptive radix tree.
//
// Each node holds the run of bytes on the edge leading to it (path
// compression: a key's bytes past its last branching point stay in one
// leaf), a count of subscriptions ending there, and its children in one of
// six layouts sized to their number (4, 8, 16, 32, 48 or 256). Nodes live in a
// slab and point at each other with 4-byte handles. Matching walks one path
// from the root, so it costs time in the length of the longest matching
// prefix, whatever the number of subscriptions. Keys are arbitrary bytes
// (zero bytes included) of any length. See docs/protocols/pubsub.md.
//
// Not thread-safe; concurrent calls of the const members are fine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "protocols/pubsub/radix_slab.hpp"

namespace sprocket::pubsub {

namespace radix {
enum class Kind : std::uint8_t;  // radix_node.hpp
}

class SubscriptionTree {
 public:
  SubscriptionTree();
  ~SubscriptionTree();
  SubscriptionTree(const SubscriptionTree&) = delete;
  SubscriptionTree& operator=(const SubscriptionTree&) = delete;

  /// Adds one reference to `prefix` (the empty prefix matches everything).
  /// Throws std::bad_alloc when memory runs out (the tree is unchanged) and
  /// std::overflow_error at 2^32 - 1 references to one prefix.
  void subscribe(std::string_view prefix);
  /// Drops one reference; false if `prefix` was not subscribed.
  bool unsubscribe(std::string_view prefix);
  /// True if some subscribed prefix is a prefix of `message`.
  bool matches(std::span<const std::byte> message) const;
  bool matches(std::string_view message) const {
    return matches(std::as_bytes(std::span(message.data(), message.size())));
  }

  /// Distinct prefixes subscribed.
  std::size_t size() const noexcept { return distinct_; }
  /// Nodes in the tree (for tests of splitting and merging).
  std::size_t node_count() const noexcept { return nodes_; }
  /// Bytes of memory the tree holds: its slab's buffer (see Slab::held_bytes).
  std::size_t memory_bytes() const noexcept { return slab_.held_bytes(); }

  /// The tree's nodes by kind and its slab's bytes, for tests and benchmarks
  /// (walks the whole tree).
  struct Shape {
    std::size_t leaves = 0, node4 = 0, node8 = 0, node16 = 0, node32 = 0, node48 = 0, node256 = 0;
    std::size_t held_bytes = 0;  // held by the slab's buffer
    std::size_t region_bytes = 0;  // of held_bytes, mapped as 2 MiB regions rather than from operator new
    std::size_t live_bytes = 0;  // in nodes
    std::size_t free_bytes = 0;  // freed nodes waiting for reuse
  };
  Shape shape() const;
  /// Checks the tree's invariants (every node but the root holds a
  /// subscription or branches; kinds fit their counts; counters agree);
  /// empty when they hold, else what is wrong. Walks the whole tree.
  std::string validate() const;

 private:
  radix::Ref new_node(radix::Kind kind, std::string_view a, int middle, std::string_view b, std::uint32_t refs);
  radix::Ref copy_node(radix::Ref old, radix::Kind kind, std::string_view a, int middle, std::string_view b);
  void free_node(radix::Ref node) noexcept;
  void add_child(radix::Ref* slot, unsigned char b, radix::Ref child);
  void split(radix::Ref* slot, std::size_t same, std::string_view key);
  void settle_after_removal(radix::Ref* slot, bool is_root) noexcept;
  void merge_with_only_child(radix::Ref* slot) noexcept;
  void reserve_for_one_change(std::size_t longest_key);
  void reclaim() noexcept;
  void compact();

  radix::Slab slab_;
  radix::Ref root_ = 0;  // its prefix is always empty
  std::size_t distinct_ = 0;
  std::size_t nodes_ = 1;
  std::size_t longest_key_ = 0;  // bounds every node's prefix
};

}  // namespace sprocket::pubsub
