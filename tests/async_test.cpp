// Asynchronous operations: every kind of asio completion token (callback,
// use_future, use_awaitable), the caller's executor, timeouts, per-operation
// cancellation, and the rule that a handler never runs inside the call that
// started it.
#include <atomic>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/bind_executor.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include "test_util.hpp"

namespace sprocket::test {
namespace {

using Kind = PipeEvent::Kind;

class AsyncTest : public ConnectedPairTest {};

/// Runs a coroutine on `io` (on this thread) until it finishes; returns its
/// exception, if any, through `failure`.
template <class Coroutine>
bool run_coroutine(asio::io_context& io, Coroutine coroutine, std::exception_ptr& failure) {
  auto finished = std::make_shared<std::atomic<bool>>(false);
  asio::co_spawn(io, std::move(coroutine), [finished, &failure](std::exception_ptr e) {
    failure = e;
    finished->store(true);
  });
  // Drained too: the library may still hold work on `io` just after the end.
  return run_until(io, [&] { return finished->load(); }) && drain_io(io);
}

std::string rethrown_what(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  }
  return "unknown exception";
}

TEST_F(AsyncTest, RecvWithCallback) {
  RecvCompletion c;
  b_.async_recv(c.handler());
  a_.send("callback");
  ASSERT_TRUE(c.wait());
  EXPECT_NO_ERROR(c.ec());
  EXPECT_EQ(to_string(c.take_message()), "callback");
  EXPECT_EQ(c.calls(), 1);
}

TEST_F(AsyncTest, RecvWithFuture) {
  std::future<Message> f = b_.async_recv(asio::use_future);
  a_.send("future");
  ASSERT_EQ(f.wait_for(kEventTimeout), std::future_status::ready);
  EXPECT_EQ(to_string(f.get()), "future");
}

TEST_F(AsyncTest, RecvFutureReportsErrors) {
  // use_future(fn) hands the error over as a value. (Plain use_future would
  // throw it from get(); that exception object is shared with the thread
  // that set the promise, and its reference count lives in uninstrumented
  // libstdc++, which TSan reports as a race that is not there.)
  b_.set_recv_timeout(50ms);
  std::future<std::error_code> f =
      b_.async_recv(asio::use_future([](std::error_code ec, Message) { return ec; }));
  ASSERT_EQ(f.wait_for(kEventTimeout), std::future_status::ready);
  EXPECT_ERRC(f.get(), errc::timed_out);
}

TEST_F(AsyncTest, RecvAndSendInCoroutine) {
  std::string got;
  std::exception_ptr failure;
  a_.send("coroutine");
  auto coroutine = [&]() -> asio::awaitable<void> {
    Message m = co_await b_.async_recv(asio::use_awaitable);
    got = std::string(m.str());
    co_await b_.async_send(Message{std::string_view{"reply"}}, asio::use_awaitable);
  };
  ASSERT_TRUE(run_coroutine(io_, coroutine, failure));
  ASSERT_FALSE(failure) << rethrown_what(failure);
  EXPECT_EQ(got, "coroutine");
  EXPECT_EQ(to_string(a_.recv()), "reply");
}

TEST_F(AsyncTest, CoroutineSeesErrorsAsExceptions) {
  b_.set_recv_timeout(50ms);
  std::error_code seen;
  std::exception_ptr failure;
  auto coroutine = [&]() -> asio::awaitable<void> {
    try {
      (void)co_await b_.async_recv(asio::use_awaitable);
    } catch (const std::system_error& e) {
      seen = e.code();
    }
  };
  ASSERT_TRUE(run_coroutine(io_, coroutine, failure));
  ASSERT_FALSE(failure) << rethrown_what(failure);
  EXPECT_ERRC(seen, errc::timed_out);
}

TEST_F(AsyncTest, SendWithCallback) {
  SendCompletion c;
  a_.async_send(Message{std::string_view{"async send"}}, c.handler());
  ASSERT_TRUE(c.wait());
  EXPECT_NO_ERROR(c.ec());
  EXPECT_EQ(to_string(b_.recv()), "async send");
  EXPECT_EQ(c.calls(), 1);
}

TEST_F(AsyncTest, SendWithFuture) {
  std::future<void> f = a_.async_send(Message{std::string_view{"future send"}}, asio::use_future);
  ASSERT_EQ(f.wait_for(kEventTimeout), std::future_status::ready);
  EXPECT_NO_THROW(f.get());
  EXPECT_EQ(to_string(b_.recv()), "future send");
}

TEST_F(AsyncTest, ManySendsInCoroutine) {
  std::exception_ptr failure;
  auto coroutine = [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 50; ++i)
      co_await a_.async_send(Message{std::to_string(i)}, asio::use_awaitable);
  };
  ASSERT_TRUE(run_coroutine(io_, coroutine, failure));
  ASSERT_FALSE(failure) << rethrown_what(failure);
  for (int i = 0; i < 50; ++i) ASSERT_EQ(to_string(b_.recv()), std::to_string(i));
}

