// tls+tcp://host:port — the SP TCP mapping inside a TLS session (nanomsg's
// sp-tls-mapping: TCP, the TLS handshake, then the 8-byte SP header and
// length-prefixed frames). Addresses, dialing, binding and socket options
// are tcp's (transports/tcp/tcp_traits.hpp); the connection is the stream
// pump over a TLS stream (stream.hpp); certificates come from the
// endpoint's TlsConfig, loaded and checked when the endpoint is made
// (context.hpp).
#include <string>

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "runtime.hpp"
#include "transports/tcp/tcp_traits.hpp"
#include "transports/tls/stream.hpp"

namespace sprocket {
namespace {

struct TlsAddress {
  TcpAddress tcp;
  std::shared_ptr<tls::Context> context;
};

// What the stream dialer and listener need (transports/stream/endpoints.hpp).
struct TlsTraits {
  using protocol_type = asio::ip::tcp;
  using Address = TlsAddress;

  static void connect(asio::ip::tcp::socket& s, const Address& a,
                      detail::UniqueFunction<void(std::error_code)> done) {
    TcpTraits::connect(s, a.tcp, std::move(done));
  }
  static std::error_code bind(asio::ip::tcp::acceptor& acceptor, const Address& a) {
    return TcpTraits::bind(acceptor, a.tcp);
  }
  static void unbind(const Address&) {}
  static void configure(asio::ip::tcp::socket& s, const EndpointOptions& o) {
    TcpTraits::configure(s, o);
  }
  static std::string describe(const asio::ip::tcp::socket& s) {
    return "tls+" + TcpTraits::describe(s);  // "tls+tcp://ip:port"
  }

  static void start_connection(asio::ip::tcp::socket socket, std::shared_ptr<SocketPort> port,
                               std::string peer, const Address& a, bool, LinkHandler done) {
    using Wire = tls::TlsWire<stream::SpWire>;
    Wire wire(stream::SpWire(stream::Framing::tcp, port->protocol_id()), a.context);
    stream::Pump<tls::TlsStream, Wire>::start(a.context->wrap(std::move(socket)), std::move(wire),
                                              std::move(port), std::move(peer), std::move(done));
  }
};

class TlsTransport final : public Transport {
 public:
  std::string_view scheme() const noexcept override { return "tls+tcp"; }
  bool uses_tls() const noexcept override { return true; }

  std::unique_ptr<TransportDialer> make_dialer(const Url& url, std::shared_ptr<SocketPort> socket,
                                               const EndpointOptions& options,
                                               std::error_code& ec) override {
    auto address = parse(url, options, tls::Side::client, ec);
    if (ec) return nullptr;
    return std::make_unique<stream::StreamDialer<TlsTraits>>(std::move(address),
                                                             std::move(socket), options);
  }

  std::unique_ptr<TransportListener> make_listener(const Url& url,
                                                   std::shared_ptr<SocketPort> socket,
                                                   const EndpointOptions& options,
                                                   std::error_code& ec) override {
    auto address = parse(url, options, tls::Side::server, ec);
    if (ec) return nullptr;
    return std::make_unique<stream::StreamListener<TlsTraits>>(std::move(address),
                                                               std::move(socket), options);
  }

 private:
  static TlsAddress parse(const Url& url, const EndpointOptions& options, tls::Side side,
                          std::error_code& ec) {
    TlsAddress a;
    Url tcp_url{url.text, "tcp", url.address};
    a.tcp = TcpTraits::parse(tcp_url, side == tls::Side::server, ec);
    if (ec) return a;
    a.context = tls::Context::make(options.tls.value_or(TlsConfig{}), side, a.tcp.host, ec);
    return a;
  }
};

}  // namespace

namespace detail {
namespace {
// OpenSSL registers its clean-up at exit when it initialises: before the
// runtime starts, so that clean-up runs after the runtime's I/O threads
// stopped (src/runtime.hpp).
void init_openssl_ssl() { OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS, nullptr); }
}  // namespace

void register_builtin_transport_tls() {
  before_runtime_start(&init_openssl_ssl);
  // TLS sessions leave OpenSSL per-thread state on the I/O threads.
  at_io_thread_exit(&OPENSSL_thread_stop);
  register_transport(std::make_shared<TlsTransport>());
}
}  // namespace detail

}  // namespace sprocket
