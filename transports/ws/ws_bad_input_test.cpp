// Hostile and broken WebSocket clients, written by hand on raw POSIX
// sockets, against a sprocket PAIR listener on ws://127.0.0.1:0/bad: bad
// upgrade requests (each answered with its HTTP status), oversize and
// dripping heads, and after a valid upgrade frames that break RFC 6455 (each
// answered with a close frame carrying its code). Also what a correct client
// may do: ping, fragment, interleave control frames, close. The server's
// answers are parsed by the test (ws_test_util.hpp), and after each case the
// listener must still serve a legitimate sprocket client. Hostile servers
// against a sprocket dialer are in ws_bad_server_test.cpp.
#include <random>

#include "protocols/common/protocol_test_util.hpp"
#include "transports/ws/ws_test_util.hpp"

namespace sprocket::test {
namespace {

using Kind = PipeEvent::Kind;
const std::string kGet = "GET /bad HTTP/1.1";

// ------------------------------------------------------------------ fixture

class WsBadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bound_blocking_calls(server_);
    port_ = server_.listen("ws://127.0.0.1:0/bad").port();
  }

  RawStream connect_raw() {
    RawStream s = RawStream::connect_tcp(port_);
    EXPECT_TRUE(s.ok()) << "connect to port " << port_ << ": " << std::strerror(errno);
    return s;
  }

  /// A raw client that made a valid upgrade (the answer checked against
  /// RFC 6455) and is now a pipe of the server.
  RawStream upgraded(const Bytes& first_frames = {}) {
    const auto added = events_.count(Kind::added);
    RawStream s = connect_raw();
    const std::string req = http_head(kGet, valid_headers());
    EXPECT_TRUE(s.write_all(Bytes(req.begin(), req.end()) + first_frames));
    const std::string head = read_head(s);
    EXPECT_EQ(head.rfind("HTTP/1.1 101 ", 0), 0u) << head;
    for (const std::string& line : std::vector<std::string>{
             "\r\nUpgrade: websocket\r\n", "\r\nConnection: Upgrade\r\n",
             "\r\nSec-WebSocket-Accept: " + kAccept + "\r\n",
             "\r\nSec-WebSocket-Protocol: pair.sp.nanomsg.org\r\n"})
      EXPECT_NE(head.find(line), std::string::npos) << "missing " << line << " in:\n" << head;
    EXPECT_TRUE(events_.wait_added(added + 1)) << events_.summary();
    return s;
  }

  /// Sends a request with a defect: expects the answer to start with
  /// `status`, then the connection closed, one refusal counted (with a
  /// reason), no pipe, and the listener still serving.
  void expect_request_refused(std::string_view text, std::string_view status) {
    RawStream s = connect_raw();
    ASSERT_TRUE(s.write_all(text));
    const std::string head = read_head(s);
    EXPECT_EQ(head.substr(0, status.size()), status) << "answer: [" << head << "]";
    EXPECT_NE(head.find("\r\n\r\n"), std::string::npos) << "the answer is not a whole HTTP head";
    EXPECT_TRUE(s.wait_closed()) << "the connection stayed open";
    ASSERT_TRUE(events_.wait_refused()) << events_.summary();
    EXPECT_TRUE(events_.events(Kind::refused).at(0).reason) << "a refusal needs a reason";
    EXPECT_EQ(server_.stats().refused, 1u);
    EXPECT_EQ(server_.stats().pipes_added, 0u);
    EXPECT_EQ(server_.stats().protocol_errors, 0u) << "refused handshakes count as refused";
    expect_still_serves();
  }

  /// After a valid upgrade sends `bytes`: expects a close frame with `code`,
  /// the connection dropped, the pipe removed with `reason` and counted,
  /// nothing delivered, and the listener still serving.
  void expect_frame_rejected(const Bytes& bytes, int code, errc reason) {
    RawStream s = upgraded();
    ASSERT_TRUE(s.write_all(bytes));
    ASSERT_NO_FATAL_FAILURE(expect_close_frame_and_removal(s, false, code, events_, reason));
    EXPECT_EQ(server_.stats().protocol_errors, 1u);
    EXPECT_EQ(server_.stats().messages_received, 0u);
    EXPECT_TRUE(nothing_waiting(server_));
    expect_still_serves();
  }

  /// Closes a raw client that is a pipe and waits until the server lets go
  /// of it (PAIR takes one peer at a time).
  void hang_up(RawStream& s) {
    const auto removed = events_.count(Kind::removed);
    s.close();
    ASSERT_TRUE(events_.wait_removed(removed + 1)) << events_.summary();
  }

