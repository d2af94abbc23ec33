// Polyamorous PAIR v1 over every transport: many peers at once, each
// received message naming its pipe, replies going back on the pipe a
// message names; an unaddressed message goes to the oldest peer (the next
// oldest once it leaves); one for a peer that is gone or full is dropped
// and counted instead of blocking; with no peer at all, send waits. Raw
// mode and other protocols refuse the option.
#include <set>
#include <string>

#include "protocols/pair1/pair1_test_util.hpp"

namespace sprocket::test {
namespace {

using Kind = PipeEvent::Kind;
using Words = std::vector<std::uint32_t>;

/// A polyamorous socket listening on a fresh address of the transport,
/// with helpers to add one-peer PAIR v1 sockets dialing it.
class Pair1PolyTest : public ::testing::TestWithParam<Via> {
 protected:
  void SetUp() override { url_ = listen_fresh(poly_.socket, GetParam()); }

  /// Dials a new peer and waits until both sides have the connection; the
  /// id the poly socket gave it goes to `pipe`.
  void add_peer(std::unique_ptr<Node>& peer, std::uint32_t& pipe,
                SocketOptions options = {}) {
    const auto before = poly_.events.count(Kind::added);
    peer = std::make_unique<Node>(sprocket::pair1, options);
    peer->socket.dial(url_);
    ASSERT_TRUE(peer->events.wait_added()) << peer->events.summary();
    ASSERT_TRUE(poly_.events.wait_added(before + 1)) << poly_.events.summary();
    pipe = added_pipe(poly_.events, before);
  }

