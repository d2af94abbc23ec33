// Endpoint URLs (src/url.cpp) and the addresses the tcp, ipc and ws
// transports parse out of them (transports/tcp/tcp_address.hpp,
// transports/ipc/ipc_address.hpp, transports/ws/ws_address.hpp). The input
// is a URL as a user writes it. Every address parser runs on the address
// whatever the scheme, so each sees every shape of text.
//   parse_url: accepted iff scheme://address with a non-empty [a-z0-9+.-]
//     scheme and a non-empty address, and then splits the text exactly.
//   tcp: an accepted host (and local address) holds no space or control
//     character; with its port, written back canonically, it parses again
//     to the same; a listener refuses a local address.
//   ipc: accepted iff 1..107 bytes without a zero byte, kept as it is.
//   ws: an accepted address (host and path free of spaces and control
//     characters) gives the dialer's upgrade request, which the listener's
//     parser must read back as an upgrade for the same path.
#include <string>

#include "error_detail.hpp"
#include "fuzz_util.hpp"
#include "sprocket/error.hpp"
#include "transports/ipc/ipc_address.hpp"
#include "transports/tcp/tcp_address.hpp"
#include "transports/ws/handshake.hpp"
#include "transports/ws/ws_address.hpp"
#include "url.hpp"

namespace {

using namespace sprocket;

// Space and control characters (DEL too) belong in no host and no path.
bool clean(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) return false;
  }
  return true;
}

bool scheme_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '.' || c == '-';
}

void check_url(std::string_view text) {
  std::error_code ec = errc::closed;  // parse_url must clear it on success
  const Url url = detail::parse_url(text, ec);
  const auto sep = text.find("://");
  bool valid = sep != std::string_view::npos && sep != 0 && sep + 3 < text.size();
  if (valid)
    for (char c : text.substr(0, sep)) valid = valid && scheme_char(c);
  FUZZ_CHECK(valid == !ec);
  if (ec) {
    FUZZ_CHECK(ec == errc::invalid_address);
    return;
  }
  FUZZ_CHECK(url.text == text);
  FUZZ_CHECK(url.scheme == text.substr(0, sep));
  FUZZ_CHECK(url.address == text.substr(sep + 3));
}

// host:port as a URL writes it: brackets around anything with a colon (or
// that would read as bracketed), the local address the same way before ';'.
std::string bracketed(const std::string& host) {
  const bool bracket = host.find(':') != std::string::npos || host.starts_with('[');
  return bracket ? "[" + host + "]" : host;
}

std::string canonical(const TcpAddress& a) {
  const std::string local = a.local.empty() ? "" : bracketed(a.local) + ";";
  return local + bracketed(a.host) + ":" + std::to_string(a.port);
}

void check_tcp(std::string_view address) {
  std::error_code ec;
  const TcpAddress a = parse_tcp_address(address, ec);
  if (ec) {
    FUZZ_CHECK(ec == errc::invalid_address);
    FUZZ_CHECK(!detail::take_error_detail().empty());  // the message says why
    return;
  }
  FUZZ_CHECK(a.host != "*");
  FUZZ_CHECK(clean(a.host) && clean(a.local));
  FUZZ_CHECK(a.local.empty() == (address.find(';') == std::string_view::npos));
  std::error_code again_ec;
  const TcpAddress again = parse_tcp_address(canonical(a), again_ec);
  FUZZ_CHECK(!again_ec);
  FUZZ_CHECK(again.host == a.host && again.port == a.port && again.local == a.local);
  std::error_code dial_ec, listen_ec;
  require_dialable(a, dial_ec);
  FUZZ_CHECK(!dial_ec == (!a.host.empty() && a.port != 0));
  require_listenable(a, listen_ec);
  FUZZ_CHECK(!listen_ec == a.local.empty());
}

void check_ipc(std::string_view address) {
  std::error_code ec;
  const IpcAddress a = parse_ipc_address(address, ec);
  const bool valid = !address.empty() && address.size() <= kMaxIpcPath &&
                     address.find('\0') == std::string_view::npos;
  FUZZ_CHECK(valid == !ec);
  if (ec) FUZZ_CHECK(ec == errc::invalid_address);
  FUZZ_CHECK(a.path == address);
}

void check_ws(std::string_view address) {
  const Url url{"ws://" + std::string(address), "ws", std::string(address)};
  std::error_code listen_ec, dial_ec;
  const ws::WsAddress listen = ws::parse_address(url, true, listen_ec);
  const ws::WsAddress dial = ws::parse_address(url, false, dial_ec);
  FUZZ_CHECK(!listen_ec || listen_ec == errc::invalid_address);
  FUZZ_CHECK(!dial_ec || dial_ec == errc::invalid_address);
  // Whatever a dialer takes, a listener takes, but for a local address.
  FUZZ_CHECK(!(listen_ec && !dial_ec) || !dial.tcp.local.empty());
  if (!listen_ec) {
    FUZZ_CHECK(listen.path.starts_with('/'));
    FUZZ_CHECK(clean(listen.host) && clean(listen.path));
    FUZZ_CHECK(listen.host + (address.find('/') == std::string_view::npos ? "" : listen.path) ==
               address);
  }
  if (dial_ec) return;
  FUZZ_CHECK(dial.host.find(';') == std::string::npos);  // the Host header has no local part
  // The request this dialer sends, as the listener's server reads it.
  const std::string key = "dGhlIHNhbXBsZSBub25jZQ==";
  const std::string request =
      ws::make_request(dial.host, dial.path, key, ws::subprotocol("rep"));
  const auto end = request.find("\r\n\r\n");
  FUZZ_CHECK(end + 4 == request.size());
  const ws::Request r = ws::check_request(request, dial.path, ws::subprotocol("rep"));
  FUZZ_CHECK(r.error.empty());
  FUZZ_CHECK(r.path == dial.path && r.key == key);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_url(text);
  std::error_code ec;
  const Url url = detail::parse_url(text, ec);
  // The address of a valid URL, or the whole text when there is none.
  const std::string_view address = ec ? text : std::string_view(url.address);
  check_tcp(address);
  check_ipc(address);
  check_ws(address);
  return 0;
}
