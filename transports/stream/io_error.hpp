// asio's I/O errors as sprocket's codes.
#pragma once

#include <system_error>

#include <asio/error.hpp>

#include "sprocket/error.hpp"

namespace sprocket::stream {

/// Maps asio's I/O errors onto sprocket's codes. (asio 1.22's codes do not
/// compare equal to std::errc, so compare with asio::error values.)
inline std::error_code map_io_error(std::error_code ec) {
  if (ec == asio::error::connection_refused) return errc::connection_refused;
  if (ec == asio::error::address_in_use) return errc::address_in_use;
  if (ec == asio::error::operation_aborted) return errc::closed;
  if (ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == asio::error::broken_pipe)
    return errc::connection_reset;
  return ec;
}

}  // namespace sprocket::stream
