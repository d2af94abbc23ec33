// Interop with the peers' own command-line tools, run as child processes:
// NNG's `nngcat --pair0` and nanomsg's `nanocat --pair` (PAIR v0), over tcp
// and ipc, with sprocket listening and with sprocket dialing. The peer sends
// (`--data`) and sprocket receives; sprocket sends and the peer prints
// (`--raw`, so the bytes can be compared exactly). Peers of the wrong
// protocol are refused on both sides.
//
// The tools' paths come from CMake's find_program. A missing tool fails the
// test with a message saying what to install (tools/test.sh installs them):
// an interop suite that silently skips proves nothing.
#include <memory>

#include "protocols/common/interop_util.hpp"

namespace sprocket::test {
namespace {

using Kind = PipeEvent::Kind;

// nngcat 1.5.2 has no plain --pair ("No protocol specified."): --pair0 is v0,
// --pair1 v1. nanocat's --pair is v0.
const char* pair_flag(Tool t) { return t == Tool::nngcat ? "--pair0" : "--pair"; }

/// One sprocket PAIR socket and one peer process, connected in the
/// direction the case says.
class StreamCliInterop : public ::testing::TestWithParam<CliParam> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(tool_available(GetParam().tool));
    bound_blocking_calls(sock_);
  }

  /// Binds the sprocket side (if it listens), starts the peer with
  /// `protocol_flag` and `extra` arguments, dials (if sprocket dials).
  void start(const char* protocol_flag, std::vector<std::string> extra) {
    const CliParam& c = GetParam();
    const std::string url = meeting_url(sock_, c.transport, c.role);
    peer_ = start_tool(c.tool, protocol_flag, c.role, url, std::move(extra));
    ASSERT_TRUE(peer_->running()) << peer_->describe();
    // The peer listens in the background: the dialer retries until it is up.
    if (c.role == Role::sprocket_dials) sock_.dial(url, kPeerRetry);
  }

  void start_pair(std::vector<std::string> extra) { start(pair_flag(GetParam().tool), std::move(extra)); }

