// The lifecycle of a pipe inside its socket (src/pipe.hpp), changed only
// with the socket lock held. Drawn in docs/architecture.md ("Pipe").
#pragma once

#include <array>
#include <string_view>

#include "lifecycle.hpp"

namespace sprocket::detail {

enum class PipeState {
  offered,   ///< a transport handed over a connection
  attached,  ///< the protocol took it: messages flow
  refused,   ///< the protocol refused it (PAIR's peer_limit...): its queues are closed
  detached,  ///< removed: the peer left and was drained, or the socket/endpoint closed it
};

template <>
struct LifecycleTraits<PipeState> {
  using S = PipeState;
  static constexpr std::string_view name = "Pipe";
  static constexpr S initial = S::offered;
  static constexpr std::array<std::string_view, 4> names{"offered", "attached", "refused",
                                                         "detached"};
  static constexpr std::array<Edge<S>, 3> edges{{
      {S::offered, S::attached},
      {S::offered, S::refused},
      {S::attached, S::detached},
  }};
  static constexpr std::array<S, 2> finals{S::refused, S::detached};
};

}  // namespace sprocket::detail
