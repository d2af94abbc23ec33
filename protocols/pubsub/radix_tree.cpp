#include "protocols/pubsub/radix_tree.hpp"

#include <algorithm>
#include <cstring>

namespace sprocket::pubsub {

struct SubscriptionTree::Node {
  // A child with a copy of its edge's first byte: the binary search among
  // children reads only this contiguous array, instead of dereferencing
  // every probed child (a cache miss each in a large tree).
  struct Child {
    unsigned char first;
    std::unique_ptr<Node> node;
  };

  std::string edge;         // bytes from the parent to this node
  std::uint32_t refs = 0;   // subscriptions ending exactly here
  std::vector<Child> children;  // sorted by first

  unsigned char first() const { return static_cast<unsigned char>(edge[0]); }
};

namespace {

std::size_t common_prefix(std::string_view a, std::string_view b) {
  std::size_t n = std::min(a.size(), b.size()), i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

template <class Children>
auto child_position(Children& children, unsigned char first) {
  return std::lower_bound(children.begin(), children.end(), first,
                          [](const auto& c, unsigned char f) { return c.first < f; });
}

}  // namespace

SubscriptionTree::SubscriptionTree() : root_(std::make_unique<Node>()) {}
SubscriptionTree::~SubscriptionTree() = default;

SubscriptionTree::Node* SubscriptionTree::find_child(Node& n, unsigned char first) const {
  auto it = child_position(n.children, first);
  return it != n.children.end() && it->first == first ? it->node.get() : nullptr;
}

void SubscriptionTree::subscribe(std::string_view key) {
  Node* n = root_.get();
  while (!key.empty()) {
    auto first = static_cast<unsigned char>(key[0]);
    auto it = child_position(n->children, first);
    if (it == n->children.end() || it->first != first) {
      auto leaf = std::make_unique<Node>();
      leaf->edge = std::string(key);
      n = n->children.insert(it, Node::Child{first, std::move(leaf)})->node.get();
      ++nodes_;
      key = {};
      break;
    }
    Node* child = it->node.get();
    std::size_t same = common_prefix(child->edge, key);
    if (same < child->edge.size()) {
      // Split the edge: a new node for the shared run, the old child below
      // it (the middle keeps the slot: its first byte is the same).
      auto middle = std::make_unique<Node>();
      middle->edge = child->edge.substr(0, same);
      std::unique_ptr<Node> old = std::move(it->node);
      old->edge.erase(0, same);
      const unsigned char old_first = old->first();
      middle->children.push_back(Node::Child{old_first, std::move(old)});
      it->node = std::move(middle);
      child = it->node.get();
      ++nodes_;
    }
    n = child;
    key.remove_prefix(same);
  }
  if (n->refs++ == 0) ++distinct_;
}

bool SubscriptionTree::unsubscribe(std::string_view key) {
  // Remember the path to prune or merge on the way back.
  std::vector<Node*> path{root_.get()};
  Node* n = root_.get();
  while (!key.empty()) {
    Node* child = find_child(*n, static_cast<unsigned char>(key[0]));
    if (!child || key.substr(0, child->edge.size()) != child->edge) return false;
    key.remove_prefix(child->edge.size());
    n = child;
    path.push_back(n);
  }
  if (n->refs == 0) return false;
  if (--n->refs != 0) return true;
  --distinct_;
  // Walk back up: drop empty leaves, merge pass-through nodes into their child.
  for (std::size_t i = path.size() - 1; i > 0; --i) {
    Node* node = path[i];
    Node* parent = path[i - 1];
    if (node->refs != 0) break;
    if (node->children.empty()) {
      auto it = child_position(parent->children, node->first());
      parent->children.erase(it);
      --nodes_;
      continue;  // the parent may now be empty too
    }
    if (node->children.size() == 1) merge_with_only_child(*node);
    break;
  }
  return true;
}

void SubscriptionTree::merge_with_only_child(Node& n) {
  std::unique_ptr<Node> child = std::move(n.children.front().node);
  n.edge += child->edge;
  n.refs = child->refs;
  n.children = std::move(child->children);
  --nodes_;
}

bool SubscriptionTree::matches(std::span<const std::byte> message) const {
  const Node* n = root_.get();
  std::string_view rest(reinterpret_cast<const char*>(message.data()), message.size());
  for (;;) {
    if (n->refs) return true;
    if (rest.empty()) return false;
    const Node* child = find_child(const_cast<Node&>(*n), static_cast<unsigned char>(rest[0]));
    if (!child || rest.size() < child->edge.size() ||
        std::memcmp(rest.data(), child->edge.data(), child->edge.size()) != 0)
      return false;
    rest.remove_prefix(child->edge.size());
    n = child;
  }
}

std::size_t SubscriptionTree::memory_bytes() const {
  std::size_t total = 0;
  std::vector<const Node*> stack{root_.get()};
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    total += sizeof(Node) + n->children.capacity() * sizeof(Node::Child);
    if (n->edge.capacity() > 15) total += n->edge.capacity() + 1;  // beyond the small-string buffer
    for (const auto& c : n->children) stack.push_back(c.node.get());
  }
  return total;
}

}  // namespace sprocket::pubsub
