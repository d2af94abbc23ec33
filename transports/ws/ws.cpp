// ws://host:port/path — SP over WebSocket (RFC 6455), over the same TCP
// dialing, binding and socket options as tcp (transports/tcp/tcp_traits.hpp),
// with WsConnection in place of the SP stream connection.
#include <string>

#include <openssl/crypto.h>

#include "runtime.hpp"
#include "sprocket/extension/protocol.hpp"
#include "transports/tcp/tcp_traits.hpp"
#include "transports/ws/connection.hpp"
#include "transports/ws/handshake.hpp"

namespace sprocket {
namespace {

struct WsAddress {
  TcpAddress tcp;
  std::string host;  // as written, for the Host header
  std::string path;  // "/" when the URL has none
};

struct WsTraits {
  using protocol_type = asio::ip::tcp;
  using Address = WsAddress;

  static Address parse(const Url& url, bool listen, std::error_code& ec) {
    Address a;
    std::string_view rest = url.address;
    auto slash = rest.find('/');
    a.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    a.host = std::string(rest.substr(0, slash));
    Url tcp_url{url.text, "tcp", a.host};
    a.tcp = TcpTraits::parse(tcp_url, listen, ec);
    if (a.path.find_first_of(" \r\n") != std::string::npos) ec = errc::invalid_address;
    return a;
  }

  static void connect(asio::ip::tcp::socket& s, const Address& a,
                      detail::UniqueFunction<void(std::error_code)> done) {
    TcpTraits::connect(s, a.tcp, std::move(done));
  }
  static std::error_code bind(asio::ip::tcp::acceptor& acc, const Address& a) {
    return TcpTraits::bind(acc, a.tcp);
  }
  static void unbind(const Address&) {}
  static void configure(asio::ip::tcp::socket& s, const EndpointOptions& o) {
    TcpTraits::configure(s, o);
  }
  static std::string describe(const asio::ip::tcp::socket& s) {
    auto text = TcpTraits::describe(s);
    return "ws" + text.substr(3);  // "tcp://..." -> "ws://..."
  }

  static void start_connection(asio::ip::tcp::socket socket, std::shared_ptr<SocketPort> port,
                               std::string peer, const Address& a, bool dialer,
                               LinkHandler done) {
    // SHA-1 leaves OpenSSL per-thread state on the I/O threads: free it as they end.
    detail::at_io_thread_exit(&OPENSSL_thread_stop);
    const ProtocolInfo* info = find_protocol(port->protocol_id());
    if (!info) return done(errc::unknown_protocol, {});
    ws::WsConfig config{dialer,
                        a.host,
                        a.path,
                        ws::subprotocol(info->name),
                        ws::subprotocol(info->peer_name),
                        info->peer_id,
                        std::move(peer),
                        port->handshake_timeout()};
    ws::WsConnection::start(std::move(socket), std::move(port), std::move(config), std::move(done));
  }
};

}  // namespace

namespace detail {
void register_builtin_transport_ws() {
  register_transport(std::make_shared<stream::StreamTransport<WsTraits>>("ws"));
}
}  // namespace detail

}  // namespace sprocket
