// The SP stream header and frame prefix, byte for byte (see
// shared/reference/wire-observed.txt for what nngcat and nanocat send).
#include "transports/stream/wire.hpp"

#include <gtest/gtest.h>

#include "sprocket/error.hpp"

namespace sprocket::stream {
namespace {

std::array<std::byte, 8> bytes8(std::initializer_list<int> v) {
  std::array<std::byte, 8> out{};
  int i = 0;
  for (int b : v) out[i++] = std::byte(b);
  return out;
}

TEST(SpHeader, MatchesWhatPeersSend) {
  EXPECT_EQ(make_sp_header(0x10), bytes8({0x00, 0x53, 0x50, 0x00, 0x00, 0x10, 0x00, 0x00}));
  EXPECT_EQ(make_sp_header(0x31), bytes8({0x00, 0x53, 0x50, 0x00, 0x00, 0x31, 0x00, 0x00}));
}

TEST(SpHeader, ParsesPeerProtocol) {
  std::uint16_t peer = 0;
  EXPECT_FALSE(parse_sp_header(bytes8({0, 'S', 'P', 0, 0x00, 0x62, 0, 0}), peer));
  EXPECT_EQ(peer, 0x62);
  EXPECT_FALSE(parse_sp_header(bytes8({0, 'S', 'P', 0, 0x0f, 0x01, 0, 0}), peer));
  EXPECT_EQ(peer, 0x0f01);
}

TEST(SpHeader, RejectsBadMagicVersionAndReservedBytes) {
  std::uint16_t peer = 0;
  auto bad = errc::protocol_error;
  EXPECT_EQ(parse_sp_header(bytes8({1, 'S', 'P', 0, 0, 0x10, 0, 0}), peer), bad);
  EXPECT_EQ(parse_sp_header(bytes8({0, 'X', 'P', 0, 0, 0x10, 0, 0}), peer), bad);
  EXPECT_EQ(parse_sp_header(bytes8({0, 'S', 'Q', 0, 0, 0x10, 0, 0}), peer), bad);
  EXPECT_EQ(parse_sp_header(bytes8({0, 'S', 'P', 1, 0, 0x10, 0, 0}), peer), bad);
  EXPECT_EQ(parse_sp_header(bytes8({0, 'S', 'P', 0, 0, 0x10, 1, 0}), peer), bad);
  EXPECT_EQ(parse_sp_header(bytes8({0, 'S', 'P', 0, 0, 0x10, 0, 1}), peer), bad);
}

TEST(FramePrefix, TcpIsA64BitBigEndianLength) {
  std::byte out[9];
  ASSERT_EQ(write_frame_prefix(Framing::tcp, 5, out), 8u);
  EXPECT_EQ(out[7], std::byte{5});
  for (int i = 0; i < 7; ++i) EXPECT_EQ(out[i], std::byte{0});
  std::uint64_t length = 0;
  ASSERT_EQ(write_frame_prefix(Framing::tcp, 0x0102030405060708ull, out), 8u);
  EXPECT_FALSE(read_frame_prefix(Framing::tcp, out, length));
  EXPECT_EQ(length, 0x0102030405060708ull);
}

TEST(FramePrefix, IpcLeadsWithTypeOne) {
  std::byte out[9];
  ASSERT_EQ(write_frame_prefix(Framing::ipc, 9, out), 9u);
  EXPECT_EQ(out[0], std::byte{1});
  EXPECT_EQ(out[8], std::byte{9});
  std::uint64_t length = 0;
  EXPECT_FALSE(read_frame_prefix(Framing::ipc, out, length));
  EXPECT_EQ(length, 9u);
  out[0] = std::byte{2};  // out-of-band types are not defined
  EXPECT_EQ(read_frame_prefix(Framing::ipc, out, length), errc::protocol_error);
}

TEST(FramePrefix, HugeLengthsDecodeForTheCallerToRefuse) {
  std::byte out[9];
  write_frame_prefix(Framing::tcp, 1ull << 63, out);
  std::uint64_t length = 0;
  EXPECT_FALSE(read_frame_prefix(Framing::tcp, out, length));
  EXPECT_EQ(length, 1ull << 63);
}

}  // namespace
}  // namespace sprocket::stream
