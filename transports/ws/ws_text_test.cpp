// Text messages (EndpointOptions::ws_send_text / ws_recv_text, what
// nanomsg's NN_WS_MSG_TYPE_TEXT needs): an endpoint that sends text sends
// frames with opcode 1, one that receives text takes text frames (checked for
// UTF-8, invalid text closes with 1007) besides binary ones, and one that
// does not take text still refuses it. Per message (Message::ws_frame_type):
// received messages say whether they came as text or binary, and a
// message's own type overrides the endpoint's ws_send_text both ways; other
// transports neither set nor read it. The wire is judged by a hand-written
// client (ws_test_util.hpp).
#include "protocols/common/protocol_test_util.hpp"
#include "transports/ws/message_decoder.hpp"
#include "transports/ws/ws_test_util.hpp"

namespace sprocket::test {
namespace {

using Kind = PipeEvent::Kind;

bool utf8(std::string_view s) {
  return ws::valid_utf8(std::as_bytes(std::span(s.data(), s.size())));
}

TEST(WsUtf8, AcceptsWellFormedAndRefusesTheRest) {
  EXPECT_TRUE(utf8(""));
  EXPECT_TRUE(utf8("plain ascii"));
  EXPECT_TRUE(utf8("\xC3\xA9t\xC3\xA9"));          // été
  EXPECT_TRUE(utf8("\xE2\x82\xAC"));               // €
  EXPECT_TRUE(utf8("\xF0\x9F\x98\x80"));           // U+1F600
  EXPECT_TRUE(utf8("\xF4\x8F\xBF\xBF"));           // U+10FFFF, the last one
  EXPECT_FALSE(utf8("\xFF"));                      // never a lead byte
  EXPECT_FALSE(utf8("\x80"));                      // a lone continuation
  EXPECT_FALSE(utf8("\xC0\x80"));                  // overlong NUL
  EXPECT_FALSE(utf8("\xE0\x80\xAF"));              // overlong '/'
  EXPECT_FALSE(utf8("\xED\xA0\x80"));              // a surrogate
  EXPECT_FALSE(utf8("\xF4\x90\x80\x80"));          // past U+10FFFF
  EXPECT_FALSE(utf8("\xE2\x82"));                  // cut short
  EXPECT_FALSE(utf8("ok\xC3"));                    // cut short at the end
  EXPECT_FALSE(utf8("\xC3\x28"));                  // a bad continuation
}

class WsTextTest : public ::testing::Test {
 protected:
  void SetUp() override { bound_blocking_calls(server_); }

  std::uint16_t listen(const EndpointOptions& o) {
    return server_.listen("ws://127.0.0.1:0/text", o).port();
  }

  /// A raw client that made a valid upgrade to the server.
  RawStream upgraded(std::uint16_t port) {
    RawStream s = RawStream::connect_tcp(port);
    const std::string req = http_head("GET /text HTTP/1.1", valid_headers());
    EXPECT_TRUE(s.write_all(req));
    const std::string head = read_head(s);
    EXPECT_EQ(head.rfind("HTTP/1.1 101 ", 0), 0u) << head;
    EXPECT_TRUE(events_.wait_added()) << events_.summary();
    return s;
  }

