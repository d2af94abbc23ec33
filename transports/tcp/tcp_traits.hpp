// The tcp specifics for the stream dialer and listener (see
// transports/stream/endpoints.hpp): addresses, name resolution, binding,
// socket options. ws builds on them for its TCP part.
#pragma once

#include <cerrno>
#include <string>

#include <asio/ip/tcp.hpp>

#include "transports/stream/endpoints.hpp"
#include "transports/tcp/tcp_address.hpp"
#include "transports/tcp/tcp_connect.hpp"

namespace sprocket {

struct TcpTraits {
  using protocol_type = asio::ip::tcp;
  using Address = TcpAddress;
  static constexpr stream::Framing framing = stream::Framing::tcp;

  static Address parse(const Url& url, bool listen, std::error_code& ec) {
    Address a = parse_tcp_address(url.address, ec);
    if (ec) return a;
    if (listen) {
      require_listenable(a, ec);
    } else {
      check_dialable(a, ec);
    }
    return a;
  }

  /// What a dialer checks in dial(): a host and a port, and a local
  /// address (if any) that is one of this machine's.
  static void check_dialable(const Address& a, std::error_code& ec) {
    require_dialable(a, ec);
    if (!ec && !a.local.empty()) tcp::check_local_address(a.local, ec);
  }

  /// Resolves and connects, from the local address when `a` names one
  /// (tcp_connect.hpp).
  static void connect(asio::ip::tcp::socket& socket, const Address& a,
                      detail::UniqueFunction<void(std::error_code)> done) {
    std::make_shared<tcp::ConnectAttempt>(socket, a, std::move(done))->start();
  }

  static std::error_code bind(asio::ip::tcp::acceptor& acceptor, const Address& a) {
    std::error_code ec;
    auto endpoint = listen_endpoint(acceptor.get_executor(), a, ec);
    if (ec) return ec;
    return bind_endpoint(acceptor, endpoint);
  }

  /// The local endpoint `a` names (every IPv4 interface when its host is
  /// empty); errc::invalid_address when the name does not resolve.
  static asio::ip::tcp::endpoint listen_endpoint(const asio::any_io_executor& ex, const Address& a,
                                                 std::error_code& ec) {
    asio::ip::tcp::endpoint endpoint(asio::ip::tcp::v4(), a.port);
    if (a.host.empty()) return endpoint;
    asio::ip::tcp::resolver resolver(ex);
    auto results = resolver.resolve(a.host, std::to_string(a.port),
                                    asio::ip::tcp::resolver::numeric_service |
                                        asio::ip::tcp::resolver::passive,
                                    ec);
    if (ec || results.empty()) {
      detail::set_error_detail("host not found: " + a.host);
      ec = errc::invalid_address;
      return endpoint;
    }
    return results.begin()->endpoint();
  }

  /// Opens `acceptor`, binds it to `endpoint` and listens.
  static std::error_code bind_endpoint(asio::ip::tcp::acceptor& acceptor,
                                       const asio::ip::tcp::endpoint& endpoint) {
    std::error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    // A deep backlog: a thousand dialers arriving at once must not meet
    // the kernel's one-second SYN retry.
    if (!ec) acceptor.listen(4096, ec);
    if (ec.value() == EADDRNOTAVAIL) {  // not an address of this machine
      detail::set_error_detail(endpoint.address().to_string() + " is not an address of this machine");
      return errc::invalid_address;
    }
    return stream::map_io_error(ec);
  }

  static void unbind(const Address&) {}

  static void configure(asio::ip::tcp::socket& socket, const EndpointOptions& options) {
    std::error_code ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    if (options.tcp_keepalive) socket.set_option(asio::socket_base::keep_alive(true), ignored);
  }

  static void start_connection(asio::ip::tcp::socket socket, std::shared_ptr<SocketPort> port, std::string peer,
                               const Address&, bool, LinkHandler done) {
    stream::start_sp_connection(std::move(socket), framing, std::move(port), std::move(peer),
                                std::move(done));
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

}  // namespace sprocket
