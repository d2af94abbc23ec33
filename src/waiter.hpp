// A send or recv waiting for the protocol: either a thread blocked on its
// own WakeWord, or an async operation with its handler.
#pragma once

#include <cstdint>
#include <memory>
#include <system_error>

#include <asio/steady_timer.hpp>

#include "sprocket/detail/async_op.hpp"
#include "sprocket/message.hpp"
#include "wake_word.hpp"

namespace sprocket::detail {

struct Waiter {
  Waiter* prev = nullptr;
  Waiter* next = nullptr;
  bool is_send = false;
  bool done = false;      // under the socket lock
  bool sleeping = false;  // under the socket lock: asleep on done_hint, must be woken
  // Set last by the completer: once set, the completer no longer touches
  // this waiter, so its thread may return without the lock.
  WakeWord done_hint;
  Waiter* next_wake = nullptr;  // in the socket's list of sleepers to wake after the unlock
  Message msg;  // send: the message to send; recv: the message received
  std::error_code result;
  std::unique_ptr<AsyncOp> op;            // set for async operations
  std::uint64_t id = 0;
  std::uint32_t ctx = 0;  // the context (0: the socket) the operation runs on
  std::size_t want_pipes = 0;  // a wait for peers: done once this many pipes are attached
  std::unique_ptr<asio::steady_timer> timer;  // async timeout
};

/// FIFO of waiters, intrusive so that queuing costs no allocation.
class WaiterList {
 public:
  bool empty() const noexcept { return head_ == nullptr; }
  Waiter* front() const noexcept { return head_; }

  void push_back(Waiter* w) noexcept {
    w->next = nullptr;
    w->prev = tail_;
    (tail_ ? tail_->next : head_) = w;
    tail_ = w;
  }

  void remove(Waiter* w) noexcept {
    (w->prev ? w->prev->next : head_) = w->next;
    (w->next ? w->next->prev : tail_) = w->prev;
    w->prev = w->next = nullptr;
  }

  /// The waiter after `w` (nullptr at the end).
  static Waiter* next(const Waiter* w) noexcept { return w->next; }

  Waiter* find(std::uint64_t id) const noexcept {
    for (Waiter* w = head_; w; w = w->next)
      if (w->op && w->id == id) return w;
    return nullptr;
  }

 private:
  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
};

}  // namespace sprocket::detail
