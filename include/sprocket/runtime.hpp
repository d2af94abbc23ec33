// The process-wide I/O runtime that sockets use unless given an executor.
#pragma once

#include <cstddef>
#include <system_error>

#include "sprocket/detail/export.hpp"

namespace sprocket {

/// The process-wide I/O runtime's settings (configure_runtime()).
struct RuntimeOptions {
  /// I/O threads; 0 picks 1 below four hardware threads, else 2.
  std::size_t io_threads = 0;
};

/// Sets the runtime's options. Only before the first socket starts it;
/// afterwards returns errc::bad_state and changes nothing.
SPROCKET_API std::error_code configure_runtime(const RuntimeOptions& options);

}  // namespace sprocket
