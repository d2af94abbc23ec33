// A connection's read buffer: a quiet connection keeps a small one (a
// thousand idle connections each held 4 KiB, a third of a listener's
// memory per connection), and a busy one grows to a full-size read.
#include "transports/stream/read_buffer.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace sprocket::stream {
namespace {

TEST(ReadBuffer, AQuietConnectionHoldsOneKibibyte) {
  ReadBuffer b;
  EXPECT_EQ(b.space(0).size(), 1024u);
  // A read that does not fill it (an 8 B message) leaves it as it is.
  auto space = b.space(0);
  b.filled(8, space.size());
  b.consume(8);
  EXPECT_EQ(b.space(0).size(), 1024u);
}

TEST(ReadBuffer, ReadsThatFillItDoubleItUpToAFullSizeRead) {
  ReadBuffer b;
  std::vector<std::size_t> sizes;
  for (int i = 0; i < 9; ++i) {
    auto space = b.space(0);
    sizes.push_back(space.size());
    b.filled(space.size(), space.size());
    b.consume(space.size());
  }
  EXPECT_EQ(sizes, std::vector<std::size_t>({1024, 2048, 4096, 8192, 16384, 32768, 65536, 65536, 65536}));
}

TEST(ReadBuffer, AFrameLargerThanTheBufferGetsRoomForItAtOnce) {
  ReadBuffer b;
  EXPECT_GE(b.space(3000).size(), 3000u);
  ReadBuffer c;
  EXPECT_EQ(c.space(1u << 20).size(), ReadBuffer::kMax) << "at most a full-size read";
}

TEST(ReadBuffer, BytesThatCameWithTheHandshakeComeFirst) {
  ReadBuffer b;
  const std::byte ahead[3] = {std::byte{1}, std::byte{2}, std::byte{3}};
  b.preload(ahead);
  ASSERT_EQ(b.data().size(), 3u);
  EXPECT_EQ(std::memcmp(b.data().data(), ahead, 3), 0);
  EXPECT_GE(b.space(0).size(), 1024u - 3);
  EXPECT_EQ(b.data().size(), 3u) << "making room keeps what is unparsed";
}

}  // namespace
}  // namespace sprocket::stream
