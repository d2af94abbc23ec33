// The read side of SP over WebSocket (RFC 6455): frames decoded strictly and
// incrementally (a frame larger than the read buffer streams through it),
// fragments reassembled into one message, control frames answered — a ping
// with a pong (only the latest: RFC 6455 section 5.5.3 asks no more), a
// close with its code echoed after checking it. The answers wait here for
// the writer (take_control), so what a peer can make us owe is bounded: one
// pong and one close frame. No asio here, so the fuzzer (tests/fuzz) runs
// exactly the code the connections run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "transports/stream/decoded.hpp"
#include "transports/ws/frame.hpp"

namespace sprocket::ws {

/// Whose frames we read: a server reads a client's (masked), a client a
/// server's (unmasked).
enum class Side { client, server };

class MessageDecoder {
 public:
  explicit MessageDecoder(Side self) : self_(self) {}

  /// Text messages are taken too (checked for UTF-8 when complete: invalid
  /// text closes with 1007); by default a text frame closes with 1003.
  void accept_text() noexcept { accept_text_ = true; }

  /// Consumes bytes from the front of `in` until a message is complete, a
  /// control frame wants an answer, the peer closed, or the peer broke the
  /// protocol (then the close frame to send is pending and decode() reads
  /// no more). `limit`: the most bytes a message may have, 0 for no limit.
  stream::Decoded decode(std::span<const std::byte> in, std::size_t limit);

  /// A message of one frame from kInPlaceFrom bytes on is not gathered
  /// here: decode() returns it as a large_body with the bytes it had, the
  /// connection reads the rest straight into it, telling body_arrived()
  /// of each piece (unmasked then, while it is in the cache), and
  /// finish_body() checks it — one copy fewer than through the buffer.
  static constexpr std::size_t kInPlaceFrom = 16 * 1024;
  /// Another threshold (the fuzzer's inputs are small).
  void read_in_place_from(std::size_t bytes) noexcept { in_place_from_ = bytes; }
  void body_arrived(Message& m, std::size_t at, std::size_t n) {
    if (frame_.masked) apply_mask(m.data() + at, n, frame_.mask, at);
  }
  stream::Decoded finish_body(Message m);

  /// A pong or a close frame waits to be sent.
  bool control_pending() const noexcept { return pong_.has_value() || close_pending(); }
  /// The payload of the pong to send (the latest ping's), taken.
  std::optional<std::vector<std::byte>> take_pong() { return std::exchange(pong_, std::nullopt); }
  /// The payload of the close frame to send (empty or a code, then nothing
  /// else), taken; nullopt when there is none.
  std::optional<std::vector<std::byte>> take_close();

 private:
  stream::Decoded frame_done(std::size_t consumed);
  stream::Decoded start_in_place(std::span<const std::byte> in, std::size_t at);
  stream::Decoded close_received(std::size_t consumed);
  stream::Decoded refuse(std::uint16_t code, std::error_code reason, std::size_t consumed);
  bool close_pending() const noexcept { return close_.has_value() && !close_taken_; }

  Side self_;
  bool accept_text_ = false;
  std::size_t in_place_from_ = kInPlaceFrom;
  bool text_ = false;  // the open message is a text message
  bool stopped_ = false;  // a close was received or sent: nothing more is read
  bool in_frame_ = false;
  FrameHeader frame_;
  std::uint64_t frame_done_ = 0;
  bool assembling_ = false;         // a fragmented message is open
  std::vector<std::byte> message_;  // its payload so far
  std::vector<std::byte> control_;  // the current control frame's payload
  std::optional<std::vector<std::byte>> pong_;
  std::optional<std::vector<std::byte>> close_;
  bool close_taken_ = false;
};

/// Whether a close frame's payload is acceptable (RFC 6455 sections 5.5.1,
/// 7.4): empty, or a code that may be sent (1000-1003, 1007-1014,
/// 3000-4999) and a valid UTF-8 reason. On refusal sets `answer` to the
/// code to close with (1002, or 1007 for a reason that is not UTF-8).
bool valid_close_payload(std::span<const std::byte> payload, std::uint16_t& answer);

/// Whether `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no
/// surrogates, nothing above U+10FFFF).
bool valid_utf8(std::span<const std::byte> s);

}  // namespace sprocket::ws
