// 10 000 connect/close cycles across a veth link: each opens a REQ socket,
// dials the REP server on the other host and waits for the connection,
// exchanges one request on every other cycle (none on the rest), and
// closes. Afterwards this process's descriptors are back at the baseline
// taken after a warm-up, its heap in use and resident memory have grown by
// no more than a bound far below what a per-cycle leak would add, the
// server's descriptors are back at its own baseline, and it still serves.
#include "faults/fault_test.hpp"
#include "process_usage.hpp"

namespace sprocket::test::faults {
namespace {

constexpr int kWarmup = 200;
constexpr int kCycles = 10'000;
// 10 000 cycles: a leak of 1 KiB per cycle would add ~10 MiB.
constexpr long kMaxRssGrowthKib = 6 * 1024;
constexpr long long kMaxHeapGrowth = 2 * 1024 * 1024;
// Under ASan and TSan resident memory follows the sanitizer's allocator
// (ASan keeps up to 256 MiB of freed blocks in quarantine, spread over
// per-thread caches no call empties), not the library's use: there the
// sanitizer's exact count of live heap bytes is the measure, and LSan
// checks for leaks at exit.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kRssTracksHeap = false;
#else
constexpr bool kRssTracksHeap = true;
#endif

struct Usage {
  int fds = 0;
  long rss_kib = 0;
  std::size_t heap = 0;
};

Usage usage_now() {
  release_free_memory();
  return {open_fd_count(), rss_kib(), heap_in_use()};
}

/// One cycle: a new REQ socket, connected, one exchange if `exchange`, closed.
::testing::AssertionResult cycle(const std::string& url, int i, bool exchange) {
  Socket req{sprocket::req};
  bound_blocking_calls(req);
  std::error_code ec;
  req.dial(url, {.wait_connected = true}, ec);
  if (ec) return ::testing::AssertionFailure() << "cycle " << i << ": dial: " << describe(ec);
  if (exchange) {
    const std::string body = "cycle-" + std::to_string(i);
    req.send(body, ec);
    Message m;
    if (!ec) m = req.recv(ec);
    Reply r;
    if (ec) return ::testing::AssertionFailure() << "cycle " << i << ": " << describe(ec);
    if (!parse_reply(m.str(), r) || r.request != body)
      return ::testing::AssertionFailure() << "cycle " << i << ": answer '" << m.str() << "'";
  }
  req.close();
  return ::testing::AssertionSuccess();
}

class ConnectCyclesTest : public FaultTest {};

TEST_F(ConnectCyclesTest, TenThousandCyclesLeaveNothingBehind) {
  Host& host = lab().add_host("srv");
  Peer server(host, "srv");
  ASSERT_TRUE(server.wait_ready());
  const std::string url = host.tcp_url(server.port());
  // A connection of its own, open throughout, to ask the server for its
  // counters before and after.
  Socket probe{sprocket::req};
  bound_blocking_calls(probe);
  probe.dial(url, {.wait_connected = true});
  ASSERT_TRUE(threads_inside_client_namespace());
  // The descriptors of the runtime and the probe, and nothing else.
  const int baseline_fds = open_fd_count();

  for (int i = 0; i < kWarmup; ++i) ASSERT_TRUE(cycle(url, i, i % 2 == 0));
  // Closing is asynchronous: the last connections may still be on their way out.
  ASSERT_TRUE(wait_until([&] { return open_fd_count() <= baseline_fds; }))
      << "fds " << baseline_fds << " -> " << open_fd_count() << " after the warm-up";
  PeerStats server_before;
  ASSERT_TRUE(ask_stats(probe, server_before));
  const Usage before = usage_now();

  for (int i = kWarmup; i < kWarmup + kCycles; ++i) ASSERT_TRUE(cycle(url, i, i % 2 == 0));

  // Descriptors: exactly back, once the last closes have run.
  ASSERT_TRUE(wait_until([&] { return open_fd_count() <= baseline_fds; }))
      << "fds before " << baseline_fds << ", now " << open_fd_count();
  const Usage after = usage_now();
  if (kRssTracksHeap) {
    EXPECT_LE(after.rss_kib - before.rss_kib, kMaxRssGrowthKib)
        << "RSS " << before.rss_kib << " KiB -> " << after.rss_kib << " KiB";
  }
  EXPECT_LE(static_cast<long long>(after.heap) - static_cast<long long>(before.heap), kMaxHeapGrowth)
      << "heap in use " << before.heap << " -> " << after.heap << " bytes";
  RecordProperty("fds", after.fds);
  RecordProperty("rss_growth_kib", static_cast<int>(after.rss_kib - before.rss_kib));
  RecordProperty("heap_growth_bytes", static_cast<int>(static_cast<long long>(after.heap) -
                                                       static_cast<long long>(before.heap)));

  // The server: still serving, and holding no more descriptors than before.
  PeerStats server_after;
  ASSERT_TRUE(wait_until([&] {
    return ask_stats(probe, server_after) && server_after["fds"] <= server_before["fds"];
  })) << "server fds " << server_before["fds"] << " -> " << server_after["fds"];
  EXPECT_EQ(server_after["distinct"] - server_before["distinct"], kCycles / 2);
  if (kRssTracksHeap) {  // its 5 000 remembered requests take well under 1 MiB
    EXPECT_LE(server_after["rss_kib"] - server_before["rss_kib"], kMaxRssGrowthKib)
        << "server RSS " << server_before["rss_kib"] << " -> " << server_after["rss_kib"] << " KiB";
  }
  std::cerr << "client: fds " << before.fds << " -> " << after.fds << ", rss " << before.rss_kib
            << " -> " << after.rss_kib << " KiB, heap " << before.heap << " -> " << after.heap
            << "; server: fds " << server_before["fds"] << " -> " << server_after["fds"]
            << ", rss " << server_before["rss_kib"] << " -> " << server_after["rss_kib"]
            << " KiB\n";
  probe.close();
  EXPECT_EQ(server.stop(), 0) << server.describe();
}

}  // namespace
}  // namespace sprocket::test::faults
