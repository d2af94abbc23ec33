// PAIR v1 against NNG 1.5.2's own tool, `nngcat --pair1`, run as a child
// process over tcp, ipc and ws, with sprocket listening and with sprocket
// dialing: nngcat's messages arrive with one hop; sprocket's are printed by
// nngcat byte for byte; a conversation runs both ways on one connection;
// and nngcat's PAIR v0 is refused. (nngcat's plain `--pair` is rejected by
// nngcat 1.5.2 itself: "No protocol specified.")
//
// Every child is killed and reaped by ChildProcess, every wait is bounded,
// and a missing nngcat fails the test with what to install.
#include <memory>
#include <string>

#include "protocols/pair1/pair1_interop_util.hpp"

namespace sprocket::test {
namespace {

using Kind = PipeEvent::Kind;
using Words = std::vector<std::uint32_t>;

class Pair1CliInterop : public ::testing::TestWithParam<NetParam> {
 protected:
  void SetUp() override { ASSERT_TRUE(tool_available(Tool::nngcat)); }

  /// Starts `nngcat <protocol_flag> ... <extra>` meeting `node`, and waits
  /// until sprocket has the connection.
  void start(Node& node, std::vector<std::string> extra, const char* protocol_flag = "--pair1") {
    const NetParam& p = GetParam();
    const std::string url = p.role == Role::sprocket_listens
                                ? listen_fresh(node.socket, p.via)
                                : fixed_url(p.via);
    start_connected_tool(peer_, node.socket, node.events, Tool::nngcat, protocol_flag, p.role, url,
                         std::move(extra));
  }

  std::unique_ptr<ChildProcess> peer_;  // killed and reaped by its destructor
};

INSTANTIATE_TEST_SUITE_P(Nngcat, Pair1CliInterop, ::testing::ValuesIn(all_net_params()),
                         net_param_name);

TEST_P(Pair1CliInterop, NngcatSendsSprocketReceivesOneHop) {
  Node pair(sprocket::pair1);
  // nngcat stays up after its send: no copy is lost to its exiting before
  // its queue drained.
  ASSERT_NO_FATAL_FAILURE(
      start(pair, sending_until_killed(Tool::nngcat, {"--data", "hello from nngcat"})));
  std::error_code ec;
  Message m = pair.socket.recv(ec);
  ASSERT_NO_ERROR(ec) << peer_->describe();
  EXPECT_EQ(m.str(), "hello from nngcat");
  EXPECT_EQ(header_words(m), Words{1});
  EXPECT_EQ(m.pipe(), added_pipe(pair.events));
}

TEST_P(Pair1CliInterop, SprocketSendsNngcatPrintsExactBytes) {
  Node pair(sprocket::pair1);
  ASSERT_NO_FATAL_FAILURE(start(pair, {"--raw"}));
  std::string binary;
  for (int i = 0; i < 256; ++i) binary += static_cast<char>(i);  // zeros, newlines, high bytes
  pair.socket.send("hello from sprocket");
  pair.socket.send(std::span(reinterpret_cast<const std::byte*>(binary.data()), binary.size()));
  // nngcat prints bodies only: a hop word sprocket got wrong would show up
  // as 4 extra bytes (or the message would be dropped).
  const std::string expected = "hello from sprocket" + binary;
  EXPECT_TRUE(peer_->wait_for_bytes(expected.size(), kEventTimeout)) << peer_->describe();
  EXPECT_TRUE(peer_->output() == expected) << peer_->describe();
}

TEST_P(Pair1CliInterop, ConversationBothWays) {
  Node pair(sprocket::pair1);
  ASSERT_NO_FATAL_FAILURE(
      start(pair, sending_until_killed(Tool::nngcat, {"--data", "ping", "--quoted"})));
  std::error_code ec;
  Message m = pair.socket.recv(ec);
  ASSERT_NO_ERROR(ec) << peer_->describe();
  EXPECT_EQ(m.str(), "ping");
  pair.socket.send("pong");
  EXPECT_TRUE(peer_->wait_for_output("\"pong\"\n", kEventTimeout)) << peer_->describe();
  EXPECT_EQ(pair.socket.stats().drops, 0u);
}

TEST_P(Pair1CliInterop, NngcatPairV0IsRefused) {
  Node pair(sprocket::pair1);
  const NetParam& p = GetParam();
  const std::string url =
      p.role == Role::sprocket_listens ? listen_fresh(pair.socket, p.via) : fixed_url(p.via);
  peer_ = start_tool(Tool::nngcat, "--pair0", p.role, url,
                     {"--data", "must not arrive", "--interval", "1"});
  if (p.role == Role::sprocket_dials) pair.socket.dial(url, kPeerRetry);
  ASSERT_TRUE(pair.events.wait_refused()) << pair.events.summary() << "\n" << peer_->describe();
  EXPECT_EQ(pair.events.count(Kind::added), 0u) << pair.events.summary();
  std::error_code ec;
  (void)pair.socket.try_recv(ec);
  EXPECT_ERRC(ec, errc::would_block);
}

}  // namespace
}  // namespace sprocket::test
