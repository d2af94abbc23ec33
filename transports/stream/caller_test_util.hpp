// For the tests of the pump's caller write and caller read: a socket
// runtime whose one I/O thread a test can hold, and a connected pair.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <future>
#include <thread>
#include <vector>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include "tests/test_util.hpp"
#include "transports/stream/stream_test_util.hpp"

namespace sprocket::test {

/// An io_context with threads of its own (one unless asked), one of which
/// a test can hold.
class OwnIoThread {
 public:
  explicit OwnIoThread(int threads = 1) : io_(threads) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { handlers_ += io_.run(); });
  }
  ~OwnIoThread() { stop(); }

  /// Lets the threads end once the io_context has no work left (close the
  /// sockets on it first); returns how many handlers they ran in all.
  std::size_t stop() {
    release();
    work_.reset();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
    return handlers_;
  }
  asio::any_io_executor executor() { return io_.get_executor(); }

  /// Keeps the thread busy until release() (or a minute, so that a failing
  /// test still ends); returns once it is held.
  void hold() {
    std::promise<void> holding;
    auto held = holding.get_future();
    asio::post(io_, [this, &holding] {
      holding.set_value();
      released_.wait_for(std::chrono::seconds(60));
    });
    held.wait();
  }
  void release() {
    if (!released_set_.exchange(true)) release_.set_value();
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  std::promise<void> release_;
  std::shared_future<void> released_{release_.get_future()};
  std::atomic<bool> released_set_{false};
  std::atomic<std::size_t> handlers_{0};
  std::vector<std::thread> threads_;
};

/// `receiver` listens on a fresh address of `t`, `sender` dials it; returns
/// the endpoint once both saw the pipe.
inline Endpoint connected(Transport t, Socket& sender, PipeEventRecorder& sender_events,
                          Socket& receiver, PipeEventRecorder& receiver_events) {
  Endpoint ep = Endpoint::make(t);
  ep.bound(receiver.listen(ep.listen_url));
  sender.dial(ep.dial_url);
  EXPECT_TRUE(sender_events.wait_added(1));
  EXPECT_TRUE(receiver_events.wait_added(1));
  return ep;
}

/// connected(), for two sockets whose blocking calls it also bounds
/// (bound_blocking_calls) and whose pipe events the test does not need.
inline Endpoint connected_and_bounded(Transport t, Socket& sender, Socket& receiver) {
  PipeEventRecorder sender_events{sender}, receiver_events{receiver};
  bound_blocking_calls(sender);
  bound_blocking_calls(receiver);
  return connected(t, sender, sender_events, receiver, receiver_events);
}

}  // namespace sprocket::test
