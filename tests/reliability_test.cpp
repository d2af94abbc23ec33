// Defects of issue #11 in the core, each reproduced here: a dialer that
// deadlocked an I/O thread when closed mid-attach, close() that waited for
// an I/O thread, a Context whose close() raced its own send/recv, user
// deleters run under library locks, and messages lost on PUSH failover.
#include <algorithm>
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include "protocols/common/protocol_test_util.hpp"
#include "sprocket/context.hpp"
#include "transports/stream/stream_test_util.hpp"

namespace sprocket::test {
namespace {

/// Runs `body` on a thread of its own and waits for it up to `limit`; a
/// body that does not finish (a deadlock) fails loudly and ends the
/// process, since its thread can be neither joined nor abandoned safely.
void with_watchdog(std::chrono::seconds limit, const char* what, std::function<void()> body) {
  std::packaged_task<void()> task(std::move(body));
  auto done = task.get_future();
  std::thread runner(std::move(task));
  if (done.wait_for(limit) != std::future_status::ready) {
    std::fprintf(stderr, "\nWATCHDOG: %s did not finish within %lld s: a deadlock\n", what,
                 static_cast<long long>(limit.count()));
    std::fflush(stderr);
    std::abort();
  }
  runner.join();
  done.get();  // rethrows what the body threw
}

// ------------------------------------------------------------------ defect 5

// Four threads each open a PUSH, dial a tcp PULL, send with a short timeout,
// close the dialer (every other thread) and destroy the socket, over and
// over. A Dialer::close() landing while its attempt attached a pipe made the
// I/O thread wait for a mutex it held itself, and every socket served by
// that I/O thread stopped.
TEST(ReliabilityTest, DialCloseStormNeverWedgesAnIoThread) {
  Socket pull{sprocket::pull};
  Listener l = pull.listen("tcp://127.0.0.1:0");
  const std::string url = "tcp://127.0.0.1:" + std::to_string(l.port());
  std::atomic<bool> stop{false};
  std::thread drain([&] {
    pull.set_recv_timeout(50ms);
    std::error_code ec;
    while (!stop) (void)pull.recv(ec);
  });
  with_watchdog(std::chrono::seconds(SPROCKET_STORM_SECONDS + 120), "the dial/close storm", [&] {
    const auto until = Clock::now() + std::chrono::seconds(SPROCKET_STORM_SECONDS);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        while (Clock::now() < until) {
          Socket push{sprocket::push};
          push.set_send_timeout(20ms);
          Dialer d = push.dial(url, {.reconnect_min = 1ms, .reconnect_max = 2ms});
          std::error_code ec;
          push.send("storm", ec);
          if (t % 2 == 0) d.close();
        }
      });
    }
    for (auto& th : threads) th.join();
  });
  stop = true;
  drain.join();
  // Every I/O thread still serves: a fresh exchange goes through.
  Socket a{sprocket::pair}, b{sprocket::pair};
  bound_blocking_calls(a);
  bound_blocking_calls(b);
  Listener la = a.listen("tcp://127.0.0.1:0");
  b.dial("tcp://127.0.0.1:" + std::to_string(la.port()));
  b.send("still alive");
  EXPECT_EQ(to_string(a.recv()), "still alive");
}

// ------------------------------------------------------------------ defect 6

// close() never blocks, and the address is free when it returns: from a
// handler on a one-thread executor (which the old close waited for, a
// second at a time), closing a listener and listening again on the same
// address succeeds at once.
class CloseFromHandlerTest : public ::testing::TestWithParam<Via> {};
INSTANTIATE_TEST_SUITE_P(Transports, CloseFromHandlerTest,
                         ::testing::Values(Via::tcp, Via::ipc, Via::ws), ViaName{});

TEST_P(CloseFromHandlerTest, ListenAgainRightAfterCloseOnAOneThreadExecutor) {
  asio::io_context io;
  Socket s{sprocket::pair, {}, io.get_executor()};
  std::error_code second;
  bool ran = false;
  asio::post(io, [&] {
    const std::string url = listen_fresh(s, GetParam());
    // listen_fresh keeps no handle: close the endpoint through a new listen
    // of the same URL after closing the socket's listener.
    Socket other{sprocket::pair, {}, io.get_executor()};
    Listener l = other.listen(url, {}, second);
    EXPECT_ERRC(second, errc::address_in_use) << url;
    s.close();  // closes its listener
    other.listen(url, {}, second);
    ran = true;
  });
  io.run_for(std::chrono::seconds(30));
  ASSERT_TRUE(ran);
  EXPECT_NO_ERROR(second) << "listening again right after close()";
}

// ------------------------------------------------------------------ defect 7

