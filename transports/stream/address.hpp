// host:port parsing shared by the tcp and ws transports.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace sprocket::stream {

// Splits "host:port" / "[v6]:port"; false when malformed.
inline bool split_host_port(std::string_view text, std::string& host, std::uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;
  auto host_part = text.substr(0, colon);
  auto port_part = text.substr(colon + 1);
  if (!host_part.empty() && host_part.front() == '[') {
    if (host_part.size() < 3 || host_part.back() != ']') return false;
    host_part = host_part.substr(1, host_part.size() - 2);
  } else if (host_part.find(':') != std::string_view::npos) {
    return false;  // a bare IPv6 address needs brackets
  }
  unsigned value = 0;
  auto [end, err] = std::from_chars(port_part.data(), port_part.data() + port_part.size(), value);
  if (port_part.empty() || err != std::errc{} || end != port_part.data() + port_part.size() ||
      value > 65535)
    return false;
  host.assign(host_part);
  port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace sprocket::stream