  Socket server_{sprocket::pair};
  PipeEventRecorder events_{server_};
};

TEST_F(WsTextTest, TextEndpointSendsTextFramesAndTakesText) {
  RawStream s = upgraded(listen(EndpointOptions{}.with_ws_send_text().with_ws_recv_text()));
  server_.send("hello in text");
  auto f = read_frame(s);
  ASSERT_TRUE(f);
  EXPECT_EQ(int(f->opcode), int(kText));
  EXPECT_TRUE(f->fin);
  EXPECT_EQ(f->text(), "hello in text");
  ASSERT_TRUE(s.write_all(client_frame(kFin | kText, "text from the peer")));
  EXPECT_EQ(to_string(server_.recv()), "text from the peer");
  ASSERT_TRUE(s.write_all(client_frame(kFin | kBinary, "binary still fine")));
  EXPECT_EQ(to_string(server_.recv()), "binary still fine");
  // A text message in two frames: text, then a continuation.
  ASSERT_TRUE(s.write_all(client_frame(kText, "\xC3") + client_frame(kFin | kCont, "\xA9")));
  EXPECT_EQ(to_string(server_.recv()), "\xC3\xA9");
}

TEST_F(WsTextTest, InvalidTextClosesWith1007) {
  RawStream s = upgraded(listen(EndpointOptions{}.with_ws_recv_text()));
  ASSERT_TRUE(s.write_all(client_frame(kFin | kText, "\xC0\x80")));
  ASSERT_NO_FATAL_FAILURE(
      expect_close_frame_and_removal(s, false, 1007, events_, errc::protocol_error));
  EXPECT_TRUE(nothing_waiting(server_));
}

TEST_F(WsTextTest, BinaryEndpointStillRefusesText) {
  RawStream s = upgraded(listen({}));
  ASSERT_TRUE(s.write_all(client_frame(kFin | kText, "no text here")));
  ASSERT_NO_FATAL_FAILURE(
      expect_close_frame_and_removal(s, false, 1003, events_, errc::protocol_error));
}

TEST_F(WsTextTest, DialerSendsTextToATextListener) {
  auto port = listen(EndpointOptions{}.with_ws_recv_text());
  Socket client{sprocket::pair};
  bound_blocking_calls(client);
  client.dial("ws://127.0.0.1:" + std::to_string(port) + "/text", EndpointOptions{}.with_ws_send_text());
  client.send("from a text dialer");
  EXPECT_EQ(to_string(server_.recv()), "from a text dialer");
  server_.send("binary back");
  EXPECT_EQ(to_string(client.recv()), "binary back");
}

Message typed(std::string_view body, WsFrameType type) {
  Message m(body);
  m.set_ws_frame_type(type);
  return m;
}

TEST_F(WsTextTest, ReceivedMessagesSayTheirFrameType) {
  RawStream s = upgraded(listen(EndpointOptions{}.with_ws_recv_text()));
  ASSERT_TRUE(s.write_all(client_frame(kFin | kText, "as text")));
  Message m = server_.recv();
  EXPECT_EQ(to_string(m), "as text");
  EXPECT_EQ(m.ws_frame_type(), WsFrameType::text);
  ASSERT_TRUE(s.write_all(client_frame(kFin | kBinary, "as binary")));
  m = server_.recv();
  EXPECT_EQ(m.ws_frame_type(), WsFrameType::binary);
  // Fragmented: the first frame's opcode says, the continuations do not.
  ASSERT_TRUE(s.write_all(client_frame(kText, "te") + client_frame(kFin | kCont, "xt")));
  m = server_.recv();
  EXPECT_EQ(to_string(m), "text");
  EXPECT_EQ(m.ws_frame_type(), WsFrameType::text);
  ASSERT_TRUE(s.write_all(client_frame(kBinary, "bi") + client_frame(kFin | kCont, "nary")));
  m = server_.recv();
  EXPECT_EQ(to_string(m), "binary");
  EXPECT_EQ(m.ws_frame_type(), WsFrameType::binary);
}

TEST_F(WsTextTest, MessageFrameTypeOverridesABinaryEndpoint) {
  RawStream s = upgraded(listen({}));
  server_.send(typed("text by message", WsFrameType::text));
  server_.send(typed("binary by message", WsFrameType::binary));
  server_.send("by the endpoint");
  const std::pair<const char*, int> expected[] = {
      {"text by message", kText}, {"binary by message", kBinary}, {"by the endpoint", kBinary}};
  for (auto [body, opcode] : expected) {
    auto f = read_frame(s);
    ASSERT_TRUE(f) << body;
    EXPECT_EQ(f->text(), body);
    EXPECT_EQ(int(f->opcode), opcode) << body;
  }
}

TEST_F(WsTextTest, MessageFrameTypeOverridesATextEndpoint) {
  RawStream s = upgraded(listen(EndpointOptions{}.with_ws_send_text()));
  server_.send(typed("binary by message", WsFrameType::binary));
  server_.send(typed("text by message", WsFrameType::text));
  server_.send("by the endpoint");
  const std::pair<const char*, int> expected[] = {
      {"binary by message", kBinary}, {"text by message", kText}, {"by the endpoint", kText}};
  for (auto [body, opcode] : expected) {
    auto f = read_frame(s);
    ASSERT_TRUE(f) << body;
    EXPECT_EQ(f->text(), body);
    EXPECT_EQ(int(f->opcode), opcode) << body;
  }
}

TEST_F(WsTextTest, LargeTextMessageGoesAsTextThenContinuations) {
  RawStream s = upgraded(listen({}));
  const std::string body(200 * 1024, 't');  // several frames of at most 64 KiB
  server_.send(typed(body, WsFrameType::text));
  auto f = read_frame(s);
  ASSERT_TRUE(f);
  EXPECT_EQ(int(f->opcode), int(kText));
  std::string got = f->text();
  while (!f->fin) {
    f = read_frame(s);
    ASSERT_TRUE(f);
    EXPECT_EQ(int(f->opcode), int(kCont));
    got += f->text();
  }
  EXPECT_EQ(got, body);
}

TEST_F(WsTextTest, DialerReceivesTheTypeAndRelaysIt) {
  // Between two sprocket sockets: the dialer sees the listener's text
  // message as text, and sending the very message back keeps its type.
  auto port = listen(EndpointOptions{}.with_ws_recv_text());
  Socket client{sprocket::pair};
  bound_blocking_calls(client);
  client.dial("ws://127.0.0.1:" + std::to_string(port) + "/text", EndpointOptions{}.with_ws_recv_text());
  server_.send(typed("round trip", WsFrameType::text));
  Message m = client.recv();
  EXPECT_EQ(m.ws_frame_type(), WsFrameType::text);
  client.send(std::move(m));
  m = server_.recv();
  EXPECT_EQ(to_string(m), "round trip");
  EXPECT_EQ(m.ws_frame_type(), WsFrameType::text);
}

TEST(WsFrameTypeOtherTransports, TcpNeitherSendsNorSetsIt) {
  Socket a{sprocket::pair}, b{sprocket::pair};
  bound_blocking_calls(a);
  bound_blocking_calls(b);
  Listener l = a.listen("tcp://127.0.0.1:0");
  b.dial("tcp://127.0.0.1:" + std::to_string(l.port()));
  b.send(typed("over tcp", WsFrameType::text));
  Message m = a.recv();
  EXPECT_EQ(to_string(m), "over tcp");
  EXPECT_EQ(m.ws_frame_type(), WsFrameType::unspecified);
}

}  // namespace
}  // namespace sprocket::test