// Context::close() used to reset the Context's pointer to its socket while
// other threads read it in send/recv (a data race TSan reports, and a crash
// when it loses).
TEST(ReliabilityTest, ContextCloseWhileOtherThreadsUseIt) {
  for (int round = 0; round < 50; ++round) {
    Socket rep{sprocket::rep}, req{sprocket::req};
    rep.listen("inproc://ctx-race-" + std::to_string(round));
    req.dial("inproc://ctx-race-" + std::to_string(round));
    Context ctx(req);
    ctx.set_recv_timeout(5ms);
    ctx.set_send_timeout(5ms);
    std::atomic<bool> go{false};
    std::vector<std::thread> users;
    for (int t = 0; t < 3; ++t) {
      users.emplace_back([&] {
        while (!go) std::this_thread::yield();
        for (int i = 0; i < 50; ++i) {
          std::error_code ec;
          ctx.send("q", ec);
          (void)ctx.recv(ec);
          if (ec == errc::closed) return;
        }
      });
    }
    go = true;
    ctx.close();
    for (auto& u : users) u.join();
    std::error_code ec;
    ctx.send("after", ec);
    EXPECT_ERRC(ec, errc::closed);
  }
}

// ------------------------------------------------------------------ defect 8

/// A Message::wrap body whose deleter calls back into `socket` (stats()
/// takes the socket's lock): run under that lock, it deadlocks.
Message wrapped(Socket& socket, std::string_view text, std::atomic<int>& deleted) {
  auto* p = static_cast<char*>(std::malloc(text.size()));
  std::memcpy(p, text.data(), text.size());
  return Message::wrap(p, text.size(), [&socket, &deleted](void* q) {
    (void)socket.stats();
    std::free(q);
    ++deleted;
  });
}

// PUB drops a copy for a subscriber that has no room; when that copy is
// the body's last reference, the deleter ran under the socket lock.
TEST(DeleterTest, DroppedFanOutCopyRunsItsDeleterOutsideTheLock) {
  with_watchdog(std::chrono::seconds(60), "a PUB dropping a wrapped message", [] {
    Socket pub{sprocket::pub}, sub{sprocket::sub};
    PipeEventRecorder pe{pub}, se{sub};
    pub.set_send_buffer(1);
    sub.set_recv_buffer(1);
    sub.subscribe("");
    ASSERT_TRUE(connect(pub, pe, sub, se, unique_inproc_name()));
    std::atomic<int> deleted{0};
    for (int i = 0; i < 8; ++i) pub.send(wrapped(pub, std::string(100, 'x'), deleted));
    EXPECT_GE(pub.stats().drops, 1u);
    EXPECT_TRUE(wait_until([&] { return deleted >= 1; }));
  });
}

// A REQ keeps a copy of its request; a new request abandons it, and when
// that copy is the body's last reference the deleter ran under the lock.
TEST(DeleterTest, AbandonedRequestCopyRunsItsDeleterOutsideTheLock) {
  with_watchdog(std::chrono::seconds(60), "a REQ abandoning a wrapped request", [] {
    Socket req{sprocket::req}, rep{sprocket::rep};
    PipeEventRecorder qe{req}, pe{rep};
    bound_blocking_calls(req);
    bound_blocking_calls(rep);
    ASSERT_TRUE(connect(rep, pe, req, qe, unique_inproc_name()));
    std::atomic<int> deleted{0};
    req.send(wrapped(req, std::string(100, 'r'), deleted));
    { Message got = rep.recv(); }  // the REP's reference goes
    req.send("the next request abandons the first");
    EXPECT_TRUE(wait_until([&] { return deleted == 1; }));
  });
}

// A REQ drops a malformed reply; the next one read lands in the same
// Message, destroying the dropped one inside the queue's lock (under the
// socket lock too).
TEST(DeleterTest, DroppedReplyRunsItsDeleterOutsideTheLocks) {
  with_watchdog(std::chrono::seconds(60), "a REQ dropping a wrapped reply", [] {
    Socket req{sprocket::req}, rep{sprocket::rep, {.raw = true}};
    PipeEventRecorder qe{req}, pe{rep};
    bound_blocking_calls(req);
    bound_blocking_calls(rep);
    ASSERT_TRUE(connect(rep, pe, req, qe, unique_inproc_name()));
    req.send("question");
    Message q = rep.recv();
    std::atomic<int> deleted{0};
    // Routed back by its pipe id (the header's first word), but with no
    // request id after it: malformed for the REQ, which drops it.
    Message bad = wrapped(req, "no request id", deleted);
    bad.set_header(q.header().first(4));
    rep.send(std::move(bad));
    Message good(std::string_view("answer"));
    good.set_header(q.header());
    rep.send(std::move(good));
    EXPECT_EQ(to_string(req.recv()), "answer");
    EXPECT_TRUE(wait_until([&] { return deleted == 1; }));
    EXPECT_EQ(req.stats().drops, 1u);
  });
}

// ------------------------------------------------------------------ defect 10

