// Async send/recv: the same waiter lists as blocking calls, with the
// completion posted to the handler's executor after the lock is released.
#include <atomic>

#include "socket_core.hpp"

namespace sprocket::detail {

void SocketCore::start_async(bool is_send, std::uint64_t id, Message m,
                             std::unique_ptr<AsyncOp> op) {
  Lock lock(*this);
  auto& waiters = is_send ? send_waiters_ : recv_waiters_;
  std::error_code ec = errc::closed;
  if (state_ == State::open) {
    ec = waiters.empty() ? try_op(is_send, m) : make_error_code(errc::would_block);
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
  auto timeout = this->timeout(is_send);
  if (timeout.count() >= 0) arm_timer(*w, timeout);
  need_wake_.fetch_add(1);  // posters must now act on their notices themselves
  waiters.push_back(w.release());
}

void SocketCore::arm_timer(Waiter& w, std::chrono::nanoseconds timeout) {
  w.timer = std::make_unique<asio::steady_timer>(executor_, timeout);
  w.timer->async_wait([core = weak_from_this(), id = w.id](std::error_code ec) {
    if (ec) return;  // cancelled: the operation completed first
    if (auto c = core.lock()) c->cancel_async(id, errc::timed_out);
  });
}

void SocketCore::cancel_async(std::uint64_t id, std::error_code reason) {
  Lock lock(*this);
  for (auto* list : {&recv_waiters_, &send_waiters_}) {
    if (Waiter* w = list->find(id)) {
      list->remove(w);
      finish(w, reason);
      return;
    }
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
                      std::unique_ptr<AsyncOp> op) {
  core->start_async(true, id, std::move(m), std::move(op));
}

void start_async_recv(const std::shared_ptr<SocketCore>& core, std::uint64_t id,
                      std::unique_ptr<AsyncOp> op) {
  core->start_async(false, id, Message{}, std::move(op));
}

asio::any_io_executor core_executor(const std::shared_ptr<SocketCore>& core) {
  return core->executor();
}

}  // namespace sprocket::detail
