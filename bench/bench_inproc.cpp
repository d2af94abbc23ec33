// sprocket over inproc, in one process with a thread per side: one-way
// throughput (PUSH/PULL), round-trip latency (PAIR and REQ/REP), through the
// shared driver (driver.hpp) and sprocket's adapter (peer_sprocket.cpp).
#include "driver.hpp"

void register_sprocket_benchmarks();  // peer_sprocket.cpp

int main(int argc, char** argv) {
  register_sprocket_benchmarks();
  return bench::run(argc, argv);
}
