// PAIR v1 in polyamorous mode (NNG's nng_pair1_open_poly): many peers, each
// received message naming its connection, each sent one going to the
// connection it names.
#pragma once

#include <memory>

#include "sprocket/extension/protocol.hpp"

namespace sprocket::pair_v1 {

/// The handler of a cooked polyamorous PAIR v1 socket.
std::unique_ptr<ProtocolHandler> make_poly(ProtocolHost& host);

}  // namespace sprocket::pair_v1
