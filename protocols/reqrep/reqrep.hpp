// REQ; REP is the shared replier of protocols/common.
#pragma once

#include <memory>
#include <optional>

#include "sprocket/extension/protocol.hpp"

namespace sprocket::reqrep {

std::unique_ptr<ProtocolHandler> make_req(ProtocolHost& host);

}  // namespace sprocket::reqrep
