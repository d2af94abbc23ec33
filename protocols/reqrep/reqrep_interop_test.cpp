// REQ/REP against the peers sprocket must interoperate with: NNG 1.5.2's
// `nngcat` and nanomsg 1.1.5's `nanocat` as child processes, and libnng
// linked in. Both directions (sprocket REQ against their REP, their REQ
// against sprocket's REP) over tcp and ipc; a sprocket REQ spreading its
// requests over two NNG REP servers; and a sprocket REP behind an NNG
// device (raw rep0 + raw req0 joined by nng_device), asked by NNG and by
// sprocket.
//
// A missing tool or library fails the test with what to install: an
// interop suite that skips silently proves nothing.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "protocols/common/cli_scenarios.hpp"
#include "protocols/common/interop_util.hpp"

#ifdef SPROCKET_HAVE_NNG
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#endif

namespace sprocket::test {
namespace {

// ------------------------------------------------------------- CLI peers

const char* req_flag(Tool t) { return t == Tool::nngcat ? "--req0" : "--req"; }
const char* rep_flag(Tool t) { return t == Tool::nngcat ? "--rep0" : "--rep"; }

// Over tcp sprocket listens on port 0 and the tool dials (no port guessed
// in advance); over ipc the tool listens on a fresh path and sprocket
// dials, so both directions of connection are covered.
class ReqRepCliInteropTest : public ::testing::TestWithParam<CliParam> {
 protected:
  void SetUp() override { ASSERT_TRUE(tool_available(GetParam().tool)); }

  /// Connects `sock` and a tool started with `protocol_flag` + `extra`.
  void start(Node& sock, const char* protocol_flag, std::vector<std::string> extra) {
    const CliParam& c = GetParam();
    const std::string url = meeting_url(sock.socket, c.transport, c.role);
    start_connected_tool(peer_, sock.socket, sock.events, c.tool, protocol_flag, c.role, url,
                         std::move(extra));
  }

