// nanomsg error reporting: errno values for sprocket's error codes, and
// the helpers every C entry point returns through.
#pragma once

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace sprocket::nanomsg {

/// What the failing call was doing: the same sprocket error means
/// different nanomsg errnos for a transfer, an option or an endpoint.
enum class Action { transfer, option, endpoint };

/// nanomsg's errno for `ec` (for errc::closed: EBADF, or ETERM once
/// nn_term() has run).
int errno_for(const std::error_code& ec, Action action);

/// Sets errno and returns -1: the C API's failure value.
inline int fail(int err) {
  errno = err;
  return -1;
}

inline int fail(const std::error_code& ec, Action action) { return fail(errno_for(ec, action)); }

/// True once nn_term() has been called (the library refuses new work).
bool terminating() noexcept;

}  // namespace sprocket::nanomsg