TEST_F(AsyncTest, SeveralPendingReceivesEachGetOneMessage) {
  std::vector<RecvCompletion> receives(3);
  for (auto& r : receives) b_.async_recv(r.handler());
  for (int i = 0; i < 3; ++i) a_.send(std::to_string(i));
  std::set<std::string> got;
  for (auto& r : receives) {
    ASSERT_TRUE(r.wait());
    EXPECT_NO_ERROR(r.ec());
    got.insert(to_string(r.take_message()));
  }
  EXPECT_EQ(got, (std::set<std::string>{"0", "1", "2"}));
  for (auto& r : receives) EXPECT_EQ(r.calls(), 1);
}

TEST_F(AsyncTest, RecvHonoursRecvTimeout) {
  b_.set_recv_timeout(100ms);
  RecvCompletion c;
  const auto start = Clock::now();
  b_.async_recv(c.handler());
  ASSERT_TRUE(c.wait());
  EXPECT_ERRC(c.ec(), errc::timed_out);
  const auto elapsed = to_ms(c.when() - start);
  EXPECT_GE(elapsed, 90);
}

TEST_F(AsyncTest, CancellationSignalCancelsRecv) {
  asio::cancellation_signal signal;
  RecvCompletion c;
  b_.async_recv(asio::bind_cancellation_slot(signal.slot(), c.handler()));
  signal.emit(asio::cancellation_type::terminal);
  ASSERT_TRUE(c.wait());
  EXPECT_ERRC(c.ec(), errc::canceled);
  EXPECT_TRUE(c.ec() == std::errc::operation_canceled);

  // The cancelled receive must not swallow the next message.
  a_.send("after cancel");
  EXPECT_EQ(to_string(b_.recv()), "after cancel");
  EXPECT_EQ(c.calls(), 1);
}

TEST_F(AsyncTest, CancellingCoroutineCancelsItsRecv) {
  asio::cancellation_signal signal;
  auto started = std::make_shared<std::atomic<bool>>(false);
  auto finished = std::make_shared<std::atomic<bool>>(false);
  std::error_code seen;
  asio::co_spawn(
      io_,
      [&, started]() -> asio::awaitable<void> {
        started->store(true);
        (void)co_await b_.async_recv(asio::use_awaitable);
      },
      asio::bind_cancellation_slot(signal.slot(), [&, finished](std::exception_ptr e) {
        try {
          if (e) std::rethrow_exception(e);
        } catch (const std::system_error& err) {
          seen = err.code();
        }
        finished->store(true);
      }));
  // The coroutine suspends in async_recv during the first handler run.
  ASSERT_TRUE(run_until(io_, [&] { return started->load(); }));
  io_.poll();
  signal.emit(asio::cancellation_type::terminal);  // on the thread running io_, as asio requires
  ASSERT_TRUE(run_until(io_, [&] { return finished->load(); }));
  EXPECT_TRUE(drain_io(io_));
  EXPECT_ERRC(seen, errc::canceled);
}

