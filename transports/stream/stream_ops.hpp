// What the pump does to its byte stream beyond reading and writing. The
// primary template serves plain sockets (tcp, unix); a layered stream (TLS,
// transports/tls) specialises StreamOps for its type. A specialisation is
// found wherever the pump is instantiated, unlike an overload declared
// after pump.hpp.
#pragma once

#include <cstddef>
#include <system_error>
#include <type_traits>

#include <asio/ip/tcp.hpp>
#include <asio/socket_base.hpp>

namespace sprocket::stream {

template <class Socket>
struct StreamOps {
  /// The socket under the stream (the stream itself here).
  static Socket& socket(Socket& s) { return s; }

  /// Closes at once; a FIN follows whatever the kernel still holds.
  static void close(Socket& s) {
    std::error_code ignored;
    socket(s).close(ignored);
  }

  /// Drops the connection without waiting for the peer: over tcp an RST
  /// (SO_LINGER 0), so that a peer that reads nothing cannot keep the
  /// kernel's buffers either.
  static void abort(Socket& s) {
    std::error_code ignored;
    if constexpr (is_tcp) socket(s).set_option(asio::socket_base::linger(true, 0), ignored);
    socket(s).close(ignored);
  }

  /// Ends our direction politely once everything is written (a FIN).
  static void shutdown(Socket& s) {
    std::error_code ignored;
    socket(s).shutdown(asio::socket_base::shutdown_send, ignored);
  }

  /// The receive low-water mark (tcp only; elsewhere nothing): a large body
  /// is then read in large pieces, with fewer wake-ups of the reader.
  static void set_low_water(Socket& s, std::size_t bytes) {
    if constexpr (is_tcp) {
      std::error_code ignored;
      socket(s).set_option(asio::socket_base::receive_low_watermark(static_cast<int>(bytes)),
                           ignored);
    }
  }

  static constexpr bool is_tcp = std::is_same_v<typename Socket::protocol_type, asio::ip::tcp>;
  /// Bytes written to the socket's descriptor go to the peer as they are,
  /// so a sending thread may write them itself (the pump's caller write).
  /// A layered stream (TLS) has no such member.
  static constexpr bool sends_on_descriptor = true;
};

}  // namespace sprocket::stream
