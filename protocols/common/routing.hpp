// Sending through a load balancer and receiving through a fair queue, the
// two loops every protocol with PriorityLists needs.
#pragma once

#include "priority_list.hpp"
#include "sprocket/error.hpp"

namespace sprocket::routing {

/// Sends `m` to the best ready pipe; pipes that cannot take it are marked
/// not ready (the protocol's pipe_writable() marks them again). Returns
/// would_block when no pipe can take it now; on success sets `*to`.
inline std::error_code send_balanced(PriorityList& lb, Message& m, Pipe** to = nullptr) {
  while (Pipe* p = lb.next()) {
    if (p->send(m) == Pipe::Io::ok) {
      if (to) *to = p;
      return {};
    }
    lb.set_ready(*p, false);
  }
  return errc::would_block;
}

/// Takes the next message from the best readable pipe, rotating within a
/// priority level; drained pipes are marked not ready.
inline std::error_code recv_fair(PriorityList& fq, Message& m, Pipe** from = nullptr) {
  while (Pipe* p = fq.next()) {
    if (p->recv(m) == Pipe::Io::ok) {
      if (from) *from = p;
      return {};
    }
    fq.set_ready(*p, false);
  }
  return errc::would_block;
}

}  // namespace sprocket::routing
