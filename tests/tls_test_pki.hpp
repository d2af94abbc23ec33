// Certificates for the TLS tests, made once per test program by the
// `openssl` command in a fresh temporary directory (removed at exit): a CA,
// a server certificate for localhost (DNS:localhost, IP:127.0.0.1, IP:::1),
// a client certificate, and the bad ones the refusal tests need (another
// CA and a client of it, an expired server certificate, one for another
// name). EC P-256 keys: quick to make, and NNG's mbedTLS takes them.
//
// Making them also points SSL_CERT_FILE at the CA, so that a dialer with no
// TlsConfig of its own (OpenSSL's default trust store) trusts the test CA:
// the protocol suites dial tls+tcp:// and wss:// exactly as they dial tcp.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "sprocket/tls.hpp"

namespace sprocket::test {

class TestPki {
 public:
  /// The process's certificates, made on first use (not thread-safe before
  /// that: call it before starting threads that use TLS).
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

  ~TestPki() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

 private:
  TestPki() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sprocket-pki-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    const std::string script = "cd '" + dir_.string() + "' && " + R"(
      ec='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'
      ca() { openssl req -x509 $ec -keyout $1.key -out $1.pem -days 30 -subj /CN=$1; }
      leaf() {  # name CN SAN CA days [key]
        if [ -n "$6" ]; then openssl req -new -key $6 -out $1.csr -subj /CN=$2
        else openssl req $ec -keyout $1.key -out $1.csr -subj /CN=$2; fi
        printf 'subjectAltName=%s\n' "$3" > $1.ext
        openssl x509 -req -in $1.csr -CA $4.pem -CAkey $4.key -CAcreateserial -out $1.pem \
          -days $5 -extfile $1.ext; }
      ca ca && ca other-ca &&
      leaf srv localhost 'DNS:localhost,IP:127.0.0.1,IP:::1' ca 30 &&
      leaf cli client 'DNS:client' ca 30 &&
      leaf other-cli client 'DNS:client' other-ca 30 &&
      leaf expired localhost 'DNS:localhost,IP:127.0.0.1,IP:::1' ca -1 srv.key &&
      leaf wrong-name wrong.example 'DNS:wrong.example' ca 30 srv.key &&
      cat srv.pem srv.key > srv-with-key.pem
    )";
    const std::string command = "sh -c '" + escape(script) + "' >'" + dir_.string() + "/log' 2>&1";
    if (std::system(command.c_str()) != 0)
      throw std::runtime_error("making test certificates with the openssl command failed; see " +
                               dir_.string() + "/log (is openssl installed?)");
    ::setenv("SSL_CERT_FILE", file("ca.pem").c_str(), 1);
  }

  // For the script inside single quotes.
  static std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out;
  }

  std::filesystem::path dir_;
};

}  // namespace sprocket::test
