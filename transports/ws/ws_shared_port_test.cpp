// Several ws listeners on one port, as NNG allows: each path goes to its
// listener, whichever socket it belongs to; the same path twice is
// address_in_use; an unknown path is answered 404 and reported to every
// listener on the port; closing a listener removes its path and the last
// one frees the port; the head timeout before routing is the port's
// shortest. Also NNG's empty request target for a URL without a path.
#include <algorithm>
#include <thread>

#include "protocols/common/protocol_test_util.hpp"
#include "transports/ws/ws_test_util.hpp"

namespace sprocket::test {
namespace {

using Kind = PipeEvent::Kind;

const EndpointOptions kFastRetry{.reconnect_min = 10ms, .reconnect_max = 100ms};

std::string ws_url(std::uint16_t port, std::string_view path) {
  return "ws://127.0.0.1:" + std::to_string(port) + std::string(path);
}

/// Sends an upgrade request with `request_line` on `s` and returns the head
/// of the answer.
std::string upgrade(RawStream& s, std::string_view request_line,
                    std::string_view protocol = "pair.sp.nanomsg.org") {
  const std::string req = http_head(request_line, valid_headers(protocol));
  EXPECT_TRUE(s.write_all(req));
  return read_head(s);
}

/// A raw request for `target`: expects the answer to start with `status`
/// and the connection to be closed.
void expect_answer(std::uint16_t port, std::string_view target, std::string_view status,
                   std::string_view protocol = "pair.sp.nanomsg.org") {
  RawStream s = RawStream::connect_tcp(port);
  ASSERT_TRUE(s.ok());
  const std::string head = upgrade(s, "GET " + std::string(target) + " HTTP/1.1", protocol);
  EXPECT_EQ(head.substr(0, status.size()), status) << "answer: [" << head << "]";
  EXPECT_TRUE(s.wait_closed()) << "the connection stayed open";
}

/// `client` dials `url`; they trade a message each way with `server`.
void expect_exchange(Node& server, Node& client, const std::string& url, std::string_view text) {
  const auto added = server.events.count(Kind::added);
  client.socket.dial(url, kFastRetry);
  ASSERT_TRUE(server.events.wait_added(added + 1)) << url << ": " << server.events.summary();
  ASSERT_TRUE(client.events.wait_added()) << url << ": " << client.events.summary();
  client.socket.send(text);
  EXPECT_EQ(to_string(server.socket.recv()), text);
  server.socket.send(std::string(text) + " back");
  EXPECT_EQ(to_string(client.socket.recv()), std::string(text) + " back");
}

TEST(WsSharedPort, TwoSocketsServeTwoPathsOfOnePort) {
  Node a(sprocket::pair), b(sprocket::pair);
  Listener la = a.socket.listen("ws://127.0.0.1:0/a");
  Listener lb = b.socket.listen(ws_url(la.port(), "/b"));
  EXPECT_EQ(lb.port(), la.port());
  Node to_a(sprocket::pair), to_b(sprocket::pair);
  expect_exchange(a, to_a, ws_url(la.port(), "/a"), "for a");
  expect_exchange(b, to_b, ws_url(la.port(), "/b"), "for b");
  EXPECT_EQ(a.socket.stats().refused, 0u);
  EXPECT_EQ(b.socket.stats().refused, 0u);
  EXPECT_EQ(a.socket.stats().pipes, 1u);
  EXPECT_EQ(b.socket.stats().pipes, 1u);
}

TEST(WsSharedPort, OneSocketServesSeveralPathsOfOnePort) {
  Node pull(sprocket::pull), x(sprocket::push), y(sprocket::push);
  Listener lx = pull.socket.listen("ws://127.0.0.1:0/x");
  Listener ly = pull.socket.listen(ws_url(lx.port(), "/y"));
  x.socket.dial(ws_url(lx.port(), "/x"));
  y.socket.dial(ws_url(lx.port(), "/y"));
  ASSERT_TRUE(pull.events.wait_added(2)) << pull.events.summary();
  x.socket.send("via x");
  y.socket.send("via y");
  auto got = recv_n(pull.socket, 2);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"via x", "via y"}));
}

TEST(WsSharedPort, SamePathTwiceIsAddressInUse) {
  Node a(sprocket::pair), b(sprocket::pair);
  Listener la = a.socket.listen("ws://127.0.0.1:0/sp");
  std::error_code ec;
  b.socket.listen(ws_url(la.port(), "/sp"), {}, ec);
  EXPECT_ERRC(ec, errc::address_in_use) << "from another socket";
  a.socket.listen(ws_url(la.port(), "/sp"), {}, ec);
  EXPECT_ERRC(ec, errc::address_in_use) << "from the same socket";
  b.socket.listen(ws_url(la.port(), "/sp/"), {}, ec);  // paths compare byte for byte
  EXPECT_NO_ERROR(ec);
  Node client(sprocket::pair);
  expect_exchange(a, client, ws_url(la.port(), "/sp"), "the first one keeps /sp");
}

TEST(WsSharedPort, UnknownPathIsAnswered404AndReportedToEveryListener) {
  Node a(sprocket::pair), b(sprocket::rep);
  Listener la = a.socket.listen("ws://127.0.0.1:0/a");
  Listener lb = b.socket.listen(ws_url(la.port(), "/b"));
  expect_answer(la.port(), "/c", "HTTP/1.1 404");
  ASSERT_TRUE(a.events.wait_refused()) << a.events.summary();
  ASSERT_TRUE(b.events.wait_refused()) << b.events.summary();
  EXPECT_ERRC(a.events.events(Kind::refused).at(0).reason, errc::protocol_error);
  EXPECT_ERRC(b.events.events(Kind::refused).at(0).reason, errc::protocol_error);
  EXPECT_EQ(a.events.events(Kind::refused).at(0).url, "ws://127.0.0.1:0/a");
  // A refusal on a known path goes to its listener only.
  expect_answer(la.port(), "/a", "HTTP/1.1 400", "bus.sp.nanomsg.org");
  ASSERT_TRUE(a.events.wait_refused(2)) << a.events.summary();
  EXPECT_ERRC(a.events.events(Kind::refused).at(1).reason, errc::protocol_mismatch);
  EXPECT_EQ(b.socket.stats().refused, 1u);
  EXPECT_EQ(a.socket.stats().pipes_added + b.socket.stats().pipes_added, 0u);
}

