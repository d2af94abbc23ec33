// The SP backtrace of REQ/REP and SURVEYOR/RESPONDENT: a stack of 32-bit
// big-endian words, pipe ids pushed by devices (top bit clear) ended by the
// request or survey id (top bit set).
#pragma once

#include <cstdint>

#include "sprocket/message.hpp"

namespace sprocket::routing {

inline constexpr std::uint32_t kIdBit = 0x80000000u;

enum class Backtrace {
  ok,         ///< the whole backtrace is in the header, ending with the id word
  malformed,  ///< the message ended before a word with the top bit set
  too_long,   ///< more words than the hop limit
};

/// Moves an incoming message's backtrace into its header. Transports differ
/// in where they leave it: inproc keeps the sender's header, stream
/// transports deliver it at the front of the body, so words already in the
/// header are read first, then words are moved from the body, until the id
/// word. More than `max_words` words is too_long.
Backtrace unstack(Message& m, int max_words);

/// The id word that ends a well-formed backtrace in the header.
std::uint32_t final_word(const Message& m);

}  // namespace sprocket::routing
