// The completion handler of a pump's own reads and writes: it runs on the
// pump's strand, and it tells asio that it continues the chain of the
// handler that started it.
//
// Why the second part: asio tries a read or write at once when it is
// started, and an operation that completes then is queued for the I/O
// threads. Unmarked, it goes to the shared queue and wakes an idle I/O
// thread, so every read that found data waiting moved the connection to
// the other thread: a futex wake and a cold cache per read, and the two
// threads then contend on the descriptor. Marked as a continuation, it
// goes to the starting thread's private queue and runs right after the
// current handler returns, with no wake-up. (asio's bind_executor does not
// pass the mark on, so this type carries the executor itself.)
#pragma once

#include <utility>

namespace sprocket::stream {

template <class Executor, class Function>
class OnStrand {
 public:
  using executor_type = Executor;

  OnStrand(Executor ex, Function f) : executor_(std::move(ex)), function_(std::move(f)) {}

  executor_type get_executor() const noexcept { return executor_; }

  template <class... Args>
  void operator()(Args&&... args) {
    function_(std::forward<Args>(args)...);
  }

  // Found by asio (argument-dependent lookup) when it queues the completion.
  friend bool asio_handler_is_continuation(OnStrand*) { return true; }

 private:
  Executor executor_;
  Function function_;
};

/// `f`, to be run on `strand` as a continuation (see the file comment). Only
/// for operations started from a handler on that strand.
template <class Executor, class Function>
OnStrand<Executor, Function> on_strand(const Executor& strand, Function f) {
  return OnStrand<Executor, Function>(strand, std::move(f));
}

}  // namespace sprocket::stream
