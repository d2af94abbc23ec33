// tls+tcp:// (and wss://) interop with NNG 1.5.2's `nngcat`, built with TLS
// (mbedTLS), as a child process: PAIR, REQ/REP and PUB/SUB with sprocket
// listening and with sprocket dialing, certificates made at test time
// (tests/tls_test_pki.hpp), host names in the URLs (nngcat does not match
// an IP address against a certificate). Also: nngcat refuses a server it
// cannot verify, and a sprocket listener that requires client
// certificates takes nngcat's.
//
// Every child is killed and reaped by ChildProcess, every wait is bounded,
// and a missing nngcat fails the test with what to install.
#include "protocols/common/cli_scenarios.hpp"
#include "protocols/common/interop_util.hpp"
#include "tls_test_pki.hpp"

namespace sprocket::test {
namespace {

const TestPki& pki() { return TestPki::get(); }

enum class Scheme { tls, wss };

struct TlsCliParam {
  Scheme scheme;
  Role role;
};

std::string scheme_name(Scheme s) { return s == Scheme::tls ? "tls" : "wss"; }

std::string param_name(const ::testing::TestParamInfo<TlsCliParam>& i) {
  return scheme_name(i.param.scheme) + "_" + role_name(i.param.role);
}
void PrintTo(const TlsCliParam& c, std::ostream* os) {
  *os << scheme_name(c.scheme) << "_" << role_name(c.role);
}

/// The URL for `port` (0 when sprocket listens).
std::string url_for(Scheme s, std::uint16_t port) {
  const std::string p = std::to_string(port);
  return s == Scheme::tls ? "tls+tcp://localhost:" + p : "wss://localhost:" + p + "/interop";
}

class TlsCliInterop : public ::testing::TestWithParam<TlsCliParam> {
 protected:
  void SetUp() override { ASSERT_TRUE(tool_available(Tool::nngcat)); }

  Role role() const { return GetParam().role; }

  /// Where sprocket and nngcat meet: sprocket listens now (with the server
  /// certificate), or nngcat will listen on a port free a moment ago.
  std::string meet(Node& node) {
    if (role() == Role::sprocket_dials) return url_for(GetParam().scheme, free_tcp_port());
    Listener l = node.socket.listen(url_for(GetParam().scheme, 0), {.tls = pki().server()});
    return url_for(GetParam().scheme, l.port());
  }

  /// nngcat's TLS flags for its side: a listener presents the server
  /// certificate, a dialer trusts the CA.
  std::vector<std::string> tls_flags() const {
    if (role() == Role::sprocket_dials)
      return {"--cert", pki().file("srv.pem"), "--key", pki().file("srv.key")};
    return {"--cacert", pki().file("ca.pem")};
  }

  /// Starts nngcat as `protocol_flag` + `extra`, and waits until `node` has
  /// the connection (sprocket dials with the CA when nngcat listens).
  void start(Node& node, const char* protocol_flag, std::vector<std::string> extra) {
    const std::string url = meet(node);
    auto flags = tls_flags();
    extra.insert(extra.end(), flags.begin(), flags.end());
    peer_ = start_tool(Tool::nngcat, protocol_flag, role(), url, std::move(extra));
    ASSERT_TRUE(peer_->running()) << peer_->describe();
    if (role() == Role::sprocket_dials) node.socket.dial(url, kPeerRetry.with_tls(pki().client()));
    ASSERT_TRUE(node.events.wait_added()) << node.events.summary() << "\n" << peer_->describe();
  }

