// Helpers shared by sprocket's tests. The rule they serve: a test waits for
// an event with a deadline, never sleeps and hopes. Every wait here is
// bounded, so a broken library fails a test instead of hanging it.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include "sprocket/sprocket.hpp"

namespace sprocket::test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

/// How long a test waits for something that should happen promptly. Far
/// above what a healthy run needs, so sanitizer builds on a loaded two-core
/// machine do not flake; it only bounds a failing test.
inline constexpr std::chrono::milliseconds kEventTimeout{10'000};

/// Milliseconds in `d`, for readable assertions (gtest cannot print durations).
inline long long to_ms(std::chrono::nanoseconds d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

/// Polls `pred` every millisecond until it holds or `timeout` passes; the
/// predicate is checked once more at the deadline. Returns the last result.
template <class Pred>
bool wait_until(Pred&& pred, std::chrono::milliseconds timeout = kEventTimeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
}

/// Runs `io` on the calling thread until `pred` holds or `timeout` passes.
/// Restarts the context when it runs out of work, since more may be posted
/// by the library's own threads later.
template <class Pred>
bool run_until(asio::io_context& io, Pred&& pred, std::chrono::milliseconds timeout = kEventTimeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (Clock::now() >= deadline) return false;
    if (io.stopped()) io.restart();
    if (io.run_one_for(10ms) == 0 && io.stopped()) std::this_thread::sleep_for(1ms);
  }
}

/// Runs `io` until it has no work left. A library thread that completes an
/// operation holds work on the handler's io_context until just after it has
/// posted the handler, so the handler can run (and run_until() return)
/// while that thread still uses the context. asio forbids destroying an
/// io_context another thread still uses: call this before `io` goes away.
inline bool drain_io(asio::io_context& io, std::chrono::milliseconds timeout = kEventTimeout) {
  const auto deadline = Clock::now() + timeout;
  io.restart();
  while (!io.stopped()) {
    if (Clock::now() >= deadline) return false;
    io.run_for(10ms);
  }
  return true;
}

/// A unique `inproc://` URL: the running test's name plus a counter, so no
/// two tests (or two sockets in one test) collide on a name.
inline std::string unique_inproc_name(std::string_view tag = {}) {
  static std::atomic<unsigned> counter{0};
  std::string url = "inproc://sprocket-test";
  if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info()) {
    url += '/';
    url += info->test_suite_name();
    url += '.';
    url += info->name();
  }
  if (!tag.empty()) {
    url += '/';
    url += tag;
  }
  url += '#';
  url += std::to_string(counter.fetch_add(1));
  return url;
}

/// "closed (sprocket:1)": an error code as a failure message shows it.
inline std::string describe(const std::error_code& ec) {
  if (!ec) return "success";
  return ec.message() + " (" + ec.category().name() + ':' + std::to_string(ec.value()) + ')';
}

/// Compares an error_code with a sprocket::errc and prints both on failure.
#define EXPECT_ERRC(ec, expected)                                           \
  EXPECT_EQ(::sprocket::test::describe(ec),                                 \
            ::sprocket::test::describe(::sprocket::make_error_code(expected)))
#define ASSERT_ERRC(ec, expected)                                           \
  ASSERT_EQ(::sprocket::test::describe(ec),                                 \
            ::sprocket::test::describe(::sprocket::make_error_code(expected)))
#define EXPECT_NO_ERROR(ec) EXPECT_EQ(::sprocket::test::describe(ec), "success")
#define ASSERT_NO_ERROR(ec) ASSERT_EQ(::sprocket::test::describe(ec), "success")

/// Runs `f` and returns the code of the std::system_error it throws (empty
/// if it throws none); `what` receives the exception's message.
template <class F>
std::error_code thrown_code(F&& f, std::string* what = nullptr) {
  try {
    std::forward<F>(f)();
  } catch (const std::system_error& e) {
    if (what) *what = e.what();
    return e.code();
  }
  return {};
}

inline const char* kind_name(PipeEvent::Kind kind) {
  switch (kind) {
    case PipeEvent::Kind::added: return "added";
    case PipeEvent::Kind::removed: return "removed";
    case PipeEvent::Kind::refused: return "refused";
  }
  return "?";
}

