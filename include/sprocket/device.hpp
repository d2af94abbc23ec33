// sprocket::device: forwards messages both ways between two raw sockets —
// the broker in the middle of a REQ/REP chain, a BUS hub, a pipeline relay.
#pragma once

#include <memory>
#include <system_error>

#include <asio/async_result.hpp>

#include "sprocket/detail/export.hpp"
#include "sprocket/detail/async_op.hpp"
#include "sprocket/socket.hpp"

namespace sprocket {

namespace detail {
/// Starts forwarding; `op` completes when it stops. Validation errors
/// (errc::invalid_argument: a socket is not raw, or the two protocols are
/// not partners) complete it at once.
SPROCKET_API void start_device(Socket& a, Socket& b, std::unique_ptr<AsyncOp> op);
}  // namespace detail

/// Forwards a→b and b→a until either socket is closed, then returns
/// normally. Both sockets must be raw and partners (a raw REP and a raw
/// REQ, raw PUSH... or two of a symmetric protocol: PAIR, BUS).
/// Throws std::system_error(errc::invalid_argument) otherwise.
SPROCKET_API void device(Socket& a, Socket& b);
/// As device(a, b), reporting a failure in `ec` instead of throwing.
SPROCKET_API void device(Socket& a, Socket& b, std::error_code& ec);

/// The same, asynchronously; completes with `void(std::error_code)` (no
/// error when a socket was closed). Supports asio per-operation
/// cancellation (errc::canceled).
template <class Token>
auto async_device(Socket& a, Socket& b, Token&& token) {
  return asio::async_initiate<Token, void(std::error_code)>(
      [&a, &b](auto handler) {
        using Op = detail::AsyncOpImpl<std::decay_t<decltype(handler)>, false>;
        auto op = std::make_unique<Op>(std::move(handler), a.get_executor());
        detail::start_device(a, b, std::move(op));
      },
      token);
}

}  // namespace sprocket
