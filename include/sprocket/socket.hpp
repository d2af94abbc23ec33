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

#include "sprocket/detail/export.hpp"
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
/// its socket; close() stops it and closes its connection. Copies are
/// handles on the same dialer.
class SPROCKET_API Dialer {
 public:
  /// An empty handle (what a failed dial(url, options, ec) returns).
  Dialer() = default;
  /// Stops reconnecting and closes the current connection. Idempotent; does
  /// nothing on an empty handle.
  void close();
  /// The URL as given to dial() ("" for an empty handle). The string lives
  /// as long as the dialer does (at least as long as this handle).
  const std::string& url() const;
  /// True unless the handle is empty.
  explicit operator bool() const noexcept { return impl_ != nullptr; }

 private:
  friend class Socket;
  explicit Dialer(std::shared_ptr<detail::EndpointBase> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<detail::EndpointBase> impl_;
};

/// A handle on one listen(). Dropping it leaves the listener running, owned
/// by its socket; close() stops accepting and closes its connections.
/// Copies are handles on the same listener.
class SPROCKET_API Listener {
 public:
  /// An empty handle (what a failed listen(url, options, ec) returns).
  Listener() = default;
  /// Stops accepting and closes the connections it accepted. Idempotent;
  /// does nothing on an empty handle.
  void close();
  /// The URL as given to listen() ("" for an empty handle). The string
  /// lives as long as the listener does (at least as long as this handle).
  const std::string& url() const;
  /// The bound port: for tcp:// and ws:// with port 0, the one the system
  /// chose; 0 for transports without ports (inproc, ipc) and empty handles.
  std::uint16_t port() const;
  /// True unless the handle is empty.
  explicit operator bool() const noexcept { return impl_ != nullptr; }

 private:
  friend class Socket;
  explicit Listener(std::shared_ptr<detail::EndpointBase> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<detail::EndpointBase> impl_;
};

/// A connection coming or going, or one that was refused: what
/// Socket::on_pipe_event() callbacks receive.
struct PipeEvent {
  /// What happened.
  enum class Kind {
    added,    ///< a connection joined the socket
    removed,  ///< a connection left (reason says why, if it failed)
    refused,  ///< a connection attempt or handshake failed, or the protocol refused it
  };
  Kind kind;                  ///< what happened
  std::uint32_t pipe_id = 0;  ///< 0 for refused connections that never became pipes
  std::string url;            ///< the endpoint's URL
  std::string peer_address;   ///< the peer, as the transport names it
  std::error_code reason;     ///< why it was removed or refused; empty for added
};

/// Counters since the socket was made (Socket::stats()).
///
/// The message and byte counters count what the user hands to the socket
/// and takes from it — on the socket and all its contexts — and bytes are
/// message *bodies* only: SP protocol headers (REQ/REP and SURVEY
/// backtraces) and transport framing (length prefixes, WebSocket frames,
/// handshakes) are not included. A message a PUB or BUS socket sends to
/// several peers counts once; a REQ resend is not counted again.
struct Stats {
  std::uint64_t messages_sent = 0;      ///< messages the socket accepted from send calls
  std::uint64_t messages_received = 0;  ///< messages handed to recv calls
  std::uint64_t bytes_sent = 0;         ///< body bytes of messages_sent (no headers, no framing)
  std::uint64_t bytes_received = 0;     ///< body bytes of messages_received (no headers, no framing)
  std::uint64_t pipes = 0;           ///< connections now
  std::uint64_t pipes_added = 0;     ///< connections ever
  std::uint64_t refused = 0;         ///< failed handshakes, refused peers, failed dials
  std::uint64_t drops = 0;           ///< messages dropped by the protocol or a full peer
  std::uint64_t protocol_errors = 0; ///< connections closed for bad input (oversize or malformed frames)
  std::uint64_t reconnects = 0;      ///< dialer reconnect attempts
  /// SUB: messages discarded because no subscription matched them, on
  /// arrival or when received. Not counted in `drops` nor in
  /// `messages_received`; always 0 for the other protocols.
  std::uint64_t filtered = 0;
};

/// A scalability-protocol socket. Every member is safe to call from any
/// thread at any time, concurrently, including close() while other threads
/// are blocked in it (they return errc::closed).
///
/// Sends take three forms, the same on every send (blocking, try_, async)
/// and on Context: a Message (moved in: no copy), text (`std::string_view`,
/// `std::string`, a string literal) or bytes (`std::span<const std::byte>`,
/// a `std::array` or `std::vector` of bytes); text and bytes are copied into
/// a new Message before the call returns. Blocking calls come in pairs: one
/// throws std::system_error (its message names what failed), the other
/// reports through its `std::error_code&` and never throws for I/O errors.
///
/// A Socket is movable. A moved-from Socket holds no socket and behaves as
/// a closed one: operations fail with errc::closed (asynchronous ones too,
/// through their completion), setters do nothing, getters return zero
/// values (timeouts: -1 ns), close() does nothing; assigning a Socket to
/// it makes it usable again.
class SPROCKET_API Socket {
  friend struct detail::SocketAccess;
  friend class Context;

