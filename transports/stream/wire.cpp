#include "transports/stream/wire.hpp"

#include "sprocket/error.hpp"

namespace sprocket::stream {

SpHeader make_sp_header(std::uint16_t protocol_id) noexcept {
  return {std::byte{0}, std::byte{'S'}, std::byte{'P'}, std::byte{0},
          std::byte(protocol_id >> 8), std::byte(protocol_id & 0xff), std::byte{0}, std::byte{0}};
}

std::error_code parse_sp_header(std::span<const std::byte, 8> b, std::uint16_t& peer) noexcept {
  // As NNG and mangos do: magic, version and reserved bytes must all match.
  bool ok = b[0] == std::byte{0} && b[1] == std::byte{'S'} && b[2] == std::byte{'P'} &&
            b[3] == std::byte{0} && b[6] == std::byte{0} && b[7] == std::byte{0};
  if (!ok) return errc::protocol_error;
  peer = static_cast<std::uint16_t>(std::to_integer<unsigned>(b[4]) << 8 |
                                    std::to_integer<unsigned>(b[5]));
  return {};
}

std::size_t write_frame_prefix(Framing f, std::uint64_t length, std::byte* out) noexcept {
  std::size_t at = 0;
  if (f == Framing::ipc) out[at++] = std::byte{1};
  for (int shift = 56; shift >= 0; shift -= 8) out[at++] = std::byte((length >> shift) & 0xff);
  return at;
}

std::error_code read_frame_prefix(Framing f, const std::byte* in, std::uint64_t& length) noexcept {
  if (f == Framing::ipc) {
    if (in[0] != std::byte{1}) return errc::protocol_error;  // only in-band messages exist
    ++in;
  }
  length = 0;
  for (int i = 0; i < 8; ++i) length = length << 8 | std::to_integer<std::uint64_t>(in[i]);
  return {};
}

}  // namespace sprocket::stream
