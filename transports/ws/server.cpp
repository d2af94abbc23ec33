#include "transports/ws/server.hpp"

#include <vector>

#include <asio/bind_executor.hpp>
#include <asio/post.hpp>
#include <fmt/format.h>

#include "error_detail.hpp"

#include "transports/ws/reception.hpp"

namespace sprocket::ws {
namespace {

// The servers by bound endpoint. Never destroyed: a server may outlive
// static destruction order (it belongs to sockets, which may be leaked).
struct Registry {
  std::mutex mu;
  std::map<asio::ip::tcp::endpoint, std::weak_ptr<WsServer>> servers;
};

Registry& registry() {
  static auto* r = new Registry;
  return *r;
}

}  // namespace

WsServer::WsServer(const asio::any_io_executor& ex, std::uint16_t port,
                   std::shared_ptr<tls::Context> tls)
    : executor_(ex),
      strand_(stream::make_io_strand(ex)),
      acceptor_(strand_),
      retry_(strand_),
      port_(port),
      tls_(std::move(tls)) {}

std::shared_ptr<WsServer> WsServer::add(const WsAddress& address, Route route,
                                        std::shared_ptr<tls::Context> tls, std::error_code& ec) {
  auto socket = route.port.lock();
  if (!socket) {
    ec = errc::closed;
    return nullptr;
  }
  const auto ex = socket->executor();
  auto endpoint = TcpTraits::listen_endpoint(ex, address.tcp, ec);
  if (ec) return nullptr;

  auto& r = registry();
  std::lock_guard lock(r.mu);
  if (endpoint.port() != 0) {
    auto it = r.servers.find(endpoint);
    if (it != r.servers.end()) {
      if (auto server = it->second.lock()) {
        if (!server->tls_ != !tls) {
          detail::set_error_detail(fmt::format("port {} serves {}://", endpoint.port(),
                                               server->tls_ ? "wss" : "ws"));
          ec = errc::address_in_use;
          return nullptr;
        }
        std::lock_guard route_lock(server->mu_);
        if (!server->routes_.emplace(address.path, std::move(route)).second) {
          ec = errc::address_in_use;
          return nullptr;
        }
        return server;
      }
    }
  }
  // Not served yet: bind a new server.
  auto server = std::make_shared<WsServer>(ex, endpoint.port(), std::move(tls));
  {
    std::lock_guard accept_lock(server->accept_mu_);
    ec = TcpTraits::bind_endpoint(server->acceptor_, endpoint);
    if (ec) return nullptr;
    std::error_code ignored;
    server->key_ = server->acceptor_.local_endpoint(ignored);
  }
  server->port_ = server->key_.port();
  server->routes_.emplace(address.path, std::move(route));
  r.servers[server->key_] = server;
  asio::post(server->strand_, [server] { server->accept_next(); });
  return server;
}

void WsServer::remove(const std::string& path) {
  auto& r = registry();
  // Held until the acceptor is closed, so that a listen() on this port
  // either joins a running server or binds after this one let go.
  std::lock_guard lock(r.mu);
  {
    std::lock_guard route_lock(mu_);
    routes_.erase(path);
    if (!routes_.empty()) return;
  }
  auto it = r.servers.find(key_);
  if (it != r.servers.end() && it->second.lock().get() == this) r.servers.erase(it);
  stop();
}

void WsServer::stop() {
  std::lock_guard lock(accept_mu_);
  stopped_ = true;
  std::error_code ignored;
  acceptor_.close(ignored);  // a pending accept completes with operation_aborted
  retry_.cancel();
}

std::optional<Route> WsServer::find(const std::string& path) {
  std::lock_guard lock(mu_);
  auto it = routes_.find(path);
  if (it == routes_.end()) return std::nullopt;
  return it->second;
}

std::chrono::nanoseconds WsServer::head_timeout() {
  std::optional<std::chrono::nanoseconds> shortest;
  std::lock_guard lock(mu_);
  for (const auto& [path, route] : routes_)
    if (auto port = route.port.lock())
      if (!shortest || port->handshake_timeout() < *shortest) shortest = port->handshake_timeout();
  return shortest.value_or(std::chrono::seconds(10));
}

void WsServer::refuse_unrouted(std::error_code reason, const std::string& peer) {
  std::vector<std::shared_ptr<Inbox>> inboxes;
  {
    std::lock_guard lock(mu_);
    for (const auto& [path, route] : routes_) inboxes.push_back(route.inbox);
  }
  for (auto& inbox : inboxes) inbox->deliver(reason, PeerLink{nullptr, nullptr, 0, peer, {}});
}

// On strand_. Each accepted connection gets its own strand; its request is
// read and routed by reception.cpp.
void WsServer::accept_next() {
  std::lock_guard lock(accept_mu_);
  if (stopped_) return;
  acceptor_.async_accept(
      stream::make_io_strand(executor_),
      asio::bind_executor(strand_, [self = shared_from_this()](std::error_code ec,
                                                               asio::ip::tcp::socket socket) {
        if (ec == asio::error::operation_aborted) return;
        if (ec) return self->retry_later(ec);
        receive_request(self, std::move(socket));
        self->accept_next();
      }));
}

// Out of descriptors or similar: say so, breathe, go on accepting.
void WsServer::retry_later(std::error_code ec) {
  refuse_unrouted(ec, {});
  std::lock_guard lock(accept_mu_);
  if (stopped_) return;
  retry_.expires_after(std::chrono::milliseconds(100));
  retry_.async_wait([self = shared_from_this()](std::error_code e) {
    if (!e) self->accept_next();
  });
}

}  // namespace sprocket::ws
