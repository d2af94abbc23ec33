// A partition between a REQ client and its REP server on another host, and
// the heal, while the client sends requests one after the other. Modelled
// as the server host's link going down (this kernel has no netem): packets
// vanish, nobody is told, until the link comes back.
//
// Short partition: the TCP connection outlives it. The request in flight
// at the cut is resent every 200 ms into the stuck connection; the link
// stays down until the client's kernel holds at least two copies of it
// unacknowledged (so at least one resend was made during the cut). After
// the heal TCP delivers the original and the resends, the server answers
// each, the client takes the first answer and drops the rest. Nothing is
// lost, nothing reconnects, and the server counts the duplicates.
//
// Long partition: the client's TCP gives up on the connection (the test
// lowers tcp_retries2 in its own namespace so that this takes seconds, not
// the default quarter of an hour). sprocket drops the pipe, the dialer
// keeps trying while the link is down, reconnects after the heal, and the
// REQ resends the request on the new connection.
#include "faults/fault_test.hpp"

namespace sprocket::test::faults {
namespace {

enum Phase { before_cut, cut, healed };

constexpr std::size_t kRequestsPerPhase = 100;
// A request on the wire: 8-byte length, 4-byte id, "req-N". Any one frame
// is shorter than 2 x 19 bytes, so that many bytes unacknowledged means at
// least two copies.
constexpr long kTwoCopies = 2 * (8 + 4 + 7);

class PartitionTest : public FaultTest {
 protected:
  void start_server() {
    host_ = &lab().add_host("srv");
    server_.emplace(*host_, "srv");
    ASSERT_TRUE(server_->wait_ready());
    req_.set_resend_interval(std::chrono::milliseconds(200));
    req_.set_recv_timeout(kHealTimeout);
    req_.set_send_timeout(kEventTimeout);
    req_.dial(host_->tcp_url(server_->port()), quick_reconnect());
    ASSERT_TRUE(events_.wait_added()) << events_.summary() << '\n' << lab().describe();
    ASSERT_TRUE(threads_inside_client_namespace());
  }

  /// Every request answered once, by srv, and the server's own counters.
  void expect_all_answered(RequestLoop& loop, PeerStats& stats) {
    loop.finish();
    ASSERT_EQ(loop.failure(), "") << loop.summary() << '\n' << server_->describe();
    const auto outcomes = loop.outcomes();
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      ASSERT_EQ(outcomes[i].index, static_cast<int>(i));
      ASSERT_EQ(outcomes[i].server, "srv");
    }
    ASSERT_TRUE(ask_stats(req_, stats)) << server_->describe();
    // Every request reached the server (the stats request aside).
    EXPECT_EQ(stats["distinct"], static_cast<long>(outcomes.size()));
  }

  Host* host_ = nullptr;
  std::optional<Peer> server_;
  Socket req_{sprocket::req};
  PipeEventRecorder events_{req_};
};

TEST_F(PartitionTest, ShortPartitionHealsOnTheSameConnection) {
  lab().set_client_sysctl("ipv4/tcp_retries2", "15");  // the default: outlives a short cut
  ASSERT_NO_FATAL_FAILURE(start_server());
  RequestLoop loop(req_);
  ASSERT_TRUE(loop.wait_answered(before_cut, kRequestsPerPhase, kHealTimeout)) << loop.summary();

  lab().cut(*host_);
  loop.set_phase(cut);
  const std::size_t at_cut = loop.answered();
  // The partition lasts until two copies of a request wait in the stuck
  // connection: the original (or an earlier resend) and a resend.
  const std::string& address = host_->address;
  const std::uint16_t port = server_->port();
  ASSERT_TRUE(wait_until(
      [&] { return unacknowledged_bytes_to(address, port) >= kTwoCopies; },
      kHealTimeout))
      << "unacknowledged: " << unacknowledged_bytes_to(address, port) << '\n' << loop.summary();
  // The cut is real: at most the request whose answer was already in the
  // client's kernel got through.
  EXPECT_LE(loop.answered(), at_cut + 1) << loop.summary();
  lab().heal(*host_);
  loop.set_phase(healed);
  ASSERT_TRUE(loop.wait_answered(healed, kRequestsPerPhase, kHealTimeout))
      << loop.summary() << '\n' << server_->describe();

  PeerStats stats;
  ASSERT_NO_FATAL_FAILURE(expect_all_answered(loop, stats));
  // The resends sent during the cut reached the server after the heal.
  EXPECT_GE(stats["duplicates"], 1) << loop.summary();
  // ... and their late answers were dropped by the client.
  EXPECT_GE(req_.stats().drops, 1u);
  // One connection all along.
  EXPECT_EQ(req_.stats().pipes_added, 1u) << events_.summary();
  EXPECT_EQ(events_.count(PipeEvent::Kind::removed), 0u) << events_.summary();
  EXPECT_EQ(server_->stop(), 0) << server_->describe();
}

TEST_F(PartitionTest, LongPartitionReconnectsAndResends) {
  // TCP gives up on unacknowledged data after about 3 s (retries at 0.2,
  // 0.4, 0.8, 1.6 s); a connect attempt into the cut gives up after 3 s.
  lab().set_client_sysctl("ipv4/tcp_retries2", "3");
  lab().set_client_sysctl("ipv4/tcp_syn_retries", "1");
  ASSERT_NO_FATAL_FAILURE(start_server());
  RequestLoop loop(req_);
  ASSERT_TRUE(loop.wait_answered(before_cut, kRequestsPerPhase, kHealTimeout)) << loop.summary();

  lab().cut(*host_);
  loop.set_phase(cut);
  // The partition lasts until the client has given the connection up.
  ASSERT_TRUE(events_.wait_for(PipeEvent::Kind::removed, 1, kHealTimeout))
      << events_.summary() << '\n' << loop.summary();
  lab().heal(*host_);
  loop.set_phase(healed);
  ASSERT_TRUE(events_.wait_for(PipeEvent::Kind::added, 2, kHealTimeout)) << events_.summary();
  ASSERT_TRUE(loop.wait_answered(healed, kRequestsPerPhase, kHealTimeout))
      << loop.summary() << '\n' << server_->describe();

  PeerStats stats;
  ASSERT_NO_FATAL_FAILURE(expect_all_answered(loop, stats));
  const Stats client = req_.stats();
  EXPECT_EQ(client.pipes_added, 2u) << events_.summary();
  EXPECT_GE(client.reconnects, 1u);
  EXPECT_EQ(server_->stop(), 0) << server_->describe();
}

}  // namespace
}  // namespace sprocket::test::faults
