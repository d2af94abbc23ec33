// The process-wide I/O runtime: an io_context and a few threads running it,
// started lazily on the first socket that needs it, stopped at exit.
//
// Process exit (docs/architecture.md, "Process exit"): when static
// destruction reaches the runtime, connections that their sockets closed
// before exit may finish writing for their linger time (at most one second in
// all); then the I/O threads stop and are joined, and asio's resolver thread
// with them (runtime.cpp). Nothing of the library runs on a thread of its own
// after that, so no I/O thread outlives the libraries it calls (OpenSSL is
// initialised before the runtime starts, so its own clean-up runs after the
// runtime stopped). Sockets still open are abandoned: their connections end
// with the process. The io_context itself is never destroyed, so a socket
// destroyed later in static destruction (or never) finds it still there, only
// stopped.
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

/// Registers `fn` to run once before the runtime starts its threads (at
/// once if it has started): a transport initialises the libraries it uses
/// here, so that their clean-up at exit comes after the runtime's stop.
/// Transports register during their registration, which precedes the first
/// socket. Idempotent per fn.
void before_runtime_start(void (*fn)());

/// A connection that its socket closed is still writing (bounded by its
/// linger): the runtime's stop at exit waits for it, up to a second.
void lingering_started() noexcept;
void lingering_ended() noexcept;

}  // namespace sprocket::detail
