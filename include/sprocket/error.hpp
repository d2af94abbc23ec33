// sprocket error codes: one enum, one std::error_category.
#pragma once

#include <string>
#include <system_error>

#include "sprocket/detail/export.hpp"

namespace sprocket {

/// Every failure sprocket reports. Values that have a standard equivalent
/// compare equal to it through default_error_condition (for example
/// `ec == std::errc::timed_out` holds for errc::timed_out).
enum class errc {
  ok = 0,
  closed = 1,                 ///< the socket, context or endpoint was closed
  timed_out = 2,              ///< a send/recv timeout or survey deadline expired
  would_block = 3,            ///< try_send/try_recv could not complete at once
  bad_state = 4,              ///< the protocol forbids this call now (REP send before recv)
  not_supported = 5,          ///< the protocol has no such operation (PUB recv)
  invalid_argument = 6,       ///< a bad option value or argument
  unsupported_transport = 7,  ///< a URL scheme no transport serves
  invalid_address = 8,        ///< a malformed URL or address
  address_in_use = 9,         ///< someone already listens there
  connection_refused = 10,    ///< nobody listens there
  connection_reset = 11,      ///< the peer went away
  protocol_mismatch = 12,     ///< the peer speaks a protocol that is not our partner
  message_too_large = 13,     ///< a message above recv_max_size
  canceled = 14,              ///< an async operation was cancelled
  protocol_error = 15,        ///< the peer sent bytes that break the wire protocol
  unknown_protocol = 16,      ///< no protocol registered for this id
  peer_limit = 17,            ///< the protocol accepts no more peers (PAIR)
};

/// The category of sprocket::errc; its name is "sprocket".
SPROCKET_API const std::error_category& error_category() noexcept;

/// Makes an error_code in sprocket's category (found by ADL).
inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

/// Throws std::system_error carrying `ec` and `what` when ec is set.
SPROCKET_API void throw_if(const std::error_code& ec, const char* what);

}  // namespace sprocket

template <>
struct std::is_error_code_enum<sprocket::errc> : std::true_type {};
