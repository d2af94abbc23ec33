#include "runtime.hpp"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include "sprocket/error.hpp"
#include "sprocket/runtime.hpp"

namespace sprocket {
namespace detail {
namespace {

// Hooks and counters are plain statics of this file: constant-initialised
// or constructed before any socket exists, so they outlive the runtime.
std::mutex hooks_mu;
std::vector<void (*)()> exit_hooks;
std::vector<void (*)()> start_hooks;
bool runtime_started = false;  // under hooks_mu

std::mutex linger_mu;
std::condition_variable linger_cv;
int lingering = 0;  // under linger_mu

void run_exit_hooks() {
  std::vector<void (*)()> hooks;
  {
    std::lock_guard lock(hooks_mu);
    hooks = exit_hooks;
  }
  for (auto fn : hooks) fn();
}

void run_start_hooks() {
  std::vector<void (*)()> hooks;
  {
    std::lock_guard lock(hooks_mu);
    runtime_started = true;
    hooks = start_hooks;
  }
  for (auto fn : hooks) fn();
}

// One I/O thread below four hardware threads, else two. On two cores a
// second I/O thread leaves the application's threads no core of their own,
// and asio's reactor hands a ready descriptor between the two I/O threads
// (a wake-up, and contention on the descriptor's lock). Measured on two
// cores, one thread took round trips from 7 context switches to 4-5 (p50
// mostly 10-30 % lower) and 64 KiB PUSH->PULL over ipc from 39.6 k to
// 49.3 k msg/s (docs/benchmarks.md).
std::size_t default_io_threads() {
  const unsigned hw = std::thread::hardware_concurrency();
  return hw >= 4 ? 2 : 1;
}

class Runtime {
 public:
  // The concurrency hint lets asio skip waking other threads for work posted
  // from its only one (its locks stay: application threads post too).
  explicit Runtime(std::size_t threads)
      : io_(static_cast<int>(threads)), work_(io_.get_executor()) {
    for (std::size_t i = 0; i < threads; ++i) {
      threads_.emplace_back([this] {
        // Named for debuggers and `top -H`; a thread started from this one
        // (asio's resolver thread) inherits the name, so exit_test can tell
        // the library's threads from the program's.
        ::pthread_setname_np(::pthread_self(), "sprocket-io");
        io_.run();
        run_exit_hooks();
      });
    }
  }
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  asio::any_io_executor executor() { return io_.get_executor(); }

  // At exit: lingering connections get up to a second, then the threads
  // (the I/O threads and asio's resolver thread) stop. Whatever is still
  // queued stays queued (the io_context lives on).
  void stop() {
    {
      std::unique_lock lock(linger_mu);
      linger_cv.wait_for(lock, std::chrono::seconds(1), [] { return lingering == 0; });
    }
    work_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    // asio resolves names on a thread of its own, which only the
    // io_context's destruction would end, and the io_context lives on. Its
    // fork-preparation notice stops and joins that thread and leaves the
    // rest as it is (the reactor acts only on fork_child). A resolve still
    // in getaddrinfo delays the exit until the lookup returns.
    io_.notify_fork(asio::execution_context::fork_prepare);
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
};

/// Destroyed at exit, before the libraries initialised by the start hooks
/// clean up (they registered their clean-up before this was constructed).
struct RuntimeStop {
  Runtime& runtime;
  ~RuntimeStop() { runtime.stop(); }
};

std::mutex config_mu;
RuntimeOptions config;
bool configured_started = false;

Runtime& runtime() {
  static Runtime* rt = [] {
    run_start_hooks();
    std::size_t threads;
    {
      std::lock_guard lock(config_mu);
      configured_started = true;
      threads = config.io_threads ? config.io_threads : default_io_threads();
    }
    return new Runtime(threads);  // never destroyed: see runtime.hpp
  }();
  static RuntimeStop stop{*rt};
  return *rt;
}

}  // namespace

asio::any_io_executor runtime_executor() { return runtime().executor(); }

void at_io_thread_exit(void (*fn)()) {
  std::lock_guard lock(hooks_mu);
  if (std::find(exit_hooks.begin(), exit_hooks.end(), fn) == exit_hooks.end())
    exit_hooks.push_back(fn);
}

void before_runtime_start(void (*fn)()) {
  {
    std::lock_guard lock(hooks_mu);
    if (std::find(start_hooks.begin(), start_hooks.end(), fn) != start_hooks.end()) return;
    start_hooks.push_back(fn);
    if (!runtime_started) return;
  }
  fn();  // too late to order its clean-up; better than not at all
}

void lingering_started() noexcept {
  std::lock_guard lock(linger_mu);
  ++lingering;
}

void lingering_ended() noexcept {
  {
    std::lock_guard lock(linger_mu);
    --lingering;
  }
  linger_cv.notify_all();
}

}  // namespace detail

std::error_code configure_runtime(const RuntimeOptions& options) {
  std::lock_guard lock(detail::config_mu);
  if (detail::configured_started) return errc::bad_state;
  detail::config = options;
  return {};
}

}  // namespace sprocket
