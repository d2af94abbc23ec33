// SP over WebSocket as a pump's wire (transports/stream/pump.hpp), for ws://
// and, over TLS, wss://: the HTTP upgrade with the SP subprotocol rules, then
// one binary WebSocket message per SP message (split into frames of at most
// 64 KiB; client frames masked), pings answered, close frames exchanged.
// An endpoint may send text messages instead (ws_send_text) and accept them
// (ws_recv_text); a message's own frame type (Message::ws_frame_type)
// overrides ws_send_text, and received messages are marked text or binary.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/buffer.hpp>
#include <asio/read_until.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "sprocket/error.hpp"
#include "sprocket/extension/transport.hpp"
#include "transports/stream/write_batch.hpp"
#include "transports/ws/handshake.hpp"
#include "transports/ws/message_decoder.hpp"

namespace sprocket::ws {

struct WsConfig {
  Side side;                   // client: we dialed, send the request and mask our frames
  std::string host;            // Host header (client)
  std::string path;            // request path (client) or the listener's path (server)
  std::string own_protocol;    // our subprotocol word, "<name>.sp.nanomsg.org"
  std::string peer_protocol;   // the partner's subprotocol word
  std::uint16_t peer_id;       // the partner's SP id
  bool send_text = false;      // EndpointOptions::ws_send_text
  bool recv_text = false;      // EndpointOptions::ws_recv_text
};

/// The config for a connection of `port`'s socket; errc::unknown_protocol
/// when the socket's protocol is not registered.
WsConfig make_config(const SocketPort& port, Side side, std::string host, std::string path,
                     std::error_code& ec);

class WsWire {
 public:
  /// Messages are split into frames of at most this (NNG 1.5.2 refuses
  /// frames over 1 MiB whatever its message limit).
  static constexpr std::size_t kMaxFrame = 64 * 1024;
  /// Server bodies from this size on are sent from their own memory.
  static constexpr std::size_t kCopyBelow = 16 * 1024;

  /// A server is given what its port's server (server.hpp) read already:
  /// the whole request head, and any bytes that came after it.
  WsWire(WsConfig config, std::string received = {})
      : config_(std::move(config)), received_(std::move(received)), decoder_(config_.side) {
    if (config_.recv_text) decoder_.accept_text();
  }

  template <class Stream>
  asio::awaitable<std::error_code> handshake(Stream& stream, const SocketPort&,
                                             std::vector<std::byte>& ahead) {
    std::error_code ec;
    // No temporaries or conditionals inside co_await: GCC 12 miscompiles
    // some of them (destroying a temporary twice).
    if (config_.side == Side::client) {
      ec = co_await client_upgrade(stream, ahead);
    } else {
      ec = co_await server_upgrade(stream, ahead);
    }
    co_return ec;
  }
  std::uint16_t peer_protocol() const noexcept { return config_.peer_id; }

  stream::Decoded decode(std::span<const std::byte> in, std::size_t limit) {
    return decoder_.decode(in, limit);
  }
  void body_arrived(Message& m, std::size_t at, std::size_t n) { decoder_.body_arrived(m, at, n); }
  stream::Decoded finish_body(Message m);

  void encode(const Message& m, stream::WriteBatch& out);
  bool control_pending() const noexcept { return decoder_.control_pending(); }
  /// Appends the pending pong and close frame; true when a close frame went
  /// in (the connection ends once it is written).
  bool take_control(stream::WriteBatch& out);
  /// After the socket closed the pipe and everything was written: a close
  /// frame with 1000 (normal closure).
  void goodbye(stream::WriteBatch& out);

 private:
  template <class Stream>
  asio::awaitable<std::error_code> client_upgrade(Stream& stream, std::vector<std::byte>& ahead) {
    const std::string key = make_key();
    const std::string request = make_request(config_.host, config_.path, key, config_.peer_protocol);
    co_await asio::async_write(stream, asio::buffer(request), asio::use_awaitable);
    std::string head;
    // The status line first: a refusal is final at once (nanomsg sends one
    // without ending its head, and keeps the connection open).
    const std::size_t line = co_await asio::async_read_until(
        stream, asio::dynamic_buffer(head, kMaxHeader), "\r\n", asio::use_awaitable);
    const std::error_code refused = check_status_line(std::string_view(head).substr(0, line));
    if (refused) co_return refused;
    const std::size_t n = co_await asio::async_read_until(
        stream, asio::dynamic_buffer(head, kMaxHeader), "\r\n\r\n", asio::use_awaitable);
    const std::string why = check_response(std::string_view(head).substr(0, n), key, config_.peer_protocol);
    keep_ahead(head, n, ahead);
    if (why.empty()) co_return std::error_code{};
    co_return make_error_code(why == "wrong subprotocol" ? errc::protocol_mismatch : errc::protocol_error);
  }

  // The port's server read the head (within the size limit) and routed it
  // here by its path: check the rest and answer.
  template <class Stream>
  asio::awaitable<std::error_code> server_upgrade(Stream& stream, std::vector<std::byte>& ahead) {
    const std::size_t n = received_.find("\r\n\r\n") + 4;
    const Request request = check_request(std::string_view(received_).substr(0, n), config_.path,
                                          config_.own_protocol);
    if (!request.error.empty()) {
      const std::string refusal = make_refusal(request.error);
      co_await asio::async_write(stream, asio::buffer(refusal), asio::use_awaitable);
      co_return make_error_code(request.wrong_protocol ? errc::protocol_mismatch : errc::protocol_error);
    }
    const std::string response = make_accept_response(request.key, config_.own_protocol);
    co_await asio::async_write(stream, asio::buffer(response), asio::use_awaitable);
    keep_ahead(received_, n, ahead);
    received_ = std::string();
    co_return std::error_code{};
  }

  static std::error_code check_status_line(std::string_view status);
  static void keep_ahead(const std::string& head, std::size_t n, std::vector<std::byte>& ahead);
  void append_frame(stream::WriteBatch& out, std::uint8_t opcode, std::span<const std::byte> payload);
  // The first frame's opcode for a message of `type`.
  std::uint8_t opcode_for(WsFrameType type) const noexcept;

  WsConfig config_;
  std::string received_;  // server: the request head and what followed it
  MessageDecoder decoder_;
};

}  // namespace sprocket::ws