/// Records a socket's pipe events so a test can wait for the Nth one. The
/// callback owns the record through a shared_ptr, so an event that arrives
/// after the recorder is gone touches nothing freed.
class PipeEventRecorder {
 public:
  PipeEventRecorder() = default;
  explicit PipeEventRecorder(Socket& socket) { attach(socket); }

  /// Registers with `socket` (replacing its earlier callback).
  void attach(Socket& socket) {
    socket.on_pipe_event([state = state_](const PipeEvent& e) { state->push(e); });
  }

  /// Waits until at least `n` events of `kind` have been seen.
  bool wait_for(PipeEvent::Kind kind, std::size_t n = 1,
                std::chrono::milliseconds timeout = kEventTimeout) const {
    std::unique_lock lock(state_->mu);
    return state_->cv.wait_for(lock, timeout, [&] { return count_locked(kind) >= n; });
  }
  bool wait_added(std::size_t n = 1) const { return wait_for(PipeEvent::Kind::added, n); }
  bool wait_removed(std::size_t n = 1) const { return wait_for(PipeEvent::Kind::removed, n); }
  bool wait_refused(std::size_t n = 1) const { return wait_for(PipeEvent::Kind::refused, n); }

  std::size_t count(PipeEvent::Kind kind) const {
    std::lock_guard lock(state_->mu);
    return count_locked(kind);
  }
  /// All events so far, oldest first.
  std::vector<PipeEvent> events() const {
    std::lock_guard lock(state_->mu);
    return state_->events;
  }
  /// The events of one kind, oldest first.
  std::vector<PipeEvent> events(PipeEvent::Kind kind) const {
    std::vector<PipeEvent> out;
    for (auto& e : events())
      if (e.kind == kind) out.push_back(e);
    return out;
  }
  /// A one-line summary, for failure messages.
  std::string summary() const {
    std::string s;
    for (const auto& e : events()) {
      s += kind_name(e.kind);
      s += "(id=" + std::to_string(e.pipe_id) + ", " + describe(e.reason) + ") ";
    }
    return s.empty() ? "no events" : s;
  }

 private:
  struct State {
    mutable std::mutex mu;
    std::condition_variable cv;
    std::vector<PipeEvent> events;

    void push(const PipeEvent& e) {
      {
        std::lock_guard lock(mu);
        events.push_back(e);
      }
      cv.notify_all();
    }
  };

  std::size_t count_locked(PipeEvent::Kind kind) const {
    std::size_t n = 0;
    for (const auto& e : state_->events) n += e.kind == kind;
    return n;
  }

  std::shared_ptr<State> state_ = std::make_shared<State>();
};

/// Listens on `url` with `listener`, dials it from `dialer`, and waits until
/// both recorders (already attached) report one more `added` event.
inline ::testing::AssertionResult connect(Socket& listener, PipeEventRecorder& listener_events,
                                          Socket& dialer, PipeEventRecorder& dialer_events,
                                          const std::string& url,
                                          const EndpointOptions& dial_options = {}) {
  const auto listener_before = listener_events.count(PipeEvent::Kind::added);
  const auto dialer_before = dialer_events.count(PipeEvent::Kind::added);
  std::error_code ec;
  listener.listen(url, {}, ec);
  if (ec) return ::testing::AssertionFailure() << "listen(" << url << "): " << describe(ec);
  dialer.dial(url, dial_options, ec);
  if (ec) return ::testing::AssertionFailure() << "dial(" << url << "): " << describe(ec);
  if (!listener_events.wait_added(listener_before + 1))
    return ::testing::AssertionFailure()
           << "listener saw no added pipe event; events: " << listener_events.summary();
  if (!dialer_events.wait_added(dialer_before + 1))
    return ::testing::AssertionFailure()
           << "dialer saw no added pipe event; events: " << dialer_events.summary();
  return ::testing::AssertionSuccess();
}

/// Bounds every blocking call on `s`, so a lost message fails the test
/// (errc::timed_out) instead of hanging it.
inline void bound_blocking_calls(Socket& s, std::chrono::milliseconds limit = kEventTimeout) {
  s.set_send_timeout(limit);
  s.set_recv_timeout(limit);
}