 public:
  /// Timeouts and intervals; a negative duration means none (wait forever).
  using duration = std::chrono::nanoseconds;

  /// Opens a socket of `protocol` on the process-wide I/O runtime.
  /// Throws std::system_error with errc::unknown_protocol for an id no
  /// protocol is registered for.
  explicit Socket(Protocol protocol, SocketOptions options = {});
  /// Opens a socket whose I/O and async completions run on `executor`.
  Socket(Protocol protocol, SocketOptions options, asio::any_io_executor executor);
  /// Closes the socket (see close()).
  ~Socket();
  /// Takes over `other`'s socket; `other` is left empty (see the class
  /// comment: it behaves as a closed socket).
  Socket(Socket&& other) noexcept;
  /// Closes this socket, then takes over `other`'s; `other` is left empty.
  Socket& operator=(Socket&& other) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  /// Connects to `url` in the background (unless options.wait_connected)
  /// and keeps reconnecting, with backoff, for as long as the dialer lives.
  /// Throws std::system_error whose message names the URL and what is wrong
  /// with it: errc::unsupported_transport for an unknown scheme,
  /// errc::invalid_address for a malformed address ("port 99999 is out of
  /// range 0..65535"; with wait_connected also "host not found: NAME"),
  /// errc::invalid_argument for an option out of range ("send_priority 0 is
  /// outside 1..16"); with wait_connected, the first attempt's error.
  Dialer dial(std::string_view url, const EndpointOptions& options = {});
  /// As dial(url, options), reporting the error in `ec` (the Dialer is
  /// then empty).
  Dialer dial(std::string_view url, const EndpointOptions& options, std::error_code& ec);
  /// Listens on `url` at once; errors are reported here, as for dial(),
  /// plus errc::address_in_use and, for a host name that does not resolve,
  /// errc::invalid_address with "host not found: NAME".
  Listener listen(std::string_view url, const EndpointOptions& options = {});
  /// As listen(url, options), reporting the error in `ec` (the Listener is
  /// then empty).
  Listener listen(std::string_view url, const EndpointOptions& options, std::error_code& ec);

