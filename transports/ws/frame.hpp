// RFC 6455 frames: header encoding and strict, incremental decoding.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace sprocket::ws {

enum Opcode : std::uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// Close codes used here (RFC 6455 section 7.4.1).
inline constexpr std::uint16_t kCloseNormal = 1000;
inline constexpr std::uint16_t kCloseProtocolError = 1002;
inline constexpr std::uint16_t kCloseUnsupportedData = 1003;
inline constexpr std::uint16_t kCloseInvalidData = 1007;  // e.g. a close reason that is not UTF-8
inline constexpr std::uint16_t kCloseTooBig = 1009;

struct FrameHeader {
  bool fin = false;
  std::uint8_t opcode = 0;
  bool masked = false;
  std::uint64_t length = 0;
  std::array<std::byte, 4> mask{};
  std::size_t size = 0;  // bytes of header
};

enum class Decode { need_more, ok, error };

/// Decodes a frame header at the front of `in`. On error sets `close_code`
/// (reserved bits or opcodes, a fragmented or long control frame, a length
/// with its top bit set).
Decode decode_header(std::span<const std::byte> in, FrameHeader& h, std::uint16_t& close_code);

/// Writes a frame header (at most 14 bytes); `mask` null means unmasked.
std::size_t encode_header(std::byte* out, bool fin, std::uint8_t opcode, std::uint64_t length,
                          const std::array<std::byte, 4>* mask);

/// XORs `data` with the mask, `offset` bytes into the payload.
void apply_mask(std::byte* data, std::size_t n, const std::array<std::byte, 4>& mask,
                std::size_t offset);

}  // namespace sprocket::ws