  /// A legitimate sprocket client connects, trades a message each way and
  /// leaves; the listener must still be fully working.
  void expect_still_serves() {
    const auto added = events_.count(Kind::added);
    const auto removed = events_.count(Kind::removed);
    Socket client{sprocket::pair};
    bound_blocking_calls(client);
    client.dial("ws://127.0.0.1:" + std::to_string(port_) + "/bad");
    ASSERT_TRUE(events_.wait_added(added + 1)) << events_.summary();
    client.send("legit request");
    EXPECT_EQ(to_string(server_.recv()), "legit request");
    server_.send("legit reply");
    EXPECT_EQ(to_string(client.recv()), "legit reply");
    client.close();
    ASSERT_TRUE(events_.wait_removed(removed + 1)) << events_.summary();
  }

  Socket server_{sprocket::pair};
  PipeEventRecorder events_{server_};
  std::uint16_t port_ = 0;
};

// ------------------------------------------------------------------ the control

TEST_F(WsBadInputTest, HandWrittenClientIsServedBothWays) {
  RawStream s = upgraded();
  ASSERT_TRUE(s.write_all(client_frame(kFin | kBinary, "hello")));
  EXPECT_EQ(to_string(server_.recv()), "hello");
  server_.send("world");
  auto f = read_frame(s);
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->fin);
  EXPECT_EQ(int(f->opcode), int(kBinary));
  EXPECT_FALSE(f->masked);
  EXPECT_EQ(f->text(), "world");
  ASSERT_NO_FATAL_FAILURE(hang_up(s));
  expect_still_serves();
}

// Browsers send lower-case names and "Connection: keep-alive, Upgrade".
TEST_F(WsBadInputTest, HeaderNamesAndTokensAreCaseInsensitiveLists) {
  RawStream s = connect_raw();
  ASSERT_TRUE(s.write_all(http_head(kGet, {"host: 127.0.0.1", "upgrade: WebSocket",
                                         "connection: keep-alive, Upgrade",
                                         "sec-websocket-key: " + kKey, "sec-websocket-version: 13",
                                         "sec-websocket-protocol: x.example, pair.sp.nanomsg.org"})));
  EXPECT_EQ(read_head(s).rfind("HTTP/1.1 101 ", 0), 0u);
  ASSERT_TRUE(events_.wait_added()) << events_.summary();
  ASSERT_NO_FATAL_FAILURE(hang_up(s));
  expect_still_serves();
}

// The first frame may share a TCP segment with the request.
TEST_F(WsBadInputTest, FrameSentWithTheRequestIsDelivered) {
  RawStream s = upgraded(client_frame(kFin | kBinary, "eager"));
  EXPECT_EQ(to_string(server_.recv()), "eager");
  ASSERT_NO_FATAL_FAILURE(hang_up(s));
}

// ------------------------------------------------------------------ bad requests

struct BadRequest {
  const char* name;
  std::string text;
  const char* status;
  errc reason;  // what the listener's refused event should say
};

