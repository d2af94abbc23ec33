// The receiving end of a connection (stream or ws) handing messages to its
// pipe's `in` queue: when the queue is full, the message that did not fit
// waits here ("stalled") and reading pauses until the socket makes room;
// when the socket dropped the pipe, reading stops for good. Written once for
// both connections. Not thread-safe: only the connection's strand uses it.
#pragma once

#include <optional>
#include <utility>

#include "sprocket/extension/message_queue.hpp"
#include "sprocket/message.hpp"

namespace sprocket::stream {

class Inbound {
 public:
  /// Whether reading may go on: nothing stalled and not stopped.
  bool flowing() const noexcept { return !stalled_ && !stopped_; }
  bool stalled() const noexcept { return stalled_.has_value(); }
  bool stopped() const noexcept { return stopped_; }
  /// Reads no more (the peer closed, or the connection is going down).
  void stop() noexcept { stopped_ = true; }

  /// Pushes `m` into `in`. Sets `notify` when the queue became readable (the
  /// caller notifies once per batch); keeps `m` when the queue is full; stops
  /// when the socket closed the queue (the writer may still drain).
  void deliver(MessageQueue& in, Message m, bool& notify) {
    bool became_readable = false;
    switch (in.push(m, became_readable)) {
      case MessageQueue::Push::ok:
        notify |= became_readable;
        return;
      case MessageQueue::Push::full:
        stalled_ = std::move(m);  // resume() retries when there is room
        return;
      case MessageQueue::Push::closed:
        stopped_ = true;
        return;
    }
  }

  /// The queue has room again: pushes the stalled message, unless the
  /// connection `failed` or reading stopped. True when the caller should
  /// parse what it has buffered (nothing is stalled any more).
  bool resume(MessageQueue& in, bool failed) {
    if (in.consumer_closed()) stopped_ = true;
    if (!stalled_ || failed || stopped_) return false;
    Message m = std::move(*stalled_);
    stalled_.reset();
    bool notify = false;
    deliver(in, std::move(m), notify);
    if (notify) in.notify_consumer();
    return !stalled_;
  }

 private:
  std::optional<Message> stalled_;
  bool stopped_ = false;
};

}  // namespace sprocket::stream
