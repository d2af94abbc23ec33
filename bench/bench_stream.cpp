// bench_stream: every library over tcp and ipc (loopback), the two ends of
// each connection in two processes: one-way throughput (PUSH/PULL) and
// round-trip latency (PAIR, REQ/REP). The process layout, timing and
// statistics are in stream_driver.cpp; each library is an adapter in
// bench/peer_<peer>.cpp built into its own program bench_stream_<peer>,
// listed (when found) in the generated stream_peers.inc.
#include <string>
#include <vector>

#include "stream_driver.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> programs;
  std::string missing;
#define SPROCKET_BENCH_PEER_PROGRAM(name) programs.emplace_back(name);
#define SPROCKET_BENCH_MISSING(text) missing += (missing.empty() ? "" : "; ") + std::string(text);
#include "stream_peers.inc"
#undef SPROCKET_BENCH_PEER_PROGRAM
#undef SPROCKET_BENCH_MISSING
  return bench::stream::main(programs, missing, argc, argv);
}
