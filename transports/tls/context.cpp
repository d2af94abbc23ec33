#include "transports/tls/context.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <asio/ip/address.hpp>
#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "error_detail.hpp"
#include "sprocket/error.hpp"
#include "transports/stream/io_error.hpp"

namespace sprocket::tls {
namespace {

// Why the last OpenSSL call failed (its queue emptied), or `fallback`.
std::string openssl_reason(const char* fallback) {
  unsigned long last = 0;
  while (unsigned long e = ERR_get_error()) last = e;
  if (last == 0) return fallback;
  const char* reason = ERR_reason_error_string(last);
  return reason ? reason : fallback;
}

// Records the failure as the call's error detail; always false.
bool fail(std::string why) {
  detail::set_error_detail(std::move(why));
  return false;
}

// A readable file: checked before OpenSSL reads it, for a plain message.
bool readable(const std::string& path, const char* what) {
  if (::access(path.c_str(), R_OK) == 0) return true;
  return fail(fmt::format("cannot read the {} {}: {}", what, path, std::strerror(errno)));
}

bool load_trust(SSL_CTX* ctx, const TlsConfig& c) {
  if (c.ca_file.empty() && c.ca_dir.empty()) {
    if (SSL_CTX_set_default_verify_paths(ctx) == 1) return true;
    return fail("cannot load the system's trusted CAs: " + openssl_reason("unknown error"));
  }
  if (!c.ca_file.empty() && !readable(c.ca_file, "CA file")) return false;
  if (!c.ca_dir.empty() && !readable(c.ca_dir, "CA directory")) return false;
  const char* file = c.ca_file.empty() ? nullptr : c.ca_file.c_str();
  const char* dir = c.ca_dir.empty() ? nullptr : c.ca_dir.c_str();
  if (SSL_CTX_load_verify_locations(ctx, file, dir) == 1) return true;
  return fail(fmt::format("cannot load the CA certificates of {}: {}",
                          file ? c.ca_file : c.ca_dir, openssl_reason("no certificate found")));
}

bool load_identity(SSL_CTX* ctx, const TlsConfig& c, Side side) {
  if (c.cert_file.empty()) {
    if (!c.key_file.empty())
      return fail(fmt::format("key_file {} is given without cert_file", c.key_file));
    if (side == Side::server)
      return fail("a TLS listener needs a certificate (TlsConfig::cert_file)");
    return true;
  }
  const std::string& key = c.key_file.empty() ? c.cert_file : c.key_file;
  if (!readable(c.cert_file, "certificate file") || !readable(key, "key file")) return false;
  if (SSL_CTX_use_certificate_chain_file(ctx, c.cert_file.c_str()) != 1)
    return fail(fmt::format("cannot load the certificate file {}: {}", c.cert_file,
                            openssl_reason("no certificate found")));
  if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
    const std::string why = openssl_reason("no key found");
    if (why != "key values mismatch")
      return fail(fmt::format("cannot load a private key from {}: {}", key, why));
  }
  if (SSL_CTX_check_private_key(ctx) != 1)
    return fail(fmt::format("the key in {} does not match the certificate in {}", key,
                            c.cert_file));
  return true;
}

int verify_flags(TlsVerify v, Side side) {
  switch (v) {
    case TlsVerify::required:
      return side == Side::server ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                                  : SSL_VERIFY_PEER;
    case TlsVerify::optional:
      return SSL_VERIFY_PEER;
    case TlsVerify::none:
      return SSL_VERIFY_NONE;
  }
  return SSL_VERIFY_PEER;
}

class VerifyCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "sprocket.tls"; }
  std::string message(int v) const override {
    return fmt::format("TLS certificate verify failed: {}", X509_verify_cert_error_string(v));
  }
};

}  // namespace


std::shared_ptr<Context> Context::make(const TlsConfig& config, Side side,
                                       const std::string& url_host, std::error_code& ec) {
  asio::ssl::context ssl(side == Side::client ? asio::ssl::context::tls_client
                                              : asio::ssl::context::tls_server);
  SSL_CTX* ctx = ssl.native_handle();
  ERR_clear_error();
  SSL_CTX_set_min_proto_version(
      ctx, config.min_version == TlsVersion::tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  const TlsVerify verify =
      config.verify.value_or(side == Side::client ? TlsVerify::required : TlsVerify::none);
  const bool checks = verify != TlsVerify::none;
  bool ok = load_identity(ctx, config, side) && (!checks || load_trust(ctx, config));
  if (!ok) {
    ERR_clear_error();
    ec = errc::invalid_argument;
    return nullptr;
  }
  SSL_CTX_set_verify(ctx, verify_flags(verify, side), nullptr);
  if (side == Side::server) {
    // Needed once a server asks for certificates (session resumption).
    static const unsigned char kSessionContext[] = "sprocket";
    SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
  }
  std::string name = config.server_name.empty() ? url_host : config.server_name;
  return std::make_shared<Context>(side, std::move(ssl), std::move(name), checks);
}

Context::Context(Side side, asio::ssl::context ssl, std::string server_name, bool verify)
    : side_(side), ssl_(std::move(ssl)), server_name_(std::move(server_name)), verify_(verify) {}

TlsStream Context::wrap(asio::ip::tcp::socket socket) {
  TlsStream stream(std::move(socket), ssl_);
  if (side_ == Side::server || server_name_.empty()) return stream;
  SSL* ssl = stream.native_handle();
  std::error_code not_ip;
  asio::ip::make_address(server_name_, not_ip);
  // SNI carries names only; an address is matched against the
  // certificate's IP entries instead of its DNS names.
  if (not_ip) SSL_set_tlsext_host_name(ssl, server_name_.c_str());
  if (verify_) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (not_ip) {
      X509_VERIFY_PARAM_set1_host(param, server_name_.c_str(), 0);
    } else {
      X509_VERIFY_PARAM_set1_ip_asc(param, server_name_.c_str());
    }
  }
  return stream;
}

std::error_code handshake_error(TlsStream& stream, std::error_code ec) {
  if (ec.category() != asio::error::get_ssl_category() &&
      ec != asio::ssl::error::stream_truncated)
    return stream::map_io_error(ec);
  SSL* ssl = stream.native_handle();
  // Without checks OpenSSL still records what it found: not our reason then.
  const long result = SSL_get_verify_result(ssl);
  if (result != X509_V_OK && SSL_get_verify_mode(ssl) != SSL_VERIFY_NONE) return {static_cast<int>(result), tls_verify_category()};
  if (ec == asio::ssl::error::stream_truncated) return errc::connection_reset;
  return ec;
}

}  // namespace sprocket::tls

namespace sprocket {
const std::error_category& tls_verify_category() noexcept {
  static const tls::VerifyCategory category;
  return category;
}
}  // namespace sprocket
