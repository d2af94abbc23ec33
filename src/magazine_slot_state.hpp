// The lifecycle of a thread's slot for its body magazines
// (src/body_magazines.cpp), touched only by that thread. Drawn in
// docs/architecture.md ("Thread's body magazines").
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "lifecycle.hpp"

namespace sprocket::detail {

enum class MagazineSlotState : std::uint8_t {
  unused,  ///< the thread has not allocated or freed a small body yet
  active,  ///< it has its magazines; its small bodies go through them
  exited,  ///< the thread is exiting: magazines handed back, its blocks bypass them
};

template <>
struct LifecycleTraits<MagazineSlotState> {
  using S = MagazineSlotState;
  static constexpr std::string_view name = "Thread's body magazines";
  static constexpr S initial = S::unused;
  static constexpr std::array<std::string_view, 3> names{"unused", "active", "exited"};
  static constexpr std::array<Edge<S>, 2> edges{{
      {S::unused, S::active},
      {S::active, S::exited},
  }};
  static constexpr std::array<S, 2> finals{S::unused, S::exited};
};

}  // namespace sprocket::detail
