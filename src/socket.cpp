// The public Socket, Dialer and Listener: thin wrappers over SocketCore and
// the endpoints, adding the throwing overloads and error messages. A
// moved-from Socket has no core and behaves as a closed one: operations
// fail with errc::closed, setters do nothing, getters return zero values
// (timeouts -1 ns: none).
#include "sprocket/socket.hpp"

#include <fmt/format.h>

#include "endpoint.hpp"
#include "error_detail.hpp"
#include "socket_core.hpp"

namespace sprocket {
namespace {

[[noreturn]] void throw_for(std::error_code ec, std::string_view what) {
  throw std::system_error(ec, std::string(what));
}

/// "dial tcp://h:99999: port 99999 is out of range 0..65535" when the
/// failing call left a detail (src/error_detail.hpp), else "dial tcp://h:1".
[[noreturn]] void throw_endpoint_error(std::error_code ec, std::string_view verb, std::string_view url) {
  auto detail = detail::take_error_detail();
  if (detail.empty()) throw_for(ec, fmt::format("{} {}", verb, url));
  throw_for(ec, fmt::format("{} {}: {}", verb, url, detail));
}

/// `text` in double quotes, bytes outside printable ASCII as \xNN.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  return out + '"';
}

std::error_code closed() { return make_error_code(errc::closed); }

constexpr std::chrono::nanoseconds kNoTimeout{-1};

}  // namespace

// ------------------------------------------------------------------ Socket

Socket::Socket(Protocol protocol, SocketOptions options)
    : core_(detail::SocketCore::create(protocol, options, {})) {}

Socket::Socket(Protocol protocol, SocketOptions options, asio::any_io_executor executor)
    : core_(detail::SocketCore::create(protocol, options, std::move(executor))) {}

// No pipe-event callback runs once the destructor returns (callback_slot.hpp).
Socket::~Socket() {
  if (!core_) return;
  core_->set_pipe_callback({});
  core_->close();
}

Socket::Socket(Socket&&) noexcept = default;

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    if (core_) {
      core_->set_pipe_callback({});
      core_->close();
    }
    core_ = std::move(other.core_);
  }
  return *this;
}

Dialer Socket::dial(std::string_view url, const EndpointOptions& options, std::error_code& ec) {
  if (!core_) {
    ec = closed();
    return {};
  }
  auto ep = core_->add_endpoint(url, options, false, ec);
  if (ec) return {};
  if (options.wait_connected) {
    auto timeout = core_->timeout(true);
    if (timeout.count() < 0) timeout = std::chrono::seconds(10);
    ec = detail::wait_first_connection(*ep, timeout);
    if (ec) {
      ep->close();
      return {};
    }
  }
  return Dialer(std::move(ep));
}

Dialer Socket::dial(std::string_view url, const EndpointOptions& options) {
  std::error_code ec;
  detail::take_error_detail();  // only this call's detail may reach the message
  auto d = dial(url, options, ec);
  if (ec) throw_endpoint_error(ec, "dial", url);
  return d;
}

Listener Socket::listen(std::string_view url, const EndpointOptions& options,
                        std::error_code& ec) {
  if (!core_) {
    ec = closed();
    return {};
  }
  auto ep = core_->add_endpoint(url, options, true, ec);
  if (ec) return {};
  return Listener(std::move(ep));
}

Listener Socket::listen(std::string_view url, const EndpointOptions& options) {
  std::error_code ec;
  detail::take_error_detail();
  auto l = listen(url, options, ec);
  if (ec) throw_endpoint_error(ec, "listen", url);
  return l;
}

void Socket::send(Message&& m, std::error_code& ec) { ec = core_ ? core_->send(m, true) : closed(); }

void Socket::send(Message&& m) {
  std::error_code ec;
  send(std::move(m), ec);
  if (ec) throw_for(ec, "send");
}

void Socket::send(std::string_view text, std::error_code& ec) { send(Message(text), ec); }
void Socket::send(std::string_view text) { send(Message(text)); }
void Socket::send(std::span<const std::byte> bytes, std::error_code& ec) {
  send(Message(bytes), ec);
}
void Socket::send(std::span<const std::byte> bytes) { send(Message(bytes)); }

void Socket::wait_for_pipes(std::size_t n, duration timeout, std::error_code& ec) {
  ec = core_->wait_for_pipes(n, timeout);
}

void Socket::wait_for_pipes(std::size_t n, duration timeout) {
  std::error_code ec;
  wait_for_pipes(n, timeout, ec);
  if (ec) throw_for(ec, fmt::format("wait for {} pipes", n));
}

Message Socket::recv(std::error_code& ec) {
  Message m;
  ec = core_ ? core_->recv(m, true) : closed();
  return m;
}

Message Socket::recv() {
  std::error_code ec;
  Message m = recv(ec);
  if (ec) throw_for(ec, "recv");
  return m;
}

