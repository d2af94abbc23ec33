// A ws connection (ws://; wss:// over TLS): the pump
// (transports/stream/pump.hpp) with the WebSocket wire (ws_wire.hpp).
#pragma once

#include <memory>
#include <string>

#include "transports/stream/pump.hpp"
#include "transports/ws/ws_wire.hpp"

namespace sprocket::ws {

/// Runs the HTTP upgrade on `stream` (a server passes the request head its
/// port's server read, and what followed it, in `received`), then carries
/// messages; `done` gets the link or the error, exactly once.
template <class Stream>
void start_connection(Stream stream, std::shared_ptr<SocketPort> port, WsConfig config,
                      std::string peer, LinkHandler done, std::string received = {}) {
  stream::Pump<Stream, WsWire>::start(std::move(stream), WsWire(std::move(config), std::move(received)),
                                      std::move(port), std::move(peer), std::move(done));
}

}  // namespace sprocket::ws
