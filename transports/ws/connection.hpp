// One SP-over-WebSocket connection: the HTTP upgrade (with the SP
// subprotocol rules), then one binary WebSocket message per SP message.
// Client frames are masked, server frames not; fragmented messages are
// reassembled; pings are answered; a text frame, a wrongly masked frame, a
// reserved opcode or a message above recv_max_size closes the connection
// with the matching close code. Like the stream Connection, it is the
// producer of the pipe's `in` queue and the consumer of its `out` queue,
// and runs on its own strand.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>

#include "sprocket/extension/transport.hpp"
#include "transports/stream/inbound.hpp"
#include "transports/ws/frame.hpp"

namespace sprocket::ws {

struct WsConfig {
  bool client;                 // we dialed: we send the request and mask our frames
  std::string host;            // Host header (client)
  std::string path;            // request path (client) or the listener's path (server)
  std::string own_protocol;    // our subprotocol word, "<name>.sp.nanomsg.org"
  std::string peer_protocol;   // the partner's subprotocol word
  std::uint16_t peer_id;       // the partner's SP id
  std::string peer_address;
  std::chrono::nanoseconds handshake_timeout;
};

/// The config for a connection of `port`'s socket; errc::unknown_protocol
/// when the socket's protocol is not registered.
WsConfig make_config(const SocketPort& port, bool client, std::string host, std::string path,
                     std::string peer_address, std::error_code& ec);

class WsConnection final : public QueueListener, public std::enable_shared_from_this<WsConnection> {
 public:
  /// Runs the upgrade on `socket`; calls `done` exactly once with the link
  /// or the error (protocol_error, protocol_mismatch, timed_out, I/O). A
  /// server is given what its port's server (server.hpp) has read already:
  /// the whole request head, and any bytes that came after it.
  static void start(asio::ip::tcp::socket socket, std::shared_ptr<SocketPort> port, WsConfig config,
                    LinkHandler done, std::string received = {});

  void on_queue_readable() override;
  void on_queue_writable() override;

 private:
  WsConnection(asio::ip::tcp::socket socket, std::shared_ptr<SocketPort> port, WsConfig config,
               std::string received);

  asio::awaitable<void> handshake(LinkHandler done);
  asio::awaitable<std::error_code> client_upgrade();
  asio::awaitable<std::error_code> server_upgrade();
  void established(LinkHandler& done);

  void read_more();
  void parse();
  bool take_header();
  void end_of_frame();
  void resume_reading();

  void write_batch();
  void append_frame(std::vector<std::byte>& out, std::uint8_t opcode, const std::byte* data,
                    std::size_t n, bool fin);
  void arm_linger();
  void append_message(const Message& m);
  void queue_control(std::uint8_t opcode, std::vector<std::byte> payload);
  void close_with(std::uint16_t code, std::error_code reason);
  void fail(std::error_code ec);

  asio::ip::tcp::socket socket_;
  asio::strand<asio::any_io_executor> strand_;
  std::shared_ptr<SocketPort> port_;
  const WsConfig config_;
  asio::steady_timer timer_;
  std::shared_ptr<WsConnection> keep_alive_;
  std::string received_;  // server: the request head and what followed it
  bool timed_out_ = false;
  bool failed_ = false;
  bool lingering_ = false;

  std::shared_ptr<MessageQueue> in_;
  std::shared_ptr<MessageQueue> out_;

  // Reading.
  std::vector<std::byte> read_buf_;
  std::size_t begin_ = 0, end_ = 0;
  bool filled_ = false;  // the last read filled the buffer: grow it
  bool in_frame_ = false;
  FrameHeader frame_;
  std::uint64_t frame_done_ = 0;
  bool assembling_ = false;                // a fragmented message is open
  std::vector<std::byte> message_;         // its payload so far
  std::vector<std::byte> control_;         // the current control frame's payload
  stream::Inbound inbound_;  // what did not fit in in_ yet, and whether reading stopped

  // Writing.
  std::atomic<bool> writing_{false};
  std::vector<std::vector<std::byte>> control_out_;  // encoded control frames to send first
  std::optional<std::error_code> close_after_write_;
  std::vector<Message> batch_;
  std::vector<std::byte> staging_;
};

}  // namespace sprocket::ws
