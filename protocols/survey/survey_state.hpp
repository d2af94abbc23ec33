// The life of one survey (per context; context 0 is the socket), as
// surveyor.cpp implements it. Drawn in docs/protocols/survey.md.
#pragma once

#include <array>
#include <string_view>

#include "lifecycle.hpp"

namespace sprocket::survey {

enum class SurveyState {
  idle,     ///< no survey: recv says bad_state
  running,  ///< sent; responses are collected until the deadline
  expired,  ///< past the deadline: queued responses are still read, then timed_out once
};

}  // namespace sprocket::survey

namespace sprocket::detail {

template <>
struct LifecycleTraits<survey::SurveyState> {
  using S = survey::SurveyState;
  static constexpr std::string_view name = "The life of a survey";
  static constexpr S initial = S::idle;
  static constexpr std::array<std::string_view, 3> names{"idle", "running", "expired"};
  static constexpr std::array<Edge<S>, 4> edges{{
      {S::idle, S::running},     // send (new survey id, deadline timer started)
      {S::running, S::expired},  // deadline: later responses are dropped and counted
      {S::expired, S::idle},     // recv with none queued (timed_out); or a new send / close
      {S::running, S::idle},     // a new send discards it; or the context closes
  }};
  static constexpr std::array<S, 1> finals{S::idle};
};

}  // namespace sprocket::detail