std::vector<BadRequest> bad_requests() {
  const auto h = valid_headers();
  const errc error = errc::protocol_error, mismatch = errc::protocol_mismatch;
  return {
      {"request_line_without_version", http_head("GET /bad", h), "HTTP/1.1 400", error},
      {"request_line_post", http_head("POST /bad HTTP/1.1", h), "HTTP/1.1 400", error},
      {"request_line_http10", http_head("GET /bad HTTP/1.0", h), "HTTP/1.1 400", error},
      {"request_line_garbage", http_head("\x16\x03\x01 hello", h), "HTTP/1.1 400", error},
      {"header_without_colon", http_head(kGet, with(h, "Host", "Host 127.0.0.1")), "HTTP/1.1 400", error},
      {"missing_upgrade", http_head(kGet, with(h, "Upgrade", "")), "HTTP/1.1 400", error},
      {"upgrade_to_h2c", http_head(kGet, with(h, "Upgrade", "Upgrade: h2c")), "HTTP/1.1 400", error},
      {"missing_connection", http_head(kGet, with(h, "Connection", "")), "HTTP/1.1 400", error},
      {"missing_key", http_head(kGet, with(h, "Sec-WebSocket-Key", "")), "HTTP/1.1 400", error},
      {"key_of_5_bytes", http_head(kGet, with(h, "Sec-WebSocket-Key", "Sec-WebSocket-Key: c2hvcnQ=")),
       "HTTP/1.1 400", error},
      {"key_of_24_bytes", http_head(kGet, with(h, "Sec-WebSocket-Key",
                                             "Sec-WebSocket-Key: " + kKey + "AAAAAAAA")),
       "HTTP/1.1 400", error},
      {"missing_version", http_head(kGet, with(h, "Sec-WebSocket-Version", "")), "HTTP/1.1 400", error},
      {"version_8", http_head(kGet, with(h, "Sec-WebSocket-Version", "Sec-WebSocket-Version: 8")),
       "HTTP/1.1 400", error},
      {"subprotocol_pub", http_head(kGet, with(h, "Sec-WebSocket-Protocol",
                                             "Sec-WebSocket-Protocol: pub.sp.nanomsg.org")),
       "HTTP/1.1 400", mismatch},
      {"subprotocol_pair1", http_head(kGet, with(h, "Sec-WebSocket-Protocol",
                                               "Sec-WebSocket-Protocol: pair1.sp.nanomsg.org")),
       "HTTP/1.1 400", mismatch},
      {"no_subprotocol", http_head(kGet, with(h, "Sec-WebSocket-Protocol", "")), "HTTP/1.1 400", mismatch},
      {"wrong_path", http_head("GET /other HTTP/1.1", h), "HTTP/1.1 404", error},
      {"longer_path", http_head("GET /bad/more HTTP/1.1", h), "HTTP/1.1 404", error},
  };
}

class WsBadRequestTest : public WsBadInputTest, public ::testing::WithParamInterface<BadRequest> {};

INSTANTIATE_TEST_SUITE_P(Requests, WsBadRequestTest, ::testing::ValuesIn(bad_requests()),
                         [](const auto& i) { return std::string(i.param.name); });

TEST_P(WsBadRequestTest, IsAnsweredWithItsStatusAndClosed) {
  expect_request_refused(GetParam().text, GetParam().status);
}

// One test for how each refusal is classified, so that a wrong reason shows
// up once rather than in every case above: a request that is not a valid
// WebSocket upgrade is a protocol_error, a valid one for another SP
// protocol a protocol_mismatch (as the SP header is over tcp).
TEST_F(WsBadInputTest, RefusedRequestsReportWhatWasWrong) {
  std::size_t n = 0;
  for (const BadRequest& c : bad_requests()) {
    SCOPED_TRACE(c.name);
    RawStream s = connect_raw();
    ASSERT_TRUE(s.write_all(c.text));
    ASSERT_TRUE(events_.wait_refused(++n)) << events_.summary();
    EXPECT_EQ(describe(events_.events(Kind::refused).at(n - 1).reason),
              describe(make_error_code(c.reason)));
  }
}

// ------------------------------------------------------------------ oversize and slow heads

// The head has not ended after 8 KiB (kMaxHeader): 431, then close. Exactly
// 8 KiB is sent so that the server has read every byte when it closes (a
// close with unread input sends a reset, which may destroy the answer).
TEST_F(WsBadInputTest, HeadOver8KiBIsAnswered431AndClosed) {
  std::string text = kGet + "\r\nHost: 127.0.0.1\r\nX-Filler: ";
  text.resize(8 * KiB, 'a');
  expect_request_refused(text, "HTTP/1.1 431");
}

TEST_F(WsBadInputTest, FloodOfHeadersIsCutOff) {
  std::string text = kGet + "\r\n";
  while (text.size() < 256 * KiB) text += "X-Flood: " + std::string(100, 'f') + "\r\n";
  RawStream s = connect_raw();
  s.write_all(text);  // may fail part-way: the server hangs up after 8 KiB
  EXPECT_TRUE(s.wait_closed()) << "the connection stayed open";
  ASSERT_TRUE(events_.wait_refused()) << events_.summary();
  EXPECT_EQ(server_.stats().pipes_added, 0u);
  expect_still_serves();
}