  /// Sends `m`, waiting up to the send timeout for room (errc::timed_out).
  /// On failure the message is left in `m`.
  void send(Message&& m);
  /// As send(Message&&), reporting the error in `ec`.
  void send(Message&& m, std::error_code& ec);
  /// Sends a copy of `text`.
  void send(std::string_view text);
  /// Sends a copy of `text`, reporting the error in `ec`.
  void send(std::string_view text, std::error_code& ec);
  /// Sends a copy of `bytes`.
  void send(std::span<const std::byte> bytes);
  /// Sends a copy of `bytes`, reporting the error in `ec`.
  void send(std::span<const std::byte> bytes, std::error_code& ec);
  /// Receives, waiting up to the receive timeout (errc::timed_out).
  Message recv();
  /// As recv(), reporting the error in `ec` (the Message is then empty).
  Message recv(std::error_code& ec);
  /// Sends `m` only if that can be done at once, never blocking:
  /// errc::would_block otherwise (`m` is left untouched).
  void try_send(Message&& m, std::error_code& ec);
  /// Sends a copy of `text` only if that can be done at once.
  void try_send(std::string_view text, std::error_code& ec);
  /// Sends a copy of `bytes` only if that can be done at once.
  void try_send(std::span<const std::byte> bytes, std::error_code& ec);
  /// Receives only if a message is waiting, never blocking:
  /// errc::would_block otherwise.
  Message try_recv(std::error_code& ec);

  /// Sends asynchronously; completes with `void(std::error_code)` through
  /// `token` (a callback, asio::use_future, asio::use_awaitable, ...), never
  /// inside this call. Honours the send timeout and asio per-operation
  /// cancellation (errc::canceled).
  template <class Token>
  auto async_send(Message m, Token&& token) {
    return asio::async_initiate<Token, void(std::error_code)>(detail::InitiateSend{core_, 0},
                                                              token, std::move(m));
  }
  /// Sends a copy of `text` asynchronously (`async_send("hi", use_awaitable)`).
  /// The text is copied before this returns, so it need not outlive the
  /// operation.
  template <class Token>
  auto async_send(std::string_view text, Token&& token) {
    return async_send(Message(text), std::forward<Token>(token));
  }
  /// Sends a copy of `bytes` asynchronously; copied before this returns.
  template <class Token>
  auto async_send(std::span<const std::byte> bytes, Token&& token) {
    return async_send(Message(bytes), std::forward<Token>(token));
  }

  /// Receives asynchronously; completes with `void(std::error_code,
  /// Message)` through `token`, never inside this call. Honours the receive
  /// timeout and asio per-operation cancellation (errc::canceled).
  template <class Token>
  auto async_recv(Token&& token) {
    return asio::async_initiate<Token, void(std::error_code, Message)>(
        detail::InitiateRecv{core_, 0}, token);
  }

  /// Waits until at least `n` connections (pipes) are attached — what a PUB,
  /// a SURVEYOR or a PUSH with failover needs before its first send goes
  /// nowhere. Fails with errc::timed_out after `timeout` (negative: no
  /// limit), errc::closed when the socket closes first.
  void wait_for_pipes(std::size_t n, duration timeout = duration(-1));
  /// The same, reporting failure through `ec` instead of throwing.
  void wait_for_pipes(std::size_t n, duration timeout, std::error_code& ec);
  /// The same, asynchronously; completes with `void(std::error_code)` and
  /// supports asio per-operation cancellation (errc::canceled).
  template <class Token>
  auto async_wait_for_pipes(std::size_t n, duration timeout, Token&& token) {
    return asio::async_initiate<Token, void(std::error_code)>(
        detail::InitiateWaitForPipes{core_}, token, n, timeout);
  }

  /// Closes the socket: pending and blocked operations complete with
  /// errc::closed, endpoints stop, connections close (queued output is
  /// flushed for up to the linger time). Never blocks; idempotent.
  void close();

