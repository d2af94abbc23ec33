#include "socket_core.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "endpoint.hpp"
#include "pipe.hpp"
#include "runtime.hpp"
#include "spare_core.hpp"

namespace sprocket::detail {

std::shared_ptr<SocketCore> SocketCore::create(Protocol protocol, const SocketOptions& options,
                                               asio::any_io_executor executor) {
  const ProtocolInfo* info = find_protocol(static_cast<std::uint16_t>(protocol));
  if (!info) {
    throw std::system_error(
        make_error_code(errc::unknown_protocol),
        fmt::format("socket: no protocol registered with id 0x{:x}", static_cast<unsigned>(protocol)));
  }
  if (options.polyamorous && protocol != Protocol::pair1) {
    throw std::system_error(
        make_error_code(errc::invalid_argument),
        fmt::format("socket: polyamorous mode is for PAIR v1 (pair1) only, not protocol '{}'",
                    info->name));
  }
  if (!executor) executor = runtime_executor();
  return std::make_shared<SocketCore>(*info, options, std::move(executor));
}

SocketCore::SocketCore(const ProtocolInfo& info, const SocketOptions& options,
                       asio::any_io_executor executor)
    : info_(info), options_(options), executor_(std::move(executor)) {
  proto_ = info_.make(*this);
}

SocketCore::~SocketCore() = default;

// ---------------------------------------------------------------- user ops

std::optional<SocketCore::Clock::time_point> SocketCore::deadline(std::uint32_t ctx,
                                                                 bool send) const {
  auto t = timeout_locked(ctx, send);
  if (t.count() < 0) return std::nullopt;
  return Clock::now() + t;
}

std::error_code SocketCore::try_op(bool is_send, Message& m, std::uint32_t ctx) {
  if (is_send) {
    std::size_t bytes = m.size();
    auto ec = proto_->context_send(m, ctx);
    if (!ec) {
      ++stats_.messages_sent;
      stats_.bytes_sent += bytes;
    }
    return ec;
  }
  auto ec = proto_->context_recv(m, ctx);
  if (!ec) {
    ++stats_.messages_received;
    stats_.bytes_received += m.size();
  }
  return ec;
}

std::error_code SocketCore::send(Message& m, bool block, std::uint32_t ctx) {
  Lock lock(*this);
  Channel* ch = state_ == State::open ? channel(ctx) : nullptr;
  if (!ch) return errc::closed;
  if (ch->send.empty()) {
    auto ec = try_op(true, m, ctx);
    if (!ec) answer_awaited_.store(true, std::memory_order_relaxed);
    if (ec != errc::would_block || !block) return ec;
  } else if (!block) {
    return errc::would_block;
  }
  Waiter w;
  w.is_send = true;
  w.ctx = ctx;
  w.msg = std::move(m);
  ch->send.push_back(&w);
  wait(lock, w, deadline(ctx, true));
  if (!w.done) {
    ch->send.remove(&w);  // still ours: the channel outlives a waiting call
    m = std::move(w.msg);
    return errc::timed_out;
  }
  if (w.result) m = std::move(w.msg);
  if (!w.result) answer_awaited_.store(true, std::memory_order_relaxed);
  return w.result;
}

std::error_code SocketCore::recv(Message& m, bool block, std::uint32_t ctx) {
  Lock lock(*this);
  Channel* ch = state_ == State::open ? channel(ctx) : nullptr;
  if (!ch) return errc::closed;
  if (ch->recv.empty()) {
    auto ec = try_op(false, m, ctx);
    if (!ec) answer_awaited_.store(false, std::memory_order_relaxed);
    if (ec != errc::would_block || !block) return ec;
  } else if (!block) {
    return errc::would_block;
  }
  Waiter w;
  w.ctx = ctx;
  ch->recv.push_back(&w);
  wait(lock, w, deadline(ctx, false));
  if (!w.done) {
    ch->recv.remove(&w);
    return errc::timed_out;
  }
  if (!w.result) m = std::move(w.msg);
  if (!w.result) answer_awaited_.store(false, std::memory_order_relaxed);
  return w.result;
}

SocketCore::Channel* SocketCore::channel(std::uint32_t ctx) {
  if (ctx == 0) return &socket_channel_;
  auto it = contexts_.find(ctx);
  return it == contexts_.end() ? nullptr : it->second.get();
}

const SocketCore::Channel* SocketCore::channel(std::uint32_t ctx) const {
  return const_cast<SocketCore*>(this)->channel(ctx);
}

// Waits until `w` is done or the deadline passes. Returns with the lock
// held if it timed out (the caller takes `w` off its list), and without it
// once `w` is done and its completer has let go of it (see WakeWord) —
// except when `w` was done before the wait had to sleep.
void SocketCore::wait(Lock& lock, Waiter& w, std::optional<Clock::time_point> deadline) {
  lock.flush();  // our attempt may have queued notifications: send them first
  const auto now = Clock::now().time_since_epoch();
  SpinPolicy& policy = w.is_send ? send_spin_ : recv_spin_;
  if (!w.done &&
      cores_to_spare(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()) &&
      policy.worth_spinning()) {
    const bool done_spinning = spin_briefly(lock, w);
    policy.spun(done_spinning || w.done ? SpinPolicy::Outcome::paid_off
                                        : SpinPolicy::Outcome::in_vain);
    if (done_spinning) return;
  }
  if (w.done) return;
  if (!w.is_send && !w.op && read_while_waiting(lock, w, deadline)) return;
  w.sleeping = true;
  need_wake_.fetch_add(1);
  if (w.is_send) want_room_for_send();
  settle();  // notices posted before posters could see need_wake_
  // From here on finish() queues `w` for a wake-up after the unlock, so the
  // thread sleeps without the lock and is not woken into waiting for it.
  // (If settling has just done `w`, this release wakes it.)
  lock.release();
  if (!w.done_hint.wait_until(deadline)) {
    lock.relock();
    if (!w.done) {
      need_wake_.fetch_sub(1);
      w.sleeping = false;
      return;
    }
    lock.release();  // done just now: its wake-up follows that unlock
    w.done_hint.wait_until(std::nullopt);
  }
  need_wake_.fetch_sub(1);
}

// A queue that refused a send tells us when it has drained to half
// (message_queue.cpp), which spares a faster sender a notice per message
// while it spins. A send that is going to block asks for the first free
// slot instead, so that it goes as soon as the receiver takes one message.
// Either the queue sees the request before its next pop, or we see the room
// here (both under the queue's lock), so no notice is lost.
void SocketCore::want_room_for_send() {
  for (auto& [id, pipe] : pipes_)
    if (pipe->want_room()) proto_->pipe_writable(*pipe);
}

// A peer that keeps up usually posts the next message within microseconds;
// spinning that long (unlocked, serving our own mailbox) saves a futex sleep
// and wake-up per message, and keeps the peer from taking our lock at all.
// Bounded, so an idle socket still sleeps soon; and skipped while threads
// wait for a core (wait() asks cores_to_spare), as the spin would hold one;
// and skipped while this socket's recent spins have mostly run out before
// the answer came (wait() asks its SpinPolicy).
bool SocketCore::spin_briefly(Lock& lock, Waiter& w) {
  constexpr auto kSpin = std::chrono::microseconds(20);
  lock.release();
  auto until = Clock::now() + kSpin;
  for (int i = 1;; ++i) {
    if (w.done_hint.is_set()) return true;
    if (has_ready_.load(std::memory_order_relaxed)) {
      lock.relock();
      drain_ready();
      lock.release();  // settles: may complete w
      continue;
    }
    if (i % 64 == 0 && Clock::now() >= until) break;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
  lock.relock();
  drain_ready();
  return false;
}

// A blocked receive that waits for an answer — the socket sent since it
// last received — on a socket with one connection that offers it
// (WaitingReader: tcp and ipc) reads that connection on its own thread for
// a while before it sleeps. The answer it waits for then wakes it straight
// from the socket, instead of waking the connection's I/O thread, which
// reads it and wakes this thread in turn: one thread wake-up per message
// less, which on a request/reply path is most of the gap to raw sockets.
// Bounded by kReadWindow, so that what only a sleeper hears of (a close, a
// second connection) waits no longer; and skipped while recent reads have
// mostly ended without the answer (read_turns_). A receiver that only
// receives (PULL, SUB, one end of a stream) leaves the reading to the I/O
// thread: in a stream that thread reads the next messages while this one
// takes the last, and a receiver reading for itself would lose that
// overlap (PUSH→PULL of 64 KiB fell to 0.27-0.53× when every blocked
// receive read). True when `w` finished: then, as from spin_briefly,
// without the lock.
bool SocketCore::read_while_waiting(Lock& lock, Waiter& w,
                                    std::optional<Clock::time_point> deadline) {
  constexpr auto kReadWindow = std::chrono::milliseconds(1);
  if (!answer_awaited_.load(std::memory_order_relaxed) || pipes_.size() != 1 ||
      !read_turns_.worth_spinning())
    return false;
  auto reader = pipes_.begin()->second->waiting_reader();
  if (!reader) return false;
  auto until = Clock::now() + kReadWindow;
  if (deadline && *deadline < until) until = *deadline;
  struct Stop final : WaitingReader::Stop {
    Stop(const Waiter& w, const std::atomic<bool>& news) : w(w), news(news) {}
    bool reached() const noexcept override {
      return w.done_hint.is_set() || news.load(std::memory_order_relaxed);
    }
    const Waiter& w;
    const std::atomic<bool>& news;  // the socket's readiness mailbox has notices
  } stop(w, has_ready_);
  bool read = false;
  lock.release();
  for (;;) {
    if (w.done_hint.is_set()) break;
    if (has_ready_.load(std::memory_order_relaxed)) {  // our delivery, or other news
      lock.relock();
      drain_ready();
      lock.release();  // settles: may complete w
      continue;
    }
    // What is there already is read even when this thread got the core too
    // late for its window (a loaded machine).
    if ((read && Clock::now() >= until) || !reader->read_while_waiting(until, stop)) break;
    read = true;
  }
  const bool done = w.done_hint.is_set();
  if (read) read_turns_.spun(done ? SpinPolicy::Outcome::paid_off : SpinPolicy::Outcome::in_vain);
  if (done) return true;
  lock.relock();
  drain_ready();
  return w.done;
}

void SocketCore::finish(Waiter* w, std::error_code ec) {
  w->done = true;
  w->result = ec;
  if (!w->op) {
    // A blocked thread. A spinning one may return as soon as done_hint is
    // set: nothing touches *w after that store. A sleeping one is woken by
    // Lock::release() once the lock is free, so that it does not wake only
    // to wait for our lock.
    if (w->sleeping) {
      w->next_wake = wakes_;
      wakes_ = w;
    } else {
      w->done_hint.set();
    }
    return;
  }
  // An async operation: owned by the list until now.
  need_wake_.fetch_sub(1);
  std::unique_ptr<Waiter> owned(w);
  if (owned->timer) owned->timer->cancel();
  deferred_.push([op = std::move(owned->op), ec, m = std::move(owned->msg)]() mutable {
    op->complete(ec, std::move(m));
  });
}

// Retries the waiting operations of every channel in order. A context's
// recv may file replies for other contexts, so passes repeat while any
// operation completes.
void SocketCore::service_waiters() {
  if (state_ != State::open) return;
  for (bool progress = true; progress;) {
    progress = service_channel(0, socket_channel_);
    for (auto& [id, ch] : contexts_) progress |= service_channel(id, *ch);
    if (contexts_.empty()) break;
  }
}

bool SocketCore::service_channel(std::uint32_t ctx, Channel& ch) {
  bool progress = false;
  for (bool is_send : {false, true}) {
    WaiterList& list = ch.waiters(is_send);
    while (Waiter* w = list.front()) {
      auto ec = try_op(is_send, w->msg, ctx);
      if (ec == errc::would_block) break;
      list.remove(w);
      finish(w, ec);
      progress = true;
    }
  }
  return progress;
}

void SocketCore::fail_channel(Channel& ch, std::error_code ec) {
  for (bool is_send : {false, true}) {
    WaiterList& list = ch.waiters(is_send);
    while (Waiter* w = list.front()) {
      list.remove(w);
      finish(w, ec);
    }
  }
}

void SocketCore::settle() {
  do {
    drain_ready();
    while (!removals_.empty()) {
      auto [pipe, reason] = std::move(removals_.back());
      removals_.pop_back();
      remove_pipe(pipe, reason);
    }
    service_waiters();
    service_pipe_waiters();
  } while (!removals_.empty());
}

void SocketCore::service_pipe_waiters() {
  for (Waiter* w = pipe_waiters_.front(); w;) {
    Waiter* next = WaiterList::next(w);
    if (pipes_.size() >= w->want_pipes) {
      pipe_waiters_.remove(w);
      finish(w, {});
    }
    w = next;
  }
}

std::error_code SocketCore::wait_for_pipes(std::size_t n, std::chrono::nanoseconds timeout) {
  Lock lock(*this);
  if (state_ != State::open) return errc::closed;
  if (pipes_.size() >= n) return {};
  Waiter w;
  w.want_pipes = n;
  pipe_waiters_.push_back(&w);
  std::optional<Clock::time_point> until;
  if (timeout.count() >= 0) until = Clock::now() + timeout;
  wait(lock, w, until);
  if (!w.done) {
    pipe_waiters_.remove(&w);
    return errc::timed_out;
  }
  return w.result;
}

void SocketCore::close() {
  std::vector<std::shared_ptr<EndpointBase>> endpoints;
  {
    Lock lock(*this);
    if (state_ == State::closed) return;
    state_ = State::closed;
    fail_channel(socket_channel_, errc::closed);
    for (auto& [id, ch] : contexts_) fail_channel(*ch, errc::closed);
    while (Waiter* w = pipe_waiters_.front()) {
      pipe_waiters_.remove(w);
      finish(w, errc::closed);
    }
    // The protocol is finished: no pipe-loss logic (a REQ must not resend
    // its requests to the pipes not yet removed).
    while (!pipes_.empty()) remove_pipe(pipes_.begin()->second, errc::closed, false);
    for (auto& [token, t] : timers_) t.timer->cancel();
    endpoints.swap(endpoints_);
  }
  for (auto& ep : endpoints) ep->close();
}

// ---------------------------------------------------------------- pipes

std::error_code SocketCore::attach(PeerLink link, const std::shared_ptr<EndpointBase>& owner) {
  auto pipe = std::make_shared<PipeImpl>(next_pipe_id(), owner->options(), *this, std::move(link),
                                         owner);
  Lock lock(*this);
  std::error_code ec = state_ == State::open ? proto_->add_pipe(*pipe) : errc::closed;
  if (ec) {
    pipe->lifecycle.to(PipeState::refused);
    ++stats_.refused;
    emit({PipeEvent::Kind::refused, 0, owner->url(), pipe->peer_address(), ec});
    deferred_.push([pipe] { pipe->close_queues(); });
    return ec;
  }
  pipe->lifecycle.to(PipeState::attached);
  pipes_.emplace(pipe->id(), pipe);
  ++stats_.pipes_added;
  emit({PipeEvent::Kind::added, pipe->id(), owner->url(), pipe->peer_address(), {}});
  pipe->start_listening();
  // Anything sent before we listened raised no notification: look now.
  proto_->pipe_writable(*pipe);
  proto_->pipe_readable(*pipe);
  if (pipe->drained()) schedule_removal(*pipe, pipe->close_reason());
  return {};
}

void SocketCore::schedule_removal(PipeImpl& pipe, std::error_code reason) {
  removals_.emplace_back(pipe.shared_from_this(), reason);
}

void SocketCore::close_pipe(Pipe& pipe, std::error_code reason) {
  // Every Pipe a protocol sees is one of ours; settle() removes it.
  schedule_removal(static_cast<PipeImpl&>(pipe), reason);
}

void SocketCore::remove_pipe(std::shared_ptr<PipeImpl> pipe, std::error_code reason,
                             bool tell_protocol) {
  if (!pipe->lifecycle.is(PipeState::attached)) return;  // already removed
  pipe->lifecycle.to(PipeState::detached);
  pipes_.erase(pipe->id());
  if (tell_protocol) {
    proto_->remove_pipe(*pipe);
    // What the dead connection never sent goes elsewhere if the protocol
    // can send it; the rest is counted. (Bytes already in the kernel of a
    // peer that closes without reading them are lost, uncounted.)
    std::vector<Message> unsent;
    pipe->reclaim_unsent(unsent);
    if (!unsent.empty()) proto_->reroute(unsent);
    stats_.drops += unsent.size();
  }
  if (reason == errc::message_too_large || reason == errc::protocol_error) ++stats_.protocol_errors;
  emit({PipeEvent::Kind::removed, pipe->id(), pipe->owner()->url(), pipe->peer_address(), reason});
  deferred_.push([pipe, reason] {
    pipe->close_queues();
    pipe->owner()->pipe_removed(reason);
  });
}

void SocketCore::close_pipes_of(EndpointBase* owner) {
  Lock lock(*this);
  std::vector<std::shared_ptr<PipeImpl>> doomed;
  for (auto& [id, pipe] : pipes_)
    if (pipe->owner() == owner) doomed.push_back(pipe);
  for (auto& pipe : doomed) remove_pipe(pipe, errc::closed);
}

void SocketCore::post_ready(PipeImpl& pipe, bool readable, bool urgent) {
  {
    std::lock_guard lock(ready_mu_);
    ready_.push_back({&pipe, pipe.id(), readable});
  }
  // Dekker pairing with wait(): it raises need_wake_ and then looks at
  // has_ready_; we raise has_ready_ and then look at need_wake_ (both seq_cst),
  // so a notice is never left unseen by a sleeper.
  has_ready_.store(true);
  if (urgent || need_wake_.load() > 0) Lock lock(*this);  // Lock drains and settles
}

void SocketCore::drain_ready() {
  if (!has_ready_.load(std::memory_order_acquire)) return;
  has_ready_.store(false);
  {
    std::lock_guard lock(ready_mu_);
    ready_.swap(ready_spare_);
  }
  for (const ReadyNotice& n : ready_spare_) {
    auto it = pipes_.find(n.id);
    if (it == pipes_.end() || it->second.get() != n.pipe) continue;  // removed since
    PipeImpl& pipe = *n.pipe;
    // Cleared before acting, so a transition after this point posts again.
    if (n.readable) {
      pipe.read_posted.store(false, std::memory_order_release);
      proto_->pipe_readable(pipe);
      if (pipe.drained()) schedule_removal(pipe, pipe.close_reason());
    } else {
      pipe.write_posted.store(false, std::memory_order_release);
      proto_->pipe_writable(pipe);
    }
  }
  ready_spare_.clear();
}

// ---------------------------------------------------------------- endpoints

std::shared_ptr<EndpointBase> SocketCore::add_endpoint(std::string_view url,
                                                       const EndpointOptions& o, bool listen,
                                                       std::error_code& ec) {
  {
    Lock lock(*this);
    if (state_ != State::open) {
      ec = errc::closed;
      return nullptr;
    }
  }
  auto ep = listen ? make_listener(shared_from_this(), url, o, ec)
                   : make_dialer(shared_from_this(), url, o, ec);
  if (ec) return nullptr;
  bool open;
  {
    Lock lock(*this);
    open = state_ == State::open;
    if (open) endpoints_.push_back(ep);
  }
  if (!open) {
    ep->close();
    ec = errc::closed;
    return nullptr;
  }
  ep->start();  // unlocked: a transport may attach a pipe at once (inproc)
  return ep;
}

void SocketCore::forget_endpoint(EndpointBase* ep) {
  std::shared_ptr<EndpointBase> keep;  // released after unlocking
  Lock lock(*this);
  for (auto it = endpoints_.begin(); it != endpoints_.end(); ++it) {
    if (it->get() == ep) {
      keep = std::move(*it);
      endpoints_.erase(it);
      break;
    }
  }
}

void SocketCore::report_refused(const std::string& url, const std::string& peer,
                                std::error_code reason) {
  Lock lock(*this);
  ++stats_.refused;
  emit({PipeEvent::Kind::refused, 0, url, peer, reason});
}

void SocketCore::count_reconnect() {
  Lock lock(*this);
  ++stats_.reconnects;
}

// ---------------------------------------------------------------- options, events

void SocketCore::emit(PipeEvent event) {
  stats_.pipes = pipes_.size();
  if (!pipe_callback_) return;
  deferred_.push([slot = pipe_callback_, ev = std::make_shared<PipeEvent>(std::move(event))] {
    slot->run(*ev);
  });
}

void SocketCore::set_pipe_callback(std::function<void(const PipeEvent&)> cb) {
  std::shared_ptr<CallbackSlot> old;
  {
    Lock lock(*this);
    old = std::exchange(pipe_callback_, cb ? std::make_shared<CallbackSlot>(std::move(cb)) : nullptr);
  }
  if (old) old->retire();  // unlocked: a running call may be calling into the socket
}

// Takes the full lock, so notices waiting in the mailbox are acted on first:
// what has arrived is counted (a late survey answer, a dropped reply) even
// when nobody reads.
Stats SocketCore::stats() const {
  auto& self = const_cast<SocketCore&>(*this);
  Lock lock(self);
  self.settle();
  Stats s = stats_;
  s.pipes = pipes_.size();
  s.filtered = proto_->filtered();
  return s;
}

std::error_code SocketCore::set_protocol_option(std::string_view name,
                                               std::span<const std::byte> value) {
  Lock lock(*this);
  if (state_ != State::open) return errc::closed;
  return proto_->set_option(name, value);
}

void SocketCore::set_buffer(bool send, std::size_t messages) {
  // The largest depth is kept for "never set": one less is as unbounded.
  (send ? sndbuf_ : rcvbuf_).store(std::min(messages, kDepthNotSet - 1));
}

}  // namespace sprocket::detail
