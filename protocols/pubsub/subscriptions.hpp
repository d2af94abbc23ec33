// Subscriptions: a SUB socket's subscription tree, shared with the filters
// that its connections run on arrival (see docs/protocols/pubsub.md,
// "Where filtering happens").
//
// The tree changes on the application's thread, under the socket lock,
// while connection threads match arriving messages against it. The
// matchers are many and frequent, the changes rare, so the lock is split by
// reader (a "big-reader" lock): each connection's filter has its own lock,
// on its own cache line, which only that connection takes per message — an
// uncontended exchange and store, no line shared with other connections.
// A change takes every filter's lock, in list order, alters the tree and
// releases them: it costs one lock per connection, never a copy of the
// tree, and a match that starts after the change returns sees it.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <vector>

#include "protocols/pubsub/radix_tree.hpp"
#include "sprocket/detail/spin_mutex.hpp"
#include "sprocket/extension/message_queue.hpp"

namespace sprocket::pubsub {

class Subscriptions : public std::enable_shared_from_this<Subscriptions> {
 public:
  // The socket's side: called with the socket lock held (the lock orders
  // these calls among themselves).

  /// Adds one reference to `prefix`; throws as SubscriptionTree::subscribe.
  void subscribe(std::string_view prefix);
  /// Drops one reference; false if `prefix` was not subscribed.
  bool unsubscribe(std::string_view prefix);
  /// For the receive-time check. Changes happen under the same socket lock,
  /// so this reads the tree without the readers' locks.
  bool matches(std::span<const std::byte> body) const { return tree_.matches(body); }
  /// Counts a message discarded when received.
  void count_filtered() noexcept { ++filtered_at_recv_; }
  /// Messages discarded so far, on arrival and when received.
  std::uint64_t filtered() const;

  /// A filter for one connection's receive queue (MessageQueue::set_filter);
  /// it keeps these subscriptions alive.
  std::shared_ptr<MessageFilter> make_filter();

 private:
  class ArrivalFilter;
  // The writer's side of the big-reader lock: every reader's lock, taken in
  // list order, released on destruction.
  class WriteLock;

  void add_reader(ArrivalFilter* f);
  void remove_reader(ArrivalFilter* f) noexcept;

  SubscriptionTree tree_;
  std::uint64_t filtered_at_recv_ = 0;  // under the socket lock
  // Guards readers_ and gone_filtered_; held by a writer while it holds
  // the readers' locks, so a filter cannot come or go meanwhile.
  mutable std::mutex readers_mu_;
  std::vector<ArrivalFilter*> readers_;
  std::uint64_t gone_filtered_ = 0;  // counted by filters since destroyed
};

}  // namespace sprocket::pubsub
