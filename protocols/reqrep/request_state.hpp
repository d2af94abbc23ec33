// The life of one REQ request (per context; context 0 is the socket), as
// req.cpp implements it. Drawn in docs/protocols/reqrep.md ("The life of a
// request").
#pragma once

#include <array>
#include <string_view>

#include "lifecycle.hpp"

namespace sprocket::reqrep {

enum class RequestState {
  idle,     ///< no request: recv says bad_state
  sent,     ///< on a connection, waiting for the reply (resend timer running unless disabled)
  parked,   ///< a copy is due but no connection can take it yet
  replied,  ///< its reply arrived while another context was reading: kept for recv
  failed,   ///< its connection died and resending is disabled: recv says connection_reset
};

}  // namespace sprocket::reqrep

namespace sprocket::detail {

template <>
struct LifecycleTraits<reqrep::RequestState> {
  using S = reqrep::RequestState;
  static constexpr std::string_view name = "The life of a request";
  static constexpr S initial = S::idle;
  static constexpr std::array<std::string_view, 5> names{"idle", "sent", "parked", "replied",
                                                         "failed"};
  static constexpr std::array<Edge<S>, 12> edges{{
      {S::idle, S::sent},       // send
      {S::sent, S::sent},       // resend: timer, or its connection died
      {S::sent, S::parked},     // a copy is due, no connection can take it
      {S::parked, S::sent},     // a connection can take it now
      {S::sent, S::replied},    // its reply, read by another context's recv
      {S::parked, S::replied},  // (the reply to an earlier copy)
      {S::sent, S::failed},     // its connection died, resending disabled
      {S::sent, S::idle},       // its reply returned by recv; or abandoned
      {S::parked, S::idle},     // abandoned (new send, context or socket closed)
      {S::replied, S::idle},    // recv returned the reply; or abandoned
      {S::failed, S::idle},     // recv reported connection_reset; or abandoned
      {S::idle, S::idle},       // abandoning nothing
  }};
  static constexpr std::array<S, 1> finals{S::idle};
};

}  // namespace sprocket::detail
