#include "transports/ws/reception.hpp"

#include <string>

#include <asio/buffer.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/read_until.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "transports/stream/io_error.hpp"
#include "transports/ws/connection.hpp"
#include "transports/ws/handshake.hpp"
#include "transports/ws/server.hpp"

namespace sprocket::ws {
namespace {

// One connection until its request is routed; everything on the socket's strand.
struct Reception {
  Reception(std::shared_ptr<WsServer> s, asio::ip::tcp::socket sock)
      : server(std::move(s)), socket(std::move(sock)), timer(socket.get_executor()) {}
  std::shared_ptr<WsServer> server;
  asio::ip::tcp::socket socket;
  asio::steady_timer timer;
  bool timed_out = false;
  std::string peer;
};

// Answers with `status` and closes (the timer still bounds the write); the
// refusal goes to every listener.
void refuse(std::shared_ptr<Reception> r, std::string_view status, std::error_code reason) {
  auto answer = std::make_shared<std::string>(make_refusal(status));
  auto& socket = r->socket;
  asio::async_write(socket, asio::buffer(*answer),
                    [r = std::move(r), answer, reason](std::error_code, std::size_t) {
                      r->timer.cancel();
                      std::error_code ignored;
                      r->socket.close(ignored);
                      r->server->refuse_unrouted(reason, r->peer);
                    });
}

// The route's socket takes the connection: its ws wire checks the request
// against its protocol and answers, then the link or the refusal goes to
// the route's listener.
void hand_over(std::shared_ptr<Reception> r, const Route& route, const std::string& path,
               std::shared_ptr<SocketPort> port, std::string received) {
  TcpTraits::configure(r->socket, route.options);
  std::error_code ec;
  auto config = make_config(*port, Side::server, {}, path, ec);
  config.send_text = route.options.ws_send_text;
  config.recv_text = route.options.ws_recv_text;
  auto inbox = route.inbox;
  if (ec) {
    std::error_code ignored;
    r->socket.close(ignored);
    return inbox->deliver(ec, PeerLink{nullptr, nullptr, 0, r->peer});
  }
  start_connection(
      std::move(r->socket), std::move(port), std::move(config), r->peer,
      [inbox](std::error_code e, PeerLink link) { inbox->deliver(e, std::move(link)); },
      std::move(received));
}

asio::awaitable<void> receive(std::shared_ptr<Reception> r) {
  r->timer.expires_after(r->server->head_timeout());
  r->timer.async_wait([r](std::error_code ec) {
    if (ec) return;
    r->timed_out = true;
    std::error_code ignored;
    r->socket.close(ignored);
  });
  std::string head;
  std::error_code ec;
  const std::size_t n =
      co_await asio::async_read_until(r->socket, asio::dynamic_buffer(head, kMaxHeader), "\r\n\r\n",
                                      asio::redirect_error(asio::use_awaitable, ec));
  if (r->timed_out) {
    r->server->refuse_unrouted(errc::timed_out, r->peer);
    co_return;
  }
  if (ec == asio::error::not_found) {  // the head outgrew kMaxHeader
    refuse(r, "431 Request Header Fields Too Large", errc::protocol_error);
    co_return;
  }
  if (ec) {
    r->timer.cancel();
    std::error_code ignored;
    r->socket.close(ignored);
    r->server->refuse_unrouted(stream::map_io_error(ec), r->peer);
    co_return;
  }
  const Request request = parse_request(std::string_view(head).substr(0, n));
  auto route = r->server->find(request.path);
  auto port = route ? route->port.lock() : nullptr;
  if (!port) {
    // A request that is not an upgrade says so (400) even on an unknown path.
    refuse(r, request.error.empty() ? "404 Not Found" : request.error, errc::protocol_error);
    co_return;
  }
  // The connection runs the rest of the handshake under its own timer.
  r->timer.cancel();
  hand_over(r, *route, request.path, std::move(port), std::move(head));
}

}  // namespace

void receive_request(std::shared_ptr<WsServer> server, asio::ip::tcp::socket socket) {
  auto r = std::make_shared<Reception>(std::move(server), std::move(socket));
  r->peer = describe_peer(r->socket);
  TcpTraits::configure(r->socket, EndpointOptions{});  // no_delay; keepalive once routed
  auto ex = r->socket.get_executor();
  asio::co_spawn(ex, receive(std::move(r)), asio::detached);
}

}  // namespace sprocket::ws
