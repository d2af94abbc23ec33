// The built-in plug-ins, registered once through the public seams.
#pragma once

namespace sprocket::detail {

/// Registers every built-in transport and protocol (generated from the
/// CMake lists) and checks each one is there. Called once, lazily.
void register_builtins();

/// Fails loudly at start-up if a built-in transport did not register.
void require_transport(const char* scheme);

/// Runs register_builtins() exactly once.
void ensure_builtins();

}  // namespace sprocket::detail
