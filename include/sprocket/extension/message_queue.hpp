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
#include <cstdint>
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

/// A bounded FIFO of Messages with one producer side and one consumer side,
/// each of which can close it; the hand-off between a socket and a
/// connection (see the file comment).
///
/// Single producer, single consumer, without a shared lock: the producer's
/// calls (push, push_batch, want_room, close_producer, reclaim) must not
/// overlap each other, nor must the consumer's (pop, pop_batch,
/// close_consumer); a side may move between threads when something orders
/// the moves (a socket's lock, a strand, an atomic hand-over). The producer
/// publishes each push, or a whole push_batch, with one atomic store of its
/// count; the consumer takes everything published up to that count and
/// publishes what it took the same way. Neither waits for the other. The
/// other calls (size, drained, the closed checks, set_limits, the
/// listeners) are safe from any thread. docs/architecture.md draws the
/// hand-off and gives its memory-ordering argument.
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
  ~MessageQueue();
  MessageQueue(const MessageQueue&) = delete;
  MessageQueue& operator=(const MessageQueue&) = delete;

  /// Moves `m` in unless full or closed (then `m` is untouched). Sets
  /// `notify` when the consumer must be told (it emptied the queue, or
  /// found it empty, and has not been told since); the caller then calls
  /// notify_consumer() once it holds no lock. A message
  /// the filter (set_filter) refuses takes no room: it is released, `m`
  /// left empty, and the result is ok (closed if the queue is).
  Push push(Message& m, bool& notify);
  /// push() for many, published at once: moves messages in from `ms[from]` on,
  /// in order, until one does not fit, advancing `from` past each taken;
  /// full if some are left (they wait, untouched, for on_queue_writable()),
  /// closed if the queue is. What the filter refuses is released and
  /// removed from `ms` (later ones move up).
  Push push_batch(std::vector<Message>& ms, std::size_t& from, bool& notify);
  /// Takes the oldest message. Sets `notify` when the producer must be told
  /// (it was refused, and the queue is down to half its bounds — a low-water
  /// mark, so that a faster producer is told once per half queue, not per
  /// message — or it asked with want_room()): call notify_producer() later.
  /// Returns closed only once the queue is empty and the producer closed
  /// (or the consumer did). After empty, the next push tells the consumer.
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
  /// The producer takes the consumer's place to do so; before the consumer
  /// closed it does nothing.
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
  struct Segment;
  // Producer only.
  bool fits(std::size_t size);
  bool fits_counts(std::size_t size) const;
  void put(Message& m);
  bool publish();
  bool refuse(std::size_t size);
  // Consumer only.
  std::uint64_t published_after_take(bool& closed);
  Message take();
  bool finish_take(std::uint64_t taken_to);
  // Either side.
  bool tell_producer(std::uint64_t count, std::uint64_t bytes);

  // Bits of refusal_.
  static constexpr unsigned kRefused = 1;     // a push failed for lack of room: tell at half
  static constexpr unsigned kRoomWanted = 2;  // ... or at the first free slot (want_room)

  // The producer's side: its own cursor, and the counts it has published.
  struct alignas(64) ProducerSide {
    Segment* tail = nullptr;  // the segment the next push writes into
    std::size_t slot = 0;     // its next free slot
    std::uint64_t put = 0;    // messages written (published or not)
    std::uint64_t put_bytes = 0;
    // The consumer's counts when last read: never ahead of the real ones,
    // so room they show is there, and only a queue that looks full costs a
    // read of the consumer's line.
    std::uint64_t popped_seen = 0;
    std::uint64_t popped_bytes_seen = 0;
    std::atomic<std::uint64_t> pushed{0};  // messages published
    std::atomic<std::uint64_t> pushed_bytes{0};
  } producer_side_;
  // The consumer's side, likewise.
  struct alignas(64) ConsumerSide {
    Segment* head = nullptr;  // the segment the next take reads from
    std::size_t slot = 0;
    // The producer's published count when last read (likewise: messages it
    // shows are there, and only a queue that looks empty is read again).
    std::uint64_t pushed_seen = 0;
    std::atomic<std::uint64_t> popped{0};  // messages taken, published
    std::atomic<std::uint64_t> popped_bytes{0};
  } consumer_side_;

  // Shared; each written by one side and read by the other, or rarely.
  alignas(64) std::atomic<Segment*> first_{nullptr};  // where a consumer with no head starts
  std::atomic<Segment*> spare_{nullptr};              // one emptied segment, kept for reuse
  std::atomic<bool> consumer_waiting_{true};          // the consumer saw the queue empty: tell it
  std::atomic<unsigned> refusal_{0};
  std::atomic<std::size_t> max_messages_;
  std::atomic<std::size_t> max_bytes_;
  std::atomic<bool> producer_closed_{false};
  std::atomic<bool> consumer_closed_{false};
  // Read by every push without the lock; points into filters_.
  std::atomic<MessageFilter*> filter_{nullptr};
  std::atomic<std::size_t> returned_count_{0};

  // Guards what only the rare calls touch: closing, listeners, filters.
  mutable detail::SpinMutex mu_;
  std::error_code close_reason_;
  std::vector<Message> returned_;  // the consumer's unsent, for reclaim()
  std::weak_ptr<QueueListener> consumer_;
  std::weak_ptr<QueueListener> producer_;
  std::vector<std::shared_ptr<MessageFilter>> filters_;  // every filter set, the newest last
};

}  // namespace sprocket
