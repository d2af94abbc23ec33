// Dialer and listener for stream transports, written once over a Traits
// class that supplies what differs between tcp and ipc:
//
//   using protocol_type;                 asio::ip::tcp or asio::local::stream_protocol
//   using Address;                       the parsed URL address
//   static constexpr Framing framing;
//   static Address parse(const Url&, bool listen, std::error_code&);
//   static void connect(socket&, const Address&, handler(error_code));   async, resolving names
//   static std::error_code bind(acceptor&, const Address&);              open, bind, listen
//   static void unbind(const Address&);                                  after close (ipc unlinks)
//   static void configure(socket&, const EndpointOptions&);              nodelay, keepalive
//   static std::string describe(const socket&);                          the peer, for events
//   static void start_connection(socket, port, peer, address, bool dialer, LinkHandler);
//                                                     handshake and run (Connection for tcp/ipc)
#pragma once

#include <chrono>
#include <memory>
#include <mutex>

#include <asio/bind_executor.hpp>
#include <asio/dispatch.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include "transports/stream/connection.hpp"
#include "transports/stream/io_strand.hpp"

namespace sprocket::stream {

/// Maps the I/O error of a failed attempt onto sprocket's codes.
inline std::error_code attempt_error(std::error_code ec) { return map_io_error(ec); }

template <class Traits>
class StreamDialer final : public TransportDialer {
  using Socket = typename Traits::protocol_type::socket;

 public:
  StreamDialer(typename Traits::Address address, std::shared_ptr<SocketPort> port,
               const EndpointOptions& options)
      : address_(std::move(address)), port_(std::move(port)), options_(options) {}
  ~StreamDialer() override { close(); }

  void connect(LinkHandler done) override {
    auto port = port_.lock();
    if (!port) return done(errc::closed, {});
    auto attempt = std::make_shared<Attempt>(make_io_strand(port->executor()));
    {
      std::lock_guard lock(mu_);
      if (closed_) return done(errc::closed, {});
      attempt_ = attempt;
    }
    // Started on the attempt's strand, where close() cancels it, so the two
    // never touch the socket at once (a close while the connect was being
    // started raced on the socket's state).
    asio::dispatch(attempt->socket.get_executor(), [attempt, port, options = options_,
                                                    address = address_,
                                                    done = std::move(done)]() mutable {
      if (attempt->cancelled) return done(errc::closed, {});
      Traits::connect(
          attempt->socket, address,
          [attempt, port, options, address, done = std::move(done)](std::error_code ec) mutable {
            if (ec) return done(attempt_error(ec), {});
            Traits::configure(attempt->socket, options);
            auto peer = Traits::describe(attempt->socket);
            Traits::start_connection(std::move(attempt->socket), port, std::move(peer), address,
                                     true, std::move(done));
          });
    });
  }

  void close() override {
    std::shared_ptr<Attempt> attempt;
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      attempt = attempt_.lock();
    }
    // The attempt's own strand serialises this with its start and handlers.
    if (attempt)
      asio::post(attempt->socket.get_executor(), [attempt] {
        attempt->cancelled = true;
        std::error_code ignored;
        attempt->socket.close(ignored);
      });
  }

 private:
  // One connection attempt; everything in it is used on its socket's strand.
  struct Attempt {
    explicit Attempt(asio::any_io_executor strand) : socket(std::move(strand)) {}
    Socket socket;
    bool cancelled = false;  // close() came first: the attempt must not start
  };

  const typename Traits::Address address_;
  std::weak_ptr<SocketPort> port_;
  const EndpointOptions options_;
  std::mutex mu_;
  bool closed_ = false;
  std::weak_ptr<Attempt> attempt_;
};

template <class Traits>
class StreamListener final : public TransportListener {
  using Acceptor = typename Traits::protocol_type::acceptor;
  using Socket = typename Traits::protocol_type::socket;
  using OnLink = std::shared_ptr<detail::UniqueFunction<void(std::error_code, PeerLink)>>;

  // Shared with the accept loop, which may outlive this object briefly. The
  // mutex guards the acceptor and the retry timer: close() shuts them from
  // any thread at once, instead of waiting for the loop's strand (close()
  // never blocks, and the port is free when it returns).
  struct State {
    State(const asio::any_io_executor& ex, typename Traits::Address a)
        : strand(make_io_strand(ex)), acceptor(strand), retry(strand), address(std::move(a)) {}
    asio::any_io_executor strand;
    std::mutex mu;
    Acceptor acceptor;
    asio::steady_timer retry;
    bool closed = false;
    const typename Traits::Address address;
  };

