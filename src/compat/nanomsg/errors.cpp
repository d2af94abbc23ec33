// nn_errno, nn_strerror and the sprocket -> errno mapping.
#include "src/compat/nanomsg/errors.hpp"

#include <cstring>

#include "nanomsg/nn.h"
#include "sprocket/error.hpp"

namespace sprocket::nanomsg {

int errno_for(const std::error_code& ec, Action action) {
  if (ec.category() == std::generic_category() || ec.category() == std::system_category())
    return ec.value();  // an OS error the transport passed through (ENOENT for an ipc path...)
  if (ec.category() != error_category()) return EINVAL;
  switch (static_cast<errc>(ec.value())) {
    case errc::ok: return 0;
    case errc::closed: return terminating() ? ETERM : EBADF;
    case errc::timed_out: return ETIMEDOUT;
    case errc::would_block: return EAGAIN;
    case errc::bad_state: return EFSM;
    case errc::not_supported: return action == Action::option ? ENOPROTOOPT : ENOTSUP;
    case errc::unsupported_transport: return EPROTONOSUPPORT;
    case errc::address_in_use: return EADDRINUSE;
    case errc::connection_refused: return ECONNREFUSED;
    case errc::connection_reset: return ECONNRESET;
    case errc::message_too_large: return EMSGSIZE;
    case errc::canceled: return EINTR;
    case errc::protocol_error:
    case errc::protocol_mismatch: return EPROTO;
    case errc::unknown_protocol: return EINVAL;
    case errc::peer_limit: return EAGAIN;
    case errc::invalid_address:
    case errc::invalid_argument: return EINVAL;
  }
  return EINVAL;
}

}  // namespace sprocket::nanomsg

extern "C" {

int nn_errno(void) { return errno; }

const char* nn_strerror(int errnum) {
  switch (errnum) {
    case ETERM: return "Nanomsg library was terminated";
    case EFSM: return "Operation cannot be performed in this state";
    default: return std::strerror(errnum);
  }
}

}  // extern "C"
