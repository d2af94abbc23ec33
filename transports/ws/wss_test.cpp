// wss:// — the ws transport inside TLS — between sprocket sockets: sizes
// that span many TLS records and ws frames, several listeners sharing one
// wss port by path, the ws/wss port conflict, and refusals (a plaintext ws
// client, a name mismatch, a dripped ClientHello) after which the listener
// still serves. The TLS layer itself is tested over tls+tcp
// (transports/tls); the protocol suites run over wss as well.
#include <string>

#include "test_util.hpp"
#include "tls_test_pki.hpp"
#include "transports/stream/stream_test_util.hpp"

namespace sprocket::test {
namespace {

using Kind = PipeEvent::Kind;

const TestPki& pki() { return TestPki::get(); }

std::string wss_url(const std::string& host, std::uint16_t port, const std::string& path = "/sp") {
  return "wss://" + host + ":" + std::to_string(port) + path;
}

struct Peer {
  Peer() {
    bound_blocking_calls(socket);
    socket.set_recv_max_size(0);
  }
  Socket socket{pair};
  PipeEventRecorder events{socket};
};

void expect_exchange(Peer& a, Peer& b, const std::string& body) {
  b.socket.send(body);
  EXPECT_TRUE(to_string(a.socket.recv()) == body) << body.size() << " bytes";
  a.socket.send(body);
  EXPECT_TRUE(to_string(b.socket.recv()) == body) << body.size() << " bytes";
}

/// A good dialer reaches `url` and exchanges a message with `server`.
void expect_still_serves(Peer& server, const std::string& url) {
  Peer good;
  good.socket.dial(url, {.tls = pki().client()});
  ASSERT_TRUE(good.events.wait_added()) << good.events.summary();
  expect_exchange(server, good, "still serving");
}

TEST(WssTest, ExchangesMessagesOfEverySize) {
  Peer a, b;
  Listener l = a.socket.listen("wss://127.0.0.1:0/sp", {.tls = pki().server()});
  b.socket.dial(wss_url("localhost", l.port()), {.tls = pki().client()});
  ASSERT_TRUE(b.events.wait_added()) << b.events.summary();
  ASSERT_TRUE(a.events.wait_added()) << a.events.summary();
  EXPECT_EQ(a.events.events(Kind::added).at(0).peer_address.rfind("wss://127.0.0.1:", 0), 0u);
  EXPECT_EQ(b.events.events(Kind::added).at(0).peer_address.rfind("wss://127.0.0.1:", 0), 0u);
  for (std::size_t size : {0u, 1u, 70'000u, 1u << 20, 4u << 20})
    expect_exchange(a, b, std::string(size, static_cast<char>('a' + size % 26)));
}

TEST(WssTest, ListenersShareAPortByPath) {
  Peer one, two, d1, d2;
  Listener l = one.socket.listen("wss://127.0.0.1:0/one", {.tls = pki().server()});
  two.socket.listen(wss_url("127.0.0.1", l.port(), "/two"), {.tls = pki().server()});
  d1.socket.dial(wss_url("localhost", l.port(), "/one"), {.tls = pki().client()});
  d2.socket.dial(wss_url("localhost", l.port(), "/two"), {.tls = pki().client()});
  ASSERT_TRUE(d1.events.wait_added()) << d1.events.summary();
  ASSERT_TRUE(d2.events.wait_added()) << d2.events.summary();
  d1.socket.send("to one");
  d2.socket.send("to two");
  EXPECT_EQ(to_string(one.socket.recv()), "to one");
  EXPECT_EQ(to_string(two.socket.recv()), "to two");
}

TEST(WssTest, APortServesWsOrWssNotBoth) {
  Socket a{pair}, b{pair};
  Listener l = a.listen("wss://127.0.0.1:0/a", {.tls = pki().server()});
  std::error_code ec;
  std::string what;
  try {
    b.listen("ws://127.0.0.1:" + std::to_string(l.port()) + "/b");
  } catch (const std::system_error& e) {
    ec = e.code();
    what = e.what();
  }
  EXPECT_EQ(ec, errc::address_in_use) << what;
  EXPECT_NE(what.find("serves wss://"), std::string::npos) << what;
}

TEST(WssTest, ListenerNeedsACertificate) {
  Socket s{pair};
  std::error_code ec;
  s.listen("wss://127.0.0.1:0/x", {}, ec);
  EXPECT_EQ(ec, errc::invalid_argument);
  std::string what;
  try {
    s.listen("wss://127.0.0.1:0/x");
  } catch (const std::system_error& e) {
    what = e.what();
  }
  EXPECT_NE(what.find("cert_file"), std::string::npos) << what;
}

TEST(WssTest, PlaintextWsClientIsRefused) {
  Peer server;
  Listener l = server.socket.listen("wss://127.0.0.1:0/sp", {.tls = pki().server()});
  Peer plain;
  plain.socket.dial("ws://127.0.0.1:" + std::to_string(l.port()) + "/sp",
                    {.reconnect_min = 50ms, .reconnect_max = 200ms});
  ASSERT_TRUE(server.events.wait_refused()) << server.events.summary();
  EXPECT_EQ(std::string(server.events.events(Kind::refused).at(0).reason.category().name()),
            "asio.ssl")
      << server.events.summary();
  ASSERT_TRUE(plain.events.wait_refused()) << plain.events.summary();
  EXPECT_EQ(plain.events.count(Kind::added), 0u);
  EXPECT_GE(server.socket.stats().refused, 1u);
  expect_still_serves(server, wss_url("localhost", l.port()));
}

TEST(WssTest, NameMismatchIsRefusedWithOpenSslsReason) {
  Peer server;
  Listener l = server.socket.listen(
      "wss://127.0.0.1:0/sp",
      {.tls = TlsConfig{.cert_file = pki().file("wrong-name.pem"), .key_file = pki().file("srv.key")}});
  Peer dialer;
  dialer.socket.dial(wss_url("localhost", l.port()),
                     {.reconnect_min = 50ms, .reconnect_max = 200ms, .tls = pki().client()});
  ASSERT_TRUE(dialer.events.wait_refused()) << dialer.events.summary();
  const auto e = dialer.events.events(Kind::refused).at(0);
  EXPECT_EQ(&e.reason.category(), &tls_verify_category()) << e.reason.message();
  EXPECT_NE(e.reason.message().find("hostname mismatch"), std::string::npos) << e.reason.message();
  EXPECT_GE(dialer.socket.stats().refused, 1u);
  dialer.socket.close();
  Peer good;
  TlsConfig named = pki().client();
  named.server_name = "wrong.example";
  good.socket.dial(wss_url("localhost", l.port()), {.tls = named});
  ASSERT_TRUE(good.events.wait_added()) << good.events.summary();
  expect_exchange(server, good, "named right");
}

TEST(WssTest, SilentOrDrippingClientMeetsTheHandshakeTimeout) {
  Peer server;
  server.socket.set_handshake_timeout(500ms);
  Listener l = server.socket.listen("wss://127.0.0.1:0/sp", {.tls = pki().server()});
  // A TLS record header, then nothing more, a byte at a time.
  RawStream raw = RawStream::connect_tcp(l.port());
  ASSERT_TRUE(raw.ok());
  EXPECT_TRUE(raw.drip_until_closed(std::string_view("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11)))
      << "the dripping client was never dropped";
  ASSERT_TRUE(server.events.wait_refused()) << server.events.summary();
  EXPECT_ERRC(server.events.events(Kind::refused).at(0).reason, errc::timed_out);
  server.socket.set_handshake_timeout(10s);
  expect_still_serves(server, wss_url("localhost", l.port()));
}

}  // namespace
}  // namespace sprocket::test