  Node poly_{sprocket::pair1, {.polyamorous = true}};
  std::string url_;
};
INSTANTIATE_TEST_SUITE_P(Transports, Pair1PolyTest, kAllTransports, ViaName{});

TEST_P(Pair1PolyTest, EachMessageNamesItsPeerAndRepliesGoBackThere) {
  constexpr int kPeers = 3;
  std::unique_ptr<Node> peers[kPeers];
  std::uint32_t pipes[kPeers] = {};
  for (int i = 0; i < kPeers; ++i) ASSERT_NO_FATAL_FAILURE(add_peer(peers[i], pipes[i]));
  EXPECT_EQ(poly_.socket.stats().pipes, static_cast<std::uint64_t>(kPeers));

  for (int i = 0; i < kPeers; ++i) peers[i]->socket.send("from " + std::to_string(i));
  std::set<std::uint32_t> seen;
  for (int n = 0; n < kPeers; ++n) {
    Message m = poly_.socket.recv();
    EXPECT_EQ(header_words(m), Words{1});
    const int i = std::stoi(std::string(m.str().substr(5)));
    ASSERT_GE(i, 0);
    ASSERT_LT(i, kPeers);
    EXPECT_EQ(m.pipe(), pipes[i]) << m.str() << " came in on its peer's pipe";
    seen.insert(m.pipe());
    // The received message names its pipe: sending it back needs no call.
    Message reply("re: " + std::string(m.str()));
    reply.set_pipe(m.pipe());
    poly_.socket.send(std::move(reply));
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kPeers));
  for (int i = 0; i < kPeers; ++i) {
    Message m = peers[i]->socket.recv();
    EXPECT_EQ(m.str(), "re: from " + std::to_string(i));
    EXPECT_EQ(header_words(m), Words{1});
    EXPECT_EQ(m.pipe(), added_pipe(peers[i]->events));
  }
  for (int i = 0; i < kPeers; ++i) EXPECT_TRUE(nothing_waiting(peers[i]->socket));
  EXPECT_EQ(poly_.socket.stats().drops, 0u);
}

TEST_P(Pair1PolyTest, EchoingTheReceivedMessageAnswersItsSender) {
  std::unique_ptr<Node> a, b;
  std::uint32_t pa = 0, pb = 0;
  ASSERT_NO_FATAL_FAILURE(add_peer(a, pa));
  ASSERT_NO_FATAL_FAILURE(add_peer(b, pb));
  b->socket.send("echo me");
  Message m = poly_.socket.recv();
  ASSERT_EQ(m.pipe(), pb);
  poly_.socket.send(std::move(m));
  EXPECT_EQ(to_string(b->socket.recv()), "echo me");
  EXPECT_TRUE(nothing_waiting(a->socket));
}

TEST_P(Pair1PolyTest, UnaddressedMessagesGoToTheOldestPeer) {
  std::unique_ptr<Node> first, second;
  std::uint32_t p1 = 0, p2 = 0;
  ASSERT_NO_FATAL_FAILURE(add_peer(first, p1));
  ASSERT_NO_FATAL_FAILURE(add_peer(second, p2));
  poly_.socket.send("unaddressed 1");
  poly_.socket.send("unaddressed 2");
  Message marker("marker");
  marker.set_pipe(p2);
  poly_.socket.send(std::move(marker));
  EXPECT_EQ(to_string(first->socket.recv()), "unaddressed 1");
  EXPECT_EQ(to_string(first->socket.recv()), "unaddressed 2");
  EXPECT_EQ(to_string(second->socket.recv()), "marker") << "nothing unaddressed came first";

  first->socket.close();
  ASSERT_TRUE(poly_.events.wait_removed()) << poly_.events.summary();
  poly_.socket.send("unaddressed 3");
  EXPECT_EQ(to_string(second->socket.recv()), "unaddressed 3") << "the next oldest takes over";
  EXPECT_EQ(poly_.socket.stats().drops, 0u);
}

TEST_P(Pair1PolyTest, MessageForAPeerThatIsGoneIsDroppedAndCounted) {
  std::unique_ptr<Node> stays, leaves;
  std::uint32_t p_stays = 0, p_leaves = 0;
  ASSERT_NO_FATAL_FAILURE(add_peer(stays, p_stays));
  ASSERT_NO_FATAL_FAILURE(add_peer(leaves, p_leaves));
  leaves->socket.close();
  ASSERT_TRUE(poly_.events.wait_removed()) << poly_.events.summary();

  Message to_gone("to a peer that left");
  to_gone.set_pipe(p_leaves);
  std::error_code ec;
  poly_.socket.send(std::move(to_gone), ec);
  EXPECT_NO_ERROR(ec) << "best effort: the send itself succeeds";
  Message to_unknown("to a pipe that never was");
  to_unknown.set_pipe(0x7fffffffu);
  poly_.socket.try_send(std::move(to_unknown), ec);
  EXPECT_NO_ERROR(ec);
  EXPECT_EQ(poly_.socket.stats().drops, 2u);

  Message ok("to the one that stayed");
  ok.set_pipe(p_stays);
  poly_.socket.send(std::move(ok));
  EXPECT_EQ(to_string(stays->socket.recv()), "to the one that stayed");
  EXPECT_TRUE(nothing_waiting(stays->socket)) << "misaddressed messages went nowhere";
}

TEST_P(Pair1PolyTest, FullPeerDropsInsteadOfBlockingTheOthers) {
  poly_.socket.set_send_buffer(2);
  std::unique_ptr<Node> slow, other;
  std::uint32_t p_slow = 0, p_other = 0;
  ASSERT_NO_FATAL_FAILURE(add_peer(slow, p_slow));
  ASSERT_NO_FATAL_FAILURE(add_peer(other, p_other));
  slow->socket.set_recv_buffer(2);

  // The slow peer never reads: its queue, then the transport's buffers,
  // fill, and from then on messages for it are dropped while every send
  // returns at once (a blocked one would fail with timed_out).
  const Message big(std::string(64 * 1024, 'b'));
  int sent = 0;
  while (poly_.socket.stats().drops == 0 && sent < 4000) {
    Message m = big.clone();
    m.set_pipe(p_slow);
    std::error_code ec;
    poly_.socket.send(std::move(m), ec);
    ASSERT_NO_ERROR(ec) << "message " << sent;
    ++sent;
  }
  EXPECT_GT(poly_.socket.stats().drops, 0u) << "after " << sent << " messages of 64 KiB";

  Message m("not held up");
  m.set_pipe(p_other);
  poly_.socket.send(std::move(m));
  EXPECT_EQ(to_string(other->socket.recv()), "not held up");
  // What reached the slow peer is intact.
  Message first = slow->socket.recv();
  EXPECT_EQ(first.size(), big.size());
  EXPECT_EQ(header_words(first), Words{1});
}

TEST_P(Pair1PolyTest, PolyamorousPeersTalkToEachOther) {
  std::unique_ptr<Node> peer;
  std::uint32_t pipe = 0;
  ASSERT_NO_FATAL_FAILURE(add_peer(peer, pipe, {.polyamorous = true}));
  peer->socket.send("unaddressed, to the only peer");
  Message m = poly_.socket.recv();
  EXPECT_EQ(m.pipe(), pipe);
  m.set_pipe(pipe);
  poly_.socket.send(std::move(m));
  m = peer->socket.recv();
  EXPECT_EQ(m.str(), "unaddressed, to the only peer");
  EXPECT_EQ(m.pipe(), added_pipe(peer->events));
}

TEST(Pair1PolyNoPeerTest, UnaddressedSendWaitsForAPeer) {
  const std::string url = unique_inproc_name();
  Node poly(sprocket::pair1, {.polyamorous = true});
  poly.socket.listen(url);
  std::error_code ec;
  poly.socket.try_send("nobody", ec);
  EXPECT_ERRC(ec, errc::would_block);
  poly.socket.set_send_timeout(std::chrono::milliseconds(50));
  poly.socket.send("nobody", ec);
  EXPECT_ERRC(ec, errc::timed_out);
  EXPECT_EQ(poly.socket.stats().drops, 0u);

  bound_blocking_calls(poly.socket);
  Node peer(sprocket::pair1);
  peer.socket.dial(url);
  poly.socket.send("somebody");
  EXPECT_EQ(to_string(peer.socket.recv()), "somebody");
}

TEST(Pair1PolyOptionTest, RawModeAndOtherProtocolsRefuseIt) {
  std::string what;
  const SocketOptions raw_poly{.raw = true, .polyamorous = true};
  auto ec = thrown_code([&] { Socket s(sprocket::pair1, raw_poly); }, &what);
  EXPECT_ERRC(ec, errc::invalid_argument);
  EXPECT_NE(what.find("raw"), std::string::npos) << what;
  for (Protocol p : {sprocket::pair, sprocket::req, sprocket::bus}) {
    ec = thrown_code([p] { Socket s(p, SocketOptions{.polyamorous = true}); }, &what);
    EXPECT_ERRC(ec, errc::invalid_argument);
    EXPECT_NE(what.find("pair1"), std::string::npos) << what;
  }
  EXPECT_NE(what.find("'bus'"), std::string::npos) << "names the protocol: " << what;
}

}  // namespace
}  // namespace sprocket::test