TEST_F(WsBadInputTest, SlowDripIsDroppedAtTheHandshakeTimeout) {
  // A control listener with an hour to spare meets a silent client at the
  // same time: when ours drops the drip, the control's must still be open —
  // so the 300 ms (not the 10 s default) was applied.
  Socket patient{sprocket::pair};
  patient.set_handshake_timeout(1h);
  RawStream control = RawStream::connect_tcp(patient.listen("ws://127.0.0.1:0/patient").port());
  ASSERT_TRUE(control.ok());
  server_.set_handshake_timeout(300ms);
  RawStream s = connect_raw();
  const std::string text = http_head(kGet, valid_headers());
  const auto start = Clock::now();
  // One byte of a valid request every 100 ms: it cannot complete in time.
  const bool closed = s.drip_until_closed(text);
  const auto elapsed = to_ms(Clock::now() - start);
  ASSERT_TRUE(closed) << "still open after " << elapsed << " ms";
  EXPECT_GE(elapsed, 250) << "dropped before the handshake timeout";
  EXPECT_FALSE(control.wait_closed(0ms)) << "the control with an hour's timeout was dropped too";
  ASSERT_TRUE(events_.wait_refused()) << events_.summary();
  EXPECT_ERRC(events_.events(Kind::refused).at(0).reason, errc::timed_out);
  EXPECT_EQ(server_.stats().refused, 1u);
  expect_still_serves();
}

TEST_F(WsBadInputTest, SilentClientIsDroppedAtTheHandshakeTimeout) {
  server_.set_handshake_timeout(200ms);
  RawStream s = connect_raw();
  EXPECT_TRUE(s.wait_closed(5s));
  ASSERT_TRUE(events_.wait_refused()) << events_.summary();
  EXPECT_ERRC(events_.events(Kind::refused).at(0).reason, errc::timed_out);
  expect_still_serves();
}

// ------------------------------------------------------------------ bad frames

struct BadFrame {
  const char* name;
  Bytes bytes;
  int close_code;
  errc reason;
};

std::vector<BadFrame> bad_frames() {
  const errc error = errc::protocol_error;
  return {
      {"unmasked_binary", client_frame(kFin | kBinary, "hello", false), 1002, error},
      {"text", client_frame(kFin | kText, "hello"), 1003, error},
      {"reserved_data_opcode_3", client_frame(kFin | 0x3, "hello"), 1002, error},
      {"reserved_control_opcode_B", client_frame(kFin | 0xB, "hello"), 1002, error},
      {"rsv1_without_extension", client_frame(kFin | 0x40 | kBinary, "hello"), 1002, error},
      {"length_2_pow_63", frame_header(kFin | kBinary, std::uint64_t{1} << 63), 1002, error},
      // Only the header: refused before the payload, and nothing left unread.
      {"over_recv_max_size", frame_header(kFin | kBinary, MiB + 1), 1009, errc::message_too_large},
      {"fragments_over_recv_max_size",
       client_frame(kBinary, std::string(600 * KiB, 'x')) + frame_header(kFin | kCont, 600 * KiB),
       1009, errc::message_too_large},
      {"continuation_first", client_frame(kFin | kCont, "hello"), 1002, error},
      {"binary_inside_a_fragmented_message",
       client_frame(kBinary, "hel") + client_frame(kFin | kBinary, "lo"), 1002, error},
      {"fragmented_ping", client_frame(kPing, "ping"), 1002, error},
      {"ping_over_125_bytes", client_frame(kFin | kPing, std::string(126, 'p')), 1002, error},
  };
}

class WsBadFrameTest : public WsBadInputTest, public ::testing::WithParamInterface<BadFrame> {};

INSTANTIATE_TEST_SUITE_P(Frames, WsBadFrameTest, ::testing::ValuesIn(bad_frames()),
                         [](const auto& i) { return std::string(i.param.name); });

TEST_P(WsBadFrameTest, IsAnsweredWithACloseFrameAndDropped) {
  expect_frame_rejected(GetParam().bytes, GetParam().close_code, GetParam().reason);
}

TEST_F(WsBadInputTest, GarbageAfterTheUpgradeDropsThePipe) {
  std::mt19937 rng(20240611);  // fixed: a failure can be replayed
  Bytes garbage(64 * KiB);
  for (auto& b : garbage) b = static_cast<std::uint8_t>(rng());
  RawStream s = upgraded();
  s.write_all(garbage);  // may fail part-way: the server hangs up early
  EXPECT_TRUE(s.wait_closed()) << "the connection stayed open";
  ASSERT_TRUE(events_.wait_removed()) << events_.summary();
  const auto reason = events_.events(Kind::removed).at(0).reason;
  EXPECT_TRUE(reason == errc::protocol_error || reason == errc::message_too_large) << describe(reason);
  EXPECT_EQ(server_.stats().protocol_errors, 1u);
  expect_still_serves();
}

// ------------------------------------------------------------------ what a client may do

