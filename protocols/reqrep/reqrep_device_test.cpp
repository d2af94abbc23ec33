// Raw REQ/REP and devices: a raw REP shows the route (incoming pipe id,
// then the request id) and a raw REQ sends the header it is given; a device
// between a raw REP and a raw REQ forwards requests and brings replies back,
// through a chain of two devices; it returns when a side closes, refuses
// cooked or mismatched sockets, and a loop of devices is cut by the hop
// limit instead of circulating forever.
#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

// After a standard header: asio's configuration must see libstdc++'s macros
// in every translation unit (see src/runtime.hpp).
#include <asio/use_future.hpp>

#include "protocols/common/protocol_test_util.hpp"
#include "sprocket/context.hpp"
#include "sprocket/device.hpp"

namespace sprocket::test {
namespace {

constexpr std::uint32_t kIdBit = 0x80000000u;

std::vector<std::uint32_t> header_words(const Message& m) {
  std::vector<std::uint32_t> out;
  auto h = m.header();
  for (std::size_t i = 0; i + 4 <= h.size(); i += 4)
    out.push_back(std::uint32_t(h[i]) << 24 | std::uint32_t(h[i + 1]) << 16 |
                  std::uint32_t(h[i + 2]) << 8 | std::uint32_t(h[i + 3]));
  return out;
}

Message with_words(const std::vector<std::uint32_t>& words, std::string_view body) {
  Message m(body);
  for (auto w : words) EXPECT_TRUE(m.push_header_word(w));
  return m;
}

/// async_device's result as a value (a plain use_future would throw the
/// error from another thread, which TSan misreads; see async_test.cpp).
std::future<std::error_code> start_device(Socket& a, Socket& b) {
  return async_device(a, b, asio::use_future([](std::error_code ec) { return ec; }));
}

/// sprocket::device(a, b) on its own thread. The destructor closes `a`
/// (which ends the device) and joins, so a failing test leaves no thread.
class DeviceThread {
 public:
  DeviceThread(Socket& a, Socket& b)
      : a_(a), thread_([this, &b] {
          device(a_, b, ec_);
          done_ = true;
        }) {}
  ~DeviceThread() {
    a_.close();
    thread_.join();
  }
  /// Waits until device() returned; then its error code.
  ::testing::AssertionResult returned(std::error_code& ec) {
    if (!wait_until([&] { return done_.load(); }))
      return ::testing::AssertionFailure() << "device() did not return";
    ec = ec_;  // written before done_ was set
    return ::testing::AssertionSuccess();
  }

 private:
  Socket& a_;
  std::error_code ec_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

/// A cooked REP answering "re:<request>" on its own thread until closed.
class EchoServer {
 public:
  explicit EchoServer(Socket& rep) : rep_(rep), thread_([this] { serve(); }) {}
  ~EchoServer() {
    rep_.close();
    thread_.join();
  }

