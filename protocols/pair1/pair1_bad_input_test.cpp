// Hostile PAIR v1 input from a raw tcp or ipc socket speaking the SP wire by
// hand. A message with no hop word (shorter than 4 bytes) or a hop count
// above 0xff breaks the protocol: the connection is closed, the removal
// reported with errc::protocol_error and counted in stats().protocol_errors
// (as NNG does). A message with more hops than the max TTL is dropped and
// counted in stats().drops, and the connection serves the next one. In
// polyamorous mode only the offending peer is dropped.
#include <string>
#include <vector>

#include "protocols/pair1/pair1_test_util.hpp"

namespace sprocket::test {
namespace {

using Kind = PipeEvent::Kind;
using Words = std::vector<std::uint32_t>;

class Pair1WireBadInputTest : public ::testing::TestWithParam<Via> {
 protected:
  Transport transport() const { return GetParam() == Via::tcp ? Transport::tcp : Transport::ipc; }

  /// Connects a raw stream to `s` (listening on `url`) and exchanges SP
  /// headers as a PAIR v1 peer.
  RawStream connect_raw(const std::string& url) {
    RawStream w;
    if (GetParam() == Via::tcp) {
      w = RawStream::connect_tcp(
          static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1))));
    } else {
      w = RawStream::connect_ipc(url.substr(std::string("ipc://").size()));
    }
    EXPECT_TRUE(w.ok()) << "connect to " << url;
    EXPECT_TRUE(w.write_all(sp_header(0x11)));
    auto theirs = w.read_exact(8);
    EXPECT_TRUE(theirs.has_value()) << "no SP header from sprocket";
    if (theirs) EXPECT_EQ(hex(*theirs), hex(sp_header(0x11)));
    return w;
  }

  /// Reads one frame's payload.
  std::string read_frame(RawStream& w) {
    const std::size_t prefix = transport() == Transport::ipc ? 9 : 8;
    auto head = w.read_exact(prefix);
    if (!head) return "<no frame>";
    std::uint64_t length = 0;
    for (std::size_t i = prefix - 8; i < prefix; ++i) length = length << 8 | (*head)[i];
    auto payload = w.read_exact(length);
    return payload ? std::string(payload->begin(), payload->end()) : "<short frame>";
  }

  /// Hop counts are checked as messages are received: receives (expecting
  /// nothing to be delivered) until `n.events` has seen `removed` removals.
  static ::testing::AssertionResult receive_until_removed(Node& n, std::size_t removed) {
    bool delivered = false;
    const bool ok = wait_until([&] {
      std::error_code ec;
      (void)n.socket.try_recv(ec);
      delivered |= ec != errc::would_block;
      return n.events.count(Kind::removed) >= removed;
    });
    if (delivered) return ::testing::AssertionFailure() << "a bad message was delivered";
    if (!ok) return ::testing::AssertionFailure() << "not dropped: " << n.events.summary();
    return ::testing::AssertionSuccess();
  }
};
INSTANTIATE_TEST_SUITE_P(Streams, Pair1WireBadInputTest, ::testing::Values(Via::ipc, Via::tcp),
                         ViaName{});

struct BadPayload {
  const char* what;
  std::string payload;
};

const std::vector<BadPayload>& bad_payloads() {
  static const std::vector<BadPayload> v = {
      {"an empty payload", ""},
      {"a 3-byte payload", std::string("\0\0\1", 3)},
      {"hop count 0x100", be32(0x100) + "body"},
      {"hop count 0xffffffff", be32(0xffffffffu)},
  };
  return v;
}

TEST_P(Pair1WireBadInputTest, MalformedHopWordClosesTheConnection) {
  Node pair(sprocket::pair1);
  const std::string url = listen_fresh(pair.socket, GetParam());
  std::size_t n = 0;
  for (const auto& bad : bad_payloads()) {
    SCOPED_TRACE(bad.what);
    ++n;
    RawStream wire = connect_raw(url);
    ASSERT_TRUE(pair.events.wait_added(n)) << pair.events.summary();
    ASSERT_TRUE(wire.write_all(frame(transport(), bad.payload)));
    ASSERT_TRUE(receive_until_removed(pair, n));
    EXPECT_TRUE(wire.wait_closed()) << "sprocket kept the connection open";
    const auto removed = pair.events.events(Kind::removed).back();
    EXPECT_ERRC(removed.reason, errc::protocol_error);
    EXPECT_EQ(pair.socket.stats().protocol_errors, n);
  }
  EXPECT_EQ(pair.socket.stats().drops, 0u);

  // The next peer is served as if nothing had happened.
  RawStream good = connect_raw(url);
  ASSERT_TRUE(pair.events.wait_added(n + 1)) << pair.events.summary();
  ASSERT_TRUE(good.write_all(frame(transport(), be32(1) + "fine")));
  EXPECT_EQ(to_string(pair.socket.recv()), "fine");
}

