// TLS settings for the tls+tcp:// and wss:// transports.
#pragma once

#include <optional>
#include <string>
#include <system_error>

#include "sprocket/detail/export.hpp"

namespace sprocket {

/// Whether a TLS endpoint checks its peer's certificate.
enum class TlsVerify {
  /// The peer must present a certificate that chains to a trusted CA (and,
  /// on a dialer, names the server): the dialer's default.
  required,
  /// A certificate is asked for and checked when the peer sends one; a peer
  /// without one is accepted.
  optional,
  /// No certificate is asked for or checked: the listener's default. On a
  /// dialer this accepts any server (nngcat's --insecure): testing only.
  none,
};

/// The lowest TLS version an endpoint accepts.
enum class TlsVersion {
  tls1_2,  ///< TLS 1.2 or 1.3 (the default)
  tls1_3,  ///< TLS 1.3 only
};

/// What a tls+tcp:// or wss:// endpoint needs to know about certificates.
/// Give it per endpoint (`EndpointOptions::tls`) or as the socket's default
/// (`Socket::set_tls()`, used by TLS endpoints that have none of their own).
/// Files are PEM. Every file is read, and the key checked against the
/// certificate, when dial() or listen() is called: a missing or unreadable
/// file, or a key that does not belong to the certificate, is an error of
/// that call whose message names the file.
///
/// ```cpp
/// rep.listen("tls+tcp://*:5555", {.tls = sprocket::TlsConfig{.cert_file = "srv.pem",
///                                                          .key_file = "srv.key"}});
/// req.dial("tls+tcp://db1.example:5555", {.tls = sprocket::TlsConfig{.ca_file = "ca.pem"}});
/// ```
struct TlsConfig {
  /// The certificates of the CAs trusted to sign the peer's certificate (a
  /// PEM bundle). With neither ca_file nor ca_dir, the system's trust store
  /// (OpenSSL's default paths; SSL_CERT_FILE and SSL_CERT_DIR override it).
  std::string ca_file{};
  /// A directory of trusted CA certificates, named by subject hash as
  /// `openssl rehash` makes them; may be given with ca_file.
  std::string ca_dir{};
  /// Our certificate, followed by any intermediate CA certificates. A
  /// listener needs one; a dialer sends it when the listener asks.
  std::string cert_file{};
  /// The private key of cert_file; empty when cert_file holds the key too.
  std::string key_file{};
  /// Peer verification; unset: required for a dialer, none for a listener.
  std::optional<TlsVerify> verify{};
  /// Dialer: the name sent for SNI and checked against the server's
  /// certificate; empty: the URL's host (an IP address is checked as one).
  std::string server_name{};
  /// The lowest protocol version accepted.
  TlsVersion min_version = TlsVersion::tls1_2;
};

/// The category of the error a TLS connection is refused with when a
/// certificate check fails (PipeEvent::reason of a refused event): the value
/// is OpenSSL's X509_V_ERR_* code, the message its reason ("certificate has
/// expired", "hostname mismatch", "unable to get local issuer certificate").
/// Other TLS failures carry asio's SSL category, also with OpenSSL's reason
/// ("wrong version number", "tlsv1 alert unknown ca").
SPROCKET_API const std::error_category& tls_verify_category() noexcept;

}  // namespace sprocket
