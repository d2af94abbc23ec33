// host:port parsing shared by the tcp and ws transports.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

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
// holds a space or a control character.
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
  if (has_space_or_control(host_part)) return false;
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
