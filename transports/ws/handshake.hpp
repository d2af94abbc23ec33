// The RFC 6455 opening handshake, with the SP rules on top: the client asks
// for the *server's* protocol as its subprotocol, "<name>.sp.nanomsg.org",
// and the server answers with the same word or refuses with HTTP 400.
// Parsing is strict and bounded (kMaxHeader bytes).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sprocket::ws {

inline constexpr std::size_t kMaxHeader = 8192;

/// "<name>.sp.nanomsg.org"
std::string subprotocol(std::string_view protocol_name);

/// A fresh random Sec-WebSocket-Key (base64 of 16 random bytes).
std::string make_key();
/// The Sec-WebSocket-Accept value for `key` (base64 of SHA-1(key + GUID)).
std::string accept_for(std::string_view key);

/// The client's upgrade request.
std::string make_request(std::string_view host, std::string_view path, std::string_view key,
                         std::string_view protocol);

/// What a server needs from a request. Empty `error` when acceptable;
/// otherwise the HTTP status line to refuse with.
struct Request {
  std::string path;
  std::string key;
  std::string error;  // e.g. "400 Bad Request"
  bool wrong_protocol = false;  // the only fault: a missing or foreign SP subprotocol
};

/// Parses the request head (up to and including the blank line): `path` is
/// its target ("/" for an empty one, as NNG sends for a URL without a path;
/// set even when the request is refused, if the request line names one),
/// `error` "400 Bad Request" if it is not a WebSocket upgrade. Neither path
/// nor protocol is checked: the port's server routes by the path first.
Request parse_request(std::string_view head);

/// parse_request(), then checks the request against the server's `path`
/// and `protocol` (its subprotocol word).
Request check_request(std::string_view head, std::string_view path, std::string_view protocol);

std::string make_accept_response(std::string_view key, std::string_view protocol);
std::string make_refusal(std::string_view status);

/// Checks the server's response head against what the client asked; empty
/// on success, else why it is refused.
std::string check_response(std::string_view head, std::string_view key, std::string_view protocol);

}  // namespace sprocket::ws
