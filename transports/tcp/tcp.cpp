// tcp://host:port — the SP TCP mapping over the shared stream transport.
//
// Dial: host is a name, an IPv4 address or [IPv6]; names are resolved
// asynchronously and each address is tried in turn. Listen: additionally
// "*" or an empty host for every interface, and port 0 for an ephemeral port.
#include <charconv>

#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>

#include "transports/stream/endpoints.hpp"

namespace sprocket {
namespace {

struct TcpAddress {
  std::string host;  // empty: every interface (listen only)
  std::uint16_t port = 0;
};

// Splits "host:port" / "[v6]:port"; false when malformed.
bool split_host_port(std::string_view text, std::string& host, std::uint16_t& port) {
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

struct TcpTraits {
  using protocol_type = asio::ip::tcp;
  using Address = TcpAddress;
  static constexpr stream::Framing framing = stream::Framing::tcp;

  static Address parse(const Url& url, bool listen, std::error_code& ec) {
    Address a;
    if (!split_host_port(url.address, a.host, a.port)) {
      ec = errc::invalid_address;
      return a;
    }
    if (a.host == "*") a.host.clear();
    if (!listen && (a.host.empty() || a.port == 0)) ec = errc::invalid_address;
    return a;
  }

  static void connect(asio::ip::tcp::socket& socket, const Address& a,
                      detail::UniqueFunction<void(std::error_code)> done) {
    auto resolver = std::make_shared<asio::ip::tcp::resolver>(socket.get_executor());
    auto handler = std::make_shared<decltype(done)>(std::move(done));
    resolver->async_resolve(
        a.host, std::to_string(a.port), asio::ip::tcp::resolver::numeric_service,
        [&socket, resolver, handler](std::error_code ec,
                                     asio::ip::tcp::resolver::results_type results) {
          if (ec) return (*handler)(errc::invalid_address);
          asio::async_connect(socket, results,
                              [resolver, handler](std::error_code ec, const auto&) {
                                (*handler)(ec);
                              });
        });
  }

  static std::error_code bind(asio::ip::tcp::acceptor& acceptor, const Address& a) {
    std::error_code ec;
    asio::ip::tcp::endpoint endpoint(asio::ip::tcp::v4(), a.port);
    if (!a.host.empty()) {
      asio::ip::tcp::resolver resolver(acceptor.get_executor());
      auto results = resolver.resolve(a.host, std::to_string(a.port),
                                      asio::ip::tcp::resolver::numeric_service |
                                          asio::ip::tcp::resolver::passive,
                                      ec);
      if (ec || results.empty()) return errc::invalid_address;
      endpoint = results.begin()->endpoint();
    }
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    // A deep backlog: a thousand dialers arriving at once must not meet
    // the kernel's one-second SYN retry.
    if (!ec) acceptor.listen(4096, ec);
    if (ec == std::errc::address_in_use) return errc::address_in_use;
    if (ec == std::errc::address_not_available) return errc::invalid_address;
    return ec;
  }

  static void unbind(const Address&) {}

  static void configure(asio::ip::tcp::socket& socket, const EndpointOptions& options) {
    std::error_code ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    if (options.tcp_keepalive) socket.set_option(asio::socket_base::keep_alive(true), ignored);
  }

  static std::string describe(const asio::ip::tcp::socket& socket) {
    std::error_code ec;
    auto remote = socket.remote_endpoint(ec);
    if (ec) return "tcp://?";
    auto ip = remote.address().to_string();
    if (remote.address().is_v6()) ip = "[" + ip + "]";
    return "tcp://" + ip + ":" + std::to_string(remote.port());
  }
};

}  // namespace

namespace detail {
void register_builtin_transport_tcp() {
  register_transport(std::make_shared<stream::StreamTransport<TcpTraits>>("tcp"));
}
}  // namespace detail

}  // namespace sprocket
