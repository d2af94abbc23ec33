// ipc://path, parsed: free of asio so that the fuzz target
// (tests/fuzz/url_fuzz.cpp) runs the very code the ipc transport runs.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

#include <fmt/format.h>

#include "error_detail.hpp"
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
  auto fail = [&ec](std::string why) {
    detail::set_error_detail(std::move(why));
    ec = errc::invalid_address;
  };
  if (text.empty()) {
    fail("the path is empty");
  } else if (text.size() > kMaxIpcPath) {
    fail(fmt::format("the path is {} bytes long, more than a unix socket's {}", text.size(),
                     kMaxIpcPath));
  } else if (text.find('\0') != std::string_view::npos) {
    fail("the path holds a NUL byte");
  }
  return {std::string(text)};
}

}  // namespace sprocket
