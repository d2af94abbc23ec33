// The queue is a chain of fixed segments: the producer writes at the tail
// and links a new segment when one is full; the consumer reads at the head
// and hands an emptied segment back as the spare. Each side publishes its
// running count with one store, and reads the other's; the counts are all
// the two share on the fast path. The ordering argument is in
// docs/architecture.md ("The queue hand-off").
#include "sprocket/extension/message_queue.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "user_code_fence.hpp"

namespace sprocket {

namespace {
// Small enough that an idle pipe costs little, large enough that a busy one
// seldom allocates (a full default queue reuses its emptied segments).
constexpr std::size_t kSegmentSlots = 16;
constexpr auto relaxed = std::memory_order_relaxed;
constexpr auto acquire = std::memory_order_acquire;
constexpr auto release = std::memory_order_release;
constexpr auto acq_rel = std::memory_order_acq_rel;
// The two "did the other side look before I published?" checks (the
// consumer going to sleep, the producer being refused) are store-then-load
// on different atomics; only sequential consistency forbids both sides
// missing each other.
constexpr auto seq_cst = std::memory_order_seq_cst;
}  // namespace

struct MessageQueue::Segment {
  std::array<Message, kSegmentSlots> slots;
  Segment* next = nullptr;  // written before the producer publishes a message in it
};

MessageQueue::MessageQueue(std::size_t max_messages, std::size_t max_bytes)
    : max_messages_(std::max<std::size_t>(max_messages, 1)), max_bytes_(max_bytes) {}

MessageQueue::~MessageQueue() {
  Segment* s = consumer_side_.head ? consumer_side_.head : first_.load(acquire);
  while (s) delete std::exchange(s, s->next);
  delete spare_.load(acquire);
}

// ------------------------------------------------------------------ producer

// Counts as the producer sees them: the consumer may have taken more since,
// never less, so a yes is always right and a no is told about later. The
// counts last read answer first; only a no reads the consumer's line again
// (the one read refuse() depends on).
bool MessageQueue::fits(std::size_t size) {
  if (fits_counts(size)) return true;
  ProducerSide& p = producer_side_;
  p.popped_seen = consumer_side_.popped.load(seq_cst);
  p.popped_bytes_seen = consumer_side_.popped_bytes.load(acquire);
  return fits_counts(size);
}

bool MessageQueue::fits_counts(std::size_t size) const {
  const ProducerSide& p = producer_side_;
  const std::uint64_t count = p.put - p.popped_seen;
  const std::uint64_t bytes = p.put_bytes - p.popped_bytes_seen;
  const std::size_t max_bytes = max_bytes_.load(relaxed);
  if (count >= max_messages_.load(relaxed)) return false;
  return max_bytes == 0 || count == 0 || bytes + size <= max_bytes;
}

void MessageQueue::put(Message& m) {
  ProducerSide& p = producer_side_;
  if (!p.tail || p.slot == kSegmentSlots) {
    Segment* next = spare_.exchange(nullptr, acquire);
    if (next) {
      next->next = nullptr;
    } else {
      next = new Segment;
    }
    if (p.tail) {
      p.tail->next = next;
    } else {
      first_.store(next, release);
    }
    p.tail = next;
    p.slot = 0;
  }
  p.put_bytes += m.size();
  p.tail->slots[p.slot++] = std::move(m);
  ++p.put;
}

// Makes what put() wrote visible; true when the consumer must be told.
bool MessageQueue::publish() {
  ProducerSide& p = producer_side_;
  if (p.pushed.load(relaxed) == p.put) return false;
  p.pushed_bytes.store(p.put_bytes, release);
  p.pushed.store(p.put, seq_cst);
  return consumer_waiting_.load(seq_cst) && consumer_waiting_.exchange(false, acq_rel);
}

// Marks a refusal, then looks again: a pop between our look and the mark
// may not have seen it, so if there is room now the caller pushes after
// all (the mark stays; the consumer's later notice is then spurious).
bool MessageQueue::refuse(std::size_t size) {
  refusal_.fetch_or(kRefused, seq_cst);
  return fits(size);
}

MessageQueue::Push MessageQueue::push(Message& m, bool& notify) {
  notify = false;
  // Before taking room: the consumer keeps popping while a message is matched.
  if (MessageFilter* f = filter_.load(acquire); f && !f->admit(m)) {
    if (consumer_closed_.load() || producer_closed_.load()) return Push::closed;
    m = Message{};
    return Push::ok;
  }
  if (consumer_closed_.load(acquire) || producer_closed_.load(relaxed)) return Push::closed;
  if (!fits(m.size()) && !refuse(m.size())) return Push::full;
  put(m);
  notify = publish();
  return Push::ok;
}

MessageQueue::Push MessageQueue::push_batch(std::vector<Message>& ms, std::size_t& from,
                                            bool& notify) {
  notify = false;
  if (MessageFilter* f = filter_.load(acquire)) {
    // Before taking room, as in push(): what the filter refuses is released
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
  if (consumer_closed_.load(acquire) || producer_closed_.load(relaxed)) return Push::closed;
  for (; from < ms.size(); ++from) {
    if (fits(ms[from].size())) {
      put(ms[from]);
      continue;
    }
    // Published before the refusal is marked: the consumer must be able to
    // drain what is there, or it would never reach the mark's low water.
    notify = publish() || notify;
    if (!refuse(ms[from].size())) return Push::full;
    put(ms[from]);
  }
  notify = publish() || notify;
  return Push::ok;
}

bool MessageQueue::want_room() {
  unsigned s = refusal_.load(seq_cst);
  do {
    if (!(s & kRefused)) return false;
  } while (!refusal_.compare_exchange_weak(s, s | kRoomWanted, seq_cst));
  // Kept even when there is room: if the retry is refused again (a byte
  // bound), the next pop still tells at once.
  const std::uint64_t count = producer_side_.put - consumer_side_.popped.load(seq_cst);
  const std::uint64_t bytes = producer_side_.put_bytes - consumer_side_.popped_bytes.load(acquire);
  const std::size_t max_bytes = max_bytes_.load(relaxed);
  return count < max_messages_.load(relaxed) && (max_bytes == 0 || count == 0 || bytes < max_bytes);
}

// ------------------------------------------------------------------ consumer

// How many published messages are not taken yet. Empty: the consumer is
// marked waiting first and the count read again, so that a push either is
// seen here or sees the mark (and tells). `closed` is set for an empty
// queue whose producer or consumer closed.
std::uint64_t MessageQueue::published_after_take(bool& closed) {
  ConsumerSide& c = consumer_side_;
  const std::uint64_t popped = c.popped.load(relaxed);
  closed = false;
  // What the last read showed is there still; the producer's line is read
  // only when that is used up.
  if (c.pushed_seen != popped) return c.pushed_seen - popped;
  c.pushed_seen = producer_side_.pushed.load(acquire);
  if (c.pushed_seen != popped) return c.pushed_seen - popped;
  consumer_waiting_.store(true, seq_cst);
  c.pushed_seen = producer_side_.pushed.load(seq_cst);
  std::uint64_t ready = c.pushed_seen - popped;
  if (ready != 0) return ready;
  if (producer_closed_.load(seq_cst) || consumer_closed_.load(seq_cst)) {
    // The producer's last push came before its close: look once more.
    c.pushed_seen = producer_side_.pushed.load(acquire);
    ready = c.pushed_seen - popped;
    closed = ready == 0;
  }
  return ready;
}

Message MessageQueue::take() {
  ConsumerSide& c = consumer_side_;
  if (!c.head) c.head = first_.load(acquire);
  if (c.slot == kSegmentSlots) {
    // The producer linked the next segment before publishing a message in it.
    Segment* done = std::exchange(c.head, c.head->next);
    c.slot = 0;
    delete spare_.exchange(done, acq_rel);
  }
  return std::move(c.head->slots[c.slot++]);
}

// Publishes what was taken, up to `taken_to` messages in all; true when the
// producer must be told. A consumer that emptied the queue is marked
// waiting, so that the next push tells it even though no pop came back
// empty (a writer that took everything goes idle on its own).
bool MessageQueue::finish_take(std::uint64_t taken_to) {
  ConsumerSide& c = consumer_side_;
  c.popped.store(taken_to, seq_cst);
  if (c.pushed_seen == taken_to) {
    c.pushed_seen = producer_side_.pushed.load(acquire);
    if (c.pushed_seen == taken_to) consumer_waiting_.store(true, seq_cst);
  }
  if (!(refusal_.load(seq_cst) & kRefused)) return false;
  // A refused producer waits for the low-water mark: the counts now.
  const std::uint64_t pushed = producer_side_.pushed.load(acquire);
  const std::uint64_t bytes =
      producer_side_.pushed_bytes.load(acquire) - c.popped_bytes.load(relaxed);
  return tell_producer(pushed - taken_to, bytes);
}

// A refused producer is told once the queue has drained to half its
// bounds, not at the first free slot: told at every pop, a producer that is
// faster than its consumer refills the one slot and is refused again, and
// each message costs both threads a notice (and the cache lines it moves).
// From half full it pushes a batch while the consumer keeps taking (ZeroMQ's
// low-water mark). A producer about to block asked for the first free slot
// (want_room), so a blocked send still goes as soon as there is room.
bool MessageQueue::tell_producer(std::uint64_t count, std::uint64_t bytes) {
  unsigned s = refusal_.load(seq_cst);
  while (s & kRefused) {
    const std::size_t max_messages = max_messages_.load(relaxed);
    const std::size_t max_bytes = max_bytes_.load(relaxed);
    const bool low = count <= max_messages / 2 && (max_bytes == 0 || bytes <= max_bytes / 2);
    if (!(s & kRoomWanted) && count != 0 && !low) return false;
    if (refusal_.compare_exchange_weak(s, 0, seq_cst)) return true;
  }
  return false;
}

MessageQueue::Pop MessageQueue::pop(Message& out, bool& notify) {
  notify = false;
  bool closed = false;
  if (published_after_take(closed) == 0) return closed ? Pop::closed : Pop::empty;
  out = take();
  consumer_side_.popped_bytes.store(consumer_side_.popped_bytes.load(relaxed) + out.size(),
                                    release);
  notify = finish_take(consumer_side_.popped.load(relaxed) + 1);
  return Pop::ok;
}

MessageQueue::Pop MessageQueue::pop_batch(std::vector<Message>& out, std::size_t max, bool& notify,
                                          std::size_t max_bytes) {
  notify = false;
  bool closed = false;
  // A batch takes everything published, not just what the last read showed.
  consumer_side_.pushed_seen = producer_side_.pushed.load(acquire);
  const std::uint64_t ready = published_after_take(closed);
  if (ready == 0) return closed ? Pop::closed : Pop::empty;
  std::size_t bytes = 0;
  std::uint64_t n = 0;
  for (; n < max && n < ready && bytes < max_bytes; ++n) {
    out.push_back(take());
    bytes += out.back().size();
  }
  consumer_side_.popped_bytes.store(consumer_side_.popped_bytes.load(relaxed) + bytes, release);
  notify = finish_take(consumer_side_.popped.load(relaxed) + n);
  return Pop::ok;
}

// ------------------------------------------------------------------ closing

void MessageQueue::close_producer(std::error_code reason) {
  {
    detail::FencedLock lock(mu_);
    if (producer_closed_.load(relaxed)) return;
    close_reason_ = reason;
    producer_closed_.store(true, seq_cst);
  }
  notify_consumer();
}

void MessageQueue::close_consumer(std::vector<Message> unsent) {
  {
    detail::FencedLock lock(mu_);
    if (consumer_closed_.load(relaxed)) return;
    // Older than anything queued: reclaim() gives them first.
    returned_ = std::move(unsent);
    returned_count_.store(returned_.size(), relaxed);
    consumer_closed_.store(true, seq_cst);
  }
  notify_producer();
}

void MessageQueue::reclaim(std::vector<Message>& out) {
  if (!consumer_closed_.load(acquire)) return;
  {
    detail::FencedLock lock(mu_);
    for (Message& m : returned_) out.push_back(std::move(m));
    returned_.clear();
    returned_count_.store(0, relaxed);
  }
  // The consumer pops no more: the producer drains the rest in its place.
  const std::uint64_t pushed = producer_side_.pushed.load(acquire);
  std::uint64_t popped = consumer_side_.popped.load(acquire);
  std::uint64_t bytes = consumer_side_.popped_bytes.load(relaxed);
  for (; popped < pushed; ++popped) {
    out.push_back(take());
    bytes += out.back().size();
  }
  consumer_side_.popped_bytes.store(bytes, release);
  consumer_side_.popped.store(popped, seq_cst);
}

std::error_code MessageQueue::close_reason() const {
  detail::FencedLock lock(mu_);
  return close_reason_;
}

bool MessageQueue::consumer_closed() const {
  return consumer_closed_.load();
}

bool MessageQueue::producer_closed() const {
  return producer_closed_.load();
}

// The closed flags first: they are seldom written, so reading them costs no
// miss, while size() reads the producer's count, the line a busy producer
// writes at every push. In this order a push made before a close is
// counted, too.
bool MessageQueue::drained() const {
  return (producer_closed_.load() || consumer_closed_.load()) && size() == 0;
}

// ------------------------------------------------------------------ the rest

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
  filter_.store(raw, release);
}

void MessageQueue::set_limits(std::size_t max_messages, std::size_t max_bytes) {
  max_messages_.store(std::max<std::size_t>(max_messages, 1), seq_cst);
  max_bytes_.store(max_bytes, seq_cst);
  // A producer refused under the old bounds may fit under the new ones.
  const std::uint64_t popped = consumer_side_.popped.load(seq_cst);
  const std::uint64_t count = producer_side_.pushed.load(seq_cst) - popped;
  unsigned s = refusal_.load(seq_cst);
  bool wake = false;
  while ((s & kRefused) && count < max_messages_.load(relaxed)) {
    if (refusal_.compare_exchange_weak(s, 0, seq_cst)) {
      wake = true;
      break;
    }
  }
  if (wake) notify_producer();
}

std::size_t MessageQueue::size() const {
  // Taken first: it never passes the published count read after it.
  const std::uint64_t popped = consumer_side_.popped.load(seq_cst);
  const std::uint64_t pushed = producer_side_.pushed.load(seq_cst);
  return static_cast<std::size_t>(pushed - popped) + returned_count_.load(acquire);
}

}  // namespace sprocket