  std::unique_ptr<ChildProcess> peer_;  // killed and reaped by its destructor
};

INSTANTIATE_TEST_SUITE_P(Peers, ReqRepCliInteropTest,
                         ::testing::Values(
                             CliParam{Tool::nngcat, Transport::tcp, Role::sprocket_listens},
                             CliParam{Tool::nngcat, Transport::ipc, Role::sprocket_dials},
                             CliParam{Tool::nanocat, Transport::tcp, Role::sprocket_listens},
                             CliParam{Tool::nanocat, Transport::ipc, Role::sprocket_dials}),
                         CliParamName{});

TEST_P(ReqRepCliInteropTest, SprocketReqAgainstPeerRep) {
  Node req(sprocket::req);
  ASSERT_NO_FATAL_FAILURE(start(req, rep_flag(GetParam().tool), cli_scenario::rep_tool_args()));
  cli_scenario::req_asks_rep_tool(req.socket, *peer_);
}

TEST_P(ReqRepCliInteropTest, PeerReqAgainstSprocketRep) {
  Node rep(sprocket::rep);
  ASSERT_NO_FATAL_FAILURE(start(rep, req_flag(GetParam().tool), cli_scenario::req_tool_args()));
  cli_scenario::rep_answers_req_tool(rep.socket, *peer_);
}

// ---------------------------------------------------------------- libnng

#ifndef SPROCKET_HAVE_NNG

TEST(NngReqRepInteropTest, LibnngIsInstalled) {
  FAIL() << kNoLibnng;
}

#else

/// An NNG socket with bounded blocking calls, closed when the test ends.
/// Unlike interop_util.hpp's NngSocket it opens in its constructor (a
/// member of the servers below) and another thread may close() it to end a
/// blocking call of the thread serving on it.
class NngServerSocket {
 public:
  explicit NngServerSocket(int (*open)(nng_socket*)) {
    ok_ = open(&s_) == 0;
    if (!ok_) return;
    nng_socket_set_ms(s_, NNG_OPT_RECVTIMEO, 10'000);
    nng_socket_set_ms(s_, NNG_OPT_SENDTIMEO, 10'000);
    nng_socket_set_ms(s_, NNG_OPT_RECONNMINT, 20);
    nng_socket_set_ms(s_, NNG_OPT_RECONNMAXT, 200);
  }
  ~NngServerSocket() { close(); }
  NngServerSocket(const NngServerSocket&) = delete;
  NngServerSocket& operator=(const NngServerSocket&) = delete;

  /// Closing unblocks this socket's pending calls (NNG_ECLOSED); idempotent.
  void close() {
    if (ok_.exchange(false)) nng_close(s_);
  }
  bool ok() const { return ok_; }
  nng_socket get() const { return s_; }

  /// Listens on a fresh `via` address (tcp: port 0) and returns its URL.
  std::string listen(Via via) {
    const std::string url = via == Via::tcp ? "tcp://127.0.0.1:0" : "ipc://" + unique_ipc_path();
    nng_listener l;
    if (nng_listen(s_, url.c_str(), &l, 0) != 0) return {};
    if (via != Via::tcp) return url;
    int port = 0;
    nng_listener_get_int(l, NNG_OPT_TCP_BOUND_PORT, &port);
    return "tcp://127.0.0.1:" + std::to_string(port);
  }

 private:
  nng_socket s_ = NNG_SOCKET_INITIALIZER;
  std::atomic<bool> ok_{false};
};

std::string body_of(nng_msg* m) {
  return {static_cast<const char*>(nng_msg_body(m)), nng_msg_len(m)};
}

/// An NNG REP server on its own thread, answering "<name>:<request>".
class NngRepServer {
 public:
  explicit NngRepServer(std::string name) : name_(std::move(name)) {}
  ~NngRepServer() { stop(); }

  /// Listens on a fresh address and starts serving; the URL, or empty.
  std::string start(Via via) {
    const std::string url = socket_.listen(via);
    if (!url.empty()) thread_ = std::thread([this] { serve(); });
    return url;
  }
  void stop() {
    socket_.close();
    if (thread_.joinable()) thread_.join();
  }
  int served() const { return served_.load(); }

 private:
  void serve() {
    for (;;) {
      nng_msg* m = nullptr;
      int rv = nng_recvmsg(socket_.get(), &m, 0);
      if (rv == NNG_ECLOSED) return;
      if (rv != 0) continue;  // a timeout: keep serving
      const std::string reply = name_ + ":" + body_of(m);
      nng_msg_clear(m);
      nng_msg_append(m, reply.data(), reply.size());
      if (nng_sendmsg(socket_.get(), m, 0) != 0) nng_msg_free(m);
      ++served_;
    }
  }

  std::string name_;
  NngServerSocket socket_{nng_rep0_open};
  std::atomic<int> served_{0};
  std::thread thread_;
};

/// A sprocket REP answering "sprocket:<request>" on its own thread.
class SprocketRepServer {
 public:
  SprocketRepServer() : thread_([this] { serve(); }) {}
  ~SprocketRepServer() {
    rep.socket.close();
    thread_.join();
  }
  Node rep{sprocket::rep};

 private:
  void serve() {
    for (;;) {
      std::error_code ec;
      Message m = rep.socket.recv(ec);
      if (ec == errc::closed) return;
      if (!ec) rep.socket.send("sprocket:" + std::string(m.str()), ec);
    }
  }
  std::thread thread_;
};

/// One request from an NNG REQ socket; the reply, or what went wrong.
std::string nng_ask(NngServerSocket& req, const std::string& request) {
  nng_msg* m = nullptr;
  if (nng_msg_alloc(&m, 0) != 0) return "<alloc failed>";
  nng_msg_append(m, request.data(), request.size());
  if (int rv = nng_sendmsg(req.get(), m, 0); rv != 0) {
    nng_msg_free(m);
    return std::string("<send: ") + nng_strerror(rv) + ">";
  }
  if (int rv = nng_recvmsg(req.get(), &m, 0); rv != 0)
    return std::string("<recv: ") + nng_strerror(rv) + ">";
  std::string reply = body_of(m);
  nng_msg_free(m);
  return reply;
}

class NngReqRepInteropTest : public ::testing::TestWithParam<Via> {};
INSTANTIATE_TEST_SUITE_P(Streams, NngReqRepInteropTest, ::testing::Values(Via::tcp, Via::ipc),
                         ViaName{});

TEST_P(NngReqRepInteropTest, SprocketReqAgainstNngRep) {
  NngRepServer server("nng");
  const std::string url = server.start(GetParam());
  ASSERT_FALSE(url.empty()) << "NNG could not listen";
  Node req(sprocket::req);
  req.socket.dial(url, kPeerRetry);
  ASSERT_TRUE(req.events.wait_added()) << req.events.summary();
  for (int i = 0; i < 5; ++i) {
    req.socket.send("q-" + std::to_string(i));
    EXPECT_EQ(to_string(req.socket.recv()), "nng:q-" + std::to_string(i));
  }
  EXPECT_EQ(req.socket.stats().drops, 0u);
}

TEST_P(NngReqRepInteropTest, NngReqAgainstSprocketRep) {
  SprocketRepServer server;
  const std::string url = listen_fresh(server.rep.socket, GetParam());
  NngServerSocket req(nng_req0_open);
  ASSERT_TRUE(req.ok());
  ASSERT_NNG_OK(nng_dial(req.get(), url.c_str(), nullptr, 0));
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(nng_ask(req, "q-" + std::to_string(i)), "sprocket:q-" + std::to_string(i));
}

TEST(NngReqRepSpreadTest, SprocketReqSpreadsOverTwoNngReps) {
  constexpr int kRequests = 20;
  NngRepServer a("a"), b("b");
  const std::string url_a = a.start(Via::tcp), url_b = b.start(Via::tcp);
  ASSERT_FALSE(url_a.empty() || url_b.empty());
  Node req(sprocket::req);
  req.socket.dial(url_a, kPeerRetry);
  req.socket.dial(url_b, kPeerRetry);
  ASSERT_TRUE(req.events.wait_added(2)) << req.events.summary();
  int by_a = 0, by_b = 0;
  for (int i = 0; i < kRequests; ++i) {
    req.socket.send("q-" + std::to_string(i));
    const std::string reply{to_string(req.socket.recv())};
    if (reply == "a:q-" + std::to_string(i))
      ++by_a;
    else if (reply == "b:q-" + std::to_string(i))
      ++by_b;
    else
      ADD_FAILURE() << "request " << i << " got " << reply;
  }
  // Round-robin over two ready peers of one priority level.
  EXPECT_NEAR(by_a, kRequests / 2, 1);
  EXPECT_NEAR(by_b, kRequests / 2, 1);
}

/// nng_device(front, back) on its own thread, between a raw rep0 listening
/// for clients and a raw req0 dialing the server. Closing both sockets
/// ends the device; the destructor does that and joins.
class NngDevice {
 public:
  NngDevice() = default;
  ~NngDevice() { stop(); }
  std::string start(Via via, const std::string& server_url) {
    if (!front_.ok() || !back_.ok()) return {};
    if (nng_dial(back_.get(), server_url.c_str(), nullptr, NNG_FLAG_NONBLOCK) != 0) return {};
    const std::string url = front_.listen(via);
    if (!url.empty()) thread_ = std::thread([this] { nng_device(front_.get(), back_.get()); });
    return url;
  }
  void stop() {
    front_.close();
    back_.close();
    if (thread_.joinable()) thread_.join();
  }

 private:
  NngServerSocket front_{nng_rep0_open_raw};
  NngServerSocket back_{nng_req0_open_raw};
  std::thread thread_;
};

TEST_P(NngReqRepInteropTest, SprocketRepBehindAnNngDevice) {
  SprocketRepServer server;
  const std::string server_url = listen_fresh(server.rep.socket, GetParam());
  NngDevice device;
  const std::string front_url = device.start(GetParam(), server_url);
  ASSERT_FALSE(front_url.empty()) << "the NNG device could not start";
  ASSERT_TRUE(server.rep.events.wait_added()) << "the device never reached the sprocket REP";

  NngServerSocket nng_client(nng_req0_open);
  ASSERT_TRUE(nng_client.ok());
  ASSERT_NNG_OK(nng_dial(nng_client.get(), front_url.c_str(), nullptr, 0));
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(nng_ask(nng_client, "nng-" + std::to_string(i)), "sprocket:nng-" + std::to_string(i));

  Node client(sprocket::req);
  client.socket.dial(front_url, kPeerRetry);
  ASSERT_TRUE(client.events.wait_added());
  for (int i = 0; i < 3; ++i) {
    client.socket.send("sp-" + std::to_string(i));
    EXPECT_EQ(to_string(client.socket.recv()), "sprocket:sp-" + std::to_string(i));
  }
  EXPECT_EQ(server.rep.socket.stats().drops, 0u) << "NNG's backtrace was refused";
}

#endif  // SPROCKET_HAVE_NNG

}  // namespace
}  // namespace sprocket::test
