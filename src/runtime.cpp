#include "runtime.hpp"

#include <algorithm>
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

class Runtime {
 public:
  explicit Runtime(std::size_t threads) : work_(io_.get_executor()) {
    for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
  }
  // Runs at exit: lets the threads finish what is queued, then joins them.
  ~Runtime() {
    work_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
  }
  asio::any_io_executor executor() { return io_.get_executor(); }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
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

}  // namespace detail

std::error_code configure_runtime(const RuntimeOptions& options) {
  std::lock_guard lock(detail::config_mu);
  if (detail::started) return errc::bad_state;
  detail::config = options;
  return {};
}

}  // namespace sprocket
