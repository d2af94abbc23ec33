// The read side of the SP stream mapping (tcp, ipc, and TLS over tcp): each
// message is a frame prefix — ipc: type byte 0x01; both: 64-bit big-endian
// length — then the payload. No asio here, so the fuzzer (tests/fuzz) runs
// exactly the code the connections run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "transports/stream/decoded.hpp"
#include "transports/stream/wire.hpp"

namespace sprocket::stream {

class FrameDecoder {
 public:
  /// Frames at least this long (prefix included) that are not yet all in
  /// the buffer are read straight into their Message (Kind::large_body).
  static constexpr std::size_t kLargeFrame = 32 * 1024;
  /// Even "unlimited" has a bound: no one sends a terabyte in one message.
  static constexpr std::uint64_t kAbsurdLength = std::uint64_t{1} << 40;

  explicit FrameDecoder(Framing framing) : framing_(framing) {}

  /// Decodes the next frame at the front of `in`, refusing payloads over
  /// `limit` bytes (0: no limit) with errc::message_too_large, and a bad
  /// ipc type byte with errc::protocol_error.
  Decoded decode(std::span<const std::byte> in, std::size_t limit) const;

 private:
  Framing framing_;
};

}  // namespace sprocket::stream
