// What a ws peer can do to a server's resources: flood it with pings, stop
// reading while it has output queued, send close frames with bad codes, or
// leave at the worst moment. Each case was a defect (issue #11): memory that
// grew per ping, connections (and their descriptors and queued data) held
// forever by a peer that reads nothing, close codes echoed unchecked, and a
// pipe closed between two writes that the connection never noticed.
#include "protocols/common/protocol_test_util.hpp"
#include "transports/ws/ws_test_util.hpp"

namespace sprocket::test {
namespace {

using Kind = PipeEvent::Kind;
const std::string kGet = "GET /robust HTTP/1.1";

class WsRobustnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bound_blocking_calls(server_);
    server_.set_linger(200ms);
    server_.set_send_buffer(4);  // taken when a connection is made
    port_ = server_.listen("ws://127.0.0.1:0/robust").port();
  }

  /// A raw client that made a valid upgrade and is now the server's pipe.
  RawStream upgraded() {
    const auto added = events_.count(Kind::added);
    RawStream s = RawStream::connect_tcp(port_);
    EXPECT_TRUE(s.ok());
    const std::string req = http_head(kGet, valid_headers());
    EXPECT_TRUE(s.write_all(req));
    EXPECT_EQ(read_head(s).rfind("HTTP/1.1 101 ", 0), 0u);
    EXPECT_TRUE(events_.wait_added(added + 1)) << events_.summary();
    return s;
  }

  /// Makes the server's writes to `s` stall: sends 64 KiB messages until
  /// one cannot be queued (the raw peer reads nothing, so the kernel
  /// buffers fill, a write stays pending and the pipe's queue fills).
  void stall_server_output() {
    server_.set_send_timeout(250ms);
    std::error_code ec;
    for (int sent = 0; sent < 4096 && !ec; ++sent) server_.send(Message(64 * 1024), ec);
    ASSERT_ERRC(ec, errc::timed_out) << "the server's output never stalled";
  }

  Socket server_{sprocket::pair};
  PipeEventRecorder events_{server_};
  std::uint16_t port_ = 0;
};

/// A ping frame as a client sends it, carrying `n` in 125 bytes (the most a
/// control frame may carry), so that a pong names the ping it answers.
Bytes numbered_ping(std::uint64_t n) {
  std::string payload(125, 'p');
  std::memcpy(payload.data(), &n, sizeof n);
  return client_frame(kFin | kPing, payload);
}

std::uint64_t ping_number(const Frame& f) {
  std::uint64_t n = 0;
  if (f.payload.size() >= sizeof n) std::memcpy(&n, f.payload.data(), sizeof n);
  return n;
}

// Each ping used to queue its own pong, without limit, while reading went
// on: a client that sent 1 M pings and read nothing grew the server by
// 140 MiB. Now only the latest ping is answered (RFC 6455 section 5.5.3
// asks no more) and reading waits once pongs cannot be written: the flood
// meets backpressure instead of memory growth.
TEST_F(WsRobustnessTest, PingFloodFromAClientThatReadsNothingKeepsMemoryBounded) {
  RawStream s = upgraded();
  const std::size_t before = heap_in_use();
  constexpr std::uint64_t kPings = 1'000'000;
  constexpr std::uint64_t kPerWrite = 512;
  std::atomic<std::uint64_t> sent{0};
  std::atomic<bool> write_failed{false};
  std::thread flood([&] {
    Bytes chunk;
    for (std::uint64_t n = 0; n < kPings && !write_failed;) {
      chunk.clear();
      for (std::uint64_t i = 0; i < kPerWrite && n < kPings; ++i) {
        const Bytes ping = numbered_ping(++n);
        chunk.insert(chunk.end(), ping.begin(), ping.end());
      }
      // Bounded by the whole test's patience: the server may hold our
      // writes back until we read (below).
      if (!s.write_all(chunk, 60s)) write_failed = true;
      sent = n;
    }
  });
  // Wait until the flood is over or held back (no progress for a second).
  // Measured as heap in use, not RSS: ASan keeps freed memory resident.
  for (std::uint64_t last = ~0ull; sent != kPings && sent != last && !write_failed;) {
    last = sent;
    std::this_thread::sleep_for(1s);
  }
  const double growth_mib = (double(heap_in_use()) - double(before)) / (1024.0 * 1024.0);
  RecordProperty("pings_before_backpressure", static_cast<int>(sent.load()));
  RecordProperty("heap_growth_kib", static_cast<int>(growth_mib * 1024));
  EXPECT_LT(growth_mib, 32.0) << "the heap grew by " << growth_mib << " MiB after "
                              << sent << " pings";

  // Reading now: the flood goes on to its end, the answers come, far fewer
  // than the pings, and the last one answers the last ping.
  std::uint64_t pongs = 0, last = 0;
  while (last != kPings) {
    auto f = read_frame(s);
    if (!f) break;
    ASSERT_EQ(int(f->opcode), int(kPong));
    ++pongs;
    last = ping_number(*f);
  }
  flood.join();
  ASSERT_FALSE(write_failed) << "the flood could not be written after " << sent << " pings";
  EXPECT_EQ(last, kPings) << "pongs stopped after " << pongs;
  EXPECT_LT(pongs, kPings / 4) << "nearly every ping got its own pong: nothing was coalesced";
  EXPECT_EQ(server_.stats().protocol_errors, 0u);
  // The connection still carries data.
  ASSERT_TRUE(s.write_all(client_frame(kFin | kBinary, "after the flood")));
  EXPECT_EQ(to_string(server_.recv()), "after the flood");
}

