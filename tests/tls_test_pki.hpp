// Certificates for the TLS tests, made once per build tree by
// tests/make_test_pki.sh (the sprocket_test_pki target, which every test
// program depends on) in SPROCKET_TEST_PKI_DIR: a CA, a server certificate
// for localhost, a client certificate, and the bad ones the refusal tests
// need. Made once, not per test program: each test case runs as a process
// of its own, and making them took a fifth of a second each time.
//
// The first use also points SSL_CERT_FILE at the CA, so that a dialer with no
// TlsConfig of its own (OpenSSL's default trust store) trusts the test CA:
// the protocol suites dial tls+tcp:// and wss:// exactly as they dial tcp.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "sprocket/tls.hpp"

namespace sprocket::test {

class TestPki {
 public:
  /// The build tree's certificates; the first call sets SSL_CERT_FILE (not
  /// thread-safe before that: call it before starting threads that use TLS).
  static const TestPki& get() {
    static const TestPki pki;
    return pki;
  }

  /// The path of a file made here: ca.pem, srv.pem, srv.key, cli.pem,
  /// cli.key, other-ca.pem, other-cli.pem, other-cli.key, expired.pem,
  /// wrong-name.pem (the last two with srv.key), srv-with-key.pem.
  std::string file(const std::string& name) const { return (dir_ / name).string(); }

  /// A listener's settings: the localhost certificate.
  TlsConfig server() const {
    return TlsConfig{.cert_file = file("srv.pem"), .key_file = file("srv.key")};
  }
  /// A dialer's settings: trusts the test CA.
  TlsConfig client() const { return TlsConfig{.ca_file = file("ca.pem")}; }

 private:
  TestPki() : dir_(SPROCKET_TEST_PKI_DIR) {
    if (!std::filesystem::exists(dir_ / "ca.pem"))
      throw std::runtime_error("no test certificates in " + dir_.string() +
                               ": build the sprocket_test_pki target (it runs "
                               "tests/make_test_pki.sh; is openssl installed?)");
    ::setenv("SSL_CERT_FILE", file("ca.pem").c_str(), 1);
  }

  std::filesystem::path dir_;
};

}  // namespace sprocket::test
