// The process-wide I/O runtime: an io_context and a few threads running it,
// started lazily on the first socket that needs it.
#pragma once

// A standard header first: asio's configuration (aligned allocation) must
// see the same libstdc++ macros in every translation unit.
#include <cstddef>

#include <asio/any_io_executor.hpp>

namespace sprocket::detail {

/// The runtime's executor; starts the runtime on first use.
asio::any_io_executor runtime_executor();

/// Registers `fn` to run on each runtime I/O thread as it ends (for
/// libraries with per-thread state, such as OpenSSL). Idempotent per fn.
void at_io_thread_exit(void (*fn)());

}  // namespace sprocket::detail
