// The ws upgrade request a listener reads (transports/ws/handshake.cpp).
// The input is what a client sends: the head is cut where the server cuts
// it (the first blank line, within kMaxHeader bytes), routed by
// parse_request, then checked by check_request against the route's path
// and a protocol the first byte picks. A request that is accepted must be
// a real upgrade (GET, a 24-character key, the path it was routed by), and
// the response the server then sends must satisfy the client's own check.
#include <array>
#include <string>

#include "fuzz_util.hpp"
#include "transports/ws/handshake.hpp"

namespace {

using namespace sprocket::ws;
using sprocket::fuzz::Input;

// The subprotocols a sprocket server answers to.
constexpr std::array<std::string_view, 10> kProtocols = {
    "pair.sp.nanomsg.org", "pub.sp.nanomsg.org",      "sub.sp.nanomsg.org",
    "req.sp.nanomsg.org",  "rep.sp.nanomsg.org",      "push.sp.nanomsg.org",
    "pull.sp.nanomsg.org", "surveyor.sp.nanomsg.org", "respondent.sp.nanomsg.org",
    "bus.sp.nanomsg.org",
};

bool valid_status(const std::string& s) {
  return s.empty() || s == "400 Bad Request" || s == "404 Not Found";
}

void check_head(std::string_view head, std::string_view protocol) {
  const Request routed = parse_request(head);
  FUZZ_CHECK(valid_status(routed.error) && routed.error != "404 Not Found");
  FUZZ_CHECK(!routed.wrong_protocol);
  // The server routes by the path even when the request is refused.
  const Request r = check_request(head, routed.path, protocol);
  FUZZ_CHECK(valid_status(r.error));
  FUZZ_CHECK(r.path == routed.path);
  if (!routed.error.empty()) {
    FUZZ_CHECK(r.error == routed.error && !r.wrong_protocol);
    return;
  }
  FUZZ_CHECK(head.starts_with("GET "));
  FUZZ_CHECK(r.key.size() == 24 && r.key == routed.key);
  FUZZ_CHECK(!r.path.empty());
  FUZZ_CHECK(r.path.find(' ') == std::string::npos);
  FUZZ_CHECK(r.error != "404 Not Found");  // the path it was routed by is its own
  if (r.wrong_protocol) {
    FUZZ_CHECK(r.error == "400 Bad Request");
    return;
  }
  FUZZ_CHECK(r.error.empty());
  // What the server answers, checked as the client does.
  FUZZ_CHECK(check_response(make_accept_response(r.key, protocol), r.key, protocol).empty());
  // A path that is not the route's is not found.
  FUZZ_CHECK(check_request(head, r.path + "x", protocol).error == "404 Not Found");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  const std::string_view protocol = kProtocols[in.byte() % kProtocols.size()];
  const std::string_view text = in.rest_text();
  // Anything at all, as the parser's own contract allows.
  const Request any = parse_request(text);
  FUZZ_CHECK(valid_status(any.error));
  // What the server hands it: the head up to the first blank line, which
  // must end within kMaxHeader bytes (else the server answers 431).
  const auto end = text.find("\r\n\r\n");
  if (end == std::string_view::npos || end + 4 > kMaxHeader) return 0;
  check_head(text.substr(0, end + 4), protocol);
  return 0;
}
