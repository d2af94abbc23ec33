// ws://host:port[/path]: the parsed address, shared by the dialer
// (transports/ws/ws.cpp) and the listener (transports/ws/listener.cpp).
#pragma once

#include <string>
#include <string_view>

#include "transports/tcp/tcp_traits.hpp"

namespace sprocket::ws {

struct WsAddress {
  TcpAddress tcp;
  std::string host;  // as written, for the Host header
  std::string path;  // "/" when the URL has none
  bool send_text = false;  // the dialer's EndpointOptions::ws_send_text
  bool recv_text = false;  // ... and ws_recv_text
};

/// Splits the URL into its tcp part and its path; errc::invalid_address
/// when the tcp part is malformed or the path holds a space, CR or LF.
inline WsAddress parse_address(const Url& url, bool listen, std::error_code& ec) {
  WsAddress a;
  std::string_view rest = url.address;
  auto slash = rest.find('/');
  a.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  a.host = std::string(rest.substr(0, slash));
  Url tcp_url{url.text, "tcp", a.host};
  a.tcp = TcpTraits::parse(tcp_url, listen, ec);
  if (a.path.find_first_of(" \r\n") != std::string::npos) {
    detail::set_error_detail("the path holds a space, CR or LF");
    ec = errc::invalid_address;
  }
  return a;
}

/// "ws://ip:port" of the peer, for pipe events.
inline std::string describe_peer(const asio::ip::tcp::socket& s) {
  auto text = TcpTraits::describe(s);
  return "ws" + text.substr(3);  // "tcp://..." -> "ws://..."
}

}  // namespace sprocket::ws
