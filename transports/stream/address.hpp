// host:port parsing shared by the tcp and ws transports.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "error_detail.hpp"

namespace sprocket::stream {

/// A space or a control character (DEL included): never part of a host
/// name, an address or a URL path, and it would break the ws request head
/// (a CR LF in the Host line starts a header of the URL's choosing).
inline bool is_space_or_control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7F;
}

inline bool has_space_or_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), is_space_or_control);
}

// Splits "host:port" / "[v6]:port"; false when malformed, or when the host
// holds a space or a control character, with the reason left as the error
// detail (src/error_detail.hpp) for the caller's message.
inline bool split_host_port(std::string_view text, std::string& host, std::uint16_t& port) {
  auto fail = [](std::string why) {
    detail::set_error_detail(std::move(why));
    return false;
  };
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return fail("no port (expected host:port)");
  auto host_part = text.substr(0, colon);
  auto port_part = text.substr(colon + 1);
  if (!host_part.empty() && host_part.front() == '[') {
    if (host_part.size() < 3 || host_part.back() != ']')
      return fail("malformed IPv6 address (expected [address]:port)");
    host_part = host_part.substr(1, host_part.size() - 2);
  } else if (host_part.find(':') != std::string_view::npos) {
    return fail("an IPv6 address needs brackets ([address]:port)");
  }
  if (has_space_or_control(host_part)) return fail("the host holds a space or a control character");
  if (port_part.empty()) return fail("no port after ':'");
  unsigned long value = 0;
  auto [end, err] = std::from_chars(port_part.data(), port_part.data() + port_part.size(), value);
  if (err == std::errc::invalid_argument || end != port_part.data() + port_part.size())
    return fail("port \"" + std::string(port_part) + "\" is not a number");
  if (err == std::errc::result_out_of_range || value > 65535)
    return fail("port " + std::string(port_part) + " is out of range 0..65535");
  host.assign(host_part);
  port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace sprocket::stream
