// ws:// interop with the peers' command-line tools, run as child processes:
// NNG 1.5.2's `nngcat` and nanomsg 1.1.5's `nanocat`. Every protocol both
// tools have (PAIR, REQ/REP, PUB/SUB, PUSH/PULL, SURVEYOR/RESPONDENT; BUS
// with nanocat only), with sprocket listening and with sprocket dialing;
// peers of the wrong protocol refused; and messages over 1 MiB both ways
// with nngcat, which NNG 1.5.2 accepts only because sprocket sends them as
// 64 KiB frames (NNG refuses any frame over 1 MiB). Also NNG's empty request
// target (a URL without a path) and two sprocket sockets sharing a port.
//
// Every child is killed and reaped by ChildProcess, every wait is bounded,
// and a missing tool fails the test with what to install.
#include <fstream>

#include "protocols/common/cli_scenarios.hpp"
#include "protocols/common/interop_util.hpp"

namespace sprocket::test {
namespace {

constexpr std::size_t KiB = 1024, MiB = 1024 * KiB;

/// A protocol's flag for each tool; nullptr where the tool lacks it.
struct Flags {
  const char* nngcat;
  const char* nanocat;
};
const Flags kPair{"--pair0", "--pair"}, kReq{"--req0", "--req"}, kRep{"--rep0", "--rep"},
    kPub{"--pub0", "--pub"}, kSub{"--sub0", "--sub"}, kPush{"--push0", "--push"},
    kPull{"--pull0", "--pull"}, kSurveyor{"--surveyor0", "--surveyor"},
    kRespondent{"--respondent0", "--respondent"};

const char* flag(Tool t, const Flags& f) { return t == Tool::nngcat ? f.nngcat : f.nanocat; }

/// Where sprocket and the tool meet. sprocket listens on port 0 with a
/// path. A tool listens on a port that was free a moment ago: nngcat with a
/// path; nanocat without one, because nanomsg 1.1.5 cannot bind a ws URL
/// that has a path ("Can't bind: Invalid argument") — it serves every path
/// of its port, and sprocket dials the default path "/".
std::string ws_meeting_url(Socket& s, Tool tool, Role role) {
  if (role == Role::sprocket_listens) {
    Listener l = s.listen("ws://127.0.0.1:0/interop");
    return "ws://127.0.0.1:" + std::to_string(l.port()) + "/interop";
  }
  const std::string base = "ws://127.0.0.1:" + std::to_string(free_tcp_port());
  return tool == Tool::nanocat ? base : base + "/interop";
}

/// Starts `tool` as `protocol_flag` + `extra` into `peer`, meeting `node`
/// over ws, and waits until sprocket has the connection.
void start_peer(std::unique_ptr<ChildProcess>& peer, Node& node, Tool tool, Role role,
                const char* protocol_flag, std::vector<std::string> extra) {
  const std::string url = ws_meeting_url(node.socket, tool, role);
  start_connected_tool(peer, node.socket, node.events, tool, protocol_flag, role, url,
                       std::move(extra));
}

struct WsCliParam {
  Tool tool;
  Role role;
};

std::string cli_name(const ::testing::TestParamInfo<WsCliParam>& i) {
  return std::string(tool_info(i.param.tool).name) + "_" + role_name(i.param.role);
}
void PrintTo(const WsCliParam& c, std::ostream* os) {
  *os << tool_info(c.tool).name << "_" << role_name(c.role);
}

class WsCliInterop : public ::testing::TestWithParam<WsCliParam> {
 protected:
  void SetUp() override { ASSERT_TRUE(tool_available(GetParam().tool)); }

  void start(Node& node, const Flags& flags, std::vector<std::string> extra) {
    start_peer(peer_, node, GetParam().tool, GetParam().role, flag(GetParam().tool, flags),
               std::move(extra));
  }
  std::string tool_name() const { return tool_info(GetParam().tool).name; }

