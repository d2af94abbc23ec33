// PAIR v1's one header word: a 32-bit big-endian hop count, of which only
// the low byte may be used. A cooked send starts it at 0, every send onto a
// connection adds 1 (so a direct message arrives with 1), and a receiver
// refuses a message that went through more hops than its max TTL.
#pragma once

#include <cstdint>

#include "sprocket/extension/protocol.hpp"

namespace sprocket::pair_v1 {

/// Largest hop count a well-formed header may carry.
inline constexpr std::uint32_t kMaxHops = 0xff;

enum class Hops {
  ok,         ///< the hop count is in the header, within the TTL
  malformed,  ///< no hop word, or one above kMaxHops: the peer breaks the protocol
  too_many,   ///< more hops than the max TTL: drop the message, keep the connection
};

/// Moves an incoming message's hop word into its header and judges it.
/// inproc delivers the sender's header as it was; the stream and ws
/// transports leave the word at the front of the body.
Hops take_hops(Message& m, int max_ttl);

/// A raw send's hop count so far, in `hops`: the header's single word,
/// which must be below kMaxHops (as in NNG). False when the header is not
/// exactly one such word. (A cooked send starts from 0.)
bool raw_hops(const Message& m, std::uint32_t& hops);

/// Sends `m` onto `pipe` with the header set to one word, `hops` + 1. On
/// failure `m` is left with the header holding `hops`, so a retry counts
/// the same hop once.
Pipe::Io send_counted(Pipe& pipe, Message& m, std::uint32_t hops);

}  // namespace sprocket::pair_v1