 private:
  void serve() {
    for (;;) {
      std::error_code ec;
      Message m = rep_.recv(ec);
      if (ec == errc::closed) return;
      if (!ec) rep_.send("re:" + std::string(m.str()), ec);
    }
  }
  Socket& rep_;
  std::thread thread_;
};

class RawReqRepTest : public ::testing::TestWithParam<Via> {};
INSTANTIATE_TEST_SUITE_P(Transports, RawReqRepTest, kAllTransports, ViaName{});

TEST_P(RawReqRepTest, RawRepShowsThePipeIdThenTheRequestId) {
  Node req(sprocket::req), raw_rep(sprocket::rep, {.raw = true});
  ASSERT_TRUE(connect_via(raw_rep.socket, raw_rep.events, req.socket, req.events, GetParam()));
  req.socket.send("hello");
  Message request = raw_rep.socket.recv();
  EXPECT_EQ(request.str(), "hello");
  const auto words = header_words(request);
  ASSERT_EQ(words.size(), 2u) << "pipe id, request id";
  EXPECT_EQ(words[0] & kIdBit, 0u) << "the pipe id has the top bit clear";
  EXPECT_NE(words[0], 0u);
  EXPECT_EQ(words[0], raw_rep.events.events(PipeEvent::Kind::added).at(0).pipe_id);
  EXPECT_NE(words[1] & kIdBit, 0u) << "the request id has the top bit set";

  // The reply goes back along the header it is given.
  Message reply("world");
  ASSERT_TRUE(reply.set_header(request.header()));
  raw_rep.socket.send(std::move(reply));
  EXPECT_EQ(to_string(req.socket.recv()), "world");

  std::error_code ec;
  raw_rep.socket.send(Message("no route"), ec);
  EXPECT_ERRC(ec, errc::invalid_argument) << "a raw reply needs the pipe id word";
  raw_rep.socket.send(with_words({words[0] + 1, words[1]}, "unknown pipe"), ec);
  EXPECT_NO_ERROR(ec) << "an unroutable reply is dropped, not an error";
  EXPECT_EQ(raw_rep.socket.stats().drops, 1u);
}

TEST_P(RawReqRepTest, RawReqSendsTheHeaderItIsGiven) {
  Node raw_req(sprocket::req, {.raw = true}), rep(sprocket::rep);
  ASSERT_TRUE(connect_via(rep.socket, rep.events, raw_req.socket, raw_req.events, GetParam()));
  raw_req.socket.send(with_words({kIdBit | 42}, "question"));
  EXPECT_EQ(to_string(rep.socket.recv()), "question");
  rep.socket.send("answer");
  Message reply = raw_req.socket.recv();
  EXPECT_EQ(reply.str(), "answer");
  EXPECT_EQ(header_words(reply), (std::vector<std::uint32_t>{kIdBit | 42}));
}

TEST_P(RawReqRepTest, RequestsCrossTwoDevices) {
  // client REQ -> [raw REP | device | raw REQ] -> [raw REP | device | raw REQ] -> REP
  const Via via = GetParam();
  Node client(sprocket::req), server(sprocket::rep);
  Node front1(sprocket::rep, {.raw = true}), back1(sprocket::req, {.raw = true});
  Node front2(sprocket::rep, {.raw = true}), back2(sprocket::req, {.raw = true});
  ASSERT_TRUE(connect_via(front1.socket, front1.events, client.socket, client.events, via));
  ASSERT_TRUE(connect_via(front2.socket, front2.events, back1.socket, back1.events, via));
  ASSERT_TRUE(connect_via(server.socket, server.events, back2.socket, back2.events, via));
  EchoServer echo(server.socket);
  DeviceThread device1(front1.socket, back1.socket);         // the blocking form
  auto device2 = start_device(front2.socket, back2.socket);  // the async form

  for (int i = 0; i < 10; ++i) {
    client.socket.send("request-" + std::to_string(i));
    EXPECT_EQ(to_string(client.socket.recv()), "re:request-" + std::to_string(i));
  }
  // Several exchanges in flight at once, answered in any order.
  std::vector<std::unique_ptr<Context>> contexts;
  for (int i = 0; i < 5; ++i) {
    contexts.push_back(std::make_unique<Context>(client.socket));
    contexts.back()->send("ctx-" + std::to_string(i));
  }
  for (int i = 0; i < 5; ++i) EXPECT_EQ(to_string(contexts[i]->recv()), "re:ctx-" + std::to_string(i));

  // Closing one side of each device makes it return normally.
  front1.socket.close();
  std::error_code ec;
  ASSERT_TRUE(device1.returned(ec));
  EXPECT_NO_ERROR(ec);
  back2.socket.close();
  ASSERT_EQ(device2.wait_for(kEventTimeout), std::future_status::ready);
  EXPECT_NO_ERROR(device2.get());
}

TEST(ReqRepDeviceTest, ThrowingFormReturnsNormallyWhenASideCloses) {
  Socket front{sprocket::rep, {.raw = true}}, back{sprocket::req, {.raw = true}};
  std::atomic<bool> returned{false}, threw{false};
  std::thread t([&] {
    try {
      device(front, back);
    } catch (const std::system_error&) {
      threw = true;
    }
    returned = true;
  });
  back.close();
  const bool finished = wait_until([&] { return returned.load(); });
  front.close();  // in case it did not finish: this must end it
  t.join();
  EXPECT_TRUE(finished);
  EXPECT_FALSE(threw);
}

TEST(ReqRepDeviceTest, RefusesCookedSocketsAndMismatchedProtocols) {
  Socket cooked_rep{sprocket::rep}, raw_req{sprocket::req, {.raw = true}};
  Socket raw_rep{sprocket::rep, {.raw = true}}, raw_pull{sprocket::pull, {.raw = true}};
  Socket other_raw_req{sprocket::req, {.raw = true}};
  std::error_code ec;
  device(cooked_rep, raw_req, ec);
  EXPECT_ERRC(ec, errc::invalid_argument) << "a cooked socket";
  device(raw_req, cooked_rep, ec);
  EXPECT_ERRC(ec, errc::invalid_argument) << "a cooked socket, other side";
  device(raw_rep, raw_pull, ec);
  EXPECT_ERRC(ec, errc::invalid_argument) << "REP and PULL are not partners";
  device(raw_req, other_raw_req, ec);
  EXPECT_ERRC(ec, errc::invalid_argument) << "REQ and REQ are not partners";
  EXPECT_ERRC(thrown_code([&] { device(cooked_rep, raw_req); }), errc::invalid_argument);
  auto f = start_device(cooked_rep, raw_req);
  ASSERT_EQ(f.wait_for(kEventTimeout), std::future_status::ready);
  EXPECT_ERRC(f.get(), errc::invalid_argument);
}

// ------------------------------------------------------------------- loops

TEST_P(RawReqRepTest, DeviceLoopIsCutByTheHopLimit) {
  // The device's back end dials its own front end: every request comes
  // back one hop deeper, until the front's hop limit drops it.
  constexpr int kMaxTtl = 3;
  Node client(sprocket::req);
  Node front(sprocket::rep, {.raw = true}), back(sprocket::req, {.raw = true});
  front.socket.set_max_ttl(kMaxTtl);
  const auto url = listen_fresh(front.socket, GetParam());
  back.socket.dial(url);
  client.socket.dial(url);
  ASSERT_TRUE(front.events.wait_added(2)) << front.events.summary();
  ASSERT_TRUE(back.events.wait_added() && client.events.wait_added());
  auto loop = start_device(front.socket, back.socket);

  client.socket.send("around and around");
  ASSERT_TRUE(wait_until([&] { return front.socket.stats().drops >= 1; }))
      << "the request was never dropped; the front received "
      << front.socket.stats().messages_received;
  // Received with 1, 2 and 3 backtrace words; the 4th trip is one too many.
  EXPECT_EQ(front.socket.stats().messages_received, std::uint64_t(kMaxTtl));
  EXPECT_EQ(front.socket.stats().drops, 1u);
  EXPECT_TRUE(nothing_waiting(client.socket));

  front.socket.close();
  ASSERT_EQ(loop.wait_for(kEventTimeout), std::future_status::ready);
  EXPECT_NO_ERROR(loop.get());
}

TEST(ReqRepDeviceLoopTest, TwoDevicesInACycleAreCutByTheHopLimit) {
  constexpr int kMaxTtl = 4;
  Node client(sprocket::req);
  Node front_a(sprocket::rep, {.raw = true}), back_a(sprocket::req, {.raw = true});
  Node front_b(sprocket::rep, {.raw = true}), back_b(sprocket::req, {.raw = true});
  front_a.socket.set_max_ttl(kMaxTtl);
  front_b.socket.set_max_ttl(kMaxTtl);
  const auto url_a = listen_fresh(front_a.socket, Via::inproc);
  const auto url_b = listen_fresh(front_b.socket, Via::inproc);
  back_a.socket.dial(url_b);
  back_b.socket.dial(url_a);
  client.socket.dial(url_a);
  ASSERT_TRUE(front_a.events.wait_added(2) && front_b.events.wait_added(1));
  ASSERT_TRUE(client.events.wait_added() && back_a.events.wait_added() &&
              back_b.events.wait_added());
  auto device_a = start_device(front_a.socket, back_a.socket);
  auto device_b = start_device(front_b.socket, back_b.socket);

  client.socket.send("a to b to a to b");
  const auto drops = [&] { return front_a.socket.stats().drops + front_b.socket.stats().drops; };
  ASSERT_TRUE(wait_until([&] { return drops() >= 1; })) << "the request circulates forever";
  const auto received =
      front_a.socket.stats().messages_received + front_b.socket.stats().messages_received;
  EXPECT_EQ(received, std::uint64_t(kMaxTtl)) << "one hop per REP reception, up to the limit";
  EXPECT_EQ(drops(), 1u);

  front_a.socket.close();
  front_b.socket.close();
  for (auto* f : {&device_a, &device_b}) {
    ASSERT_EQ(f->wait_for(kEventTimeout), std::future_status::ready);
    EXPECT_NO_ERROR(f->get());
  }
}

}  // namespace
}  // namespace sprocket::test
