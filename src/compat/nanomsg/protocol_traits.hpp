// What each nanomsg socket type is in sprocket terms, and what it lets the
// compatibility layer assume about sending and receiving.
#pragma once

#include "sprocket/protocol.hpp"

namespace sprocket::nanomsg {

/// How a socket's sends and receives relate.
enum class Role {
  plain,     ///< independent messages (PAIR, PUSH/PULL, PUB/SUB, BUS, every raw socket)
  asker,     ///< a send opens an exchange, receives belong to it (REQ, SURVEYOR)
  answerer,  ///< a send answers the last message received (REP, RESPONDENT)
};

struct ProtocolTraits {
  int nn_protocol;      ///< NN_PAIR, NN_REQ...
  Protocol protocol;    ///< sprocket's protocol
  Role role;
  bool sends;           ///< nn_send is allowed (else ENOTSUP, and no NN_SNDFD)
  bool receives;        ///< nn_recv is allowed (else ENOTSUP, and no NN_RCVFD)
  bool send_may_block;  ///< a send can wait for a peer or for room (PAIR, PUSH, raw REQ)
  bool load_balanced;   ///< each message goes to one peer by priority (PUSH, REQ)
  bool is_req;          ///< cooked REQ: sends never block (the request waits for a peer)
};

/// The traits of `nn_protocol` as a cooked (raw false) or raw socket;
/// nullptr for an unknown protocol.
const ProtocolTraits* find_traits(int nn_protocol, bool raw);

}  // namespace sprocket::nanomsg
