#include "transports/ws/ws_wire.hpp"

#include <algorithm>
#include <cstring>
#include <random>

#include "runtime.hpp"
#include "sprocket/extension/protocol.hpp"

namespace sprocket::ws {
namespace {

std::array<std::byte, 4> random_mask() {
  thread_local std::mt19937 rng{std::random_device{}()};
  auto v = rng();
  return {std::byte(v), std::byte(v >> 8), std::byte(v >> 16), std::byte(v >> 24)};
}

// Copies `n` bytes of the wire payload of `m` (its header, then its body)
// from offset `at` into `out`.
void copy_payload(const Message& m, std::size_t at, std::size_t n, std::byte* out) {
  const auto header = m.header();
  if (at < header.size()) {
    const std::size_t k = std::min(n, header.size() - at);
    std::memcpy(out, header.data() + at, k);
    out += k;
    at += k;
    n -= k;
  }
  if (n != 0) std::memcpy(out, m.data() + (at - header.size()), n);
}

}  // namespace

WsConfig make_config(const SocketPort& port, Side side, std::string host, std::string path,
                     std::error_code& ec) {
  const ProtocolInfo* info = find_protocol(port.protocol_id());
  if (!info) {
    ec = errc::unknown_protocol;
    return {};
  }
  return WsConfig{side, std::move(host), std::move(path), subprotocol(info->name),
                  subprotocol(info->peer_name), info->peer_id};
}

std::error_code WsWire::check_status_line(std::string_view status) {
  if (status.rfind("HTTP/1.1 101", 0) == 0) return {};
  // 400 is how SP servers refuse a subprotocol; anything else is not SP over ws.
  const bool refused = status.rfind("HTTP/1.1 400", 0) == 0 || status.rfind("HTTP/1.0 400", 0) == 0;
  return make_error_code(refused ? errc::protocol_mismatch : errc::protocol_error);
}

void WsWire::keep_ahead(const std::string& head, std::size_t n, std::vector<std::byte>& ahead) {
  const auto* bytes = reinterpret_cast<const std::byte*>(head.data());
  ahead.assign(bytes + n, bytes + head.size());
}

stream::Decoded WsWire::finish_body(Message m) { return decoder_.finish_body(std::move(m)); }

std::uint8_t WsWire::opcode_for(WsFrameType type) const noexcept {
  switch (type) {
    case WsFrameType::text: return kText;
    case WsFrameType::binary: return kBinary;
    case WsFrameType::unspecified: break;
  }
  return config_.send_text ? kText : kBinary;
}

void WsWire::append_frame(stream::WriteBatch& out, std::uint8_t opcode,
                          std::span<const std::byte> payload) {
  std::byte head[14];
  const auto mask = random_mask();
  const bool client = config_.side == Side::client;
  out.copy(head, encode_header(head, true, opcode, payload.size(), client ? &mask : nullptr));
  if (payload.empty()) return;  // (memcpy must not see an empty span's null data)
  std::byte* at = out.append(payload.size());
  std::memcpy(at, payload.data(), payload.size());
  if (client) apply_mask(at, payload.size(), mask, 0);
}

// One WebSocket message per SP message, in frames of at most kMaxFrame: of
// the message's own frame type, or, when it has none, text with send_text
// and binary otherwise. A
// client masks, so it copies; a server sends large bodies from their own
// memory.
void WsWire::encode(const Message& m, stream::WriteBatch& out) {
  const std::size_t total = m.wire_size();
  const bool client = config_.side == Side::client;
  const std::uint8_t first = opcode_for(m.ws_frame_type());
  std::size_t at = 0;
  do {
    const std::size_t n = std::min(kMaxFrame, total - at);
    std::byte head[14];
    const auto mask = random_mask();
    out.copy(head, encode_header(head, at + n == total, at == 0 ? first : std::uint8_t{kContinuation}, n,
                                 client ? &mask : nullptr));
    const std::size_t header_part = at < m.header().size() ? std::min(n, m.header().size() - at) : 0;
    if (client || n - header_part < kCopyBelow) {
      std::byte* dest = out.append(n);
      copy_payload(m, at, n, dest);
      if (client) apply_mask(dest, n, mask, 0);
    } else {
      copy_payload(m, at, header_part, out.append(header_part));
      out.reference(m.data() + (at + header_part - m.header().size()), n - header_part);
    }
    at += n;
  } while (at < total);
  out.end_message();
}

bool WsWire::take_control(stream::WriteBatch& out) {
  if (auto pong = decoder_.take_pong()) append_frame(out, kPong, *pong);
  auto close = decoder_.take_close();
  if (!close) return false;
  append_frame(out, kClose, *close);
  return true;
}

void WsWire::goodbye(stream::WriteBatch& out) {
  const std::byte code[2] = {std::byte(kCloseNormal >> 8), std::byte(kCloseNormal & 0xff)};
  append_frame(out, kClose, code);
}

}  // namespace sprocket::ws
