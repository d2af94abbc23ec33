#include "transports/ws/handshake.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <random>

namespace sprocket::ws {
namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string base64(const unsigned char* data, int n) {
  std::string out(4 * ((n + 2) / 3), '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, n);
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The first line and the headers (names lower-cased); nullopt if malformed.
struct Head {
  std::string first_line;
  std::map<std::string, std::string> headers;
};

std::optional<Head> parse_head(std::string_view text) {
  if (text.size() > kMaxHeader || text.size() < 4 || text.substr(text.size() - 4) != "\r\n\r\n")
    return std::nullopt;
  Head head;
  std::size_t at = text.find("\r\n");
  head.first_line = std::string(text.substr(0, at));
  for (at += 2; at + 2 < text.size();) {
    std::size_t end = text.find("\r\n", at);
    std::string_view line = text.substr(at, end - at);
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    head.headers[lower(trim(line.substr(0, colon)))] = std::string(trim(line.substr(colon + 1)));
    at = end + 2;
  }
  return head;
}

// True if the comma-separated header value holds `token` (case-insensitive).
bool has_token(const std::string& value, std::string_view token) {
  std::string_view rest = value;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    if (lower(trim(rest.substr(0, comma))) == lower(token)) return true;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

std::string header(const Head& h, const char* name) {
  auto it = h.headers.find(name);
  return it == h.headers.end() ? std::string() : it->second;
}

Request parse_request(std::string_view text, Head* out) {
  Request r;
  auto head = parse_head(text);
  if (!head || head->first_line.rfind("GET ", 0) != 0) {
    r.error = "400 Bad Request";
    return r;
  }
  auto rest = std::string_view(head->first_line).substr(4);
  auto space = rest.find(' ');
  if (space == std::string_view::npos || rest.substr(space + 1).rfind("HTTP/1.1", 0) != 0) {
    // Still name the target, so that the refusal goes to its listener.
    r.path = std::string(rest.substr(0, space));
    r.error = "400 Bad Request";
    return r;
  }
  r.path = std::string(rest.substr(0, space));
  // NNG 1.5 sends "GET  HTTP/1.1" for a URL without a path: that is "/".
  if (r.path.empty()) r.path = "/";
  r.key = header(*head, "sec-websocket-key");
  bool upgrade = has_token(header(*head, "upgrade"), "websocket") &&
                 has_token(header(*head, "connection"), "upgrade") &&
                 header(*head, "sec-websocket-version") == "13" && r.key.size() == 24;
  if (!upgrade) r.error = "400 Bad Request";
  if (out) *out = std::move(*head);
  return r;
}

}  // namespace

std::string subprotocol(std::string_view protocol_name) {
  return std::string(protocol_name) + ".sp.nanomsg.org";
}

std::string make_key() {
  // Only needs to differ between connections (RFC 6455 4.1): no OpenSSL
  // state for this.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::array<unsigned char, 16> raw{};
  for (auto& b : raw) b = static_cast<unsigned char>(rng());
  return base64(raw.data(), static_cast<int>(raw.size()));
}

std::string accept_for(std::string_view key) {
  std::string text = std::string(key) + std::string(kGuid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return base64(digest, SHA_DIGEST_LENGTH);
}

std::string make_request(std::string_view host, std::string_view path, std::string_view key,
                         std::string_view protocol) {
  std::string r = "GET ";
  r.append(path).append(" HTTP/1.1\r\nHost: ").append(host);
  r.append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ").append(key);
  r.append("\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ").append(protocol);
  r.append("\r\n\r\n");
  return r;
}

Request parse_request(std::string_view text) { return parse_request(text, nullptr); }

Request check_request(std::string_view text, std::string_view path, std::string_view protocol) {
  Head head;
  Request r = parse_request(text, &head);
  if (!r.error.empty()) return r;
  if (r.path != path) {
    r.error = "404 Not Found";
  } else if (!has_token(header(head, "sec-websocket-protocol"), protocol)) {
    r.error = "400 Bad Request";  // missing or the wrong SP protocol
    r.wrong_protocol = true;
  }
  return r;
}

std::string make_accept_response(std::string_view key, std::string_view protocol) {
  std::string r = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
  r.append("Sec-WebSocket-Accept: ").append(accept_for(key));
  r.append("\r\nSec-WebSocket-Protocol: ").append(protocol).append("\r\n\r\n");
  return r;
}

std::string make_refusal(std::string_view status) {
  return "HTTP/1.1 " + std::string(status) + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
}

std::string check_response(std::string_view text, std::string_view key, std::string_view protocol) {
  auto head = parse_head(text);
  if (!head) return "malformed response";
  if (head->first_line.rfind("HTTP/1.1 101", 0) != 0) return "refused: " + head->first_line;
  if (!has_token(header(*head, "upgrade"), "websocket") ||
      !has_token(header(*head, "connection"), "upgrade"))
    return "not a websocket upgrade";
  if (header(*head, "sec-websocket-accept") != accept_for(key)) return "wrong Sec-WebSocket-Accept";
  if (lower(header(*head, "sec-websocket-protocol")) != lower(protocol)) return "wrong subprotocol";
  return {};
}

}  // namespace sprocket::ws