  std::unique_ptr<ChildProcess> peer_;  // killed and reaped by its destructor
};

INSTANTIATE_TEST_SUITE_P(Nngcat, TlsCliInterop,
                         ::testing::Values(TlsCliParam{Scheme::tls, Role::sprocket_listens},
                                           TlsCliParam{Scheme::tls, Role::sprocket_dials},
                                           TlsCliParam{Scheme::wss, Role::sprocket_listens},
                                           TlsCliParam{Scheme::wss, Role::sprocket_dials}),
                         param_name);

TEST_P(TlsCliInterop, PairPeerSendsSprocketReceives) {
  Node pair(sprocket::pair);
  ASSERT_NO_FATAL_FAILURE(
      start(pair, "--pair0", sending_until_killed(Tool::nngcat, {"--data", "hello over tls"})));
  std::error_code ec;
  Message m = pair.socket.recv(ec);
  ASSERT_NO_ERROR(ec) << peer_->describe();
  EXPECT_EQ(to_string(std::move(m)), "hello over tls");
}

TEST_P(TlsCliInterop, PairSprocketSendsPeerPrints) {
  Node pair(sprocket::pair);
  ASSERT_NO_FATAL_FAILURE(start(pair, "--pair0", {"--raw"}));
  std::string big(200'000, 'z');  // many TLS records
  pair.socket.send("hello from sprocket");
  pair.socket.send(big);
  const std::string expected = "hello from sprocket" + big;
  EXPECT_TRUE(peer_->wait_for_bytes(expected.size(), kEventTimeout)) << peer_->describe();
  EXPECT_TRUE(peer_->output() == expected) << peer_->describe().substr(0, 2000);
}

TEST_P(TlsCliInterop, SprocketReqPeerRep) {
  Node req(sprocket::req);
  ASSERT_NO_FATAL_FAILURE(start(req, "--rep0", cli_scenario::rep_tool_args()));
  cli_scenario::req_asks_rep_tool(req.socket, *peer_);
}

TEST_P(TlsCliInterop, PeerReqSprocketRep) {
  Node rep(sprocket::rep);
  ASSERT_NO_FATAL_FAILURE(start(rep, "--req0", cli_scenario::req_tool_args()));
  cli_scenario::rep_answers_req_tool(rep.socket, *peer_);
}

TEST_P(TlsCliInterop, SprocketPubPeerSub) {
  Node pub(sprocket::pub);
  ASSERT_NO_FATAL_FAILURE(start(pub, "--sub0", {"--subscribe", "news/", "--ascii"}));
  // The peer may add its end of the connection a moment after sprocket
  // added its own, and PUB drops what nobody takes: publish until the match
  // shows up (each round a bounded wait, 10 s in all).
  bool seen = false;
  for (int round = 0; round < 50 && !seen; ++round) {
    pub.socket.send("sports/ignored");
    pub.socket.send("news/today");
    seen = peer_->wait_for_output("news/today", 200ms);
  }
  EXPECT_TRUE(seen) << peer_->describe();
  EXPECT_EQ(peer_->output().find("sports"), std::string::npos) << peer_->describe();
}

TEST_P(TlsCliInterop, PeerPubSprocketSub) {
  Node sub(sprocket::sub);
  sub.socket.subscribe("news/");
  ASSERT_NO_FATAL_FAILURE(start(sub, "--pub0", {"--data", "news/flash", "--interval", "1"}));
  std::error_code ec;
  Message m = sub.socket.recv(ec);
  ASSERT_NO_ERROR(ec) << peer_->describe();
  EXPECT_EQ(to_string(std::move(m)), "news/flash");
}

// nngcat without the CA cannot verify sprocket's server and gives up on the
// connection; sprocket's listener hears its alert and still serves.
TEST(TlsCliRefusal, PeerWithoutTheCaRefusesSprocketsServer) {
  ASSERT_TRUE(tool_available(Tool::nngcat));
  Node rep(sprocket::rep);
  Listener l = rep.socket.listen(url_for(Scheme::tls, 0), {.tls = pki().server()});
  auto peer = start_tool(Tool::nngcat, "--req0", Role::sprocket_listens,
                         url_for(Scheme::tls, l.port()), cli_scenario::req_tool_args());
  ASSERT_TRUE(rep.events.wait_refused()) << rep.events.summary() << "\n" << peer->describe();
  EXPECT_EQ(rep.events.count(PipeEvent::Kind::added), 0u);
  EXPECT_GE(rep.socket.stats().refused, 1u);
}

// A sprocket listener requiring client certificates accepts nngcat's.
TEST(TlsCliRefusal, ClientCertificateFromNngcat) {
  ASSERT_TRUE(tool_available(Tool::nngcat));
  Node rep(sprocket::rep);
  TlsConfig server = pki().server();
  server.ca_file = pki().file("ca.pem");
  server.verify = TlsVerify::required;
  Listener l = rep.socket.listen(url_for(Scheme::tls, 0), {.tls = server});
  std::vector<std::string> args = cli_scenario::req_tool_args();
  for (const std::string& a : {std::string("--cacert"), pki().file("ca.pem"), std::string("--cert"),
                               pki().file("cli.pem"), std::string("--key"), pki().file("cli.key")})
    args.push_back(a);
  auto peer = start_tool(Tool::nngcat, "--req0", Role::sprocket_listens,
                         url_for(Scheme::tls, l.port()), args);
  ASSERT_TRUE(rep.events.wait_added()) << rep.events.summary() << "\n" << peer->describe();
  cli_scenario::rep_answers_req_tool(rep.socket, *peer);
}

}  // namespace
}  // namespace sprocket::test
