// Library-internal access to a Socket's core (for device and Context).
#pragma once

#include "socket_core.hpp"
#include "sprocket/socket.hpp"

namespace sprocket::detail {

struct SocketAccess {
  static const std::shared_ptr<SocketCore>& core(const Socket& s) { return s.core_; }
};

}  // namespace sprocket::detail
