// sprocket::Socket: a thread-safe scalability-protocol socket.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>

#include "sprocket/detail/async_op.hpp"
#include "sprocket/error.hpp"
#include "sprocket/message.hpp"
#include "sprocket/options.hpp"
#include "sprocket/protocol.hpp"

namespace sprocket {

namespace detail {
class EndpointBase;
struct SocketAccess;
}

/// A handle on one dial(). Dropping it leaves the dialer running, owned by
/// its socket; close() stops it and closes its connection.
class Dialer {
 public:
  Dialer() = default;
  /// Stops reconnecting and closes the current connection. Idempotent.
  void close();
  /// The URL as given to dial().
  const std::string& url() const;
  explicit operator bool() const noexcept { return impl_ != nullptr; }

 private:
  friend class Socket;
  explicit Dialer(std::shared_ptr<detail::EndpointBase> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<detail::EndpointBase> impl_;
};

/// A handle on one listen(). Dropping it leaves the listener running, owned
/// by its socket; close() stops accepting and closes its connections.
class Listener {
 public:
  Listener() = default;
  /// Stops accepting and closes the connections it accepted. Idempotent.
  void close();
  /// The URL as given to listen().
  const std::string& url() const;
  /// The bound port (for tcp/ws with port 0, the one the system chose).
  std::uint16_t port() const;
  explicit operator bool() const noexcept { return impl_ != nullptr; }

 private:
  friend class Socket;
  explicit Listener(std::shared_ptr<detail::EndpointBase> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<detail::EndpointBase> impl_;
};

/// A connection coming or going, or one that was refused.
struct PipeEvent {
  enum class Kind {
    added,    ///< a connection joined the socket
    removed,  ///< a connection left (reason says why, if it failed)
    refused,  ///< a connection attempt or handshake failed, or the protocol refused it
  };
  Kind kind;
  std::uint32_t pipe_id = 0;  ///< 0 for refused connections that never became pipes
  std::string url;            ///< the endpoint's URL
  std::string peer_address;   ///< the peer, as the transport names it
  std::error_code reason;
};

/// Counters since the socket was made.
struct Stats {
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_received = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t pipes = 0;           ///< connections now
  std::uint64_t pipes_added = 0;     ///< connections ever
  std::uint64_t refused = 0;         ///< failed handshakes, refused peers, failed dials
  std::uint64_t drops = 0;           ///< messages dropped by the protocol or a full peer
  std::uint64_t protocol_errors = 0; ///< connections closed for bad input (oversize or malformed frames)
  std::uint64_t reconnects = 0;      ///< dialer reconnect attempts
};

/// A scalability-protocol socket. Every member is safe to call from any
/// thread at any time, concurrently, including close() while other threads
/// are blocked in it (they return errc::closed).
class Socket {
  friend struct detail::SocketAccess;
  friend class Context;

 public:
  using duration = std::chrono::nanoseconds;

  /// Opens a socket of `protocol` on the process-wide I/O runtime.
  explicit Socket(Protocol protocol, SocketOptions options = {});
  /// Opens a socket whose I/O and async completions run on `executor`.
  Socket(Protocol protocol, SocketOptions options, asio::any_io_executor executor);
  /// Closes the socket (see close()).
  ~Socket();
  Socket(Socket&&) noexcept;
  Socket& operator=(Socket&&) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  /// Connects to `url` in the background (unless options.wait_connected)
  /// and keeps reconnecting. Throws std::system_error naming the URL for an
  /// unknown scheme or a malformed address.
  Dialer dial(std::string_view url, const EndpointOptions& options = {});
  Dialer dial(std::string_view url, const EndpointOptions& options, std::error_code& ec);
  /// Listens on `url` at once; errors such as errc::address_in_use are
  /// reported here.
  Listener listen(std::string_view url, const EndpointOptions& options = {});
  Listener listen(std::string_view url, const EndpointOptions& options, std::error_code& ec);

