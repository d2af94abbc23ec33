// ws://host:port[/path]: the parsed address (ws_address.hpp), shared by the
// dialer (transports/ws/ws.cpp) and the listener (transports/ws/listener.cpp),
// and the peer's name for pipe events.
#pragma once

#include <string>

#include "transports/tcp/tcp_traits.hpp"
#include "transports/ws/ws_address.hpp"

namespace sprocket::ws {

/// "ws://ip:port" of the peer, for pipe events.
inline std::string describe_peer(const asio::ip::tcp::socket& s) {
  auto text = TcpTraits::describe(s);
  return "ws" + text.substr(3);  // "tcp://..." -> "ws://..."
}

}  // namespace sprocket::ws
