// The SP stream wire format shared by tcp and ipc: the 8-byte protocol
// header each side sends first, and the framing of every message after it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>

namespace sprocket::stream {

/// 0x00 'S' 'P' version(0) | protocol id (big-endian 16) | reserved(0, 0).
using SpHeader = std::array<std::byte, 8>;

SpHeader make_sp_header(std::uint16_t protocol_id) noexcept;

/// Checks a received header strictly: magic, version, reserved bytes.
/// Sets `peer` to the peer's protocol id. errc::protocol_error if malformed.
std::error_code parse_sp_header(std::span<const std::byte, 8> bytes, std::uint16_t& peer) noexcept;

/// How messages are framed after the header.
enum class Framing {
  tcp,  ///< 64-bit big-endian length, payload
  ipc,  ///< type byte 0x01, 64-bit big-endian length, payload
};

constexpr std::size_t frame_prefix_size(Framing f) noexcept { return f == Framing::ipc ? 9 : 8; }

/// Writes the frame prefix for a payload of `length` bytes; returns its size.
std::size_t write_frame_prefix(Framing f, std::uint64_t length, std::byte* out) noexcept;

/// Reads a frame prefix (frame_prefix_size(f) bytes). errc::protocol_error
/// for an unknown ipc type byte.
std::error_code read_frame_prefix(Framing f, const std::byte* in, std::uint64_t& length) noexcept;

}  // namespace sprocket::stream
