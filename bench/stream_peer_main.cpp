// The main of a peer program bench_stream_<peer>: serves the libraries of
// bench/peer_<peer>.cpp to bench_stream (see stream_driver.hpp). Built once
// per peer with SPROCKET_BENCH_PEER=<peer>.
#include <vector>

#include "stream_driver.hpp"

#define SPROCKET_BENCH_CAT2(a, b) a##b
#define SPROCKET_BENCH_CAT(a, b) SPROCKET_BENCH_CAT2(a, b)
#define SPROCKET_BENCH_LIBRARIES SPROCKET_BENCH_CAT(SPROCKET_BENCH_PEER, _stream_libraries)

std::vector<bench::stream::Library> SPROCKET_BENCH_LIBRARIES();  // peer_<peer>.cpp

int main(int argc, char** argv) {
  return bench::stream::peer_main(SPROCKET_BENCH_LIBRARIES(), argc, argv);
}