  ::testing::AssertionResult wait_connected() {
    if (events_.wait_added()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "no connection; events: " << events_.summary() << "\n"
                                         << peer_->describe();
  }

  Socket sock_{sprocket::pair};
  PipeEventRecorder events_{sock_};
  std::unique_ptr<ChildProcess> peer_;  // destroyed first: killed and reaped
};

INSTANTIATE_TEST_SUITE_P(Stream, StreamCliInterop, ::testing::ValuesIn(all_cli_params()),
                         CliParamName{});

TEST_P(StreamCliInterop, PeerSendsSprocketReceives) {
  const std::string text = std::string("hello from ") + tool_info(GetParam().tool).name;
  // The tool stays up after its send: no copy is lost to its exiting
  // before its queue drained.
  ASSERT_NO_FATAL_FAILURE(start_pair(sending_until_killed(GetParam().tool, {"--data", text})));
  ASSERT_TRUE(wait_connected());
  std::error_code ec;
  Message m = sock_.recv(ec);
  ASSERT_NO_ERROR(ec) << peer_->describe();
  EXPECT_EQ(m.str(), text);
  if (GetParam().role == Role::sprocket_listens)  // a dialer may be refused until the peer is up
    EXPECT_EQ(sock_.stats().refused, 0u) << events_.summary();
}

TEST_P(StreamCliInterop, SprocketSendsPeerPrints) {
  ASSERT_NO_FATAL_FAILURE(start_pair({"--raw"}));
  ASSERT_TRUE(wait_connected());
  std::string binary;
  for (int i = 0; i < 256; ++i) binary += static_cast<char>(i);  // zeros, newlines, high bytes
  sock_.send("hello from sprocket");
  sock_.send(std::span(reinterpret_cast<const std::byte*>(binary.data()), binary.size()));
  const std::string expected = "hello from sprocket" + binary;
  EXPECT_TRUE(peer_->wait_for_bytes(expected.size(), kEventTimeout)) << peer_->describe();
  EXPECT_TRUE(peer_->output() == expected)
      << "the peer printed " << peer_->output().size() << " bytes, expected " << expected.size()
      << "\n" << peer_->describe();
}

TEST_P(StreamCliInterop, PeerSendsEmptyMessage) {
  ASSERT_NO_FATAL_FAILURE(start_pair(sending_until_killed(GetParam().tool, {"--data", ""})));
  ASSERT_TRUE(wait_connected());
  std::error_code ec;
  Message m = sock_.recv(ec);
  ASSERT_NO_ERROR(ec) << peer_->describe();
  EXPECT_EQ(m.size(), 0u);
}

TEST_P(StreamCliInterop, PeerPrintsEmptyMessage) {
  // --hex quotes each message on its own line, so an empty one is visible.
  ASSERT_NO_FATAL_FAILURE(start_pair({"--hex"}));
  ASSERT_TRUE(wait_connected());
  sock_.send(std::string_view{});
  sock_.send("AB");
  const std::string expected = "\"\"\n\"\\x41\\x42\"\n";  // ""  "\x41\x42"
  EXPECT_TRUE(peer_->wait_for_bytes(expected.size(), kEventTimeout)) << peer_->describe();
  EXPECT_EQ(peer_->output(), expected);
}

// ------------------------------------------------------------------ wrong protocol

struct WrongPeer {
  Tool tool;
  const char* flag;  // a protocol that is not PAIR v0
  Transport transport;
  Role role;
};

std::vector<WrongPeer> wrong_peers() {
  std::vector<WrongPeer> out;
  for (Transport tr : {Transport::tcp, Transport::ipc})
    for (Role r : {Role::sprocket_listens, Role::sprocket_dials}) {
      out.push_back({Tool::nngcat, "--push0", tr, r});
      out.push_back({Tool::nngcat, "--pair1", tr, r});
      out.push_back({Tool::nanocat, "--push", tr, r});
    }
  return out;
}

std::string wrong_peer_name(const WrongPeer& w) {
  return std::string(tool_info(w.tool).name) + "_" + (w.flag + 2) + "_" + transport_name(w.transport) +
         "_" + role_name(w.role);
}
void PrintTo(const WrongPeer& w, std::ostream* os) { *os << wrong_peer_name(w); }

class StreamCliWrongPeer : public ::testing::TestWithParam<WrongPeer> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(tool_available(GetParam().tool));
    bound_blocking_calls(sock_);
  }
  Socket sock_{sprocket::pair};
  PipeEventRecorder events_{sock_};
  std::unique_ptr<ChildProcess> peer_;
};

INSTANTIATE_TEST_SUITE_P(Stream, StreamCliWrongPeer, ::testing::ValuesIn(wrong_peers()),
                         [](const auto& i) { return wrong_peer_name(i.param); });

TEST_P(StreamCliWrongPeer, IsRefusedAndNeverDelivers) {
  const WrongPeer& w = GetParam();
  const std::string url = meeting_url(sock_, w.transport, w.role);
  peer_ = start_tool(w.tool, w.flag, w.role, url, {"--data", "must not arrive", "--interval", "1"});
  ASSERT_TRUE(peer_->running()) << peer_->describe();
  if (w.role == Role::sprocket_dials) sock_.dial(url, kPeerRetry);

  // A dialer also records "connection refused" while the peer starts up:
  // wait for the mismatch itself.
  ASSERT_TRUE(wait_until([&] {
    for (const auto& e : events_.events(Kind::refused))
      if (e.reason == errc::protocol_mismatch) return true;
    return false;
  })) << events_.summary() << "\n" << peer_->describe();
  EXPECT_GE(sock_.stats().refused, 1u);
  EXPECT_EQ(sock_.stats().pipes_added, 0u);
  std::error_code ec;
  sock_.try_recv(ec);
  EXPECT_ERRC(ec, errc::would_block) << "a message from the wrong peer was delivered";
  EXPECT_EQ(sock_.stats().messages_received, 0u);
}

}  // namespace
}  // namespace sprocket::test
