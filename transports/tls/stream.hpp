// TLS beneath the pump (transports/stream/pump.hpp): StreamOps for a TLS
// stream, and TlsWire, which runs the TLS handshake before its inner wire's
// (the SP header for tls+tcp, the HTTP upgrade for wss), so the pump's one
// handshake timer covers both.
#pragma once

#include <memory>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include "sprocket/extension/transport.hpp"
#include "transports/stream/stream_ops.hpp"
#include "transports/tls/context.hpp"

namespace sprocket::stream {

// Every operation acts on the TCP socket below the TLS session. A polite
// shutdown is a FIN without TLS's close_notify: the SP framing itself shows
// a truncated message, and the pump closes at once after shutdown().
template <>
struct StreamOps<tls::TlsStream> {
  static asio::ip::tcp::socket& socket(tls::TlsStream& s) { return s.next_layer(); }

  static void close(tls::TlsStream& s) {
    std::error_code ignored;
    socket(s).close(ignored);
  }

  static void abort(tls::TlsStream& s) {
    std::error_code ignored;
    socket(s).set_option(asio::socket_base::linger(true, 0), ignored);
    socket(s).close(ignored);
  }

  static void shutdown(tls::TlsStream& s) {
    std::error_code ignored;
    socket(s).shutdown(asio::socket_base::shutdown_send, ignored);
  }

  // Nothing: TLS reads whole records, and part of one may already sit in
  // the session's buffer, so a kernel low-water mark could wait for bytes
  // that never come.
  static void set_low_water(tls::TlsStream&, std::size_t) {}

  static constexpr bool is_tcp = true;
};

}  // namespace sprocket::stream

namespace sprocket::tls {

/// `Inner`'s wire (stream::SpWire, ws::WsWire) inside a TLS session.
template <class Inner>
class TlsWire : public Inner {
 public:
  TlsWire(Inner inner, std::shared_ptr<Context> context)
      : Inner(std::move(inner)), context_(std::move(context)) {}

  asio::awaitable<std::error_code> handshake(TlsStream& stream, const SocketPort& port,
                                             std::vector<std::byte>& ahead) {
    std::error_code ec;
    co_await stream.async_handshake(context_->handshake_type(),
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return handshake_error(stream, ec);
    ec = co_await Inner::handshake(stream, port, ahead);
    co_return ec;
  }

 private:
  std::shared_ptr<Context> context_;  // the streams' SSL_CTX settings stay alive with them
};

}  // namespace sprocket::tls
