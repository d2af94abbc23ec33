// One TLS endpoint's OpenSSL context, made from a TlsConfig when the
// endpoint is made (dial/listen): every file is read and checked then, so a
// bad file is an error of that call. Shared by the endpoint's connections,
// each of which keeps it alive.
#pragma once

#include <memory>
#include <string>
#include <system_error>

#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/stream.hpp>

#include "sprocket/tls.hpp"

namespace sprocket::tls {

/// A TLS session over a TCP socket: the stream the pump runs on.
using TlsStream = asio::ssl::stream<asio::ip::tcp::socket>;

enum class Side { client, server };

class Context {
 public:
  /// The context for `config` on `side`; `url_host` is the dialed host,
  /// the server name when the config names none. On failure nullptr, `ec`
  /// errc::invalid_argument and the reason (naming the file) as the error
  /// detail.
  static std::shared_ptr<Context> make(const TlsConfig& config, Side side,
                                       const std::string& url_host, std::error_code& ec);

  /// A TLS stream over `socket`, set up for one connection (a client's
  /// SNI name and the name its server's certificate must carry).
  TlsStream wrap(asio::ip::tcp::socket socket);

  Side side() const noexcept { return side_; }
  /// asio's handshake type for this side.
  asio::ssl::stream_base::handshake_type handshake_type() const noexcept {
    return side_ == Side::client ? asio::ssl::stream_base::client : asio::ssl::stream_base::server;
  }

  Context(Side side, asio::ssl::context ssl, std::string server_name, bool verify);  // use make()

 private:
  Side side_;
  asio::ssl::context ssl_;
  std::string server_name_;  // client: checked against the certificate
  bool verify_;              // client: the server's certificate is checked
};

/// The error of a failed TLS handshake on `stream`: a failed certificate
/// check says why (OpenSSL's reason: "certificate has expired",
/// "hostname mismatch", ...); other TLS failures keep OpenSSL's reason
/// ("wrong version number", "tlsv1 alert unknown ca"); I/O errors map as
/// on any stream.
std::error_code handshake_error(TlsStream& stream, std::error_code ec);

}  // namespace sprocket::tls
