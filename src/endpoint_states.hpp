// The lifecycles of a dialer and a listener (src/endpoint.cpp), with their
// transition tables. Drawn in docs/architecture.md ("Dialer", "Listener").
#pragma once

#include <array>
#include <string_view>

#include "lifecycle.hpp"

namespace sprocket::detail {

enum class DialerState { idle, connecting, connected, backoff, closed };

template <>
struct LifecycleTraits<DialerState> {
  using S = DialerState;
  static constexpr std::string_view name = "Dialer";
  static constexpr S initial = S::idle;
  static constexpr std::array<std::string_view, 5> names{"idle", "connecting", "connected",
                                                         "backoff", "closed"};
  static constexpr std::array<Edge<S>, 9> edges{{
      {S::idle, S::connecting},
      {S::idle, S::closed},
      {S::connecting, S::connected},
      {S::connecting, S::backoff},
      {S::connecting, S::closed},
      {S::connected, S::backoff},
      {S::connected, S::closed},
      {S::backoff, S::connecting},
      {S::backoff, S::closed},
  }};
  static constexpr std::array<S, 1> finals{S::closed};
};

enum class ListenerState { bound, accepting, closed };

template <>
struct LifecycleTraits<ListenerState> {
  using S = ListenerState;
  static constexpr std::string_view name = "Listener";
  static constexpr S initial = S::bound;
  static constexpr std::array<std::string_view, 3> names{"bound", "accepting", "closed"};
  static constexpr std::array<Edge<S>, 3> edges{{
      {S::bound, S::accepting},
      {S::bound, S::closed},
      {S::accepting, S::closed},
  }};
  static constexpr std::array<S, 1> finals{S::closed};
};

}  // namespace sprocket::detail
