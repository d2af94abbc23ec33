// tcp://host:port, parsed: free of asio so that the fuzz target
// (tests/fuzz/url_fuzz.cpp) runs the very code the tcp and ws transports run.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "error_detail.hpp"
#include "sprocket/error.hpp"
#include "transports/stream/address.hpp"

namespace sprocket {

struct TcpAddress {
  std::string host;  // empty: every interface (listen only)
  std::uint16_t port = 0;
};

/// Parses "host:port" or "[v6]:port"; "*" (or nothing) as the host means
/// every interface. errc::invalid_address when malformed.
inline TcpAddress parse_tcp_address(std::string_view text, std::error_code& ec) {
  TcpAddress a;
  if (!stream::split_host_port(text, a.host, a.port)) {
    ec = errc::invalid_address;
    return a;
  }
  if (a.host == "*") a.host.clear();
  return a;
}

/// A dialer needs a host and a port: "every interface" and port 0 only make
/// sense for a listener. errc::invalid_address, with the reason, otherwise.
inline void require_dialable(const TcpAddress& a, std::error_code& ec) {
  if (a.host.empty()) {
    detail::set_error_detail("dial needs a host (only listen takes * or an empty host)");
    ec = errc::invalid_address;
  } else if (a.port == 0) {
    detail::set_error_detail("dial needs a port other than 0 (only listen picks one)");
    ec = errc::invalid_address;
  }
}

}  // namespace sprocket
