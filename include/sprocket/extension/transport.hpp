// The transport seam: what a transport implements to carry pipes for a URL
// scheme. Built-in transports use exactly this interface; register_transport()
// adds more.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include <asio/any_io_executor.hpp>

#include "sprocket/detail/export.hpp"
#include "sprocket/detail/unique_function.hpp"
#include "sprocket/extension/message_queue.hpp"
#include "sprocket/options.hpp"

namespace sprocket {

/// A parsed endpoint URL: `scheme://address`.
struct Url {
  std::string text;     ///< the whole URL as given
  std::string scheme;   ///< "tcp", "inproc"...
  std::string address;  ///< everything after "://"
};

/// A connection's offer to its socket: a thread about to block for a
/// message from this connection may read the connection itself, so that
/// the message does not wait for the connection's own I/O thread to wake,
/// read it, and wake the receiver in turn. Offered by tcp and ipc
/// connections; optional for a transport.
class SPROCKET_API WaitingReader {
 public:
  /// What ends a read early: the waiting operation was done, or the socket
  /// has something to look at.
  class Stop {
   public:
    /// True when the read should end now. Called between reads, from the
    /// reading thread; must be quick and must not block.
    virtual bool reached() const noexcept = 0;

   protected:
    ~Stop() = default;
  };

  virtual ~WaitingReader() = default;
  /// Reads the connection on the calling thread, delivering what arrives
  /// to the link's `in` queue as the connection's thread would, until
  /// `stop` is reached or `until` passes. False at once, having read
  /// nothing, while the connection's own thread is reading or the
  /// connection is ending.
  virtual bool read_while_waiting(std::chrono::steady_clock::time_point until,
                                  const Stop& stop) = 0;
};

/// One established connection, handed from a transport to a socket. The
/// transport is the producer of `in` and the consumer of `out`; the socket
/// the other way round.
struct PeerLink {
  std::shared_ptr<MessageQueue> in;   ///< messages from the peer (the transport produces)
  std::shared_ptr<MessageQueue> out;  ///< messages to the peer (the transport consumes)
  std::uint16_t peer_protocol = 0;    ///< the SP protocol id the peer announced
  std::string peer_address;           ///< the peer, for pipe events ("tcp://10.0.0.2:5555")
  std::weak_ptr<WaitingReader> reader;  ///< set when the connection offers one
};

/// The socket, as a transport sees it.
class SPROCKET_API SocketPort {
 public:
  virtual ~SocketPort() = default;
  /// The socket's own SP protocol id, for the handshake.
  virtual std::uint16_t protocol_id() const noexcept = 0;
  /// True when `peer_protocol` is a valid partner of this socket.
  virtual bool accepts_peer(std::uint16_t peer_protocol) const noexcept = 0;
  virtual std::size_t send_buffer() const noexcept = 0;    ///< messages
  virtual std::size_t recv_buffer() const noexcept = 0;    ///< messages
  /// What a connection's outgoing queue holds at most in message bytes,
  /// besides its depth in messages; 0: no byte bound. A message larger than
  /// the bound still goes, alone.
  virtual std::size_t send_buffer_bytes() const noexcept { return 0; }
  /// The same for a connection's incoming queue.
  virtual std::size_t recv_buffer_bytes() const noexcept { return 0; }
  /// The byte bound of a socket whose buffer depth was left at its default
  /// (an inproc queue sums the two sides', when both are at it):
  /// a depth that lets small messages flow in batches would otherwise
  /// queue a gigabyte of large ones. A depth the user sets is in messages
  /// only, as asked.
  static constexpr std::size_t kDefaultBufferBytes = std::size_t{4} << 20;
  virtual std::size_t recv_max_size() const noexcept = 0;  ///< bytes, 0 = unlimited
  /// How long a closed pipe may keep flushing queued output.
  virtual std::chrono::nanoseconds linger() const noexcept = 0;
  /// How long a connection may take to complete its handshake.
  virtual std::chrono::nanoseconds handshake_timeout() const noexcept = 0;
  /// Where the socket's I/O runs; a transport's connections run there too.
  virtual asio::any_io_executor executor() const = 0;
};

/// Receives the outcome of one connection attempt: an error, or the link.
using LinkHandler = detail::UniqueFunction<void(std::error_code, PeerLink)>;

/// One dial(): makes connection attempts on request. The core drives
/// retries and backoff.
class SPROCKET_API TransportDialer {
 public:
  virtual ~TransportDialer() = default;
  /// Starts one attempt; `done` is called exactly once, on any thread,
  /// possibly before connect() returns, with the link or the error. A
  /// transport may keep the attempt pending until a peer appears (inproc).
  virtual void connect(LinkHandler done) = 0;
  /// Stops: a pending attempt completes with errc::closed.
  virtual void close() = 0;
};

/// One listen(): binds at once, then hands over every accepted connection.
class SPROCKET_API TransportListener {
 public:
  virtual ~TransportListener() = default;
  /// Takes the address; errors (address_in_use...) are reported here.
  virtual std::error_code bind() = 0;
  /// Calls `on_link` for each connection (and for each failed handshake,
  /// with its error) until close(). Called once, after a successful bind().
  virtual void accept(detail::UniqueFunction<void(std::error_code, PeerLink)> on_link) = 0;
  /// The bound port for transports that have one (port 0 asks for any).
  virtual std::uint16_t port() const noexcept { return 0; }
  /// Stops accepting and closes the listening socket; idempotent. The
  /// connections already handed over belong to the socket.
  virtual void close() = 0;
};

/// A transport: one URL scheme and the dialers and listeners for it. The
/// registry holds it in a shared_ptr; its members may be called from any
/// thread.
class SPROCKET_API Transport {
 public:
  virtual ~Transport() = default;
  /// The URL scheme served, such as "tcp".
  virtual std::string_view scheme() const noexcept = 0;
  /// True when the transport runs over TLS and reads EndpointOptions::tls
  /// (the socket's default is filled in for it); dial() and listen() refuse
  /// TLS options for any other transport.
  virtual bool uses_tls() const noexcept { return false; }
  /// Validates the address; errc::invalid_address when malformed.
  virtual std::unique_ptr<TransportDialer> make_dialer(const Url& url,
                                                       std::shared_ptr<SocketPort> socket,
                                                       const EndpointOptions& options,
                                                       std::error_code& ec) = 0;
  /// As make_dialer(), for a listener; it binds later, in bind().
  virtual std::unique_ptr<TransportListener> make_listener(const Url& url,
                                                           std::shared_ptr<SocketPort> socket,
                                                           const EndpointOptions& options,
                                                           std::error_code& ec) = 0;
};

/// Adds (or replaces) the transport for its scheme.
SPROCKET_API void register_transport(std::shared_ptr<Transport> transport);

/// The transport registered for `scheme`, or nullptr.
SPROCKET_API std::shared_ptr<Transport> find_transport(std::string_view scheme);

}  // namespace sprocket
