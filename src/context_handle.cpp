// The public Context: a handle on a channel of the socket core.
#include "sprocket/context.hpp"

#include "socket_access.hpp"

namespace sprocket {

Context::Context(Socket& socket, std::error_code& ec) : core_(detail::SocketAccess::core(socket)) {
  if (!core_) {  // a moved-from socket
    ec = errc::closed;
    return;
  }
  id_ = core_->open_context(ec);
  if (ec) core_.reset();
}

Context::Context(Socket& socket) {
  std::error_code ec;
  *this = Context(socket, ec);
  if (ec == errc::not_supported) {
    throw std::system_error(ec, "context: this socket's protocol (or raw mode) has no contexts");
  }
  throw_if(ec, "context");
}

Context::~Context() { close(); }

Context::Context(Context&& other) noexcept
    : core_(std::move(other.core_)), id_(std::exchange(other.id_, 0)) {}

Context& Context::operator=(Context&& other) noexcept {
  if (this != &other) {
    close();
    core_ = std::move(other.core_);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

// Keeps core_: other threads may be in send/recv on this context right
// now, reading it. The core forgets the id, so they (and later calls) get
// errc::closed; only destruction or a move releases the core.
void Context::close() {
  if (core_) core_->close_context(id_);
}

void Context::send(Message&& m, std::error_code& ec) {
  ec = core_ ? core_->send(m, true, id_) : make_error_code(errc::closed);
}
void Context::send(Message&& m) {
  std::error_code ec;
  send(std::move(m), ec);
  throw_if(ec, "context send");
}
void Context::send(std::string_view text, std::error_code& ec) { send(Message(text), ec); }
void Context::send(std::string_view text) { send(Message(text)); }
void Context::send(std::span<const std::byte> bytes, std::error_code& ec) {
  send(Message(bytes), ec);
}
void Context::send(std::span<const std::byte> bytes) { send(Message(bytes)); }

Message Context::recv(std::error_code& ec) {
  Message m;
  ec = core_ ? core_->recv(m, true, id_) : make_error_code(errc::closed);
  return m;
}
Message Context::recv() {
  std::error_code ec;
  Message m = recv(ec);
  throw_if(ec, "context recv");
  return m;
}
void Context::try_send(Message&& m, std::error_code& ec) {
  ec = core_ ? core_->send(m, false, id_) : make_error_code(errc::closed);
}
void Context::try_send(std::string_view text, std::error_code& ec) { try_send(Message(text), ec); }
void Context::try_send(std::span<const std::byte> bytes, std::error_code& ec) {
  try_send(Message(bytes), ec);
}
Message Context::try_recv(std::error_code& ec) {
  Message m;
  ec = core_ ? core_->recv(m, false, id_) : make_error_code(errc::closed);
  return m;
}

void Context::set_send_timeout(duration d) {
  if (core_) core_->set_context_timeout(id_, true, d);
}
void Context::set_recv_timeout(duration d) {
  if (core_) core_->set_context_timeout(id_, false, d);
}
Context::duration Context::send_timeout() const {
  return core_ ? core_->context_timeout(id_, true) : duration(-1);
}
Context::duration Context::recv_timeout() const {
  return core_ ? core_->context_timeout(id_, false) : duration(-1);
}

}  // namespace sprocket
