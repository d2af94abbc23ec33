// An SP stream connection (tcp, ipc; tls+tcp over TLS): the pump
// (pump.hpp) with the SP stream wire (sp_wire.hpp).
#pragma once

#include <memory>
#include <string>

#include "transports/stream/pump.hpp"
#include "transports/stream/sp_wire.hpp"

namespace sprocket::stream {

/// Runs the SP header handshake on `stream`, then carries messages; `done`
/// gets the link or the error, exactly once.
template <class Stream>
void start_sp_connection(Stream stream, Framing framing, std::shared_ptr<SocketPort> port,
                         std::string peer, LinkHandler done) {
  SpWire wire(framing, port->protocol_id());
  Pump<Stream, SpWire>::start(std::move(stream), std::move(wire), std::move(port), std::move(peer),
                              std::move(done));
}

}  // namespace sprocket::stream