// A handler that ran inside async_recv() would run on this thread before the
// call returned; one that is posted runs on a runtime thread, or later.
TEST_F(AsyncTest, RecvHandlerIsNeverRunInsideTheInitiatingCall) {
  a_.send("already waiting");  // inproc: in b_'s queue once send returns
  auto returned = std::make_shared<std::atomic<bool>>(false);
  auto ran_inline = std::make_shared<std::atomic<bool>>(false);
  const auto caller = std::this_thread::get_id();
  RecvCompletion c;
  b_.async_recv([returned, ran_inline, caller, h = c.handler()](std::error_code ec, Message m) {
    if (std::this_thread::get_id() == caller && !returned->load()) ran_inline->store(true);
    h(ec, std::move(m));
  });
  returned->store(true);
  ASSERT_TRUE(c.wait());
  EXPECT_FALSE(ran_inline->load()) << "the handler ran inside async_recv()";
  EXPECT_EQ(to_string(c.take_message()), "already waiting");
}

TEST_F(AsyncTest, SendHandlerIsNeverRunInsideTheInitiatingCall) {
  auto returned = std::make_shared<std::atomic<bool>>(false);
  auto ran_inline = std::make_shared<std::atomic<bool>>(false);
  const auto caller = std::this_thread::get_id();
  SendCompletion c;
  a_.async_send(Message{std::string_view{"room to spare"}},
                [returned, ran_inline, caller, h = c.handler()](std::error_code ec) {
                  if (std::this_thread::get_id() == caller && !returned->load())
                    ran_inline->store(true);
                  h(ec);
                });
  returned->store(true);
  ASSERT_TRUE(c.wait());
  EXPECT_FALSE(ran_inline->load()) << "the handler ran inside async_send()";
  EXPECT_EQ(to_string(b_.recv()), "room to spare");
}

// A handler bound to an io_context that nobody runs yet can only run once
// the test runs it, after async_recv() has returned.
TEST_F(AsyncTest, HandlerRunsOnItsAssociatedExecutor) {
  a_.send("waiting");
  auto returned = std::make_shared<std::atomic<bool>>(false);
  auto saw_returned = std::make_shared<std::atomic<bool>>(false);
  auto on_io = std::make_shared<std::atomic<bool>>(false);
  RecvCompletion c;
  b_.async_recv(asio::bind_executor(
      io_, [this, returned, saw_returned, on_io, h = c.handler()](std::error_code ec, Message m) {
        saw_returned->store(returned->load());
        on_io->store(io_.get_executor().running_in_this_thread());
        h(ec, std::move(m));
      }));
  returned->store(true);
  // No sleep: a wrong library would have completed the handler already.
  EXPECT_FALSE(c.done()) << "the handler ran before its io_context was run";
  ASSERT_TRUE(run_until(io_, [&] { return c.done(); }));
  EXPECT_TRUE(drain_io(io_));
  EXPECT_TRUE(saw_returned->load());
  EXPECT_TRUE(on_io->load());
  EXPECT_EQ(to_string(c.take_message()), "waiting");
}

TEST(AsyncExecutorTest, SocketOnIdleIoContextPostsCompletion) {
  asio::io_context io;
  Socket a{sprocket::pair};
  Socket b{sprocket::pair, {}, io.get_executor()};
  bound_blocking_calls(a);
  PipeEventRecorder ea(a), eb(b);
  const std::string url = unique_inproc_name();
  a.listen(url);
  b.dial(url);
  // b's connection work may need its io_context: run it while waiting.
  ASSERT_TRUE(run_until(io, [&] { return ea.count(Kind::added) >= 1 && eb.count(Kind::added) >= 1; }))
      << "a: " << ea.summary() << "; b: " << eb.summary();
  a.send("waiting");

  auto returned = std::make_shared<std::atomic<bool>>(false);
  auto saw_returned = std::make_shared<std::atomic<bool>>(false);
  RecvCompletion c;
  b.async_recv([returned, saw_returned, h = c.handler()](std::error_code ec, Message m) {
    saw_returned->store(returned->load());
    h(ec, std::move(m));
  });
  returned->store(true);
  ASSERT_TRUE(run_until(io, [&] { return c.done(); }));
  EXPECT_TRUE(saw_returned->load()) << "the handler ran inside async_recv()";
  EXPECT_NO_ERROR(c.ec());
  EXPECT_EQ(to_string(c.take_message()), "waiting");

  // Closed sockets hold no work on the caller's io_context: run() can end.
  a.close();
  b.close();
  EXPECT_TRUE(drain_io(io)) << "io_context still has work after both sockets closed";
}

