// The replying side of REP and RESPONDENT: backtrace routing, per context.
#pragma once

#include <memory>

#include "sprocket/extension/protocol.hpp"

namespace sprocket::routing {

/// A handler that receives requests (or surveys) and routes each reply
/// back along the request's backtrace; see replier.cpp.
std::unique_ptr<ProtocolHandler> make_replier(ProtocolHost& host);

}  // namespace sprocket::routing