TEST_P(Pair1WireBadInputTest, HopsOverTheTtlAreDroppedAndTheConnectionKept) {
  Node pair(sprocket::pair1);
  RawStream wire = connect_raw(listen_fresh(pair.socket, GetParam()));
  ASSERT_TRUE(pair.events.wait_added());

  const std::vector<std::string> payloads = {
      be32(9) + "nine", be32(0xff) + "0xff", be32(8) + "eight", be32(0) + "zero",
      be32(16) + "sixteen", be32(15) + "fifteen"};
  ASSERT_TRUE(wire.write_all(frame(transport(), payloads[0])));
  ASSERT_TRUE(wire.write_all(frame(transport(), payloads[1])));
  ASSERT_TRUE(wire.write_all(frame(transport(), payloads[2])));
  ASSERT_TRUE(wire.write_all(frame(transport(), payloads[3])));
  Message m = pair.socket.recv();
  EXPECT_EQ(m.str(), "eight") << "9 and 0xff hops are over the default TTL of 8";
  EXPECT_EQ(header_words(m), Words{8});
  m = pair.socket.recv();
  EXPECT_EQ(m.str(), "zero");
  EXPECT_EQ(header_words(m), Words{0});
  EXPECT_EQ(pair.socket.stats().drops, 2u);

  pair.socket.set_max_ttl(15);
  ASSERT_TRUE(wire.write_all(frame(transport(), payloads[4])));
  ASSERT_TRUE(wire.write_all(frame(transport(), payloads[5])));
  EXPECT_EQ(to_string(pair.socket.recv()), "fifteen");
  EXPECT_EQ(pair.socket.stats().drops, 3u);

  // The connection is still up, both ways; sprocket's message carries one hop.
  pair.socket.send("still here");
  EXPECT_EQ(read_frame(wire), be32(1) + "still here");
  EXPECT_EQ(pair.events.count(Kind::removed), 0u) << pair.events.summary();
  EXPECT_EQ(pair.socket.stats().protocol_errors, 0u);
}

TEST_P(Pair1WireBadInputTest, PolyamorousDropsOnlyTheBrokenPeer) {
  Node poly(sprocket::pair1, {.polyamorous = true});
  const std::string url = listen_fresh(poly.socket, GetParam());
  RawStream broken = connect_raw(url);
  ASSERT_TRUE(poly.events.wait_added(1));
  RawStream good = connect_raw(url);
  ASSERT_TRUE(poly.events.wait_added(2));
  const std::uint32_t broken_pipe = added_pipe(poly.events, 0);
  const std::uint32_t good_pipe = added_pipe(poly.events, 1);

  ASSERT_TRUE(broken.write_all(frame(transport(), "ab")));
  ASSERT_TRUE(receive_until_removed(poly, 1));
  EXPECT_TRUE(broken.wait_closed());
  const auto removed = poly.events.events(Kind::removed).at(0);
  EXPECT_EQ(removed.pipe_id, broken_pipe);
  EXPECT_ERRC(removed.reason, errc::protocol_error);
  EXPECT_EQ(poly.socket.stats().protocol_errors, 1u);

  ASSERT_TRUE(good.write_all(frame(transport(), be32(1) + "good")));
  Message m = poly.socket.recv();
  EXPECT_EQ(m.str(), "good");
  EXPECT_EQ(m.pipe(), good_pipe);
  poly.socket.send(std::move(m));  // back where it came from
  EXPECT_EQ(read_frame(good), be32(1) + "good");
  EXPECT_EQ(poly.events.count(Kind::removed), 1u) << poly.events.summary();
}

}  // namespace
}  // namespace sprocket::test
