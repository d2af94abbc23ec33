// The two sides of request/reply, registered together.
#pragma once

#include <memory>
#include <optional>

#include "sprocket/extension/protocol.hpp"

namespace sprocket::reqrep {

std::unique_ptr<ProtocolHandler> make_req(ProtocolHost& host);
std::unique_ptr<ProtocolHandler> make_rep(ProtocolHost& host);

}  // namespace sprocket::reqrep
