#include "runtime.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include "sprocket/error.hpp"
#include "sprocket/runtime.hpp"

namespace sprocket {
namespace detail {
namespace {

std::mutex exit_mu;
std::vector<void (*)()> exit_hooks;

void run_exit_hooks() {
  std::vector<void (*)()> hooks;
  {
    std::lock_guard lock(exit_mu);
    hooks = exit_hooks;
  }
  for (auto fn : hooks) fn();
}

class Runtime {
 public:
  explicit Runtime(std::size_t threads) : work_(io_.get_executor()) {
    for (std::size_t i = 0; i < threads; ++i) {
      threads_.emplace_back([this] {
        io_.run();
        run_exit_hooks();
        std::lock_guard lock(done_mu_);
        ++done_;
        done_cv_.notify_all();
      });
    }
  }
  // Runs at exit. Queued teardown (connections closing after their sockets)
  // gets a short grace period to run; operations that would wait forever
  // (a listener's accept) are then stopped.
  ~Runtime() {
    work_.reset();
    {
      std::unique_lock lock(done_mu_);
      done_cv_.wait_for(lock, std::chrono::milliseconds(200), [&] { return done_ == threads_.size(); });
    }
    io_.stop();
    for (auto& t : threads_) t.join();
  }
  asio::any_io_executor executor() { return io_.get_executor(); }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
  std::mutex done_mu_;
  std::condition_variable done_cv_;
  std::size_t done_ = 0;
};

std::mutex config_mu;
RuntimeOptions config;
bool started = false;

Runtime& runtime() {
  static Runtime rt([] {
    std::lock_guard lock(config_mu);
    started = true;
    std::size_t hw = std::max(1u, std::thread::hardware_concurrency());
    return config.io_threads ? config.io_threads : std::min<std::size_t>(2, hw);
  }());
  return rt;
}

}  // namespace

asio::any_io_executor runtime_executor() { return runtime().executor(); }

void at_io_thread_exit(void (*fn)()) {
  std::lock_guard lock(exit_mu);
  if (std::find(exit_hooks.begin(), exit_hooks.end(), fn) == exit_hooks.end())
    exit_hooks.push_back(fn);
}

}  // namespace detail

std::error_code configure_runtime(const RuntimeOptions& options) {
  std::lock_guard lock(detail::config_mu);
  if (detail::started) return errc::bad_state;
  detail::config = options;
  return {};
}

}  // namespace sprocket
