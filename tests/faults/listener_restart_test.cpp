// The listener's host goes away while a REQ client on another host sends
// requests one after the other, then comes back on the same address and
// port; the client's dialer must reconnect (counted in stats().reconnects)
// and every request must be answered, the later ones by the new server.
//
// Two ways to go:
// - the server process is killed (SIGKILL, by PID) on a host that stays
//   up: its kernel closes the connection, the client learns at once;
// - the whole host vanishes: its link is deleted first (so nothing it
//   says on the way down reaches anyone), then the server is killed and
//   its namespace removed. The client's connection is left open towards
//   nothing. When a new host takes the address, the client's next TCP
//   retransmission meets a kernel that has never heard of the connection
//   and gets a reset; the client reconnects and resends.
#include "faults/fault_test.hpp"

namespace sprocket::test::faults {
namespace {

// going: while the test takes the server down; anything in flight then
// may be answered by either server.
enum Phase { before_outage, going, outage, back };

enum class Outage { server_killed, host_vanishes };

constexpr std::size_t kRequestsPerPhase = 50;
// How long the vanished host stays away: the scenario, not a wait.
constexpr auto kAbsence = std::chrono::milliseconds(1000);

class ListenerRestartTest : public FaultTest {
 protected:
  void run(Outage how) {
    Host& host = lab().add_host("srv");
    auto server = std::make_unique<Peer>(host, "srv#1");
    ASSERT_TRUE(server->wait_ready());
    const std::uint16_t port = server->port();

    Socket req{sprocket::req};
    req.set_resend_interval(std::chrono::milliseconds(200));
    req.set_recv_timeout(kHealTimeout);
    req.set_send_timeout(kEventTimeout);
    PipeEventRecorder events(req);
    req.dial(host.tcp_url(port), quick_reconnect());
    ASSERT_TRUE(events.wait_added()) << events.summary() << '\n' << lab().describe();
    ASSERT_TRUE(threads_inside_client_namespace());

    RequestLoop loop(req);
    ASSERT_TRUE(loop.wait_answered(before_outage, kRequestsPerPhase, kHealTimeout))
        << loop.summary();
    loop.set_phase(going);
    if (how == Outage::server_killed) {
      server->kill();
      loop.set_phase(outage);
      // The kernel of the live host closed the connection.
      ASSERT_TRUE(events.wait_removed()) << events.summary();
    } else {
      lab().remove(host);  // link first: the dying server's goodbye goes nowhere
      server->kill();
      loop.set_phase(outage);
      std::this_thread::sleep_for(kAbsence);
      lab().restore(host);
    }
    server = std::make_unique<Peer>(host, "srv#2", port);
    ASSERT_TRUE(server->wait_ready());
    loop.set_phase(back);
    ASSERT_TRUE(events.wait_for(PipeEvent::Kind::added, 2, kHealTimeout))
        << events.summary() << '\n' << loop.summary() << '\n' << lab().describe();
    ASSERT_TRUE(loop.wait_answered(back, kRequestsPerPhase, kHealTimeout))
        << loop.summary() << '\n' << server->describe();
    loop.finish();

    ASSERT_EQ(loop.failure(), "") << loop.summary();
    const auto outcomes = loop.outcomes();
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      ASSERT_EQ(outcomes[i].index, static_cast<int>(i)) << loop.summary();
      // Those in flight when the phase changed may be answered by either.
      if (outcomes[i].within(before_outage)) EXPECT_EQ(outcomes[i].server, "srv#1");
      if (outcomes[i].phase >= outage) EXPECT_EQ(outcomes[i].server, "srv#2") << loop.summary();
    }
    const Stats stats = req.stats();
    EXPECT_GE(stats.reconnects, 1u);
    EXPECT_EQ(stats.pipes_added, 2u) << events.summary();
    EXPECT_EQ(stats.pipes, 1u);
    EXPECT_EQ(server->stop(), 0) << server->describe();
  }
};

TEST_F(ListenerRestartTest, ServerKilledAndRestarted) { run(Outage::server_killed); }

TEST_F(ListenerRestartTest, HostVanishesAndComesBack) { run(Outage::host_vanishes); }

}  // namespace
}  // namespace sprocket::test::faults