// A protocol error answers with a close frame; a peer that reads nothing
// used to keep that close frame (and the connection, its descriptor and its
// queued data) pending for ever.
TEST_F(WsRobustnessTest, ProtocolErrorFromAClientThatReadsNothingFreesTheConnection) {
  const std::size_t fds_before = open_fds();
  RawStream s = upgraded();
  ASSERT_NO_FATAL_FAILURE(stall_server_output());
  ASSERT_TRUE(s.write_all(client_frame(kFin | kText, "text is not SP")));
  ASSERT_TRUE(events_.wait_removed()) << events_.summary();
  // The raw client's own descriptor stays; the server's connection must go.
  EXPECT_TRUE(wait_until([&] { return open_fds() <= fds_before + 1; }))
      << "descriptors: " << fds_before << " before the client, " << open_fds() << " now";
  EXPECT_EQ(server_.stats().protocol_errors, 1u);
}

// Closing a socket whose ws peer reads nothing: queued output may drain for
// the linger time, then the connection is dropped (it used to leak).
TEST_F(WsRobustnessTest, ClosedSocketDropsAPeerThatReadsNothingAfterLinger) {
  const std::size_t fds_before = open_fds();
  RawStream s = upgraded();
  ASSERT_NO_FATAL_FAILURE(stall_server_output());
  server_.close();
  // The listener's descriptor goes too; the raw client's stays.
  EXPECT_TRUE(wait_until([&] { return open_fds() <= fds_before; }))
      << "descriptors: " << fds_before << " before the client, " << open_fds() << " now";
}

// RFC 6455 sections 5.5.1 and 7.4: a close body is empty or starts with a
// two-byte code; 1005, 1006 and 1015 are never sent, codes below 1000 or
// from 5000 do not exist, 1004 and 1016..2999 are not defined. A bad one is
// answered with 1002; a good one is echoed.
struct CloseCase {
  const char* name;
  std::string payload;
  int answer;
  errc reason;
  friend void PrintTo(const CloseCase& c, std::ostream* os) { *os << c.name; }
};

class WsCloseCodeTest : public WsRobustnessTest, public ::testing::WithParamInterface<CloseCase> {};

std::vector<CloseCase> close_cases() {
  const errc bad = errc::protocol_error, fine = errc::connection_reset;
  return {
      {"one_byte_body", std::string(1, '\x03'), 1002, bad},
      {"code_0", close_payload(0), 1002, bad},
      {"code_999", close_payload(999), 1002, bad},
      {"code_1004", close_payload(1004), 1002, bad},
      {"code_1005", close_payload(1005), 1002, bad},
      {"code_1006", close_payload(1006), 1002, bad},
      {"code_1015", close_payload(1015), 1002, bad},
      {"code_2999", close_payload(2999), 1002, bad},
      {"code_5000", close_payload(5000), 1002, bad},
      {"code_65535", close_payload(65535), 1002, bad},
      {"reason_not_utf8", close_payload(1000, "\xff\xfe"), 1007, bad},
      {"code_1000", close_payload(1000, "bye"), 1000, fine},
      {"code_1001", close_payload(1001), 1001, fine},
      {"code_1011", close_payload(1011), 1011, fine},
      {"code_3000", close_payload(3000), 3000, fine},
      {"code_4999", close_payload(4999, "app"), 4999, fine},
  };
}

INSTANTIATE_TEST_SUITE_P(Codes, WsCloseCodeTest, ::testing::ValuesIn(close_cases()),
                         [](const auto& i) { return std::string(i.param.name); });

TEST_P(WsCloseCodeTest, IsCheckedBeforeItIsEchoed) {
  RawStream s = upgraded();
  ASSERT_TRUE(s.write_all(client_frame(kFin | kClose, GetParam().payload)));
  ASSERT_NO_FATAL_FAILURE(
      expect_close_frame_and_removal(s, false, GetParam().answer, events_, GetParam().reason));
  EXPECT_EQ(server_.stats().protocol_errors, GetParam().reason == errc::protocol_error ? 1u : 0u);
}

// A client that sends and closes at once: its connection must notice the
// closed pipe even when the close lands between two writes (the ws write
// loop once lost that re-check), so the server always sees the pipe go —
// also when the peer's goodbye arrives right behind its last message, before
// the application took that message (the pipe must go once it is taken).
TEST_F(WsRobustnessTest, SendThenCloseAlwaysReachesTheServer) {
  const std::string url = "ws://127.0.0.1:" + std::to_string(port_) + "/robust";
  for (int i = 0; i < 300; ++i) {
    Socket client{sprocket::pair};
    bound_blocking_calls(client);
    client.dial(url);
    ASSERT_TRUE(events_.wait_added(i + 1)) << "round " << i << ": " << events_.summary();
    if (i % 2 == 0) client.send("x" + std::to_string(i));
    client.close();
    if (i % 2 == 0) EXPECT_EQ(to_string(server_.recv()), "x" + std::to_string(i));
    ASSERT_TRUE(events_.wait_removed(i + 1)) << "round " << i << ": " << events_.summary();
  }
}

}  // namespace
}  // namespace sprocket::test
