// ws://host:port/path — SP over WebSocket (RFC 6455). The dialer is the
// stream dialer over tcp's dialing and socket options
// (transports/tcp/tcp_traits.hpp) with WsConnection in place of the SP
// stream connection; the listener is a path on a server shared by every ws
// listener on its port (listener.hpp, server.hpp).
#include <string>

#include "transports/ws/address.hpp"
#include "transports/ws/connection.hpp"
#include "transports/ws/listener.hpp"

namespace sprocket {
namespace {

// What the stream dialer needs (transports/stream/endpoints.hpp).
struct WsDialTraits {
  using protocol_type = asio::ip::tcp;
  using Address = ws::WsAddress;

  static void connect(asio::ip::tcp::socket& s, const Address& a,
                      detail::UniqueFunction<void(std::error_code)> done) {
    TcpTraits::connect(s, a.tcp, std::move(done));
  }
  static void configure(asio::ip::tcp::socket& s, const EndpointOptions& o) {
    TcpTraits::configure(s, o);
  }
  static std::string describe(const asio::ip::tcp::socket& s) { return ws::describe_peer(s); }

  static void start_connection(asio::ip::tcp::socket socket, std::shared_ptr<SocketPort> port,
                               std::string peer, const Address& a, bool, LinkHandler done) {
    std::error_code ec;
    auto config = ws::make_config(*port, true, a.host, a.path, std::move(peer), ec);
    if (ec) return done(ec, {});
    ws::WsConnection::start(std::move(socket), std::move(port), std::move(config), std::move(done));
  }
};

class WsTransport final : public Transport {
 public:
  std::string_view scheme() const noexcept override { return "ws"; }

  std::unique_ptr<TransportDialer> make_dialer(const Url& url, std::shared_ptr<SocketPort> socket,
                                               const EndpointOptions& options,
                                               std::error_code& ec) override {
    auto address = ws::parse_address(url, false, ec);
    if (ec) return nullptr;
    return std::make_unique<stream::StreamDialer<WsDialTraits>>(std::move(address),
                                                                std::move(socket), options);
  }

  std::unique_ptr<TransportListener> make_listener(const Url& url,
                                                   std::shared_ptr<SocketPort> socket,
                                                   const EndpointOptions& options,
                                                   std::error_code& ec) override {
    auto address = ws::parse_address(url, true, ec);
    if (ec) return nullptr;
    return std::make_unique<ws::WsListener>(std::move(address), std::move(socket), options);
  }
};

}  // namespace

namespace detail {
void register_builtin_transport_ws() {
  register_transport(std::make_shared<WsTransport>());
}
}  // namespace detail

}  // namespace sprocket
