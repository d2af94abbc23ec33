// Splitting an endpoint URL into scheme and address.
#pragma once

#include <string_view>
#include <system_error>

#include "sprocket/extension/transport.hpp"

namespace sprocket::detail {

/// Parses `scheme://address`. errc::invalid_address when there is no
/// "://", the scheme is empty or not [a-z0-9+.-], or the address is empty.
Url parse_url(std::string_view text, std::error_code& ec);

}  // namespace sprocket::detail