/// Numbered messages received by `s` until `n` arrived or nothing came
/// within the socket's receive timeout.
std::vector<int> numbers_received(Socket& s, std::size_t n) {
  std::vector<int> got;
  while (got.size() < n) {
    std::error_code ec;
    Message m = s.recv(ec);
    if (ec) break;
    got.push_back(std::stoi(std::string(m.str().substr(0, m.str().find(' ')))));
  }
  return got;
}

// inproc: a PULL that closes with messages queued for it (the queue is the
// PUSH's own) gives them back; PUSH sends them to its other PULL. Nothing is
// lost, nothing is delivered twice, nothing is counted as dropped.
TEST(FailoverTest, InprocPushGivesAClosedPullsQueueToTheOthers) {
  Socket push{sprocket::push}, primary{sprocket::pull}, secondary{sprocket::pull};
  PipeEventRecorder ue{push}, pe{primary}, se{secondary};
  bound_blocking_calls(push);
  bound_blocking_calls(secondary);
  secondary.set_recv_timeout(2s);
  const std::string p = unique_inproc_name(), s = unique_inproc_name();
  primary.listen(p);
  secondary.listen(s);
  push.dial(p, {.send_priority = 1});
  push.dial(s, {.send_priority = 2});
  ASSERT_TRUE(ue.wait_added(2));
  constexpr int kMessages = 1000;
  std::vector<int> got;
  std::thread reader([&] { got = numbers_received(secondary, kMessages); });
  for (int i = 0; i < kMessages; ++i) push.send(std::to_string(i) + " payload");
  primary.close();  // it read nothing: everything it holds must move over
  reader.join();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got.size(), std::size_t(kMessages)) << "the secondary got " << got.size();
  EXPECT_EQ(std::set<int>(got.begin(), got.end()).size(), got.size()) << "duplicates";
  EXPECT_EQ(push.stats().drops, 0u);
}

// tcp: what PUSH had queued for a connection that dies (the peer resets it)
// goes to the other PULL. Only what had already reached the kernel is lost;
// it is the first messages, in a run no longer than the kernel's buffers can
// hold, and everything after arrives at the secondary exactly once.
TEST(FailoverTest, TcpPushSendsWhatADeadConnectionNeverTookToTheOthers) {
  Socket push{sprocket::push}, secondary{sprocket::pull};
  PipeEventRecorder ue{push}, se{secondary};
  bound_blocking_calls(push);
  secondary.set_recv_timeout(3s);
  constexpr int kMessages = 1000;
  constexpr std::size_t kSize = 64 * 1024;
  push.set_send_buffer(kMessages);  // all of them fit in the primary's queue
  // The primary: a raw peer that takes the SP handshake and reads nothing.
  int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(lfd, 4), 0);
  ASSERT_EQ(::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  push.dial("tcp://127.0.0.1:" + std::to_string(ntohs(a.sin_port)), {.send_priority = 1});
  RawStream primary(::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC));
  ::close(lfd);
  ASSERT_TRUE(primary.ok());
  ASSERT_TRUE(primary.write_all(sp_header(0x51)));  // PULL
  ASSERT_TRUE(primary.read_exact(8));
  ASSERT_TRUE(ue.wait_added(1));
  Listener sl = secondary.listen("tcp://127.0.0.1:0");
  push.dial("tcp://127.0.0.1:" + std::to_string(sl.port()), {.send_priority = 2});
  ASSERT_TRUE(ue.wait_added(2));

  for (int i = 0; i < kMessages; ++i) {
    std::string body = std::to_string(i) + " ";
    body.resize(kSize, 'm');
    push.send(body);
  }
  std::this_thread::sleep_for(200ms);  // let the kernel buffers fill (any amount will do)
  primary.abort();                     // RST: what the kernel held is gone
  std::vector<int> got = numbers_received(secondary, kMessages);
  ASSERT_FALSE(got.empty()) << "nothing that was queued for the dead connection moved over";
  std::sort(got.begin(), got.end());
  EXPECT_EQ(std::set<int>(got.begin(), got.end()).size(), got.size()) << "duplicates";
  const int first = got.front();
  EXPECT_EQ(got.back(), kMessages - 1);
  EXPECT_EQ(got.size(), std::size_t(kMessages - first)) << "a gap after the first rerouted one";
  // What the kernel can hold between the two ends (both buffers at their
  // maximum), in messages: the lost run can be no longer.
  auto max_of = [](const char* path) {
    std::ifstream f(path);
    long lo = 0, def = 0, hi = 0;
    f >> lo >> def >> hi;
    return hi;
  };
  const long kernel = max_of("/proc/sys/net/ipv4/tcp_rmem") + max_of("/proc/sys/net/ipv4/tcp_wmem");
  EXPECT_LE(static_cast<long>(first) * static_cast<long>(kSize), kernel + 2 * long(kSize))
      << first << " messages lost, more than the kernel's buffers hold";
  EXPECT_EQ(push.stats().drops, 0u);
}

}  // namespace
}  // namespace sprocket::test