/// A fixture with two PAIR sockets connected over inproc: a_ listens, b_
/// dials. Blocking calls are bounded by kEventTimeout. Override
/// configure_sockets() to set options that must precede the connection
/// (buffer sizes). io_ is declared first so it outlives the sockets: async
/// operations bound to it may still hold its work when the sockets close.
class ConnectedPairTest : public ::testing::Test {
 protected:
  virtual void configure_sockets() {}

  void SetUp() override {
    bound_blocking_calls(a_);
    bound_blocking_calls(b_);
    configure_sockets();
    ASSERT_TRUE(connect(a_, a_events_, b_, b_events_, url_));
  }

  asio::io_context io_;
  Socket a_{sprocket::pair};
  Socket b_{sprocket::pair};
  PipeEventRecorder a_events_{a_};
  PipeEventRecorder b_events_{b_};
  std::string url_ = unique_inproc_name();
};

/// An io_context run by one background thread until this object is
/// destroyed. Declare it before the sockets that use its executor, so they
/// close while it still runs.
class IoThread {
 public:
  IoThread() : thread_([this] { io_.run(); }) {}
  ~IoThread() { stop(); }
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;

  void stop() {
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }
  asio::io_context& context() { return io_; }
  asio::any_io_executor executor() { return io_.get_executor(); }
  std::thread::id thread_id() const { return thread_.get_id(); }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::thread thread_;
};

/// Collects the result of one async operation. The handler it makes owns
/// the result through a shared_ptr, so a test that gives up early leaves no
/// dangling reference behind. Also records the completing thread, the time
/// and how many times the handler ran (it must run exactly once).
template <class... Args>
class Completion {
 public:
  auto handler() const {
    return [state = state_](Args... args) { state->set(std::move(args)...); };
  }
  bool wait(std::chrono::milliseconds timeout = kEventTimeout) const {
    std::unique_lock lock(state_->mu);
    return state_->cv.wait_for(lock, timeout, [&] { return state_->calls > 0; });
  }
  bool done() const {
    std::lock_guard lock(state_->mu);
    return state_->calls > 0;
  }
  int calls() const {
    std::lock_guard lock(state_->mu);
    return state_->calls;
  }
  /// The error code the handler got (call after wait() succeeded).
  std::error_code ec() const {
    std::lock_guard lock(state_->mu);
    return state_->value ? std::get<0>(*state_->value) : std::error_code{};
  }
  /// The message the handler got, moved out (for recv completions).
  Message take_message() const {
    std::lock_guard lock(state_->mu);
    if (!state_->value) return Message{};
    return std::move(std::get<1>(*state_->value));
  }
  std::thread::id thread() const {
    std::lock_guard lock(state_->mu);
    return state_->thread;
  }
  Clock::time_point when() const {
    std::lock_guard lock(state_->mu);
    return state_->when;
  }

 private:
  struct State {
    mutable std::mutex mu;
    std::condition_variable cv;
    std::optional<std::tuple<Args...>> value;
    std::thread::id thread;
    Clock::time_point when;
    int calls = 0;

    void set(Args... args) {
      {
        std::lock_guard lock(mu);
        if (calls++ == 0) {
          value.emplace(std::move(args)...);
          thread = std::this_thread::get_id();
          when = Clock::now();
        }
      }
      cv.notify_all();
    }
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

using RecvCompletion = Completion<std::error_code, Message>;
using SendCompletion = Completion<std::error_code>;

/// An 8-byte message carrying `id`, for tests that count deliveries.
inline Message id_message(std::uint64_t id) {
  Message m(sizeof id);
  std::memcpy(m.data(), &id, sizeof id);
  return m;
}
/// The id in a message made by id_message(), or ~0 if the size is wrong.
inline std::uint64_t message_id(const Message& m) {
  std::uint64_t id = ~std::uint64_t{0};
  if (m.size() == sizeof id) std::memcpy(&id, m.data(), sizeof id);
  return id;
}

/// try_send()s numbered text messages ("0", "1", ...) from `s` until it
/// reports would_block, giving up after `limit`. Returns how many went in,
/// and in `last` the error that stopped it (empty if the limit was hit).
inline int fill_until_would_block(Socket& s, std::error_code& last, int limit = 1000) {
  for (int i = 0; i < limit; ++i) {
    s.try_send(std::to_string(i), last);
    if (last) return i;
  }
  last = {};
  return limit;
}

}  // namespace sprocket::test
