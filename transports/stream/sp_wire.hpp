// The SP stream mapping as a pump's wire (tcp, ipc, and tls+tcp): the
// 8-byte header exchange, then length-prefixed frames, no control traffic.
#pragma once

#include <cstdint>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/buffer.hpp>
#include <asio/read.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "sprocket/error.hpp"
#include "sprocket/extension/transport.hpp"
#include "transports/stream/frame_decoder.hpp"
#include "transports/stream/write_batch.hpp"

namespace sprocket::stream {

class SpWire {
 public:
  /// Bodies below this are copied into the batch; larger ones are sent
  /// from their own memory.
  static constexpr std::size_t kCopyBelow = 16 * 1024;

  SpWire(Framing framing, std::uint16_t self_protocol)
      : framing_(framing), self_(self_protocol), decoder_(framing) {}

  /// Both sides send their header first (no round trip), then check the
  /// peer's: magic, version, reserved bytes, and that it is our partner.
  template <class Stream>
  asio::awaitable<std::error_code> handshake(Stream& stream, const SocketPort& port,
                                             std::vector<std::byte>&) {
    const SpHeader mine = make_sp_header(self_);
    SpHeader theirs;
    co_await asio::async_write(stream, asio::buffer(mine), asio::use_awaitable);
    co_await asio::async_read(stream, asio::buffer(theirs), asio::use_awaitable);
    std::error_code ec = parse_sp_header(theirs, peer_);
    if (!ec && !port.accepts_peer(peer_)) ec = errc::protocol_mismatch;
    co_return ec;
  }
  std::uint16_t peer_protocol() const noexcept { return peer_; }

  Decoded decode(std::span<const std::byte> in, std::size_t limit) {
    return decoder_.decode(in, limit);
  }
  /// A large body is complete: it is the message.
  Decoded finish_body(Message m) {
    Decoded d;
    d.kind = Decoded::Kind::message;
    d.message = std::move(m);
    return d;
  }

  /// encode() reads only what the constructor set, so any thread may call
  /// it while the strand decodes (the pump's caller write).
  static constexpr bool encode_is_stateless = true;

  void encode(const Message& m, WriteBatch& out) const {
    std::byte prefix[9];
    out.copy(prefix, write_frame_prefix(framing_, m.wire_size(), prefix));
    out.copy(m.header().data(), m.header().size());
    if (m.size() < kCopyBelow) {
      out.copy(m.data(), m.size());
    } else {
      out.reference(m.data(), m.size());
    }
    out.end_message();
  }

  /// The SP stream has no control frames and no goodbye of its own.
  bool control_pending() const noexcept { return false; }
  bool take_control(WriteBatch&) { return false; }
  void goodbye(WriteBatch&) {}

 private:
  Framing framing_;
  std::uint16_t self_;
  std::uint16_t peer_ = 0;
  FrameDecoder decoder_;
};

}  // namespace sprocket::stream
