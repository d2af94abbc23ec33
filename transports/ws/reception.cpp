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
#include "transports/tls/stream.hpp"
#include "transports/ws/connection.hpp"
#include "transports/ws/handshake.hpp"
#include "transports/ws/server.hpp"

namespace sprocket::ws {
namespace {

// One connection until its request is routed; everything on the socket's
// strand. Stream: the TCP socket (ws), or a TLS session over it (wss).
template <class Stream>
struct Reception {
  using Ops = stream::StreamOps<Stream>;
  Reception(std::shared_ptr<WsServer> s, Stream st)
      : server(std::move(s)), stream(std::move(st)), timer(socket().get_executor()) {}
  asio::ip::tcp::socket& socket() { return Ops::socket(stream); }
  void close() { Ops::close(stream); }
  std::shared_ptr<WsServer> server;
  Stream stream;
  asio::steady_timer timer;
  bool timed_out = false;
  std::string peer;
};

// Answers with `status` and closes (the timer still bounds the write); the
// refusal goes to every listener.
template <class Stream>
void refuse(std::shared_ptr<Reception<Stream>> r, std::string_view status, std::error_code reason) {
  auto answer = std::make_shared<std::string>(make_refusal(status));
  auto& stream = r->stream;
  asio::async_write(stream, asio::buffer(*answer),
                    [r = std::move(r), answer, reason](std::error_code, std::size_t) {
                      r->timer.cancel();
                      r->close();
                      r->server->refuse_unrouted(reason, r->peer);
                    });
}

// The route's socket takes the connection: its ws wire checks the request
// against its protocol and answers, then the link or the refusal goes to
// the route's listener.
template <class Stream>
void hand_over(std::shared_ptr<Reception<Stream>> r, const Route& route, const std::string& path,
               std::shared_ptr<SocketPort> port, std::string received) {
  TcpTraits::configure(r->socket(), route.options);
  std::error_code ec;
  auto config = make_config(*port, Side::server, {}, path, ec);
  config.send_text = route.options.ws_send_text;
  config.recv_text = route.options.ws_recv_text;
  auto inbox = route.inbox;
  if (ec) {
    r->close();
    return inbox->deliver(ec, PeerLink{nullptr, nullptr, 0, r->peer, {}});
  }
  start_connection(
      std::move(r->stream), std::move(port), std::move(config), r->peer,
      [inbox](std::error_code e, PeerLink link) { inbox->deliver(e, std::move(link)); },
      std::move(received));
}

// wss: the TLS handshake, under the head's timer. False when it failed
// (reported to every listener, as a bad head would be).
asio::awaitable<bool> secure(std::shared_ptr<Reception<tls::TlsStream>> r) {
  std::error_code ec;
  co_await r->stream.async_handshake(asio::ssl::stream_base::server,
                                     asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) co_return true;
  r->timer.cancel();
  r->close();
  const std::error_code reason = r->timed_out ? make_error_code(errc::timed_out)
                                              : tls::handshake_error(r->stream, ec);
  r->server->refuse_unrouted(reason, r->peer);
  co_return false;
}
asio::awaitable<bool> secure(std::shared_ptr<Reception<asio::ip::tcp::socket>>) { co_return true; }

template <class Stream>
asio::awaitable<void> receive(std::shared_ptr<Reception<Stream>> r) {
  r->timer.expires_after(r->server->head_timeout());
  r->timer.async_wait([r](std::error_code ec) {
    if (ec) return;
    r->timed_out = true;
    r->close();
  });
  const bool secured = co_await secure(r);
  if (!secured) co_return;
  std::string head;
  std::error_code ec;
  const std::size_t n =
      co_await asio::async_read_until(r->stream, asio::dynamic_buffer(head, kMaxHeader), "\r\n\r\n",
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
    r->close();
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

template <class Stream>
void start(std::shared_ptr<WsServer> server, Stream stream, std::string peer) {
  auto r = std::make_shared<Reception<Stream>>(std::move(server), std::move(stream));
  r->peer = std::move(peer);
  TcpTraits::configure(r->socket(), EndpointOptions{});  // no_delay; keepalive once routed
  auto ex = r->socket().get_executor();
  asio::co_spawn(ex, receive(std::move(r)), asio::detached);
}

}  // namespace

void receive_request(std::shared_ptr<WsServer> server, asio::ip::tcp::socket socket) {
  std::string peer = describe_peer(socket);
  if (!server->tls()) return start(std::move(server), std::move(socket), std::move(peer));
  peer = "wss" + peer.substr(2);  // "ws://..." -> "wss://..."
  auto stream = server->tls()->wrap(std::move(socket));
  start(std::move(server), std::move(stream), std::move(peer));
}

}  // namespace sprocket::ws
