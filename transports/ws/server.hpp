// One ws server per bound TCP endpoint (address and port), shared by every
// ws listener on that port, as NNG's HTTP server is: one acceptor, and each
// upgrade request routed by its path to the listener registered for it
// (reception.cpp reads and routes the request). Listeners of any socket may
// share a port; the same path twice is errc::address_in_use. The last path
// removed closes the acceptor, which frees the port.
//
// Refusals that belong to no listener (an unknown path, a head that never
// ends or is too large, a peer that leaves before its request is complete)
// are reported to every listener on the port: with one listener that is
// exactly what a tcp listener does, and with several each sees the trouble
// at the port it shares.
//
// A wss:// server runs the TLS handshake before it reads the request, so
// the certificate is chosen before the path is known: every wss listener
// on a port is served with the TLS settings of the one that bound it. A
// port serves either ws or wss, never both.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "transports/stream/io_strand.hpp"
#include "transports/tls/context.hpp"
#include "transports/ws/address.hpp"
#include "transports/ws/inbox.hpp"

namespace sprocket::ws {

/// Where the requests for one path go.
struct Route {
  std::weak_ptr<SocketPort> port;  // the listening socket
  EndpointOptions options;         // the listener's (tcp_keepalive, ws text)
  std::shared_ptr<Inbox> inbox;
};

class WsServer final : public std::enable_shared_from_this<WsServer> {
 public:
  /// Adds `route` for `address.path` to the server of `address`'s endpoint,
  /// binding a new one if the port is not served yet (port 0: always a new
  /// one). `tls` (server side) makes a new server a wss one; nullptr a ws
  /// one. errc::address_in_use when the path is served already, the port
  /// serves the other of ws and wss, or the port is taken by something
  /// else; errc::invalid_address as tcp.
  static std::shared_ptr<WsServer> add(const WsAddress& address, Route route,
                                       std::shared_ptr<tls::Context> tls, std::error_code& ec);

  /// Removes `path`. The last one closes the acceptor: the port is free
  /// when this returns, which never waits for the I/O threads.
  void remove(const std::string& path);

  /// The bound port.
  std::uint16_t port() const noexcept { return port_; }

  /// The route for `path`, if any.
  std::optional<Route> find(const std::string& path);
  /// How long a request head may take: the shortest handshake timeout of
  /// the sockets listening here (the path, and so the socket, is unknown
  /// until the head is read).
  std::chrono::nanoseconds head_timeout();
  /// Reports a refusal that belongs to no listener to every listener.
  void refuse_unrouted(std::error_code reason, const std::string& peer);
  /// The TLS settings of a wss server; nullptr for ws.
  const std::shared_ptr<tls::Context>& tls() const noexcept { return tls_; }

  WsServer(const asio::any_io_executor& ex, std::uint16_t port,
           std::shared_ptr<tls::Context> tls);  // use add()

 private:
  void accept_next();
  void retry_later(std::error_code ec);
  void stop();

  const asio::any_io_executor executor_;  // the connections' (each on a strand of its own)
  asio::any_io_executor strand_;  // accepts (stream::make_io_strand)
  // The acceptor and its retry timer are used under accept_mu_, so that
  // remove() can close them from any thread at once.
  std::mutex accept_mu_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  bool stopped_ = false;
  std::uint16_t port_;
  asio::ip::tcp::endpoint key_;  // in the registry under this
  const std::shared_ptr<tls::Context> tls_;

  std::mutex mu_;
  std::map<std::string, Route> routes_;  // by path
};

}  // namespace sprocket::ws
