// MessageQueue: the bounded hand-off between a socket and a connection.
//
// Every pipe is two queues: `in` (the connection produces, the socket
// consumes) and `out` (the socket produces, the connection consumes). For
// inproc both sockets share them: one socket's `out` is the other's `in`,
// so a Message crosses with no copy and no thread hop. The queues are the
// whole interface between the layers: closing one side of a queue is how a
// socket tells a connection to stop, and how a connection reports a lost
// peer.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <system_error>
#include <vector>

#include "sprocket/detail/export.hpp"
#include "sprocket/detail/spin_mutex.hpp"
#include "sprocket/message.hpp"

namespace sprocket {

/// Told about a queue's transitions. Called with no lock held, on whichever
/// thread caused the transition; may be spurious.
class SPROCKET_API QueueListener {
 public:
  virtual ~QueueListener() = default;
  /// For the consumer: the queue went from empty to non-empty, or the
  /// producer closed.
  virtual void on_queue_readable() = 0;
  /// For the producer: a push had been refused (full) and the queue has
  /// drained to half its bounds — or has a free slot, if the producer asked
  /// with MessageQueue::want_room() — or the consumer closed.
  virtual void on_queue_writable() = 0;
};

/// The consumer's say on what may enter its queue at all (SUB's
/// subscriptions): push() offers each message to it before the message
/// takes room, and discards one it refuses. It runs on the producer's
/// thread — a connection's strand, or for inproc the sending socket's
/// thread with that socket's lock held — with no lock of the queue held,
/// concurrently with the consumer. So it must be quick, and must not take
/// a socket's lock, block, or run user code.
class SPROCKET_API MessageFilter {
 public:
  virtual ~MessageFilter() = default;
  /// True to queue `m`; false to discard it (the filter counts it if it
  /// wants it counted).
  virtual bool admit(const Message& m) noexcept = 0;
};

/// A bounded, thread-safe FIFO of Messages with one producer side and one
/// consumer side, each of which can close it; the hand-off between a socket
/// and a connection (see the file comment). Its lock is held only for a
/// few instructions and never while a listener is called.
class SPROCKET_API MessageQueue {
 public:
  /// The result of push().
  enum class Push {
    ok,      ///< the message is in the queue
    full,    ///< no room: the producer gets on_queue_writable() when there is
    closed,  ///< the consumer closed: nothing will be taken again
  };
  /// The result of pop() and pop_batch().
  enum class Pop {
    ok,      ///< a message (or a batch) was taken
    empty,   ///< nothing now: the consumer gets on_queue_readable() when there is
    closed,  ///< empty and closed: nothing will come
  };

  /// Bounded by `max_messages` (at least 1) and, when non-zero, by
  /// `max_bytes` of body (one message is always accepted into an empty queue).
  explicit MessageQueue(std::size_t max_messages, std::size_t max_bytes = 0);

  /// Moves `m` in unless full or closed (then `m` is untouched). Sets
  /// `notify` when the consumer must be told (empty -> non-empty); the
  /// caller then calls notify_consumer() once it holds no lock. A message
  /// the filter (set_filter) refuses takes no room: it is released, `m`
  /// left empty, and the result is ok (closed if the queue is).
  Push push(Message& m, bool& notify);
  /// push() for many under one lock: moves messages in from `ms[from]` on,
  /// in order, until one does not fit, advancing `from` past each taken;
  /// full if some are left (they wait, untouched, for on_queue_writable()),
  /// closed if the queue is. What the filter refuses is released and
  /// removed from `ms` (later ones move up).
  Push push_batch(std::vector<Message>& ms, std::size_t& from, bool& notify);
  /// Takes the oldest message. Sets `notify` when the producer must be told
  /// (it was refused, and the queue is down to half its bounds — a low-water
  /// mark, so that a faster producer is told once per half queue, not per
  /// message — or it asked with want_room()): call notify_producer() later.
  /// Returns closed only once the queue is empty and the producer closed.
  Pop pop(Message& out, bool& notify);
  /// Moves up to `max` messages into `out`, stopping once they hold
  /// `max_bytes` of body (always at least one message); same rules as pop().
  Pop pop_batch(std::vector<Message>& out, std::size_t max, bool& notify,
                std::size_t max_bytes = static_cast<std::size_t>(-1));

  /// For a refused producer about to block (a thread going to sleep, an
  /// operation left pending): asks to be told at the first free slot rather
  /// than at the low-water mark. Returns true when there is room already
  /// (push again now). False, and nothing asked, if no push was refused.
  bool want_room();

  /// The producer will push no more; the consumer drains what is left.
  /// `reason` says why (a transport error), for the pipe-removed event.
  void close_producer(std::error_code reason = {});
  /// The reason given to close_producer(), if any.
  std::error_code close_reason() const;
  /// The consumer will pop no more; every later push fails with closed.
  /// What is queued stays for the producer to reclaim(), and `unsent` —
  /// messages the consumer popped but could not pass on (a connection whose
  /// write failed), oldest first — goes back in front of it.
  void close_consumer(std::vector<Message> unsent = {});
  /// After the consumer closed: moves every message still queued, oldest
  /// first, to the end of `out` (the producer may send them elsewhere).
  void reclaim(std::vector<Message>& out);
  /// True once close_consumer() was called.
  bool consumer_closed() const;
  /// True once close_producer() was called.
  bool producer_closed() const;
  /// True once pop() would return closed: empty, and either side closed.
  bool drained() const;

  /// The listener told when the queue becomes readable (or the producer
  /// closes); held weakly, so a gone listener is simply skipped.
  void set_consumer(std::weak_ptr<QueueListener> listener);
  /// The listener told when a refused producer may push again (or the
  /// consumer closes); held weakly.
  void set_producer(std::weak_ptr<QueueListener> listener);
  /// Calls the consumer's on_queue_readable(); call it with no lock held,
  /// after a push() that set `notify`.
  void notify_consumer();
  /// Calls the producer's on_queue_writable(); call it with no lock held,
  /// after a pop() that set `notify`.
  void notify_producer();

  /// Installs the consumer's filter, consulted by every later push() (one
  /// already under way may still miss it). A replaced filter is kept until
  /// the queue is destroyed, as a push may still be using it.
  void set_filter(std::shared_ptr<MessageFilter> filter);

  /// Changes the bounds of a live queue (socket option changes).
  void set_limits(std::size_t max_messages, std::size_t max_bytes);
  /// Messages queued now.
  std::size_t size() const;

 private:
  Message take_front_locked();
  bool wake_producer_locked();
  bool take_in_locked(Message& m);

  // Read by every push without the lock; points into filters_.
  std::atomic<MessageFilter*> filter_{nullptr};
  mutable detail::SpinMutex mu_;
  std::vector<Message> ring_;  // power-of-two slots, grown on demand up to the bound
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  std::size_t bytes_ = 0;
  std::size_t max_messages_;
  std::size_t max_bytes_;
  bool refused_ = false;      // a push failed for lack of room: tell the producer at half
  bool room_wanted_ = false;  // ... or at the first free slot (want_room)
  // Written under mu_, readable without it (a cheap "is this a close?" check).
  std::atomic<bool> producer_closed_{false};
  std::atomic<bool> consumer_closed_{false};
  std::error_code close_reason_;
  std::weak_ptr<QueueListener> consumer_;
  std::weak_ptr<QueueListener> producer_;
  std::vector<std::shared_ptr<MessageFilter>> filters_;  // every filter set, the newest last
};

}  // namespace sprocket