// A protocol timer restarted on every request (REQ's resend interval)
// gives the socket's executor no work until it is due: a restart moves the
// due time and the wait already armed waits on. (Re-arming the asio timer
// for every request queued the aborted wait's handler, and on the shared
// runtime that woke an I/O thread per request.)
TEST(AsyncExecutorTest, ResendTimerRestartedPerRequestQueuesNoWork) {
  asio::io_context io;  // run only while connecting: afterwards it counts what is queued
  Socket rep{sprocket::rep};
  Socket req{sprocket::req, {}, io.get_executor()};
  bound_blocking_calls(rep);
  bound_blocking_calls(req);
  PipeEventRecorder ep(rep), eq(req);
  const std::string url = unique_inproc_name();
  rep.listen(url);
  req.dial(url);
  ASSERT_TRUE(
      run_until(io, [&] { return ep.count(Kind::added) >= 1 && eq.count(Kind::added) >= 1; }));
  io.poll();
  io.restart();

  constexpr int kRequests = 100;
  for (int i = 0; i < kRequests; ++i) {
    req.send("request " + std::to_string(i));
    rep.send(rep.recv());
    EXPECT_EQ(to_string(req.recv()), "request " + std::to_string(i));
  }
  EXPECT_LE(io.poll(), 1u) << "handlers queued on the REQ's executor by " << kRequests
                           << " requests";
}

TEST(AsyncExecutorTest, CompletionsRunOnCallersIoContext) {
  IoThread io;  // declared first: outlives the sockets
  Socket a{sprocket::pair, {}, io.executor()};
  Socket b{sprocket::pair, {}, io.executor()};
  EXPECT_TRUE(a.get_executor() == io.executor());
  EXPECT_TRUE(b.get_executor() == io.executor());
  bound_blocking_calls(a);
  bound_blocking_calls(b);
  PipeEventRecorder ea(a), eb(b);
  ASSERT_TRUE(connect(a, ea, b, eb, unique_inproc_name()));

  RecvCompletion r;
  SendCompletion s;
  b.async_recv(r.handler());
  a.async_send(Message{std::string_view{"on the caller's io_context"}}, s.handler());
  ASSERT_TRUE(s.wait());
  ASSERT_TRUE(r.wait());
  EXPECT_NO_ERROR(s.ec());
  EXPECT_NO_ERROR(r.ec());
  EXPECT_EQ(to_string(r.take_message()), "on the caller's io_context");
  EXPECT_EQ(s.thread(), io.thread_id());
  EXPECT_EQ(r.thread(), io.thread_id());

  // Blocking calls work on such sockets too, from a thread that is not the io thread.
  b.send("blocking");
  EXPECT_EQ(to_string(a.recv()), "blocking");
}

TEST(AsyncExecutorTest, RuntimeSocketCompletesOnRuntimeThread) {
  // With no executor given, a plain callback runs on the socket's executor:
  // the runtime's I/O pool, never the test's own thread.
  Socket a{sprocket::pair};
  Socket b{sprocket::pair};
  bound_blocking_calls(a);
  bound_blocking_calls(b);
  PipeEventRecorder ea(a), eb(b);
  ASSERT_TRUE(connect(a, ea, b, eb, unique_inproc_name()));
  RecvCompletion c;
  b.async_recv(c.handler());
  a.send("pool");
  ASSERT_TRUE(c.wait());
  EXPECT_NO_ERROR(c.ec());
  EXPECT_EQ(to_string(c.take_message()), "pool");
  EXPECT_NE(c.thread(), std::this_thread::get_id());
}

// An executor that counts the claims (tracked copies) on its context, and
// whose post runs the function at once on another thread, to the end,
// before it returns: the worst case of a poster preempted inside post()
// while the handler's own thread runs it.
class ClaimCountingExecutor {
 public:
  struct Counts {
    std::atomic<int> claims{0};
    std::atomic<int> posts{0};
    std::atomic<int> claims_when_a_post_returned{-1};
  };
  enum class Claim { untracked, tracked };

