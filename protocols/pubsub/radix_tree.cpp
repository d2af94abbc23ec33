#include "protocols/pubsub/radix_tree.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>
#include <utility>
#include <vector>

#include "protocols/pubsub/radix_node.hpp"

namespace sprocket::pubsub {

using radix::Kind;
using radix::Node;
using radix::Ref;

namespace {

std::size_t common_prefix(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  std::size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

unsigned char byte_at(std::string_view s, std::size_t i) { return static_cast<unsigned char>(s[i]); }

/// Compaction moves the tree to a fresh slab once this much is free and
/// the free part outweighs the nodes.
constexpr std::size_t kCompactAt = 64 * 1024;

}  // namespace

SubscriptionTree::SubscriptionTree() {
  slab_.reserve(1, radix::node_bytes(Kind::leaf, 0));
  root_ = new_node(Kind::leaf, {}, -1, {}, 0);
}

SubscriptionTree::~SubscriptionTree() = default;

// ---- nodes -----------------------------------------------------------------

/// A node with prefix a + middle (a byte, unless negative) + b, the given
/// references and no children.
Ref SubscriptionTree::new_node(Kind kind, std::string_view a, int middle, std::string_view b,
                               std::uint32_t refs) {
  const std::size_t prefix = a.size() + (middle >= 0 ? 1 : 0) + b.size();
  if (prefix > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("subscription tree: a prefix longer than 4 GiB");
  const Ref r = slab_.allocate(radix::node_bytes(kind, prefix));
  std::byte* p = slab_.at(r);
  const auto short_length = static_cast<std::uint8_t>(std::min<std::size_t>(prefix, radix::kLongPrefix));
  new (p) radix::Header{kind, short_length, 0, refs};
  if (prefix >= radix::kLongPrefix) {
    const auto length = static_cast<std::uint32_t>(prefix);
    std::memcpy(p + sizeof(radix::Header), &length, sizeof length);
  }
  Node n(p);
  unsigned char* out = n.prefix();
  if (!a.empty()) std::memcpy(out, a.data(), a.size());
  out += a.size();
  if (middle >= 0) *out++ = static_cast<unsigned char>(middle);
  if (!b.empty()) std::memcpy(out, b.data(), b.size());
  if (kind != Kind::leaf) {  // keys and children: zero is "none" in n256
    const std::size_t keys = radix::keys_offset(prefix);
    std::memset(p + keys, 0, radix::node_bytes(kind, prefix) - keys);
  }
  return r;
}

/// A copy of `old` (its references and children) with another kind and
/// prefix; `old` is freed. Throws before changing anything.
Ref SubscriptionTree::copy_node(Ref old, Kind kind, std::string_view a, int middle, std::string_view b) {
  const Node from(slab_.at(old));
  const Ref r = new_node(kind, a, middle, b, from.head().refs);  // a, b may lie in `old`
  Node to(slab_.at(r));
  from.each_child([&](unsigned char key, Ref child) { to.add(key, child); });
  free_node(old);
  return r;
}

void SubscriptionTree::free_node(Ref node) noexcept { slab_.release(node, Node(slab_.at(node)).bytes()); }

// ---- subscribe ---------------------------------------------------------------

/// Room for the most one subscribe or unsubscribe allocates, so that the
/// slab does not move while they hold pointers into it: a split makes a
/// node and a leaf and copies the node split; a growth copies one node and
/// adds a leaf; a removal shrinks one node and merges one. None is larger
/// than a 256-child node with the longest prefix, which is at most the
/// longest key ever subscribed.
void SubscriptionTree::reserve_for_one_change(std::size_t longest_key) {
  slab_.reserve(3, radix::node_bytes(Kind::n256, longest_key));
}

void SubscriptionTree::subscribe(std::string_view key) {
  const std::size_t longest = std::max(longest_key_, key.size());
  reserve_for_one_change(longest);
  longest_key_ = longest;
  Ref* slot = &root_;  // where the current node's handle is kept
  for (;;) {
    Node n(slab_.at(*slot));
    const std::string_view prefix = n.prefix_view();
    const std::size_t same = common_prefix(prefix, key);
    if (same < prefix.size()) return split(slot, same, key);
    key.remove_prefix(same);
    if (key.empty()) {
      std::uint32_t& refs = n.head().refs;
      if (refs == std::numeric_limits<std::uint32_t>::max())
        throw std::overflow_error("subscription tree: too many references to one prefix");
      if (refs++ == 0) ++distinct_;
      return;
    }
    if (Ref* child = n.find(byte_at(key, 0))) {
      slot = child;
      key.remove_prefix(1);
      continue;
    }
    // Lazy expansion: the rest of the key becomes one leaf.
    const Ref leaf = new_node(Kind::leaf, key.substr(1), -1, {}, 1);
    try {
      add_child(slot, byte_at(key, 0), leaf);
    } catch (...) {
      free_node(leaf);
      throw;
    }
    ++distinct_;
    ++nodes_;
    return;
  }
}

void SubscriptionTree::add_child(Ref* slot, unsigned char b, Ref child) {
  Node n(slab_.at(*slot));
  if (n.count() == radix::capacity(n.kind())) {
    *slot = copy_node(*slot, radix::grown(n.kind()), n.prefix_view(), -1, {});
    n = Node(slab_.at(*slot));
  }
  n.add(b, child);
}

/// `key` leaves the node at *slot `same` bytes into its prefix: a new n4
/// takes the shared part and the key (if it ends there) or a leaf for the
/// rest of it, and the node keeps the part of its prefix after the byte
/// where they part.
void SubscriptionTree::split(Ref* slot, std::size_t same, std::string_view key) {
  const Node old(slab_.at(*slot));
  const std::string_view prefix = old.prefix_view();
  const bool ends_here = key.size() == same;
  const unsigned char old_byte = byte_at(prefix, same);
  const Ref middle = new_node(Kind::n4, prefix.substr(0, same), -1, {}, ends_here ? 1 : 0);
  Ref leaf = 0;
  try {
    if (!ends_here) leaf = new_node(Kind::leaf, key.substr(same + 1), -1, {}, 1);
    const Ref moved = copy_node(*slot, old.kind(), prefix.substr(same + 1), -1, {});  // frees old
    Node m(slab_.at(middle));
    m.add(old_byte, moved);
    if (leaf) m.add(byte_at(key, same), leaf);
    *slot = middle;
  } catch (...) {
    if (leaf) free_node(leaf);
    free_node(middle);
    throw;
  }
  ++distinct_;
  nodes_ += leaf ? 2 : 1;
}

// ---- unsubscribe -------------------------------------------------------------

bool SubscriptionTree::unsubscribe(std::string_view key) {
  try {
    reserve_for_one_change(longest_key_);
  } catch (const std::exception&) {
    // Out of memory: the shrink or merge below fails and leaves its nodes
    // as they are, which is still correct.
  }
  Ref* parent = nullptr;  // the slot of the node above, once below the root
  Ref* slot = &root_;
  unsigned char via = 0;  // the key byte from the parent to this node
  for (;;) {
    const Node n(slab_.at(*slot));
    const std::string_view prefix = n.prefix_view();
    if (!key.starts_with(prefix)) return false;
    key.remove_prefix(prefix.size());
    if (key.empty()) break;
    Ref* child = n.find(byte_at(key, 0));
    if (!child) return false;
    parent = slot;
    via = byte_at(key, 0);
    slot = child;
    key.remove_prefix(1);
  }
  Node n(slab_.at(*slot));
  if (n.head().refs == 0) return false;
  if (--n.head().refs != 0) return true;
  --distinct_;
  if (parent && n.count() == 0) {  // a leaf: prune it
    free_node(*slot);
    --nodes_;
    Node(slab_.at(*parent)).remove(via);
    settle_after_removal(parent, parent == &root_);
  } else if (parent && n.count() == 1) {
    merge_with_only_child(slot);
  }
  reclaim();
  return true;
}

/// The node at *slot lost a child: one that no longer branches merges with
/// the child left, one with few children moves to a smaller kind.
void SubscriptionTree::settle_after_removal(Ref* slot, bool is_root) noexcept {
  const Node n(slab_.at(*slot));
  if (!is_root && n.head().refs == 0 && n.count() == 1) return merge_with_only_child(slot);
  const Kind smaller = radix::shrunk(n.kind(), n.count());
  if (smaller == n.kind()) return;
  try {
    *slot = copy_node(*slot, smaller, n.prefix_view(), -1, {});
  } catch (const std::exception&) {
    // Out of memory: the node keeps its larger kind, which is still correct.
  }
}

/// The node at *slot holds no subscription and has one child: the two
/// become one node whose prefix joins theirs.
void SubscriptionTree::merge_with_only_child(Ref* slot) noexcept {
  const Node n(slab_.at(*slot));
  unsigned char key = 0;
  Ref child = 0;
  n.each_child([&](unsigned char k, Ref c) {
    key = k;
    child = c;
  });
  const Node c(slab_.at(child));
  try {
    const Ref merged = copy_node(child, c.kind(), n.prefix_view(), key, c.prefix_view());
    free_node(*slot);
    *slot = merged;
    --nodes_;
  } catch (const std::exception&) {
    // Out of memory, or a joined prefix past 4 GiB: the two nodes stay,
    // which is still correct.
  }
}

// ---- memory ------------------------------------------------------------------

/// Gives memory back: an empty tree, or one whose slab is mostly free
/// blocks, moves to a fresh slab (O(nodes), so at most once per as many
/// unsubscribes as it has nodes).
void SubscriptionTree::reclaim() noexcept {
  if (distinct_ != 0 && (slab_.free_bytes() < kCompactAt || slab_.free_bytes() <= slab_.live_bytes())) return;
  try {
    compact();
  } catch (const std::exception&) {
    // Out of memory: the tree stays where it is.
  }
}

/// Copies every node into a new slab, depth first (a node's subtree ends up
/// close together), then drops the old one.
void SubscriptionTree::compact() {
  radix::Slab fresh;
  fresh.reserve(1, slab_.live_bytes());  // every node, class-rounded as here: the copy never moves it
  Ref new_root = 0;
  std::vector<std::pair<Ref, Ref*>> todo{{root_, &new_root}};  // old node, where its copy goes
  while (!todo.empty()) {
    const auto [old, to] = todo.back();
    todo.pop_back();
    const std::size_t bytes = Node(slab_.at(old)).bytes();
    const Ref r = fresh.allocate(bytes);
    std::memcpy(fresh.at(r), slab_.at(old), bytes);
    *to = r;
    Node(fresh.at(r)).each_child([&](unsigned char, Ref& child) { todo.emplace_back(child, &child); });
  }
  slab_ = std::move(fresh);
  root_ = new_root;
}

// ---- match -------------------------------------------------------------------

namespace {

std::uint64_t load64(const unsigned char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

Ref load_ref(const unsigned char* p) {
  Ref r;
  std::memcpy(&r, p, sizeof r);
  return r;
}

const unsigned char* align4(const unsigned char* p) {
  return p + ((4 - (reinterpret_cast<std::uintptr_t>(p) & 3)) & 3);
}

/// Whether the message's next `length` bytes (it has `left` >= length)
/// equal a node's prefix at `p`, 8 bytes at a time. The last word may read
/// up to 7 bytes past the prefix — never past the slab's slack after a
/// chunk — but never past the message.
bool same_bytes(const unsigned char* s, std::size_t left, const unsigned char* p, std::size_t length) {
  std::size_t i = 0;
  for (; i + 8 <= length; i += 8)
    if (load64(s + i) != load64(p + i)) return false;
  if (i == length) return true;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if (left - i >= 8) {
    const std::uint64_t first = (std::uint64_t{1} << (8 * (length - i))) - 1;  // the first length - i bytes
    return ((load64(s + i) ^ load64(p + i)) & first) == 0;
  }
#else
  (void)left;
#endif
  return std::memcmp(s + i, p + i, length - i) == 0;
}

/// The child reached by b in a node of `Cap` key slots whose keys start at
/// `keys`, or 0.
template <unsigned Cap>
Ref child_in(const unsigned char* keys, unsigned count, unsigned char b) {
  const int i = radix::find_key(keys, Cap, count, b);
  return i < 0 ? 0 : load_ref(align4(keys + Cap) + static_cast<unsigned>(i) * sizeof(Ref));
}

Ref child_of(const unsigned char* keys, Kind k, unsigned count, unsigned char b) {
  switch (k) {
    case Kind::n4: return child_in<4>(keys, count, b);
    case Kind::n8: return child_in<8>(keys, count, b);
    case Kind::n16: return child_in<16>(keys, count, b);
    case Kind::n32: return child_in<32>(keys, count, b);
    case Kind::n48: return child_in<48>(keys, count, b);
    case Kind::n256: return load_ref(align4(keys) + b * sizeof(Ref));
    default: return 0;  // a leaf
  }
}

}  // namespace

bool SubscriptionTree::matches(std::span<const std::byte> message) const {
  const auto* s = reinterpret_cast<const unsigned char*>(message.data());
  std::size_t left = message.size();
  Ref r = root_;
  for (;;) {
    const auto* p = reinterpret_cast<const unsigned char*>(slab_.at(r));
    radix::Header h;
    std::memcpy(&h, p, sizeof h);
    // Without a prefix, the keys start right after the header and the byte
    // to look for is the next one: both are known before the header has
    // been read, so the processor loads them at once instead of one after
    // the other (most inner nodes have no prefix).
    const unsigned char* keys = p + sizeof h;
    if (h.prefix != 0) {
      const unsigned char* prefix = keys;
      std::size_t length = h.prefix;
      if (length == radix::kLongPrefix) {
        std::uint32_t long_length;
        std::memcpy(&long_length, prefix, sizeof long_length);
        length = long_length;
        prefix += sizeof long_length;
      }
      if (left < length || !same_bytes(s, left, prefix, length)) return false;
      s += length;
      left -= length;
      keys = prefix + length;
    }
    if (h.refs != 0) return true;
    if (left == 0) return false;
    r = child_of(keys, h.kind, h.count, *s);
    if (r == 0) return false;
    ++s;
    --left;
  }
}

// ---- inspection --------------------------------------------------------------

SubscriptionTree::Shape SubscriptionTree::shape() const {
  Shape out;
  std::vector<Ref> todo{root_};
  while (!todo.empty()) {
    const Node n(slab_.at(todo.back()));
    todo.pop_back();
    std::size_t* counters[radix::kKinds] = {&out.leaves, &out.node4,  &out.node8,  &out.node16,
                                            &out.node32, &out.node48, &out.node256};
    ++*counters[static_cast<int>(n.kind())];
    n.each_child([&](unsigned char, Ref c) { todo.push_back(c); });
  }
  out.held_bytes = slab_.held_bytes();
  out.region_bytes = slab_.region_bytes();
  out.live_bytes = slab_.live_bytes();
  out.free_bytes = slab_.free_bytes();
  return out;
}

std::string SubscriptionTree::validate() const {
  std::size_t nodes = 0, distinct = 0, live = 0;
  std::vector<Ref> todo{root_};
  while (!todo.empty()) {
    const Ref r = todo.back();
    todo.pop_back();
    const Node n(slab_.at(r));
    const bool root = r == root_;
    ++nodes;
    distinct += n.head().refs != 0;
    const std::size_t units = (n.bytes() + radix::Slab::kUnit - 1) / radix::Slab::kUnit;
    live += units > radix::Slab::kMaxClassUnits
                ? units * radix::Slab::kUnit
                : radix::Slab::class_units(radix::Slab::class_of(units)) * radix::Slab::kUnit;
    const std::string where = "node " + std::to_string(r) + " (kind " + std::to_string(static_cast<int>(n.kind())) +
                              ", " + std::to_string(n.count()) + " children): ";
    if (static_cast<int>(n.kind()) >= radix::kKinds) return where + "unknown kind";
    if (n.count() > radix::capacity(n.kind())) return where + "more children than slots";
    if (root && n.prefix_size() != 0) return where + "the root has a prefix";
    if (!root && n.head().refs == 0 && n.count() < 2) return where + "neither a subscription nor a branch";
    if (n.count() < radix::least_children(n.kind()) && !(root && n.kind() == Kind::n4))
      return where + "too few children for its kind";
    unsigned seen = 0;
    bool repeated = false;
    std::uint64_t keys[4] = {};
    n.each_child([&](unsigned char k, Ref c) {
      repeated |= (keys[k / 64] >> (k % 64)) & 1;
      keys[k / 64] |= std::uint64_t{1} << (k % 64);
      ++seen;
      todo.push_back(c);
    });
    if (repeated) return where + "a key byte twice";
    if (seen != n.count()) return where + "count differs from its children";
    if (nodes > nodes_ + 1) return "more nodes than node_count() says";
  }
  if (nodes != nodes_) return "node_count() " + std::to_string(nodes_) + " but " + std::to_string(nodes) + " nodes";
  if (distinct != distinct_) return "size() " + std::to_string(distinct_) + " but " + std::to_string(distinct) + " subscribed";
  if (live != slab_.live_bytes())
    return "the slab counts " + std::to_string(slab_.live_bytes()) + " live bytes, the nodes " + std::to_string(live);
  return {};
}

}  // namespace sprocket::pubsub
