// ipc://path, parsed: free of asio so that the fuzz target
// (tests/fuzz/url_fuzz.cpp) runs the very code the ipc transport runs.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

#include "sprocket/error.hpp"

namespace sprocket {

struct IpcAddress {
  std::string path;
};

/// sun_path holds 108 bytes including the terminating zero.
inline constexpr std::size_t kMaxIpcPath = 107;

/// The path after "ipc://": errc::invalid_address when it is empty, longer
/// than a unix socket address holds, or holds a zero byte.
inline IpcAddress parse_ipc_address(std::string_view text, std::error_code& ec) {
  if (text.empty() || text.size() > kMaxIpcPath || text.find('\0') != std::string_view::npos)
    ec = errc::invalid_address;
  return {std::string(text)};
}

}  // namespace sprocket
