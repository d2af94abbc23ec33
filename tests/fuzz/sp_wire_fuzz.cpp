// SP over tcp and ipc (transports/stream/wire.cpp): the input is what a
// peer sends on a connection, the 8-byte SP header and then frames. The
// header parser must accept exactly the canonical header of the protocol
// id it reports; every frame prefix must decode to the length that
// write_frame_prefix encodes back into the same bytes, under both framings.
#include <array>
#include <cstring>

#include "fuzz_util.hpp"
#include "sprocket/error.hpp"
#include "transports/stream/wire.hpp"

namespace {

using namespace sprocket;
using sprocket::fuzz::Input;

void check_header(std::span<const std::byte, 8> bytes) {
  std::uint16_t peer = 0xBEEF;
  const auto ec = stream::parse_sp_header(bytes, peer);
  const std::uint16_t id = static_cast<std::uint16_t>(std::to_integer<unsigned>(bytes[4]) << 8 |
                                                      std::to_integer<unsigned>(bytes[5]));
  const auto canonical = stream::make_sp_header(id);
  const bool is_canonical = std::memcmp(canonical.data(), bytes.data(), 8) == 0;
  if (ec) {
    FUZZ_CHECK(ec == errc::protocol_error);
    FUZZ_CHECK(!is_canonical);
    FUZZ_CHECK(peer == 0xBEEF);  // left alone on failure
  } else {
    FUZZ_CHECK(is_canonical);
    FUZZ_CHECK(peer == id);
  }
}

// Walks the frames of `rest` as a connection with framing `f` would.
void walk_frames(stream::Framing f, std::span<const std::byte> rest) {
  const std::size_t prefix = stream::frame_prefix_size(f);
  FUZZ_CHECK(prefix == (f == stream::Framing::ipc ? 9u : 8u));
  while (rest.size() >= prefix) {
    std::uint64_t length = 0xDEAD;
    const auto ec = stream::read_frame_prefix(f, rest.data(), length);
    if (ec) {
      FUZZ_CHECK(ec == errc::protocol_error);
      FUZZ_CHECK(f == stream::Framing::ipc && rest[0] != std::byte{1});
      return;  // the connection drops here
    }
    std::array<std::byte, 9> again{};
    FUZZ_CHECK(stream::write_frame_prefix(f, length, again.data()) == prefix);
    FUZZ_CHECK(std::memcmp(again.data(), rest.data(), prefix) == 0);
    rest = rest.subspan(prefix);
    // A length beyond the input is a frame still on the wire: the end.
    if (length > rest.size()) return;
    rest = rest.subspan(static_cast<std::size_t>(length));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  auto header = in.take(8);
  if (header.size() < 8) return 0;
  check_header(std::span<const std::byte, 8>(header.data(), 8));
  auto frames = in.rest();
  walk_frames(stream::Framing::tcp, frames);
  walk_frames(stream::Framing::ipc, frames);
  return 0;
}
