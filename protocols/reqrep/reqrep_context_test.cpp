// Contexts on REQ and REP: many concurrent exchanges over one socket, by
// threads and by coroutines, each reply reaching the exchange that asked;
// per-context timeouts; closing a context or its socket completes what is
// pending with errc::closed; protocols without contexts refuse them.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

// After a standard header: asio's configuration must see libstdc++'s macros
// in every translation unit (see src/runtime.hpp).
#include <asio/co_spawn.hpp>
#include <asio/use_awaitable.hpp>

#include "protocols/common/protocol_test_util.hpp"
#include "sprocket/context.hpp"

namespace sprocket::test {
namespace {

constexpr int kClients = 100, kExchanges = 20, kWorkers = 4;

/// Mismatches seen by clients running on many threads.
class Tally {
 public:
  void ok() { ++ok_; }
  void fail(std::string what) {
    std::lock_guard lock(mu_);
    if (failures_.size() < 10) failures_.push_back(std::move(what));
    ++failed_;
  }
  int ok_count() const { return ok_.load(); }
  int failed_count() const { return failed_.load(); }
  std::string failures() const {
    std::lock_guard lock(mu_);
    std::string s;
    for (const auto& f : failures_) s += f + "; ";
    return s;
  }

 private:
  std::atomic<int> ok_{0}, failed_{0};
  mutable std::mutex mu_;
  std::vector<std::string> failures_;
};

std::string request_body(int client, int k) {
  return "client-" + std::to_string(client) + "-" + std::to_string(k);
}

/// REP worker threads, each answering on its own Context until the socket
/// closes. The destructor closes the socket and joins, so a failing test
/// never leaves a thread behind.
class RepWorkers {
 public:
  explicit RepWorkers(Socket& rep) : rep_(rep) {
    for (int i = 0; i < kWorkers; ++i) threads_.emplace_back([this] { serve(); });
  }
  ~RepWorkers() { stop(); }
  void stop() {
    rep_.close();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

 private:
  void serve() {
    Context ctx(rep_);
    for (;;) {
      std::error_code ec;
      Message m = ctx.recv(ec);
      if (ec == errc::closed) return;
      if (ec) continue;  // a timeout only means a quiet moment
      ctx.send("re:" + std::string(m.str()), ec);
    }
  }
  Socket& rep_;
  std::vector<std::thread> threads_;
};

class ReqRepContextLoadTest : public ::testing::TestWithParam<Via> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(connect_via(rep_.socket, rep_.events, req_.socket, req_.events, GetParam()));
  }
  Node req_{sprocket::req};
  Node rep_{sprocket::rep};
};
INSTANTIATE_TEST_SUITE_P(Transports, ReqRepContextLoadTest,
                         ::testing::Values(Via::inproc, Via::tcp), ViaName{});

TEST_P(ReqRepContextLoadTest, HundredThreadsEachGetTheirOwnReplies) {
  RepWorkers workers(rep_.socket);
  Tally tally;
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      Context ctx(req_.socket);  // starts with the socket's bounded timeouts
      for (int k = 0; k < kExchanges; ++k) {
        const auto body = request_body(i, k);
        std::error_code ec;
        ctx.send(body, ec);
        Message reply = ec ? Message{} : ctx.recv(ec);
        if (ec) return tally.fail(body + ": " + describe(ec));
        if (reply.str() != "re:" + body)
          return tally.fail(body + " got " + std::string(reply.str()));
        tally.ok();
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(tally.failed_count(), 0) << tally.failures();
  EXPECT_EQ(tally.ok_count(), kClients * kExchanges);
  EXPECT_EQ(req_.socket.stats().drops, 0u);
}

asio::awaitable<void> async_client(Socket& req, int i, Tally& tally) {
  Context ctx(req);
  for (int k = 0; k < kExchanges; ++k) {
    const auto body = request_body(i, k);
    co_await ctx.async_send(Message(body), asio::use_awaitable);
    Message reply = co_await ctx.async_recv(asio::use_awaitable);
    if (reply.str() != "re:" + body) {
      tally.fail(body + " got " + std::string(reply.str()));
      co_return;
    }
    tally.ok();
  }
}

asio::awaitable<void> async_worker(Socket& rep) {
  Context ctx(rep);
  for (;;) {
    Message m = co_await ctx.async_recv(asio::use_awaitable);
    co_await ctx.async_send(Message("re:" + std::string(m.str())), asio::use_awaitable);
  }
}

TEST_P(ReqRepContextLoadTest, HundredCoroutinesEachGetTheirOwnReplies) {
  asio::io_context io;
  Tally tally;
  std::atomic<int> clients_done{0}, workers_done{0};
  std::mutex mu;
  std::vector<std::string> worker_errors;
  for (int w = 0; w < kWorkers; ++w) {
    asio::co_spawn(io, async_worker(rep_.socket), [&](std::exception_ptr e) {
      try {
        if (e) std::rethrow_exception(e);
      } catch (const std::system_error& err) {
        if (err.code() != errc::closed) {
          std::lock_guard lock(mu);
          worker_errors.push_back(err.what());
        }
      }
      ++workers_done;
    });
  }
  for (int i = 0; i < kClients; ++i) {
    asio::co_spawn(io, async_client(req_.socket, i, tally), [&, i](std::exception_ptr e) {
      try {
        if (e) std::rethrow_exception(e);
      } catch (const std::exception& err) {
        tally.fail("client " + std::to_string(i) + ": " + err.what());
      }
      ++clients_done;
    });
  }
  EXPECT_TRUE(run_until(
      io, [&] { return clients_done == kClients; }, 60s))
      << clients_done << " of " << kClients << " clients finished";
  EXPECT_EQ(tally.failed_count(), 0) << tally.failures();
  EXPECT_EQ(tally.ok_count(), kClients * kExchanges);

  // Closing the socket ends the workers' pending receives with errc::closed.
  rep_.socket.close();
  req_.socket.close();
  EXPECT_TRUE(run_until(io, [&] { return workers_done == kWorkers; }));
  EXPECT_TRUE(worker_errors.empty()) << worker_errors.front();
  EXPECT_TRUE(drain_io(io));
}

// ------------------------------------------------------------- one context

TEST(ReqRepContextTest, RepliesReachTheContextThatAsked) {
  Node req(sprocket::req), rep(sprocket::rep);
  ASSERT_TRUE(connect_via(rep.socket, rep.events, req.socket, req.events, Via::inproc));
  Context q1(req.socket), q2(req.socket), r1(rep.socket), r2(rep.socket);
  q1.send("one");
  q2.send("two");
  EXPECT_EQ(to_string(r1.recv()), "one");
  EXPECT_EQ(to_string(r2.recv()), "two");
  r2.send("re:two");  // answered out of order
  r1.send("re:one");
  // q1 meets q2's reply first: it is kept for q2, not lost or misdelivered.
  EXPECT_EQ(to_string(q1.recv()), "re:one");
  EXPECT_EQ(to_string(q2.recv()), "re:two");
  EXPECT_EQ(req.socket.stats().drops, 0u);
}

TEST(ReqRepContextTest, StartsWithTheSocketsTimeoutsAndKeepsItsOwn) {
  Node req(sprocket::req), rep(sprocket::rep);
  req.socket.set_recv_timeout(123ms);
  req.socket.set_send_timeout(456ms);
  Context ctx(req.socket);
  EXPECT_EQ(to_ms(ctx.recv_timeout()), 123);
  EXPECT_EQ(to_ms(ctx.send_timeout()), 456);

  ctx.set_recv_timeout(50ms);
  ctx.set_send_timeout(-1ms);
  EXPECT_EQ(to_ms(ctx.recv_timeout()), 50);
  EXPECT_LT(ctx.send_timeout().count(), 0);
  EXPECT_EQ(to_ms(req.socket.recv_timeout()), 123) << "a context's setter left the socket alone";
  EXPECT_EQ(to_ms(req.socket.send_timeout()), 456);
  req.socket.set_recv_timeout(789ms);
  EXPECT_EQ(to_ms(ctx.recv_timeout()), 50) << "the context copied the timeouts when it opened";

  // The context's own timeout is the one its calls honour.
  ASSERT_TRUE(connect_via(rep.socket, rep.events, req.socket, req.events, Via::inproc));
  ctx.send("unanswered");
  std::error_code ec;
  const auto start = Clock::now();
  (void)ctx.recv(ec);
  EXPECT_ERRC(ec, errc::timed_out);
  EXPECT_GE(to_ms(Clock::now() - start), 45);
}

TEST(ReqRepContextTest, ClosingAContextCompletesItsPendingRecvWithClosed) {
  Node req(sprocket::req), rep(sprocket::rep);
  ASSERT_TRUE(connect_via(rep.socket, rep.events, req.socket, req.events, Via::inproc));
  Context asking(req.socket), waiting(rep.socket), other(rep.socket);
  asking.send("never answered");
  RecvCompletion req_recv, rep_recv, other_recv;
  asking.async_recv(req_recv.handler());
  EXPECT_EQ(to_string(rep.socket.recv()), "never answered") << "the socket itself took the request";
  waiting.async_recv(rep_recv.handler());
  other.async_recv(other_recv.handler());

  asking.close();
  waiting.close();
  ASSERT_TRUE(req_recv.wait());
  EXPECT_ERRC(req_recv.ec(), errc::closed);
  ASSERT_TRUE(rep_recv.wait());
  EXPECT_ERRC(rep_recv.ec(), errc::closed);
  EXPECT_FALSE(other_recv.done()) << "closing one context leaves the others alone";

  std::error_code ec;
  asking.send("after close", ec);
  EXPECT_ERRC(ec, errc::closed);
  (void)asking.recv(ec);
  EXPECT_ERRC(ec, errc::closed);

  // The socket and its other contexts go on.
  req.socket.send("still serving?");
  ASSERT_TRUE(other_recv.wait());
  EXPECT_NO_ERROR(other_recv.ec());
  EXPECT_EQ(to_string(other_recv.take_message()), "still serving?");
}

TEST(ReqRepContextTest, ClosingTheSocketCompletesEveryContextsPendingOperations) {
  Node req(sprocket::req), rep(sprocket::rep), lonely_req(sprocket::req), idle_rep(sprocket::rep);
  ASSERT_TRUE(connect_via(rep.socket, rep.events, req.socket, req.events, Via::inproc));
  Context a1(req.socket), a2(req.socket);            // requests out, replies never come
  Context b1(lonely_req.socket);                     // no peer: its send waits
  Context r1(idle_rep.socket), r2(idle_rep.socket);  // no requests ever come
  a1.send("q1");
  a2.send("q2");
  RecvCompletion a1_recv, a2_recv, r1_recv, r2_recv, idle_socket_recv;
  SendCompletion b1_send;
  a1.async_recv(a1_recv.handler());
  a2.async_recv(a2_recv.handler());
  b1.async_send(Message("waiting for a peer"), b1_send.handler());
  r1.async_recv(r1_recv.handler());
  r2.async_recv(r2_recv.handler());
  idle_rep.socket.async_recv(idle_socket_recv.handler());

  req.socket.close();
  lonely_req.socket.close();
  idle_rep.socket.close();
  for (auto* c : {&a1_recv, &a2_recv, &r1_recv, &r2_recv, &idle_socket_recv}) {
    ASSERT_TRUE(c->wait());
    EXPECT_ERRC(c->ec(), errc::closed);
  }
  ASSERT_TRUE(b1_send.wait());
  EXPECT_ERRC(b1_send.ec(), errc::closed);

  std::error_code ec;
  a1.send("after close", ec);
  EXPECT_ERRC(ec, errc::closed);
  Context late(req.socket, ec);
  EXPECT_ERRC(ec, errc::closed) << "no new context on a closed socket";
}

TEST(ReqRepContextTest, ProtocolsWithoutContextsRefuseThem) {
  struct Case {
    const char* name;
    Protocol protocol;
    bool raw;
  };
  for (const Case& c : {Case{"push", sprocket::push, false}, Case{"pull", sprocket::pull, false},
                        Case{"pair", sprocket::pair, false}, Case{"raw req", sprocket::req, true},
                        Case{"raw rep", sprocket::rep, true}}) {
    Socket s{c.protocol, {.raw = c.raw}};
    std::string what;
    EXPECT_ERRC(thrown_code([&] { Context ctx(s); }, &what), errc::not_supported) << c.name;
    std::error_code ec;
    Context ctx(s, ec);
    EXPECT_ERRC(ec, errc::not_supported) << c.name;
    ctx.send("nowhere", ec);
    EXPECT_ERRC(ec, errc::closed) << c.name << ": a context that never opened is closed";
  }
}

}  // namespace
}  // namespace sprocket::test
