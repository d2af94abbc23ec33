#include "sprocket/extension/message_queue.hpp"

#include <algorithm>
#include <bit>

#include "user_code_fence.hpp"

namespace sprocket {

MessageQueue::MessageQueue(std::size_t max_messages, std::size_t max_bytes)
    : max_messages_(std::max<std::size_t>(max_messages, 1)), max_bytes_(max_bytes) {}

MessageQueue::Push MessageQueue::push(Message& m, bool& notify) {
  notify = false;
  // Outside the lock: the consumer keeps popping while a message is matched.
  if (MessageFilter* f = filter_.load(std::memory_order_acquire); f && !f->admit(m)) {
    if (consumer_closed_.load() || producer_closed_.load()) return Push::closed;
    m = Message{};
    return Push::ok;
  }
  detail::FencedLock lock(mu_);
  if (consumer_closed_ || producer_closed_) return Push::closed;
  if (!take_in_locked(m)) return Push::full;
  notify = count_ == 1;
  return Push::ok;
}

MessageQueue::Push MessageQueue::push_batch(std::vector<Message>& ms, std::size_t& from,
                                            bool& notify) {
  notify = false;
  if (MessageFilter* f = filter_.load(std::memory_order_acquire)) {
    // Outside the lock, as in push(): what the filter refuses is released
    // here and the rest close ranks.
    std::size_t kept = from;
    for (std::size_t i = from; i < ms.size(); ++i) {
      if (!f->admit(ms[i])) {
        ms[i] = Message{};
        continue;
      }
      if (kept != i) ms[kept] = std::move(ms[i]);
      ++kept;
    }
    ms.resize(kept);
  }
  detail::FencedLock lock(mu_);
  if (consumer_closed_ || producer_closed_) return Push::closed;
  const bool was_empty = count_ == 0;
  while (from < ms.size() && take_in_locked(ms[from])) ++from;
  notify = was_empty && count_ != 0;
  return from == ms.size() ? Push::ok : Push::full;
}

// Moves `m` in if the bounds allow; else marks the refusal (the producer
// is told when there is room) and leaves `m` as it is.
bool MessageQueue::take_in_locked(Message& m) {
  bool over_bytes = max_bytes_ != 0 && count_ != 0 && bytes_ + m.size() > max_bytes_;
  if (count_ >= max_messages_ || over_bytes) {
    refused_ = true;
    return false;
  }
  if (count_ == ring_.size()) {
    // Grow the ring: keeps idle pipes small, busy ones allocation-free.
    std::vector<Message> bigger(std::bit_ceil(std::max<std::size_t>(count_ * 2, 8)));
    for (std::size_t i = 0; i < count_; ++i)
      bigger[i] = std::move(ring_[(head_ + i) & (ring_.size() - 1)]);
    ring_ = std::move(bigger);
    head_ = 0;
  }
  ring_[(head_ + count_) & (ring_.size() - 1)] = std::move(m);
  bytes_ += ring_[(head_ + count_) & (ring_.size() - 1)].size();
  ++count_;
  return true;
}

// A refused producer is woken once the queue has drained to half its
// bounds, not at the first free slot: woken at every pop, a producer that is
// faster than its consumer refills the one slot and is refused again, and
// each message costs both threads a notice (and the cache lines it moves).
// From half full it pushes a batch while the consumer keeps taking (ZeroMQ's
// low-water mark). A producer about to block asked for the first free slot
// (want_room), so a blocked send still goes as soon as there is room.
bool MessageQueue::wake_producer_locked() {
  if (!refused_) return false;
  const bool low = count_ <= max_messages_ / 2 && (max_bytes_ == 0 || bytes_ <= max_bytes_ / 2);
  if (!room_wanted_ && count_ != 0 && !low) return false;
  refused_ = false;
  room_wanted_ = false;
  return true;
}

bool MessageQueue::want_room() {
  detail::FencedLock lock(mu_);
  if (!refused_) return false;
  // Kept even when there is room: if the retry is refused again (a byte
  // bound), the next pop still tells at once.
  room_wanted_ = true;
  return count_ < max_messages_ && (max_bytes_ == 0 || count_ == 0 || bytes_ < max_bytes_);
}

Message MessageQueue::take_front_locked() {
  Message m = std::move(ring_[head_]);
  head_ = (head_ + 1) & (ring_.size() - 1);
  --count_;
  bytes_ -= m.size();
  return m;
}

MessageQueue::Pop MessageQueue::pop(Message& out, bool& notify) {
  detail::FencedLock lock(mu_);
  notify = false;
  if (count_ == 0) return producer_closed_ || consumer_closed_ ? Pop::closed : Pop::empty;
  out = take_front_locked();
  notify = wake_producer_locked();
  return Pop::ok;
}

MessageQueue::Pop MessageQueue::pop_batch(std::vector<Message>& out, std::size_t max,
                                          bool& notify, std::size_t max_bytes) {
  detail::FencedLock lock(mu_);
  notify = false;
  if (count_ == 0) return producer_closed_ || consumer_closed_ ? Pop::closed : Pop::empty;
  std::size_t bytes = 0;
  for (std::size_t n = 0; n < max && count_ != 0 && bytes < max_bytes; ++n) {
    out.push_back(take_front_locked());
    bytes += out.back().size();
  }
  notify = wake_producer_locked();
  return Pop::ok;
}

void MessageQueue::close_producer(std::error_code reason) {
  {
    detail::FencedLock lock(mu_);
    if (producer_closed_) return;
    close_reason_ = reason;
    producer_closed_ = true;
  }
  notify_consumer();
}

void MessageQueue::close_consumer(std::vector<Message> unsent) {
  {
    detail::FencedLock lock(mu_);
    if (consumer_closed_) return;
    consumer_closed_ = true;
    if (!unsent.empty()) {
      // Older than anything queued: they go in front.
      while (count_ != 0) unsent.push_back(take_front_locked());
      std::size_t slots = std::bit_ceil(std::max<std::size_t>(unsent.size(), 8));
      ring_ = std::vector<Message>(slots);
      head_ = 0;
      for (Message& m : unsent) {
        bytes_ += m.size();
        ring_[count_++] = std::move(m);
      }
    }
  }
  notify_producer();
}

void MessageQueue::reclaim(std::vector<Message>& out) {
  detail::FencedLock lock(mu_);
  while (count_ != 0) out.push_back(take_front_locked());
}

std::error_code MessageQueue::close_reason() const {
  detail::FencedLock lock(mu_);
  return close_reason_;
}

bool MessageQueue::consumer_closed() const { return consumer_closed_.load(); }

bool MessageQueue::producer_closed() const { return producer_closed_.load(); }

bool MessageQueue::drained() const {
  detail::FencedLock lock(mu_);
  return count_ == 0 && (producer_closed_ || consumer_closed_);
}

void MessageQueue::set_consumer(std::weak_ptr<QueueListener> listener) {
  detail::FencedLock lock(mu_);
  consumer_ = std::move(listener);
}

void MessageQueue::set_producer(std::weak_ptr<QueueListener> listener) {
  detail::FencedLock lock(mu_);
  producer_ = std::move(listener);
}

void MessageQueue::notify_consumer() {
  std::shared_ptr<QueueListener> listener;
  {
    detail::FencedLock lock(mu_);
    listener = consumer_.lock();
  }
  if (listener) listener->on_queue_readable();
}

void MessageQueue::notify_producer() {
  std::shared_ptr<QueueListener> listener;
  {
    detail::FencedLock lock(mu_);
    listener = producer_.lock();
  }
  if (listener) listener->on_queue_writable();
}

void MessageQueue::set_filter(std::shared_ptr<MessageFilter> filter) {
  detail::FencedLock lock(mu_);
  MessageFilter* raw = filter.get();
  filters_.push_back(std::move(filter));
  filter_.store(raw, std::memory_order_release);
}

void MessageQueue::set_limits(std::size_t max_messages, std::size_t max_bytes) {
  bool wake;
  {
    detail::FencedLock lock(mu_);
    max_messages_ = std::max<std::size_t>(max_messages, 1);
    max_bytes_ = max_bytes;
    wake = refused_ && count_ < max_messages_;
    if (wake) refused_ = room_wanted_ = false;
  }
  if (wake) notify_producer();
}

std::size_t MessageQueue::size() const {
  detail::FencedLock lock(mu_);
  return count_;
}

}  // namespace sprocket
