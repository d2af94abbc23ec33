// tcp://[local;]host:port, parsed: free of asio so that the fuzz target
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
  // Dial only: the address (or name) the connection leaves from, written
  // before ';' ("local;host:port", IPv6 without its brackets); empty: the
  // routing table chooses.
  std::string local;
};

namespace detail {

// The part before ';': an address, [IPv6] or a name. False, with the
// reason as the error detail, when it is empty or malformed.
inline bool parse_tcp_local(std::string_view text, std::string& local) {
  auto fail = [](std::string why) {
    set_error_detail(std::move(why));
    return false;
  };
  if (text.empty()) return fail("empty local address before ';'");
  if (text.front() == '[') {
    if (text.size() < 3 || text.back() != ']')
      return fail("malformed local IPv6 address (expected [address];host:port)");
    text = text.substr(1, text.size() - 2);
  } else if (text.find(':') != std::string_view::npos) {
    return fail("a local IPv6 address needs brackets ([address];host:port)");
  }
  if (stream::has_space_or_control(text))
    return fail("the local address holds a space or a control character");
  if (text == "*") return fail("the local address must name one address, not *");
  local.assign(text);
  return true;
}

}  // namespace detail

/// Parses "host:port" or "[v6]:port", each optionally preceded by a local
/// address and ';' ("10.0.0.1;host:port", "[::1];[::1]:port"); "*" (or
/// nothing) as the host means every interface. errc::invalid_address when
/// malformed.
inline TcpAddress parse_tcp_address(std::string_view text, std::error_code& ec) {
  TcpAddress a;
  if (auto semi = text.find(';'); semi != std::string_view::npos) {
    if (!detail::parse_tcp_local(text.substr(0, semi), a.local)) {
      ec = errc::invalid_address;
      return a;
    }
    text = text.substr(semi + 1);
    if (text.find(';') != std::string_view::npos) {
      detail::set_error_detail("more than one ';' (expected local;host:port)");
      ec = errc::invalid_address;
      return a;
    }
  }
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

/// A listener binds to its host: a local address before ';' is for dial
/// only. errc::invalid_address, with the reason, otherwise.
inline void require_listenable(const TcpAddress& a, std::error_code& ec) {
  if (!a.local.empty()) {
    detail::set_error_detail("only dial takes a local address before ';' (listen binds to its host)");
    ec = errc::invalid_address;
  }
}

}  // namespace sprocket