 public:
  StreamListener(typename Traits::Address address, std::shared_ptr<SocketPort> port,
                 const EndpointOptions& options)
      : address_(std::move(address)),
        port_(port),
        options_(options),
        state_(std::make_shared<State>(port->executor(), address_)) {}
  ~StreamListener() override { close(); }

  std::error_code bind() override {
    std::lock_guard lock(state_->mu);
    auto ec = Traits::bind(state_->acceptor, address_);
    if (!ec) {
      bound_ = true;
      std::error_code ignored;
      auto local = state_->acceptor.local_endpoint(ignored);
      if constexpr (requires { local.port(); }) bound_port_ = local.port();
    }
    return ec;
  }

  void accept(detail::UniqueFunction<void(std::error_code, PeerLink)> on_link) override {
    auto cb = std::make_shared<detail::UniqueFunction<void(std::error_code, PeerLink)>>(
        std::move(on_link));
    asio::post(state_->strand, [state = state_, port = port_, options = options_, cb] {
      accept_next(state, port, options, cb);
    });
  }

  std::uint16_t port() const noexcept override { return bound_port_; }

  void close() override {
    if (!bound_) return;
    bound_ = false;
    {
      std::lock_guard lock(state_->mu);
      state_->closed = true;
      std::error_code ignored;
      state_->acceptor.close(ignored);  // a pending accept completes with operation_aborted
      state_->retry.cancel();
    }
    Traits::unbind(address_);
  }

 private:
  static void accept_next(std::shared_ptr<State> state, std::weak_ptr<SocketPort> weak_port,
                          EndpointOptions options, OnLink cb) {
    auto port = weak_port.lock();
    if (!port) return;
    std::lock_guard lock(state->mu);
    if (state->closed) return;
    state->acceptor.async_accept(
        make_io_strand(port->executor()),
        asio::bind_executor(state->strand, [state, weak_port, options, cb](std::error_code ec,
                                                                          Socket socket) {
          if (ec == asio::error::operation_aborted) return;
          auto port = weak_port.lock();
          if (!port) return;
          if (ec) return retry_later(state, weak_port, options, cb, ec);
          Traits::configure(socket, options);
          auto peer = Traits::describe(socket);
          Traits::start_connection(std::move(socket), port, std::move(peer), state->address, false,
                                   [cb](std::error_code e, PeerLink link) {
                                     (*cb)(e, std::move(link));
                                   });
          accept_next(state, weak_port, options, cb);
        }));
  }

  // Out of descriptors or similar: say so, breathe, go on accepting.
  static void retry_later(std::shared_ptr<State> state, std::weak_ptr<SocketPort> weak_port,
                          EndpointOptions options, OnLink cb, std::error_code ec) {
    (*cb)(ec, PeerLink{});
    std::lock_guard lock(state->mu);
    if (state->closed) return;
    state->retry.expires_after(std::chrono::milliseconds(100));
    state->retry.async_wait([state, weak_port, options, cb](std::error_code e) {
      if (!e) accept_next(state, weak_port, options, cb);
    });
  }

  const typename Traits::Address address_;
  std::weak_ptr<SocketPort> port_;
  const EndpointOptions options_;
  std::shared_ptr<State> state_;
  bool bound_ = false;
  std::uint16_t bound_port_ = 0;
};

/// The Transport for a Traits class and a scheme.
template <class Traits>
class StreamTransport final : public Transport {
 public:
  explicit StreamTransport(std::string_view scheme) : scheme_(scheme) {}
  std::string_view scheme() const noexcept override { return scheme_; }

  std::unique_ptr<TransportDialer> make_dialer(const Url& url, std::shared_ptr<SocketPort> socket,
                                               const EndpointOptions& options,
                                               std::error_code& ec) override {
    auto address = Traits::parse(url, false, ec);
    if (ec) return nullptr;
    return std::make_unique<StreamDialer<Traits>>(std::move(address), std::move(socket), options);
  }

  std::unique_ptr<TransportListener> make_listener(const Url& url,
                                                   std::shared_ptr<SocketPort> socket,
                                                   const EndpointOptions& options,
                                                   std::error_code& ec) override {
    auto address = Traits::parse(url, true, ec);
    if (ec) return nullptr;
    return std::make_unique<StreamListener<Traits>>(std::move(address), std::move(socket),
                                                    options);
  }

 private:
  std::string_view scheme_;
};

}  // namespace sprocket::stream
