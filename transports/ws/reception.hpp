// The first step of every connection a ws server accepts: read the upgrade
// request's head (at most kMaxHeader bytes, within the server's
// head_timeout()), then hand the connection to the listener of its path,
// where the connection checks the rest and answers. A request for no
// listener's path gets 404, one that cannot be read 400 or 431; those are
// reported through WsServer::refuse_unrouted().
#pragma once

#include <memory>

#include <asio/ip/tcp.hpp>

namespace sprocket::ws {

class WsServer;

/// Starts reading the request on `socket` (whose executor is its own strand).
void receive_request(std::shared_ptr<WsServer> server, asio::ip::tcp::socket socket);

}  // namespace sprocket::ws
