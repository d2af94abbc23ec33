// Async send/recv: the same waiter lists as blocking calls, with the
// completion posted to the handler's executor after the lock is released.
#include <atomic>

#include "socket_core.hpp"

namespace sprocket::detail {

void SocketCore::start_async(bool is_send, std::uint64_t id, Message m,
                             std::unique_ptr<AsyncOp> op, std::uint32_t ctx) {
  Lock lock(*this);
  Channel* ch = state_ == State::open ? channel(ctx) : nullptr;
  std::error_code ec = errc::closed;
  if (ch) {
    ec = ch->waiters(is_send).empty() ? try_op(is_send, m, ctx)
                                      : make_error_code(errc::would_block);
  }
  if (ec != errc::would_block) {
    // Done already; still completed through the executor, never inline.
    deferred_.push([op = std::move(op), ec, m = std::move(m)]() mutable {
      op->complete(ec, std::move(m));
    });
    return;
  }
  auto w = std::make_unique<Waiter>();
  w->is_send = is_send;
  w->msg = std::move(m);
  w->op = std::move(op);
  w->id = id;
  w->ctx = ctx;
  auto timeout = timeout_locked(ctx, is_send);
  if (timeout.count() >= 0) arm_timer(*w, timeout);
  need_wake_.fetch_add(1);  // posters must now act on their notices themselves
  ch->waiters(is_send).push_back(w.release());
  if (is_send) want_room_for_send();  // the Lock's release retries if there is room
}

void SocketCore::start_async_wait_for_pipes(std::size_t n, std::chrono::nanoseconds timeout,
                                            std::uint64_t id, std::unique_ptr<AsyncOp> op) {
  Lock lock(*this);
  std::error_code ec = state_ != State::open ? make_error_code(errc::closed)
                       : pipes_.size() >= n  ? std::error_code{}
                                             : make_error_code(errc::would_block);
  if (ec != errc::would_block) {
    deferred_.push([op = std::move(op), ec]() mutable { op->complete(ec, Message{}); });
    return;
  }
  auto w = std::make_unique<Waiter>();
  w->want_pipes = n;
  w->op = std::move(op);
  w->id = id;
  if (timeout.count() >= 0) arm_timer(*w, timeout);
  need_wake_.fetch_add(1);  // finish() counts it down, as for any async operation
  pipe_waiters_.push_back(w.release());
}

void SocketCore::arm_timer(Waiter& w, std::chrono::nanoseconds timeout) {
  w.timer = std::make_unique<asio::steady_timer>(executor_, timeout);
  w.timer->async_wait([core = weak_from_this(), id = w.id](std::error_code ec) {
    if (ec) return;  // cancelled: the operation completed first
    if (auto c = core.lock()) c->cancel_async(id, errc::timed_out);
  });
}

void SocketCore::start_timer(std::uint32_t token, std::chrono::nanoseconds delay) {
  auto& t = timers_[token];
  if (!t.timer) t.timer = std::make_unique<asio::steady_timer>(executor_);
  t.due = Clock::now() + delay;
  if (t.armed_for && *t.armed_for <= *t.due) return;  // that wait fires first and waits on
  arm_protocol_timer(token, t);
}

void SocketCore::arm_protocol_timer(std::uint32_t token, ProtocolTimer& t) {
  t.armed_for = t.due;
  t.timer->expires_at(*t.due);  // (a wait armed for later ends as aborted)
  t.timer->async_wait([core = weak_from_this(), token, gen = ++t.generation](std::error_code ec) {
    if (ec) return;
    if (auto c = core.lock()) c->protocol_timer_expired(token, gen);
  });
}

void SocketCore::cancel_timer(std::uint32_t token) {
  auto it = timers_.find(token);
  if (it != timers_.end()) it->second.due.reset();
}

void SocketCore::protocol_timer_expired(std::uint32_t token, std::uint64_t generation) {
  Lock lock(*this);
  auto it = timers_.find(token);
  if (state_ != State::open || it == timers_.end() || it->second.generation != generation) return;
  ProtocolTimer& t = it->second;
  t.armed_for.reset();
  if (!t.due) return;  // cancelled
  if (Clock::now() < *t.due) return arm_protocol_timer(token, t);  // restarted meanwhile
  t.due.reset();
  proto_->on_timer(token);
}

void SocketCore::cancel_async(std::uint64_t id, std::error_code reason) {
  Lock lock(*this);
  auto cancel_in = [&](Channel& ch) {
    for (bool is_send : {false, true}) {
      if (Waiter* w = ch.waiters(is_send).find(id)) {
        ch.waiters(is_send).remove(w);
        finish(w, reason);
        return true;
      }
    }
    return false;
  };
  if (cancel_in(socket_channel_)) return;
  for (auto& [ctx, ch] : contexts_)
    if (cancel_in(*ch)) return;
  if (Waiter* w = pipe_waiters_.find(id)) {
    pipe_waiters_.remove(w);
    finish(w, reason);
  }
}

std::uint64_t next_async_id() noexcept {
  static std::atomic<std::uint64_t> counter{1};
  return counter.fetch_add(1, std::memory_order_relaxed);
}

void cancel_async(const std::weak_ptr<SocketCore>& core, std::uint64_t id) {
  if (auto c = core.lock()) c->cancel_async(id, errc::canceled);
}

void start_async_send(const std::shared_ptr<SocketCore>& core, std::uint64_t id, Message m,
                      std::unique_ptr<AsyncOp> op, std::uint32_t ctx) {
  core->start_async(true, id, std::move(m), std::move(op), ctx);
}

void start_async_recv(const std::shared_ptr<SocketCore>& core, std::uint64_t id,
                      std::unique_ptr<AsyncOp> op, std::uint32_t ctx) {
  core->start_async(false, id, Message{}, std::move(op), ctx);
}

void start_async_wait_for_pipes(const std::shared_ptr<SocketCore>& core, std::size_t n,
                                std::chrono::nanoseconds timeout, std::uint64_t id,
                                std::unique_ptr<AsyncOp> op) {
  core->start_async_wait_for_pipes(n, timeout, id, std::move(op));
}

asio::any_io_executor core_executor(const std::shared_ptr<SocketCore>& core) {
  return core->executor();
}

}  // namespace sprocket::detail