  /// How long a blocking send (and an async one) may wait for room; a
  /// negative duration (the default) waits forever.
  void set_send_timeout(duration d);
  /// How long a blocking receive (and an async one) may wait; a negative
  /// duration (the default) waits forever.
  void set_recv_timeout(duration d);
  /// The send timeout.
  duration send_timeout() const;
  /// The receive timeout.
  duration recv_timeout() const;
  /// Outgoing queue depth in messages, per connection. The default is 1024
  /// messages and at most 4 MiB of message bytes (a larger message goes
  /// alone; over inproc, where one queue is the sender's send buffer and the
  /// receiver's receive buffer, both bounds are summed). A depth set here
  /// counts messages only.
  void set_send_buffer(std::size_t messages);
  /// Incoming queue depth in messages, per connection; the default as for
  /// set_send_buffer().
  void set_recv_buffer(std::size_t messages);
  /// The outgoing queue depth.
  std::size_t send_buffer() const;
  /// The incoming queue depth.
  std::size_t recv_buffer() const;
  /// Largest incoming message (header + body) in bytes; larger frames drop
  /// the connection. Default 1 MiB; 0 means unlimited.
  void set_recv_max_size(std::size_t bytes);
  /// The receive size limit in bytes (0: unlimited).
  std::size_t recv_max_size() const;
  /// How long close() lets queued output drain in the background.
  void set_linger(duration d);
  /// The linger time.
  duration linger() const;
  /// REQ/REP and SURVEY: most hops (backtrace words) a message may carry;
  /// PAIR v1: the largest hop count a received message may have. 1..15
  /// (default 8); deeper messages are dropped and counted in
  /// stats().drops. Throws std::system_error(errc::invalid_argument) outside
  /// the range.
  void set_max_ttl(int hops);
  /// The hop limit.
  int max_ttl() const;
  /// REQ: resend a request that got no reply after this long (default 60 s);
  /// a negative duration never resends.
  void set_resend_interval(duration d);
  /// The REQ resend interval.
  duration resend_interval() const;
  /// SURVEYOR: how long a survey accepts responses (default 1 s); a recv
  /// pending at the deadline fails with errc::timed_out.
  void set_survey_deadline(duration d);
  /// The survey deadline.
  duration survey_deadline() const;
  /// SUB: receive messages whose body starts with `prefix` (reference
  /// counted; the empty prefix matches everything). errc::not_supported on
  /// other protocols.
  void subscribe(std::string_view prefix);
  /// As subscribe(prefix), reporting the error in `ec`.
  void subscribe(std::string_view prefix, std::error_code& ec);
  /// SUB: drops one subscribe() of `prefix`; errc::invalid_argument when
  /// there is none (the exception's message names the prefix).
  void unsubscribe(std::string_view prefix);
  /// As unsubscribe(prefix), reporting the error in `ec`.
  void unsubscribe(std::string_view prefix, std::error_code& ec);
  /// How long a new connection may take to exchange SP headers (default 10 s).
  void set_handshake_timeout(duration d);
  /// The handshake timeout.
  duration handshake_timeout() const;
  /// The TLS settings for tls+tcp:// and wss:// endpoints dialed or
  /// listened on from now on that give none of their own
  /// (EndpointOptions::tls). Endpoints of other transports ignore it.
  void set_tls(TlsConfig config);
  /// The socket's default TLS settings, if set.
  std::optional<TlsConfig> tls() const;

  /// Calls `callback` for every connection added, removed or refused. It
  /// runs on an internal or I/O thread with no lock held and may call back
  /// into the socket. Replaces any earlier callback; pass {} to stop. When
  /// this returns (and when ~Socket returns) the earlier callback is not
  /// running on any other thread and will not be called again; only a call
  /// on the calling thread itself (a callback replacing itself) may still
  /// be in progress.
  void on_pipe_event(std::function<void(const PipeEvent&)> callback);
  /// A snapshot of the counters (see Stats: bytes count bodies only).
  Stats stats() const;

  /// The socket's protocol (Protocol{} for a moved-from socket).
  Protocol protocol() const;
  /// True for a raw socket (SocketOptions::raw).
  bool raw() const;
  /// The executor that runs this socket's I/O and default completions.
  asio::any_io_executor get_executor() const;

 private:
  std::shared_ptr<detail::SocketCore> core_;
};

}  // namespace sprocket
