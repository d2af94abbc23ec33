// Who reads a connection's socket: its strand, or a thread of the socket
// blocked in recv for an answer (the caller read of transports/stream/pump.hpp,
// over plain tcp and ipc). The holder owns the whole read side — the read
// buffer, the decoding, the messages decoded and not yet delivered — so
// the byte stream is never split between two reads. Drawn in
// docs/architecture.md ("Reading turn").
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "lifecycle.hpp"

namespace sprocket::stream {

enum class ReadTurn : std::uint8_t {
  strand,  ///< the strand reads: from the handshake on, in a stall, a body, after a hand-over
  free,    ///< no one reads: the socket was empty, the strand waits for it to become readable
  caller,  ///< a thread blocked in recv reads for itself
};

}  // namespace sprocket::stream

namespace sprocket::detail {

template <>
struct LifecycleTraits<stream::ReadTurn> {
  using S = stream::ReadTurn;
  static constexpr std::string_view name = "Reading turn";
  static constexpr S initial = S::strand;
  static constexpr std::array<std::string_view, 3> names{"strand", "free", "caller"};
  static constexpr std::array<Edge<S>, 5> edges{{
      {S::strand, S::free},    // a read found the socket empty
      {S::free, S::strand},    // the socket became readable
      {S::free, S::caller},    // a thread blocked for an answer takes it
      {S::caller, S::free},    // the caller lets go
      {S::caller, S::strand},  // it stopped at what only the strand handles, and posted it there
  }};
  // The connection closes in any turn: its holder at the time leaves it.
  static constexpr std::array<S, 3> finals{S::strand, S::free, S::caller};
};

}  // namespace sprocket::detail
