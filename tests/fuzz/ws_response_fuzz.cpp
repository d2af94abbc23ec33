// The ws upgrade response a dialer reads (transports/ws/handshake.cpp).
// The input is what a server sends back; the dialer asked with the RFC
// 6455 example key for a protocol the first byte picks. As the dialer does,
// the status line is looked at first, then the head up to the first blank
// line (within kMaxHeader bytes) goes to check_response. An accepted
// response must carry the right Sec-WebSocket-Accept for this key (and be
// refused for any other key) and the protocol asked for.
#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "fuzz_util.hpp"
#include "transports/ws/handshake.hpp"

namespace {

using namespace sprocket::ws;
using sprocket::fuzz::Input;

constexpr std::array<std::string_view, 10> kProtocols = {
    "pair.sp.nanomsg.org", "pub.sp.nanomsg.org",      "sub.sp.nanomsg.org",
    "req.sp.nanomsg.org",  "rep.sp.nanomsg.org",      "push.sp.nanomsg.org",
    "pull.sp.nanomsg.org", "surveyor.sp.nanomsg.org", "respondent.sp.nanomsg.org",
    "bus.sp.nanomsg.org",
};

constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";       // RFC 6455 1.3
constexpr std::string_view kAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";  // its answer
constexpr std::string_view kOtherKey = "AQIDBAUGBwgJCgsMDQ4PEA==";

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool known_verdict(const std::string& why) {
  return why.empty() || why == "malformed response" || why.starts_with("refused: ") ||
         why == "not a websocket upgrade" || why == "wrong Sec-WebSocket-Accept" ||
         why == "wrong subprotocol";
}

void check_head(std::string_view head, std::string_view protocol) {
  const std::string why = check_response(head, kKey, protocol);
  FUZZ_CHECK(known_verdict(why));
  if (!why.empty()) return;
  FUZZ_CHECK(head.starts_with("HTTP/1.1 101"));
  FUZZ_CHECK(head.find(kAccept) != std::string_view::npos);
  FUZZ_CHECK(lower(head).find(lower(protocol)) != std::string::npos);
  // The accept value binds the response to this key.
  FUZZ_CHECK(check_response(head, kOtherKey, protocol) == "wrong Sec-WebSocket-Accept");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  const std::string_view protocol = kProtocols[in.byte() % kProtocols.size()];
  const std::string_view text = in.rest_text();
  // Anything at all, as the parser's own contract allows.
  FUZZ_CHECK(known_verdict(check_response(text, kKey, protocol)));
  // The dialer's way: a status line other than 101 ends it at once.
  const auto line = text.find("\r\n");
  if (line == std::string_view::npos || line + 2 > kMaxHeader) return 0;
  if (!text.starts_with("HTTP/1.1 101")) return 0;
  const auto end = text.find("\r\n\r\n");
  if (end == std::string_view::npos || end + 4 > kMaxHeader) return 0;
  check_head(text.substr(0, end + 4), protocol);
  // What the server side builds always passes, and a refusal never does.
  static const bool built_ok = [] {
    for (auto p : kProtocols) {
      FUZZ_CHECK(check_response(make_accept_response(kKey, p), kKey, p).empty());
      FUZZ_CHECK(check_response(make_refusal("400 Bad Request"), kKey, p).starts_with("refused: "));
    }
    return true;
  }();
  (void)built_ok;
  return 0;
}
