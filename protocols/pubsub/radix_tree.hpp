// SubscriptionTree: SUB's prefix matcher, a radix tree (compressed trie).
//
// Each node holds the run of bytes on the edge leading to it and a count
// of subscriptions ending there; children are kept sorted by their first
// byte. Matching walks one path from the root, so it costs time in the
// length of the longest matching prefix, whatever the number of
// subscriptions. Keys are arbitrary bytes (zero bytes included).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sprocket::pubsub {

class SubscriptionTree {
 public:
  SubscriptionTree();
  ~SubscriptionTree();
  SubscriptionTree(const SubscriptionTree&) = delete;
  SubscriptionTree& operator=(const SubscriptionTree&) = delete;

  /// Adds one reference to `prefix` (the empty prefix matches everything).
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
  /// Bytes of memory the tree holds, approximately.
  std::size_t memory_bytes() const;

 private:
  struct Node;
  Node* find_child(Node& n, unsigned char first) const;
  void merge_with_only_child(Node& n);

  std::unique_ptr<Node> root_;
  std::size_t distinct_ = 0;
  std::size_t nodes_ = 1;
};

}  // namespace sprocket::pubsub
