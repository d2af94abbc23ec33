// ws://[local;]host:port[/path], parsed: free of asio so that the fuzz target
// (tests/fuzz/url_fuzz.cpp) runs the very code the ws dialer and listener run.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

#include "sprocket/extension/transport.hpp"
#include "transports/tcp/tcp_address.hpp"

namespace sprocket::ws {

struct WsAddress {
  TcpAddress tcp;
  std::string host;  // as written (without the local part), for the Host header
  std::string path;  // "/" when the URL has none
  bool send_text = false;  // the dialer's EndpointOptions::ws_send_text
  bool recv_text = false;  // ... and ws_recv_text
};

/// Splits the URL into its tcp part and its path; errc::invalid_address
/// when the tcp part is malformed (or, for a dialer, lacks a host or a
/// port; for a listener, names a local address before ';') or the path
/// holds a space or a control character (it goes into the request line as
/// it is).
inline WsAddress parse_address(const Url& url, bool listen, std::error_code& ec) {
  WsAddress a;
  std::string_view rest = url.address;
  auto slash = rest.find('/');
  a.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  const std::string_view authority = rest.substr(0, slash);
  a.tcp = parse_tcp_address(authority, ec);
  a.host = std::string(authority.substr(authority.find(';') + 1));  // npos + 1 == 0
  if (!ec && listen) require_listenable(a.tcp, ec);
  if (!ec && !listen) require_dialable(a.tcp, ec);
  if (stream::has_space_or_control(a.path)) {
    detail::set_error_detail("the path holds a space or a control character");
    ec = errc::invalid_address;
  }
  return a;
}

}  // namespace sprocket::ws
