// ws://[local;]host:port/path — SP over WebSocket (RFC 6455). The dialer is the
// stream dialer over tcp's dialing and socket options
// (transports/tcp/tcp_traits.hpp) with the ws wire in place of the SP
// stream's; the listener is a path on a server shared by every ws
// listener on its port (listener.hpp, server.hpp).
//
// wss://host:port/path — the same inside TLS (transports/tls): the dialer
// runs the TLS handshake before the upgrade (TlsWire), the server before
// it reads the request (reception.cpp).
#include <string>

#include <openssl/crypto.h>

#include "transports/tls/stream.hpp"
#include "transports/ws/address.hpp"
#include "transports/ws/connection.hpp"
#include "transports/ws/listener.hpp"
#include "runtime.hpp"

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

  /// The client side's ws settings for `a`'s host, path and text options.
  static ws::WsConfig client_config(const SocketPort& port, const ws::WsAddress& a,
                                    std::error_code& ec) {
    auto config = ws::make_config(port, ws::Side::client, a.host, a.path, ec);
    config.send_text = a.send_text;
    config.recv_text = a.recv_text;
    return config;
  }

  static void start_connection(asio::ip::tcp::socket socket, std::shared_ptr<SocketPort> port,
                               std::string peer, const Address& a, bool, LinkHandler done) {
    std::error_code ec;
    auto config = client_config(*port, a, ec);
    if (ec) return done(ec, {});
    ws::start_connection(std::move(socket), std::move(port), std::move(config), std::move(peer),
                         std::move(done));
  }
};

// wss: the same, inside a TLS session made from the endpoint's settings.
struct WssAddress : ws::WsAddress {
  std::shared_ptr<tls::Context> context;
};

// Connecting and socket options are ws's (a WssAddress is a WsAddress).
struct WssDialTraits : WsDialTraits {
  using Address = WssAddress;

  static std::string describe(const asio::ip::tcp::socket& s) {
    return "wss" + ws::describe_peer(s).substr(2);  // "ws://..." -> "wss://..."
  }

  static void start_connection(asio::ip::tcp::socket socket, std::shared_ptr<SocketPort> port,
                               std::string peer, const Address& a, bool, LinkHandler done) {
    std::error_code ec;
    auto config = client_config(*port, a, ec);
    if (ec) return done(ec, {});
    using Wire = tls::TlsWire<ws::WsWire>;
    stream::Pump<tls::TlsStream, Wire>::start(a.context->wrap(std::move(socket)),
                                              Wire(ws::WsWire(std::move(config)), a.context),
                                              std::move(port), std::move(peer), std::move(done));
  }
};

// ws:// plain, or wss:// inside TLS.
enum class Security { plain, tls };

class WsTransport final : public Transport {
 public:
  explicit WsTransport(Security security) : security_(security) {}
  std::string_view scheme() const noexcept override {
    return security_ == Security::tls ? "wss" : "ws";
  }
  bool uses_tls() const noexcept override { return security_ == Security::tls; }

  std::unique_ptr<TransportDialer> make_dialer(const Url& url, std::shared_ptr<SocketPort> socket,
                                               const EndpointOptions& options,
                                               std::error_code& ec) override {
    auto address = ws::parse_address(url, false, ec);
    if (!ec) TcpTraits::check_dialable(address.tcp, ec);
    if (ec) return nullptr;
    address.send_text = options.ws_send_text;
    address.recv_text = options.ws_recv_text;
    if (security_ == Security::plain)
      return std::make_unique<stream::StreamDialer<WsDialTraits>>(std::move(address),
                                                                  std::move(socket), options);
    WssAddress secure{std::move(address), nullptr};
    secure.context = make_context(options, tls::Side::client, secure.tcp.host, ec);
    if (ec) return nullptr;
    return std::make_unique<stream::StreamDialer<WssDialTraits>>(std::move(secure),
                                                                 std::move(socket), options);
  }

  std::unique_ptr<TransportListener> make_listener(const Url& url,
                                                   std::shared_ptr<SocketPort> socket,
                                                   const EndpointOptions& options,
                                                   std::error_code& ec) override {
    auto address = ws::parse_address(url, true, ec);
    if (ec) return nullptr;
    std::shared_ptr<tls::Context> context;
    if (security_ == Security::tls) {
      context = make_context(options, tls::Side::server, address.tcp.host, ec);
      if (ec) return nullptr;
    }
    return std::make_unique<ws::WsListener>(std::move(address), std::move(socket), options,
                                            std::move(context));
  }

 private:
  static std::shared_ptr<tls::Context> make_context(const EndpointOptions& options, tls::Side side,
                                                    const std::string& host, std::error_code& ec) {
    return tls::Context::make(options.tls.value_or(TlsConfig{}), side, host, ec);
  }

  Security security_;
};

}  // namespace

namespace detail {
namespace {
// OpenSSL (SHA-1 of the handshake) registers its clean-up at exit when it
// initialises: before the runtime starts, so that clean-up runs after the
// runtime's I/O threads stopped (src/runtime.hpp). (With no option bits
// OPENSSL_init_crypto() returns at once and initialises nothing.)
void init_openssl() { OPENSSL_init_crypto(OPENSSL_INIT_ADD_ALL_DIGESTS, nullptr); }
}  // namespace

void register_builtin_transport_ws() {
  before_runtime_start(&init_openssl);
  // SHA-1 leaves OpenSSL per-thread state on the I/O threads: free it as they end.
  at_io_thread_exit(&OPENSSL_thread_stop);
  register_transport(std::make_shared<WsTransport>(Security::plain));
  register_transport(std::make_shared<WsTransport>(Security::tls));
}
}  // namespace detail

}  // namespace sprocket