TEST_F(WsBadInputTest, PingIsAnsweredWithAPongOfTheSamePayload) {
  RawStream s = upgraded();
  for (const std::string& payload : {std::string("are you there?"), std::string(),
                                     std::string("\x00\xff\x7f", 3)}) {
    ASSERT_TRUE(s.write_all(client_frame(kFin | kPing, payload)));
    auto f = read_frame(s);
    ASSERT_TRUE(f) << "no pong";
    EXPECT_EQ(int(f->opcode), int(kPong));
    EXPECT_TRUE(f->fin);
    EXPECT_FALSE(f->masked);
    EXPECT_EQ(f->text(), payload);
  }
  ASSERT_TRUE(s.write_all(client_frame(kFin | kBinary, "after the pings")));
  EXPECT_EQ(to_string(server_.recv()), "after the pings");
  EXPECT_EQ(server_.stats().protocol_errors, 0u);
  ASSERT_NO_FATAL_FAILURE(hang_up(s));
  expect_still_serves();
}

// Frame boundaries mean nothing to SP; control frames may come between
// fragments (RFC 6455 section 5.4), and the message is delivered once.
TEST_F(WsBadInputTest, FragmentedMessageIsReassembledAndDeliveredOnce) {
  RawStream s = upgraded();
  ASSERT_TRUE(s.write_all(client_frame(kBinary, "hel") + client_frame(kFin | kPing, "mid") +
                          client_frame(kCont, "") + client_frame(kCont, "lo wo") +
                          client_frame(kFin | kCont, "rld")));
  auto pong = read_frame(s);
  ASSERT_TRUE(pong);
  EXPECT_EQ(int(pong->opcode), int(kPong));
  EXPECT_EQ(pong->text(), "mid");
  EXPECT_EQ(to_string(server_.recv()), "hello world");
  EXPECT_TRUE(nothing_waiting(server_));
  EXPECT_EQ(server_.stats().messages_received, 1u);
  // And the next message starts afresh.
  ASSERT_TRUE(s.write_all(client_frame(kFin | kBinary, "next")));
  EXPECT_EQ(to_string(server_.recv()), "next");
  ASSERT_NO_FATAL_FAILURE(hang_up(s));
  expect_still_serves();
}

// Receivers limit messages, not frames: one 512 KiB frame is fine.
TEST_F(WsBadInputTest, LargeSingleFrameIsAccepted) {
  const std::string body(512 * KiB, 'L');
  RawStream s = upgraded();
  ASSERT_TRUE(s.write_all(client_frame(kFin | kBinary, body)));
  EXPECT_EQ(to_string(server_.recv()), body);
  ASSERT_NO_FATAL_FAILURE(hang_up(s));
}

// NNG 1.5.2 refuses frames over 1 MiB whatever its message limit: a sender
// splits messages into frames of at most 64 KiB.
TEST_F(WsBadInputTest, ServerSplitsLargeMessagesInto64KiBFrames) {
  RawStream s = upgraded();
  std::string body(200 * KiB, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 7);
  server_.send(body);
  SplitMessage got;
  ASSERT_NO_FATAL_FAILURE(read_split_message(s, false, got));
  EXPECT_EQ(got.sizes, (std::vector<std::size_t>{64 * KiB, 64 * KiB, 64 * KiB, 8 * KiB}));
  EXPECT_TRUE(got.payload == body) << "the reassembled frames differ from the message";
  ASSERT_NO_FATAL_FAILURE(hang_up(s));
}

TEST_F(WsBadInputTest, CloseFrameIsAnsweredWithACloseFrame) {
  RawStream s = upgraded();
  ASSERT_TRUE(s.write_all(client_frame(kFin | kClose, close_payload(1000, "bye"))));
  ASSERT_NO_FATAL_FAILURE(
      expect_close_frame_and_removal(s, false, 1000, events_, errc::connection_reset));
  EXPECT_EQ(server_.stats().protocol_errors, 0u) << "a close frame is not a protocol error";
  expect_still_serves();
}

TEST_F(WsBadInputTest, EmptyCloseFrameIsAnsweredWithAnEmptyCloseFrame) {
  RawStream s = upgraded();
  ASSERT_TRUE(s.write_all(client_frame(kFin | kClose, "")));
  // No code was sent, none is echoed.
  ASSERT_NO_FATAL_FAILURE(
      expect_close_frame_and_removal(s, false, 0, events_, errc::connection_reset));
  expect_still_serves();
}

}  // namespace
}  // namespace sprocket::test
