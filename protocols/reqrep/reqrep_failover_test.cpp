// Priority failover between two data centres, over tcp. A REQ client dials
// two "local" REP servers at send_priority 1 and two "remote" ones at
// send_priority 2. Requests go local while a local server is up; when both
// local servers die with requests in flight, the REQ resends those at once
// (not after the 60 s resend interval) and the remote servers answer; when
// local servers listen again on the same ports and the dialers reconnect,
// new requests go local again.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "protocols/common/protocol_test_util.hpp"
#include "sprocket/context.hpp"

namespace sprocket::test {
namespace {

/// A REP server on its own thread: answers "<name>:<request>", or, while
/// holding, keeps requests unanswered (counting them) so that they are
/// still in flight when the test kills the server.
class Server {
 public:
  Server(std::string name, const std::string& url) : name_(std::move(name)) {
    bound_blocking_calls(socket_);
    port_ = socket_.listen(url).port();
    thread_ = std::thread([this] { serve(); });
  }
  ~Server() { stop(); }

  /// Closes the socket (its connections drop) and joins the thread.
  void stop() {
    socket_.close();
    if (thread_.joinable()) thread_.join();
  }
  void hold_requests() { hold_ = true; }
  std::uint16_t port() const { return port_; }
  int held() const { return held_.load(); }

 private:
  void serve() {
    for (;;) {
      std::error_code ec;
      Message m = socket_.recv(ec);
      if (ec == errc::closed) return;
      if (ec) continue;  // timed out: keep waiting
      if (hold_) {
        ++held_;
        continue;
      }
      socket_.send(name_ + ":" + std::string(m.str()), ec);
    }
  }

  std::string name_;
  Socket socket_{sprocket::rep};
  std::uint16_t port_ = 0;
  std::atomic<bool> hold_{false};
  std::atomic<int> held_{0};
  std::thread thread_;
};

std::string tcp_url(std::uint16_t port) {
  return "tcp://127.0.0.1:" + std::to_string(port);
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Short backoff so the REQ finds the restarted local servers quickly.
EndpointOptions local_options() {
  return {.send_priority = 1, .reconnect_min = 20ms, .reconnect_max = 100ms};
}
EndpointOptions remote_options() {
  return {.send_priority = 2, .reconnect_min = 20ms, .reconnect_max = 100ms};
}

TEST(ReqRepFailoverTest, TwoDataCentres) {
  Node client(sprocket::req);
  ASSERT_EQ(to_ms(client.socket.resend_interval()), 60'000) << "only a pipe loss may resend";
  auto local1 = std::make_unique<Server>("local-1", "tcp://127.0.0.1:0");
  auto local2 = std::make_unique<Server>("local-2", "tcp://127.0.0.1:0");
  Server remote1("remote-1", "tcp://127.0.0.1:0"), remote2("remote-2", "tcp://127.0.0.1:0");
  const std::uint16_t port1 = local1->port(), port2 = local2->port();
  client.socket.dial(tcp_url(remote1.port()), remote_options());
  client.socket.dial(tcp_url(port1), local_options());
  client.socket.dial(tcp_url(remote2.port()), remote_options());
  client.socket.dial(tcp_url(port2), local_options());
  ASSERT_TRUE(client.events.wait_added(4)) << client.events.summary();

  // Phase 1: everything goes local, round-robin over both local servers.
  int served_by[2] = {0, 0};
  for (int i = 0; i < 50; ++i) {
    client.socket.send("p1-" + std::to_string(i));
    const std::string reply{to_string(client.socket.recv())};
    ASSERT_TRUE(starts_with(reply, "local-")) << "request " << i << " answered by " << reply;
    ASSERT_EQ(reply.substr(8), "p1-" + std::to_string(i));
    ++served_by[reply[6] - '1'];
  }
  EXPECT_EQ(served_by[0], 25);
  EXPECT_EQ(served_by[1], 25);

  // Phase 2: requests that the local servers keep unanswered...
  local1->hold_requests();
  local2->hold_requests();
  constexpr int kInFlight = 10;
  std::vector<std::unique_ptr<Context>> in_flight;
  for (int i = 0; i < kInFlight; ++i) {
    in_flight.push_back(std::make_unique<Context>(client.socket));
    in_flight.back()->send("p2-" + std::to_string(i));
  }
  ASSERT_TRUE(wait_until([&] { return local1->held() + local2->held() >= kInFlight; }))
      << "local servers hold " << local1->held() + local2->held() << " of " << kInFlight;
  // ...and kill both data-centre-local servers.
  local1->stop();
  local2->stop();
  for (int i = 0; i < kInFlight; ++i) {
    std::error_code ec;
    Message reply = in_flight[i]->recv(ec);  // bounded by kEventTimeout, far below 60 s
    ASSERT_NO_ERROR(ec) << "request " << i << " was not resent when its pipe died";
    EXPECT_TRUE(starts_with(reply.str(), "remote-")) << reply.str();
    EXPECT_EQ(reply.str().substr(9), "p2-" + std::to_string(i));
  }
  in_flight.clear();

  // Phase 3: local servers come back on the same ports; once the dialers
  // have reconnected (two more added pipes), new requests go local again.
  const auto added_before = client.events.count(PipeEvent::Kind::added);
  local1 = std::make_unique<Server>("local-1", tcp_url(port1));
  local2 = std::make_unique<Server>("local-2", tcp_url(port2));
  ASSERT_TRUE(client.events.wait_added(added_before + 2)) << client.events.summary();
  for (int i = 0; i < 20; ++i) {
    client.socket.send("p3-" + std::to_string(i));
    const std::string reply{to_string(client.socket.recv())};
    EXPECT_TRUE(starts_with(reply, "local-")) << "request " << i << " answered by " << reply;
  }
}

}  // namespace
}  // namespace sprocket::test