  /// Sends, waiting up to the send timeout for room. On failure the
  /// message is left in `m`.
  void send(Message&& m);
  void send(Message&& m, std::error_code& ec);
  void send(std::string_view text);
  void send(std::string_view text, std::error_code& ec);
  void send(std::span<const std::byte> bytes);
  void send(std::span<const std::byte> bytes, std::error_code& ec);
  /// Receives, waiting up to the receive timeout.
  Message recv();
  Message recv(std::error_code& ec);
  /// Never block: errc::would_block when the operation cannot complete now.
  void try_send(Message&& m, std::error_code& ec);
  void try_send(std::string_view text, std::error_code& ec);
  Message try_recv(std::error_code& ec);

  /// Sends asynchronously; completes with `void(std::error_code)`. Honours
  /// the send timeout and asio per-operation cancellation (errc::canceled).
  template <class Token>
  auto async_send(Message m, Token&& token) {
    return asio::async_initiate<Token, void(std::error_code)>(detail::InitiateSend{core_, 0},
                                                              token, std::move(m));
  }

  /// Receives asynchronously; completes with `void(std::error_code, Message)`.
  template <class Token>
  auto async_recv(Token&& token) {
    return asio::async_initiate<Token, void(std::error_code, Message)>(
        detail::InitiateRecv{core_, 0}, token);
  }

  /// Closes the socket: pending and blocked operations complete with
  /// errc::closed, endpoints stop, connections close (queued output is
  /// flushed for up to the linger time). Never blocks; idempotent.
  void close();

  /// A negative duration (the default) waits forever.
  void set_send_timeout(duration d);
  void set_recv_timeout(duration d);
  duration send_timeout() const;
  duration recv_timeout() const;
  /// Queue depths in messages, per connection (default 128 each).
  void set_send_buffer(std::size_t messages);
  void set_recv_buffer(std::size_t messages);
  std::size_t send_buffer() const;
  std::size_t recv_buffer() const;
  /// Largest incoming message (header + body) in bytes; larger frames drop
  /// the connection. Default 1 MiB; 0 means unlimited.
  void set_recv_max_size(std::size_t bytes);
  std::size_t recv_max_size() const;
  /// How long close() lets queued output drain in the background.
  void set_linger(duration d);
  duration linger() const;
  /// REQ/REP and SURVEY: most hops (backtrace words) a message may carry;
  /// PAIR v1: the largest hop count a received message may have. 1..15
  /// (default 8); deeper messages are dropped and counted in
  /// stats().drops. errc::invalid_argument outside the range.
  void set_max_ttl(int hops);
  int max_ttl() const;
  /// REQ: resend a request that got no reply after this long (default 60 s);
  /// a negative duration never resends.
  void set_resend_interval(duration d);
  duration resend_interval() const;
  /// SURVEYOR: how long a survey accepts responses (default 1 s); a recv
  /// pending at the deadline fails with errc::timed_out.
  void set_survey_deadline(duration d);
  duration survey_deadline() const;
  /// SUB: receive messages whose body starts with `prefix` (reference
  /// counted; the empty prefix matches everything). errc::not_supported on
  /// other protocols.
  void subscribe(std::string_view prefix);
  void subscribe(std::string_view prefix, std::error_code& ec);
  /// SUB: drops one subscribe() of `prefix`; errc::invalid_argument if none.
  void unsubscribe(std::string_view prefix);
  void unsubscribe(std::string_view prefix, std::error_code& ec);
  /// How long a new connection may take to exchange SP headers (default 10 s).
  void set_handshake_timeout(duration d);
  duration handshake_timeout() const;

  /// Calls `callback` for every connection added, removed or refused. It
  /// runs on an internal or I/O thread with no lock held and may call back
  /// into the socket. Replaces any earlier callback; pass {} to stop.
  void on_pipe_event(std::function<void(const PipeEvent&)> callback);
  /// A snapshot of the counters.
  Stats stats() const;

  Protocol protocol() const;
  /// True for a raw socket (SocketOptions::raw).
  bool raw() const;
  /// The executor that runs this socket's I/O and default completions.
  asio::any_io_executor get_executor() const;

 private:
  std::shared_ptr<detail::SocketCore> core_;
};

}  // namespace sprocket
