// Two data centres on hosts of their own: "ny" runs two REP servers, "ldn"
// two more. A REQ client dials all four, New York at send_priority 1 and
// London at 2, and sends requests one after the other while:
//   1. both are up: New York answers everything (both of its servers);
//   2. New York's link goes down: once the client has given up its New
//      York connections, London answers, the request in flight at the cut
//      included (it is resent, not lost);
//   3. the link comes back: once the client has reconnected to New York,
//      New York answers again.
// The test waits for those events (pipe removed, pipe added, answers) and
// asserts who answered each request, by the phases it was sent and
// answered in, never how long anything took.
//
// A cut link says nothing, so the client has to find out: the test tunes
// TCP in the client's own namespace, as an operator of such a client
// would: keep-alive probes after 1 s idle (the dialers turn keep-alive
// on), tcp_retries2 = 3 (unacknowledged data is given up after about 3 s)
// and tcp_syn_retries = 1 (a connect attempt into the cut gives up after
// 3 s, so the dialer tries again soon after the heal).
#include "faults/fault_test.hpp"

namespace sprocket::test::faults {
namespace {

enum Phase { both_up, cutting, ny_cut, ny_healing, ny_back };

constexpr std::size_t kRequestsPerPhase = 20;

bool from_ny(const std::string& server) { return server.rfind("ny", 0) == 0; }
bool from_ldn(const std::string& server) { return server.rfind("ldn", 0) == 0; }

class DataCentresTest : public FaultTest {
 protected:
  void SetUp() override {
    FaultTest::SetUp();
    if (HasFatalFailure()) return;
    lab().set_client_sysctl("ipv4/tcp_keepalive_time", "1");
    lab().set_client_sysctl("ipv4/tcp_keepalive_intvl", "1");
    lab().set_client_sysctl("ipv4/tcp_keepalive_probes", "2");
    lab().set_client_sysctl("ipv4/tcp_retries2", "3");
    lab().set_client_sysctl("ipv4/tcp_syn_retries", "1");
  }

  /// Removed (or added) events of the pipes to New York so far.
  std::size_t ny_events(PipeEvent::Kind kind) const {
    std::size_t n = 0;
    for (const auto& e : events_.events(kind)) n += ny_urls_.count(e.url);
    return n;
  }

  bool wait_ny_events(PipeEvent::Kind kind, std::size_t n) const {
    return wait_until([&] { return ny_events(kind) >= n; }, kHealTimeout);
  }

  std::set<std::string> ny_urls_;
  Socket req_{sprocket::req};
  PipeEventRecorder events_{req_};
};

TEST_F(DataCentresTest, PrefersNewYorkFallsBackToLondonAndReturns) {
  Host& ny = lab().add_host("ny");
  Host& ldn = lab().add_host("ldn");
  std::vector<std::unique_ptr<Peer>> servers;
  for (const char* name : {"ny1", "ny2"}) servers.push_back(std::make_unique<Peer>(ny, name));
  for (const char* name : {"ldn1", "ldn2"}) servers.push_back(std::make_unique<Peer>(ldn, name));
  for (auto& s : servers) ASSERT_TRUE(s->wait_ready());

  req_.set_resend_interval(std::chrono::milliseconds(200));
  req_.set_recv_timeout(kHealTimeout);
  req_.set_send_timeout(kEventTimeout);
  for (int i = 0; i < 4; ++i) {
    EndpointOptions options = quick_reconnect(i < 2 ? 1 : 2);
    options.tcp_keepalive = true;
    const std::string url = (i < 2 ? ny : ldn).tcp_url(servers[i]->port());
    if (i < 2) ny_urls_.insert(url);
    req_.dial(url, options);
  }
  ASSERT_TRUE(events_.wait_added(4)) << events_.summary() << '\n' << lab().describe();
  ASSERT_TRUE(threads_inside_client_namespace());

  RequestLoop loop(req_);
  ASSERT_TRUE(loop.wait_answered(both_up, kRequestsPerPhase, kHealTimeout)) << loop.summary();

  loop.set_phase(cutting);
  lab().cut(ny);
  loop.set_phase(ny_cut);
  ASSERT_TRUE(wait_ny_events(PipeEvent::Kind::removed, 2)) << events_.summary();
  ASSERT_TRUE(loop.wait_answered(ny_cut, kRequestsPerPhase, kHealTimeout)) << loop.summary();

  loop.set_phase(ny_healing);
  lab().heal(ny);
  ASSERT_TRUE(wait_ny_events(PipeEvent::Kind::added, 4)) << events_.summary();
  loop.set_phase(ny_back);
  ASSERT_TRUE(loop.wait_answered(ny_back, kRequestsPerPhase, kHealTimeout)) << loop.summary();
  loop.finish();
  ASSERT_EQ(loop.failure(), "") << loop.summary();

  // Every request answered, in order. Who answered depends on the phase
  // the request was sent and answered in (those in flight at a change of
  // phase may be answered by either side).
  const auto outcomes = loop.outcomes();
  std::size_t moved_to_london = 0;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const auto& o = outcomes[i];
    ASSERT_EQ(o.index, static_cast<int>(i)) << loop.summary();
    if (o.within(both_up) || o.within(ny_back)) EXPECT_TRUE(from_ny(o.server)) << loop.summary();
    // New York hears nothing sent after the cut (and the heal comes only
    // once the client has given New York up).
    if (o.within(ny_cut)) EXPECT_TRUE(from_ldn(o.server)) << loop.summary();
    moved_to_london += from_ldn(o.server) && o.pipes_at_send == 4;
  }
  // The request in flight at the cut was routed to New York (all four
  // pipes were up when it was sent), and London answered it: it was resent.
  EXPECT_GE(moved_to_london, 1u) << loop.summary();
  // Round-robin inside a priority level.
  EXPECT_EQ(loop.servers(both_up), (std::set<std::string>{"ny1", "ny2"})) << loop.summary();
  EXPECT_EQ(loop.servers(ny_cut), (std::set<std::string>{"ldn1", "ldn2"})) << loop.summary();
  EXPECT_EQ(loop.servers(ny_back), (std::set<std::string>{"ny1", "ny2"})) << loop.summary();
  EXPECT_GE(req_.stats().reconnects, 2u);
  for (auto& s : servers) EXPECT_EQ(s->stop(), 0) << s->describe();
}

}  // namespace
}  // namespace sprocket::test::faults
