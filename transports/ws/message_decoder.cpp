#include "transports/ws/message_decoder.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "sprocket/error.hpp"

namespace sprocket::ws {
namespace {

using stream::Decoded;
using Kind = stream::Decoded::Kind;

}  // namespace

// RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::span<const std::byte> s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned c = std::to_integer<unsigned>(s[i]);
    std::size_t extra;
    unsigned min, cp;
    if (c < 0x80) { ++i; continue; }
    if (c >= 0xC2 && c <= 0xDF) { extra = 1; min = 0x80; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { extra = 2; min = 0x800; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { extra = 3; min = 0x10000; cp = c & 0x07; }
    else return false;
    if (i + extra >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= extra; ++k) {
      const unsigned cc = std::to_integer<unsigned>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = cp << 6 | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

bool valid_close_payload(std::span<const std::byte> payload, std::uint16_t& answer) {
  answer = kCloseProtocolError;
  if (payload.empty()) return true;
  if (payload.size() < 2) return false;
  const unsigned code = std::to_integer<unsigned>(payload[0]) << 8 | std::to_integer<unsigned>(payload[1]);
  const bool known = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
                     (code >= 3000 && code <= 4999);
  if (!known) return false;
  if (!valid_utf8(payload.subspan(2))) {
    answer = kCloseInvalidData;
    return false;
  }
  return true;
}

std::optional<std::vector<std::byte>> MessageDecoder::take_close() {
  if (!close_pending()) return std::nullopt;
  close_taken_ = true;
  return close_;
}

Decoded MessageDecoder::refuse(std::uint16_t code, std::error_code reason, std::size_t consumed) {
  stopped_ = true;
  if (!close_) close_ = std::vector<std::byte>{std::byte(code >> 8), std::byte(code & 0xff)};
  Decoded d;
  d.kind = Kind::failed;
  d.error = reason;
  d.consumed = consumed;
  return d;
}

Decoded MessageDecoder::close_received(std::size_t consumed) {
  std::uint16_t answer = 0;
  if (!valid_close_payload(control_, answer)) return refuse(answer, errc::protocol_error, consumed);
  stopped_ = true;
  // Echo the code (not the reason); an empty close is answered empty.
  if (!close_) close_ = std::vector<std::byte>(control_.begin(), control_.begin() + std::min<std::size_t>(2, control_.size()));
  Decoded d;
  d.kind = Kind::peer_closed;
  d.error = errc::connection_reset;
  d.consumed = consumed;
  return d;
}

// A whole frame is in: a message ends, a control frame is acted on, or a
// fragment was added (nothing to report: decoding goes on).
Decoded MessageDecoder::frame_done(std::size_t consumed) {
  Decoded d;
  d.consumed = consumed;
  in_frame_ = false;
  switch (frame_.opcode) {
    case kBinary:
    case kText:
    case kContinuation:
      if (!frame_.fin) return d;
      if (text_ && !valid_utf8(message_)) return refuse(kCloseInvalidData, errc::protocol_error, consumed);
      d.kind = Kind::message;
      d.message = Message(std::span<const std::byte>(message_));
      d.message.set_ws_frame_type(text_ ? WsFrameType::text : WsFrameType::binary);
      message_.clear();
      assembling_ = false;
      return d;
    case kPing:
      pong_ = control_;  // a newer ping makes an older unanswered one moot
      d.kind = Kind::control;
      return d;
    case kClose:
      return close_received(consumed);
    default:
      return d;  // a pong
  }
}

// A one-frame message large enough to be read in place: the Message gets
// its full size now and what the buffer holds of it.
Decoded MessageDecoder::start_in_place(std::span<const std::byte> in, std::size_t at) {
  Decoded d;
  d.kind = Kind::large_body;
  d.message = Message(static_cast<std::size_t>(frame_.length));
  const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(frame_.length, in.size() - at));
  if (take != 0) std::memcpy(d.message.data(), in.data() + at, take);
  if (frame_.masked) apply_mask(d.message.data(), take, frame_.mask, 0);
  d.have = take;
  d.consumed = at + take;
  return d;
}

Decoded MessageDecoder::finish_body(Message m) {
  in_frame_ = false;
  assembling_ = false;
  if (text_ && !valid_utf8(m.body())) return refuse(kCloseInvalidData, errc::protocol_error, 0);
  Decoded d;
  d.kind = Kind::message;
  d.message = std::move(m);
  d.message.set_ws_frame_type(text_ ? WsFrameType::text : WsFrameType::binary);
  return d;
}

Decoded MessageDecoder::decode(std::span<const std::byte> in, std::size_t limit) {
  std::size_t at = 0;
  while (!stopped_) {
    if (!in_frame_) {
      std::uint16_t code = kCloseProtocolError;
      auto r = decode_header(in.subspan(at), frame_, code);
      if (r == Decode::need_more) break;
      if (r == Decode::error) return refuse(code, errc::protocol_error, at);
      // Clients must mask, servers must not (RFC 6455 section 5.1).
      if (frame_.masked != (self_ == Side::server)) return refuse(kCloseProtocolError, errc::protocol_error, at);
      if (frame_.opcode == kText && !accept_text_) return refuse(kCloseUnsupportedData, errc::protocol_error, at);
      const bool opens = frame_.opcode == kBinary || frame_.opcode == kText;
      const bool data = opens || frame_.opcode == kContinuation;
      if (data) {
        // A binary (or text) frame opens a message, a continuation needs an open one.
        if (opens == assembling_) return refuse(kCloseProtocolError, errc::protocol_error, at);
        if (opens) text_ = frame_.opcode == kText;
        if (limit != 0 && message_.size() + frame_.length > limit)
          return refuse(kCloseTooBig, errc::message_too_large, at);
        assembling_ = true;
      } else {
        control_.clear();
      }
      at += frame_.size;
      in_frame_ = true;
      frame_done_ = 0;
      if (opens && frame_.fin && frame_.length >= in_place_from_) return start_in_place(in, at);
    }
    const bool control = frame_.opcode & 0x8;
    auto& dest = control ? control_ : message_;
    const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(frame_.length - frame_done_, in.size() - at));
    const std::size_t from = dest.size();
    dest.insert(dest.end(), in.begin() + at, in.begin() + at + take);
    if (frame_.masked) apply_mask(dest.data() + from, take, frame_.mask, frame_done_);
    at += take;
    frame_done_ += take;
    if (frame_done_ < frame_.length) break;  // the rest is still on the wire
    Decoded d = frame_done(at);
    if (d.kind != Kind::need_more) return d;
  }
  Decoded d;
  d.consumed = at;
  return d;
}

}  // namespace sprocket::ws
