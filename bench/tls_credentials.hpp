// The certificate of the tls+tcp cells of bench_stream. The parent makes a
// throw-away self-signed one with the openssl command before the first TLS
// cell and tells the children where it is through the environment; a
// listener serves it, a dialer does not verify it (every library's
// handshake does the same work then, and no name or CA has to agree).
#pragma once

#include <string>

namespace bench::stream {

/// The environment variable naming the PEM file (certificate, then key).
inline constexpr const char* kTlsPemVariable = "SPROCKET_BENCH_TLS_PEM";

/// Makes the PEM file in a fresh temporary directory and exports its path
/// in kTlsPemVariable; throws with openssl's complaint if it cannot.
/// Returns the directory, for the caller to remove.
std::string make_tls_credentials();

/// The PEM file a child was given; throws when there is none.
std::string tls_pem_file();

}  // namespace bench::stream
