// The lifecycle of one connection (the pump of transports/stream/pump.hpp,
// whatever its wire: SP stream, ws, or either inside TLS). Drawn in
// docs/architecture.md ("Connection").
#pragma once

#include <array>
#include <string_view>

#include "lifecycle.hpp"

namespace sprocket::stream {

enum class PumpState {
  handshaking,  ///< exchanging SP headers / the HTTP upgrade, under the handshake timer
  open,         ///< carrying messages both ways
  draining,     ///< the socket closed the pipe: writing what it queued, bounded by linger
  closing,      ///< the peer said goodbye or broke the protocol: our last words, bounded by linger
  closed,       ///< socket closed; queues closed; nothing more happens
};

}  // namespace sprocket::stream

namespace sprocket::detail {

template <>
struct LifecycleTraits<stream::PumpState> {
  using S = stream::PumpState;
  static constexpr std::string_view name = "Connection";
  static constexpr S initial = S::handshaking;
  static constexpr std::array<std::string_view, 5> names{"handshaking", "open", "draining",
                                                         "closing", "closed"};
  static constexpr std::array<Edge<S>, 8> edges{{
      {S::handshaking, S::open},
      {S::handshaking, S::closed},
      {S::open, S::draining},
      {S::open, S::closing},
      {S::open, S::closed},
      {S::draining, S::closing},
      {S::draining, S::closed},
      {S::closing, S::closed},
  }};
  static constexpr std::array<S, 1> finals{S::closed};
};

}  // namespace sprocket::detail
