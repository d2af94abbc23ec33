// Contexts in the core: each is a Channel (waiters and timeouts) keyed by an
// id the protocol also knows; see ProtocolHandler::open_context().
#include "socket_core.hpp"

namespace sprocket::detail {

std::uint32_t SocketCore::open_context(std::error_code& ec) {
  Lock lock(*this);
  if (state_ != State::open) {
    ec = errc::closed;
    return 0;
  }
  std::uint32_t id = next_context_++;
  ec = proto_->open_context(id);
  if (ec) return 0;
  auto ch = std::make_unique<Channel>();
  // A context starts with its socket's timeouts.
  ch->send_timeout_ns.store(socket_channel_.send_timeout_ns.load());
  ch->recv_timeout_ns.store(socket_channel_.recv_timeout_ns.load());
  contexts_.emplace(id, std::move(ch));
  return id;
}

void SocketCore::close_context(std::uint32_t ctx) {
  Lock lock(*this);
  auto it = contexts_.find(ctx);
  if (it == contexts_.end()) return;
  fail_channel(*it->second, errc::closed);
  contexts_.erase(it);
  if (state_ == State::open) proto_->close_context(ctx);
}

void SocketCore::set_context_timeout(std::uint32_t ctx, bool send, std::chrono::nanoseconds d) {
  Lock lock(*this);
  if (Channel* ch = channel(ctx))
    (send ? ch->send_timeout_ns : ch->recv_timeout_ns).store(d.count() < 0 ? -1 : d.count());
}

std::chrono::nanoseconds SocketCore::context_timeout(std::uint32_t ctx, bool send) const {
  if (ctx == 0) return timeout_locked(0, send);  // the socket channel never goes away
  std::lock_guard lock(mu_);
  return timeout_locked(ctx, send);
}

std::chrono::nanoseconds SocketCore::timeout_locked(std::uint32_t ctx, bool send) const {
  const Channel* ch = channel(ctx);
  if (!ch) return std::chrono::nanoseconds(-1);
  return std::chrono::nanoseconds((send ? ch->send_timeout_ns : ch->recv_timeout_ns).load());
}

}  // namespace sprocket::detail
