// A ws listener: one path on its port's shared server (server.hpp). bind()
// adds the path (errc::address_in_use if it is served already), accept()
// opens the inbox the server delivers to, close() removes the path.
#pragma once

#include <memory>

#include "transports/ws/server.hpp"

namespace sprocket::ws {

class WsListener final : public TransportListener {
 public:
  /// `tls` (server side) for wss://, nullptr for ws://.
  WsListener(WsAddress address, std::shared_ptr<SocketPort> port, const EndpointOptions& options,
             std::shared_ptr<tls::Context> tls)
      : address_(std::move(address)), port_(std::move(port)), options_(options), tls_(std::move(tls)) {}
  ~WsListener() override { close(); }

  std::error_code bind() override {
    std::error_code ec;
    server_ = WsServer::add(address_, Route{port_, options_, inbox_}, tls_, ec);
    if (server_) bound_port_ = server_->port();
    return ec;
  }

  void accept(detail::UniqueFunction<void(std::error_code, PeerLink)> on_link) override {
    inbox_->open(std::move(on_link));
  }

  std::uint16_t port() const noexcept override { return bound_port_; }

  /// Connections that the server has already handed over stay; requests
  /// still being read that name this path get 404 from now on.
  void close() override {
    if (!server_) return;
    server_->remove(address_.path);
    server_.reset();
  }

 private:
  const WsAddress address_;
  std::weak_ptr<SocketPort> port_;
  const EndpointOptions options_;
  const std::shared_ptr<tls::Context> tls_;
  std::shared_ptr<Inbox> inbox_ = std::make_shared<Inbox>();
  std::shared_ptr<WsServer> server_;
  std::uint16_t bound_port_ = 0;
};

}  // namespace sprocket::ws