  std::unique_ptr<ChildProcess> peer_;  // killed and reaped by its destructor
};

INSTANTIATE_TEST_SUITE_P(Peers, WsCliInterop,
                         ::testing::Values(WsCliParam{Tool::nngcat, Role::sprocket_listens},
                                           WsCliParam{Tool::nngcat, Role::sprocket_dials},
                                           WsCliParam{Tool::nanocat, Role::sprocket_listens},
                                           WsCliParam{Tool::nanocat, Role::sprocket_dials}),
                         cli_name);

// ------------------------------------------------------------------ PAIR

TEST_P(WsCliInterop, PairPeerSendsSprocketReceives) {
  Node pair(sprocket::pair);
  const std::string text = "hello from " + tool_name();
  // The tool stays up after its send: no copy is lost to its exiting
  // before its queue drained.
  ASSERT_NO_FATAL_FAILURE(
      start(pair, kPair, sending_until_killed(GetParam().tool, {"--data", text})));
  std::error_code ec;
  Message m = pair.socket.recv(ec);
  ASSERT_NO_ERROR(ec) << peer_->describe();
  EXPECT_EQ(m.str(), text);
}

TEST_P(WsCliInterop, PairSprocketSendsPeerPrints) {
  Node pair(sprocket::pair);
  ASSERT_NO_FATAL_FAILURE(start(pair, kPair, {"--raw"}));
  std::string binary;
  for (int i = 0; i < 256; ++i) binary += static_cast<char>(i);  // zeros, newlines, high bytes
  pair.socket.send("hello from sprocket");
  pair.socket.send(std::span(reinterpret_cast<const std::byte*>(binary.data()), binary.size()));
  const std::string expected = "hello from sprocket" + binary;
  EXPECT_TRUE(peer_->wait_for_bytes(expected.size(), kEventTimeout)) << peer_->describe();
  EXPECT_TRUE(peer_->output() == expected) << peer_->describe();
}

// ------------------------------------------------------------------ REQ/REP

TEST_P(WsCliInterop, SprocketReqPeerRep) {
  Node req(sprocket::req);
  ASSERT_NO_FATAL_FAILURE(start(req, kRep, cli_scenario::rep_tool_args()));
  cli_scenario::req_asks_rep_tool(req.socket, *peer_);
}

TEST_P(WsCliInterop, PeerReqSprocketRep) {
  Node rep(sprocket::rep);
  ASSERT_NO_FATAL_FAILURE(start(rep, kReq, cli_scenario::req_tool_args()));
  cli_scenario::rep_answers_req_tool(rep.socket, *peer_);
}

// ------------------------------------------------------------------ PUB/SUB

TEST_P(WsCliInterop, SprocketPubPeerSubFilters) {
  Node pub(sprocket::pub);
  ASSERT_NO_FATAL_FAILURE(start(pub, kSub, {"--subscribe", "weather/", "--quoted"}));
  // The peer may add its end of the connection a moment after sprocket
  // added its own, and PUB drops what nobody takes: publish until the match
  // shows up (each round a bounded wait, 10 s in all).
  bool seen = false;
  for (int round = 0; round < 50 && !seen; ++round) {
    pub.socket.send("news/skip");
    pub.socket.send("weather/sunny");
    seen = peer_->wait_for_output("\"weather/sunny\"\n", 200ms);
  }
  EXPECT_TRUE(seen) << peer_->describe();
  EXPECT_EQ(peer_->output().find("news/"), std::string::npos) << "the peer's filter let news/ through";
}

TEST_P(WsCliInterop, PeerPubSprocketSub) {
  Node sub(sprocket::sub);
  sub.socket.subscribe("weather/");
  ASSERT_NO_FATAL_FAILURE(start(sub, kPub, {"--data", "weather/sunny", "--interval", "1"}));
  std::error_code ec;
  Message m = sub.socket.recv(ec);
  ASSERT_NO_ERROR(ec) << peer_->describe();
  EXPECT_EQ(m.str(), "weather/sunny");
}

// ------------------------------------------------------------------ PUSH/PULL

TEST_P(WsCliInterop, SprocketPushPeerPull) {
  Node push(sprocket::push);
  ASSERT_NO_FATAL_FAILURE(start(push, kPull, {"--quoted"}));
  for (int i = 0; i < 3; ++i) push.socket.send("job " + std::to_string(i));
  EXPECT_TRUE(peer_->wait_for_output("\"job 2\"\n", kEventTimeout)) << peer_->describe();
  EXPECT_EQ(peer_->output(), "\"job 0\"\n\"job 1\"\n\"job 2\"\n");
}

TEST_P(WsCliInterop, PeerPushSprocketPull) {
  Node pull(sprocket::pull);
  const std::string text = "job from " + tool_name();
  ASSERT_NO_FATAL_FAILURE(start(pull, kPush, {"--data", text, "--interval", "1"}));
  std::error_code ec;
  Message m = pull.socket.recv(ec);
  ASSERT_NO_ERROR(ec) << peer_->describe();
  EXPECT_EQ(m.str(), text);
}

// ------------------------------------------------------------------ SURVEYOR/RESPONDENT

TEST_P(WsCliInterop, SprocketSurveysThePeer) {
  Node sv(sprocket::surveyor);
  sv.socket.set_survey_deadline(kEventTimeout);
  const Tool tool = GetParam().tool;
  ASSERT_NO_FATAL_FAILURE(start(sv, kRespondent, cli_scenario::respondent_tool_args(tool)));
  cli_scenario::surveyor_asks_respondent_tool(sv.socket, tool, *peer_);
}

TEST_P(WsCliInterop, PeerSurveysSprocket) {
  Node r(sprocket::respondent);
  const Tool tool = GetParam().tool;
  ASSERT_NO_FATAL_FAILURE(start(r, kSurveyor, cli_scenario::surveyor_tool_args(tool)));
  cli_scenario::respondent_answers_surveyor_tool(r.socket, tool, *peer_);
}

// ------------------------------------------------------------------ wrong protocol

// The refusal must come promptly and say what it is. nanomsg 1.1.5 makes
// that hard for a dialer: its "HTTP/1.1 400 Incompatible Socket Type" has no
// blank line after it, the connection stays open, and its PUSH then sends
// data frames down it. A client that waits for the end of the head instead
// of reading the status line only gives up at its handshake timeout (3 s
// here, 10 s by default) with timed_out.
TEST_P(WsCliInterop, WrongProtocolPeerIsRefusedPromptlyAndNeverDelivers) {
  Node pair(sprocket::pair);
  pair.socket.set_handshake_timeout(3s);
  const std::string url = ws_meeting_url(pair.socket, GetParam().tool, GetParam().role);
  peer_ = start_tool(GetParam().tool, flag(GetParam().tool, kPush), GetParam().role, url,
                     {"--data", "must not arrive", "--interval", "1"});
  ASSERT_TRUE(peer_->running()) << peer_->describe();
  if (GetParam().role == Role::sprocket_dials) pair.socket.dial(url, kPeerRetry);
  // A dialer also records "connection refused" while the peer starts up:
  // wait for the outcome of a handshake. (Which code a dialer reports for
  // an HTTP 400 is checked in ws_test.cpp.)
  std::error_code reason;
  ASSERT_TRUE(wait_until([&] {
    for (const auto& e : pair.events.events(PipeEvent::Kind::refused))
      if (e.reason == errc::protocol_mismatch || e.reason == errc::protocol_error ||
          e.reason == errc::timed_out) {
        reason = e.reason;
        return true;
      }
    return false;
  })) << pair.events.summary() << "\n" << peer_->describe();
  EXPECT_TRUE(reason == errc::protocol_mismatch || reason == errc::protocol_error)
      << describe(reason) << ": the refusal was not recognised before the handshake timeout";
  EXPECT_EQ(pair.socket.stats().pipes_added, 0u);
  EXPECT_TRUE(nothing_waiting(pair.socket)) << "a message from the wrong peer was delivered";
}

// ------------------------------------------------------------------ BUS (nanocat)

// nngcat 1.5.2 has no BUS option, so BUS interop is with nanocat only.
class WsBusInterop : public ::testing::TestWithParam<Role> {};
INSTANTIATE_TEST_SUITE_P(Roles, WsBusInterop,
                         ::testing::Values(Role::sprocket_listens, Role::sprocket_dials),
                         [](const auto& i) { return std::string(role_name(i.param)); });

TEST_P(WsBusInterop, SprocketAndNanocatReachEachOther) {
  ASSERT_TRUE(tool_available(Tool::nanocat));
  Node bus(sprocket::bus);
  // With --data, a nanocat BUS sends every second and prints what it gets.
  std::unique_ptr<ChildProcess> peer;
  ASSERT_NO_FATAL_FAILURE(start_peer(peer, bus, Tool::nanocat, GetParam(), "--bus",
                                     {"--data", "from nanocat", "--interval", "1", "--quoted"}));
  std::error_code ec;
  Message m = bus.socket.recv(ec);
  ASSERT_NO_ERROR(ec) << peer->describe();
  EXPECT_EQ(m.str(), "from nanocat");
  bus.socket.send("from sprocket");
  EXPECT_TRUE(peer->wait_for_output("\"from sprocket\"\n", kEventTimeout)) << peer->describe();
  EXPECT_EQ(peer->output().find("from nanocat"), std::string::npos) << "BUS echoed to its sender";
}

// ------------------------------------------------------------------ over 1 MiB (nngcat)

/// 3 MiB in which every byte value occurs and the offset shows.
std::string large_body() {
  std::string body(3 * MiB, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>((i * 131 + i / 4096) & 0xff);
  return body;
}

class WsLargeInterop : public ::testing::TestWithParam<Role> {
 protected:
  void SetUp() override { ASSERT_TRUE(tool_available(Tool::nngcat)); }
};
INSTANTIATE_TEST_SUITE_P(Roles, WsLargeInterop,
                         ::testing::Values(Role::sprocket_listens, Role::sprocket_dials),
                         [](const auto& i) { return std::string(role_name(i.param)); });

TEST_P(WsLargeInterop, SprocketSends3MiBToNngcat) {
  Node pair(sprocket::pair);
  // --recv-maxsz 0: no message limit in nngcat (its default is 1 MiB). Its
  // 1 MiB frame limit stays: sprocket's 64 KiB frames keep under it.
  std::unique_ptr<ChildProcess> peer;
  ASSERT_NO_FATAL_FAILURE(
      start_peer(peer, pair, Tool::nngcat, GetParam(), "--pair0", {"--raw", "--recv-maxsz", "0"}));
  const std::string body = large_body();
  pair.socket.send(body);
  EXPECT_TRUE(peer->wait_for_bytes(body.size(), 30s))
      << "nngcat printed " << peer->output().size() << " of " << body.size() << " bytes; events: "
      << pair.events.summary() << "\nstderr: " << peer->errors();
  EXPECT_TRUE(peer->output() == body) << "the bytes nngcat printed differ from the message";
  EXPECT_EQ(pair.events.count(PipeEvent::Kind::removed), 0u) << "NNG dropped the connection";
}

TEST_P(WsLargeInterop, NngcatSends3MiBToSprocket) {
  const std::string body = large_body();
  const auto path = ipc_dir() / ("ws-large-" + std::string(role_name(GetParam())) + ".bin");
  {
    std::ofstream out(path, std::ios::binary);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    ASSERT_TRUE(out.good()) << "writing " << path;
  }
  Node pair(sprocket::pair);
  pair.socket.set_recv_max_size(8 * MiB);
  std::unique_ptr<ChildProcess> peer;
  ASSERT_NO_FATAL_FAILURE(
      start_peer(peer, pair, Tool::nngcat, GetParam(), "--pair0",
                 sending_until_killed(Tool::nngcat, {"--file", path.string()})));
  std::error_code ec;
  Message m = pair.socket.recv(ec);
  ASSERT_NO_ERROR(ec) << peer->describe();
  EXPECT_EQ(m.size(), body.size());
  EXPECT_TRUE(m.str() == body) << "the message differs from what nngcat sent";
  EXPECT_EQ(pair.socket.stats().protocol_errors, 0u);
}

// ------------------------------------------------------------------ paths

// NNG 1.5.2 dialing ws://host:port (no path) sends "GET  HTTP/1.1", an
// empty request target: it must reach a sprocket listener on ws://host:port
// and on ws://host:port/, which both serve "/".
class WsNngNoPath : public ::testing::TestWithParam<const char*> {};

INSTANTIATE_TEST_SUITE_P(ListenPaths, WsNngNoPath, ::testing::Values("", "/"),
                         [](const auto& i) { return std::string(*i.param ? "slash" : "none"); });

TEST_P(WsNngNoPath, NngcatDialingWithoutAPathIsServed) {
  ASSERT_TRUE(tool_available(Tool::nngcat));
  Node pair(sprocket::pair);
  Listener l = pair.socket.listen(std::string("ws://127.0.0.1:0") + GetParam());
  auto peer = start_tool(Tool::nngcat, "--pair0", Role::sprocket_listens,
                         "ws://127.0.0.1:" + std::to_string(l.port()),
                         sending_until_killed(Tool::nngcat, {"--data", "no path"}));
  std::error_code ec;
  Message m = pair.socket.recv(ec);
  ASSERT_NO_ERROR(ec) << pair.events.summary() << "\n" << peer->describe();
  EXPECT_EQ(m.str(), "no path");
  EXPECT_EQ(pair.socket.stats().refused, 0u);
}

// Two sprocket sockets share one port by path; an nngcat dials each.
TEST(WsNngSharedPort, EachNngcatReachesTheSocketOfItsPath) {
  ASSERT_TRUE(tool_available(Tool::nngcat));
  Node a(sprocket::pull), b(sprocket::pull);
  Listener la = a.socket.listen("ws://127.0.0.1:0/a");
  const std::string base = "ws://127.0.0.1:" + std::to_string(la.port());
  Listener lb = b.socket.listen(base + "/b");
  auto to_a = start_tool(Tool::nngcat, "--push0", Role::sprocket_listens, base + "/a",
                         {"--data", "for a", "--interval", "1"});
  auto to_b = start_tool(Tool::nngcat, "--push0", Role::sprocket_listens, base + "/b",
                         {"--data", "for b", "--interval", "1"});
  std::error_code ec;
  EXPECT_EQ(to_string(a.socket.recv(ec)), "for a") << to_a->describe();
  EXPECT_EQ(to_string(b.socket.recv(ec)), "for b") << to_b->describe();
  EXPECT_EQ(a.socket.stats().refused + b.socket.stats().refused, 0u);
}

}  // namespace
}  // namespace sprocket::test