TEST(WsSharedPort, ClosingAListenerRemovesOnlyItsPath) {
  Node a(sprocket::pair), b(sprocket::pair);
  Listener la = a.socket.listen("ws://127.0.0.1:0/a");
  const auto port = la.port();
  Listener lb = b.socket.listen(ws_url(port, "/b"));
  la.close();
  expect_answer(port, "/a", "HTTP/1.1 404");
  Node client(sprocket::pair);
  expect_exchange(b, client, ws_url(port, "/b"), "b still served");
  // The path is free again, for any socket.
  Node c(sprocket::pair), to_c(sprocket::pair);
  c.socket.listen(ws_url(port, "/a"));
  expect_exchange(c, to_c, ws_url(port, "/a"), "a again");
}

TEST(WsSharedPort, ThePortIsFreeWhenItsLastPathCloses) {
  Node a(sprocket::pair), b(sprocket::pair);
  Listener la = a.socket.listen("ws://127.0.0.1:0/a");
  const auto port = la.port();
  Listener lb = b.socket.listen(ws_url(port, "/b"));
  la.close();
  lb.close();
  Node t(sprocket::pair);
  std::error_code ec;
  Listener lt = t.socket.listen("tcp://127.0.0.1:" + std::to_string(port), {}, ec);
  EXPECT_NO_ERROR(ec) << "the port was not released";
  lt.close();
  Node c(sprocket::pair), to_c(sprocket::pair);
  c.socket.listen(ws_url(port, "/c"), {}, ec);
  ASSERT_NO_ERROR(ec) << "a new server on the same port";
  expect_exchange(c, to_c, ws_url(port, "/c"), "new server");
}

// Before the head is read the path, and so the socket, is unknown: the
// shortest handshake timeout of the port's sockets applies, and the
// refusal goes to both.
TEST(WsSharedPort, SilentClientIsDroppedAtThePortsShortestHandshakeTimeout) {
  Node a(sprocket::pair), b(sprocket::pair);
  // If b's 200 ms were not applied, a's hour would be: the close at all
  // (within the test's patience) shows which one was.
  a.socket.set_handshake_timeout(1h);
  b.socket.set_handshake_timeout(200ms);
  Listener la = a.socket.listen("ws://127.0.0.1:0/a");
  Listener lb = b.socket.listen(ws_url(la.port(), "/b"));
  RawStream s = RawStream::connect_tcp(la.port());
  EXPECT_TRUE(s.wait_closed()) << "the 200 ms timeout was not applied";
  ASSERT_TRUE(a.events.wait_refused()) << a.events.summary();
  ASSERT_TRUE(b.events.wait_refused()) << b.events.summary();
  EXPECT_ERRC(a.events.events(Kind::refused).at(0).reason, errc::timed_out);
  EXPECT_ERRC(b.events.events(Kind::refused).at(0).reason, errc::timed_out);
}

// NNG 1.5 dialing ws://host:port sends "GET  HTTP/1.1": an empty target
// reaches the listener on ws://host:port (path "/").
TEST(WsSharedPort, EmptyRequestTargetReachesTheSlashListener) {
  Node a(sprocket::pair), b(sprocket::pair);
  Listener la = a.socket.listen("ws://127.0.0.1:0");
  Listener lb = b.socket.listen(ws_url(la.port(), "/b"));
  RawStream s = RawStream::connect_tcp(la.port());
  ASSERT_TRUE(s.ok());
  const std::string head = upgrade(s, "GET  HTTP/1.1");
  EXPECT_EQ(head.rfind("HTTP/1.1 101 ", 0), 0u) << head;
  EXPECT_TRUE(a.events.wait_added()) << a.events.summary();
  EXPECT_EQ(b.socket.stats().pipes_added, 0u);
}

// Listeners of other sockets come and go on the port while one socket
// keeps serving its path (for TSan: the path registry under concurrent
// routing, adding and removing).
TEST(WsSharedPort, ListenersComeAndGoWhileAnotherPathIsServed) {
  Node stay(sprocket::rep), client(sprocket::req);
  Listener l = stay.socket.listen("ws://127.0.0.1:0/stay");
  const auto port = l.port();
  client.socket.dial(ws_url(port, "/stay"), kFastRetry);
  std::jthread churn([port] {
    for (int i = 0; i < 10; ++i) {
      Node server(sprocket::pair), dialer(sprocket::pair);
      const std::string path = "/churn" + std::to_string(i);
      Listener cl = server.socket.listen(ws_url(port, path));
      expect_exchange(server, dialer, ws_url(port, path), "churn");
      cl.close();
    }
  });
  for (int i = 0; i < 20; ++i) {
    client.socket.send("ping " + std::to_string(i));
    EXPECT_EQ(to_string(stay.socket.recv()), "ping " + std::to_string(i));
    stay.socket.send("pong");
    EXPECT_EQ(to_string(client.socket.recv()), "pong");
  }
  churn.join();
  EXPECT_EQ(stay.socket.stats().refused, 0u);
}

}  // namespace
}  // namespace sprocket::test