  ClaimCountingExecutor(asio::io_context& io, std::shared_ptr<Counts> counts,
                        Claim claim = Claim::untracked) noexcept
      : io_(&io), counts_(std::move(counts)), claim_(claim) {
    if (claim_ == Claim::tracked) ++counts_->claims;
  }
  ClaimCountingExecutor(const ClaimCountingExecutor& o) noexcept
      : ClaimCountingExecutor(*o.io_, o.counts_, o.claim_) {}
  // A move hands the claim over, as asio's own executors do.
  ClaimCountingExecutor(ClaimCountingExecutor&& o) noexcept
      : io_(o.io_), counts_(o.counts_), claim_(std::exchange(o.claim_, Claim::untracked)) {}
  ClaimCountingExecutor& operator=(const ClaimCountingExecutor&) = delete;
  ~ClaimCountingExecutor() {
    if (claim_ == Claim::tracked) --counts_->claims;
  }

  asio::execution_context& query(asio::execution::context_t) const noexcept { return *io_; }
  static constexpr asio::execution::blocking_t query(asio::execution::blocking_t) noexcept {
    return asio::execution::blocking.never;
  }
  asio::execution::outstanding_work_t query(asio::execution::outstanding_work_t) const noexcept {
    if (claim_ == Claim::tracked) return asio::execution::outstanding_work.tracked;
    return asio::execution::outstanding_work.untracked;
  }
  ClaimCountingExecutor require(asio::execution::blocking_t::never_t) const { return *this; }
  ClaimCountingExecutor prefer(asio::execution::outstanding_work_t::tracked_t) const {
    return {*io_, counts_, Claim::tracked};
  }
  ClaimCountingExecutor prefer(asio::execution::outstanding_work_t::untracked_t) const {
    return {*io_, counts_, Claim::untracked};
  }
  bool operator==(const ClaimCountingExecutor& o) const noexcept { return io_ == o.io_; }
  bool operator!=(const ClaimCountingExecutor& o) const noexcept { return io_ != o.io_; }

  template <class F>
  void execute(F&& f) const {
    // The function, with whatever claim it carries, is gone when the thread ends.
    std::thread run([g = std::decay_t<F>(std::forward<F>(f))]() mutable { std::move(g)(); });
    run.join();
    counts_->claims_when_a_post_returned.store(counts_->claims.load());
    ++counts_->posts;
  }

 private:
  asio::io_context* io_;
  std::shared_ptr<Counts> counts_;
  Claim claim_;
};

// Once its handler has run, a user may destroy the handler's io_context
// (run() returns when no work is left). So the thread that posts a
// completion must keep a claim on that context until its post() has
// returned: posting to an io_context wakes its thread after the handler is
// queued, and a context destroyed in between is used after it is freed.
// (A TSan run of CoroutineSeesErrorsAsExceptions caught the library's
// timer thread signalling the condition variable of an io_context that
// the test had just destroyed.)
TEST_F(AsyncTest, ALibraryThreadHoldsWorkOnTheHandlersContextUntilItsPostReturns) {
  auto counts = std::make_shared<ClaimCountingExecutor::Counts>();
  const ClaimCountingExecutor ex(io_, counts);
  std::atomic<bool> ran{false};
  b_.set_recv_timeout(1ms);  // completed by the library's timer, not by this thread
  b_.async_recv(asio::bind_executor(ex, [&](std::error_code ec, Message) {
    EXPECT_ERRC(ec, errc::timed_out);
    ran = true;
  }));
  ASSERT_TRUE(wait_until([&] { return counts->posts.load() == 1; }));
  EXPECT_TRUE(ran.load());
  EXPECT_GE(counts->claims_when_a_post_returned.load(), 1)
      << "the library held no work on the context while its post() was still running";
  EXPECT_TRUE(wait_until([&] { return counts->claims.load() == 0; }))
      << "the library kept work on the handler's context after completing it";
}

}  // namespace
}  // namespace sprocket::test