void Socket::try_send(Message&& m, std::error_code& ec) {
  ec = core_ ? core_->send(m, false) : closed();
}
void Socket::try_send(std::string_view text, std::error_code& ec) { try_send(Message(text), ec); }
void Socket::try_send(std::span<const std::byte> bytes, std::error_code& ec) {
  try_send(Message(bytes), ec);
}

Message Socket::try_recv(std::error_code& ec) {
  Message m;
  ec = core_ ? core_->recv(m, false) : closed();
  return m;
}

void Socket::close() {
  if (core_) core_->close();
}

void Socket::set_send_timeout(duration d) {
  if (core_) core_->set_timeout(true, d);
}
void Socket::set_recv_timeout(duration d) {
  if (core_) core_->set_timeout(false, d);
}
Socket::duration Socket::send_timeout() const { return core_ ? core_->timeout(true) : kNoTimeout; }
Socket::duration Socket::recv_timeout() const { return core_ ? core_->timeout(false) : kNoTimeout; }
void Socket::set_send_buffer(std::size_t messages) {
  if (core_) core_->set_buffer(true, messages);
}
void Socket::set_recv_buffer(std::size_t messages) {
  if (core_) core_->set_buffer(false, messages);
}
std::size_t Socket::send_buffer() const { return core_ ? core_->send_buffer() : 0; }
std::size_t Socket::recv_buffer() const { return core_ ? core_->recv_buffer() : 0; }
void Socket::set_recv_max_size(std::size_t bytes) {
  if (core_) core_->set_recv_max(bytes);
}
std::size_t Socket::recv_max_size() const { return core_ ? core_->recv_max_size() : 0; }
void Socket::set_linger(duration d) {
  if (core_) core_->set_linger(d);
}
Socket::duration Socket::linger() const { return core_ ? core_->linger() : duration::zero(); }
void Socket::set_max_ttl(int hops) {
  if (hops < 1 || hops > 15) {
    throw std::system_error(make_error_code(errc::invalid_argument),
                            fmt::format("set_max_ttl: {} is outside 1..15", hops));
  }
  if (core_) core_->set_max_ttl(hops);
}
int Socket::max_ttl() const { return core_ ? core_->max_ttl() : 0; }
void Socket::set_resend_interval(duration d) {
  if (core_) core_->set_resend_interval(d);
}
Socket::duration Socket::resend_interval() const {
  return core_ ? core_->resend_interval() : kNoTimeout;
}
void Socket::set_survey_deadline(duration d) {
  if (core_) core_->set_survey_deadline(d);
}
Socket::duration Socket::survey_deadline() const {
  return core_ ? core_->survey_deadline() : duration::zero();
}

void Socket::subscribe(std::string_view prefix, std::error_code& ec) {
  ec = core_ ? core_->set_protocol_option("subscribe", std::as_bytes(std::span(prefix))) : closed();
}
void Socket::subscribe(std::string_view prefix) {
  std::error_code ec;
  subscribe(prefix, ec);
  if (ec) throw_for(ec, fmt::format("subscribe {}", quoted(prefix)));
}
void Socket::unsubscribe(std::string_view prefix, std::error_code& ec) {
  ec = core_ ? core_->set_protocol_option("unsubscribe", std::as_bytes(std::span(prefix)))
             : closed();
}
void Socket::unsubscribe(std::string_view prefix) {
  std::error_code ec;
  unsubscribe(prefix, ec);
  if (ec == errc::invalid_argument) {
    throw_for(ec, fmt::format("unsubscribe {}: no such subscription (never subscribed, or "
                              "already unsubscribed as often as subscribed)",
                              quoted(prefix)));
  }
  if (ec) throw_for(ec, fmt::format("unsubscribe {}", quoted(prefix)));
}

void Socket::set_handshake_timeout(duration d) {
  if (core_) core_->set_handshake_timeout(d);
}
Socket::duration Socket::handshake_timeout() const {
  return core_ ? core_->handshake_timeout() : duration::zero();
}

void Socket::on_pipe_event(std::function<void(const PipeEvent&)> callback) {
  if (core_) core_->set_pipe_callback(std::move(callback));
}

Stats Socket::stats() const { return core_ ? core_->stats() : Stats{}; }
Protocol Socket::protocol() const { return core_ ? core_->protocol() : Protocol{}; }
bool Socket::raw() const { return core_ && core_->socket_options().raw; }
asio::any_io_executor Socket::get_executor() const {
  return core_ ? core_->executor() : asio::any_io_executor{};
}

// ------------------------------------------------------------------ endpoints

void Dialer::close() {
  if (impl_) impl_->close();
}

const std::string& Dialer::url() const {
  static const std::string none;
  return impl_ ? impl_->url() : none;
}

void Listener::close() {
  if (impl_) impl_->close();
}

const std::string& Listener::url() const {
  static const std::string none;
  return impl_ ? impl_->url() : none;
}

std::uint16_t Listener::port() const { return impl_ ? impl_->port() : 0; }

}  // namespace sprocket
