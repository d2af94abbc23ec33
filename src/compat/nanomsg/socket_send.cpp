// nn_send on one socket: plain sends (directly, or through the send slot
// once NN_SNDFD is in use), requests and surveys (each on a fresh
// exchange), and replies (along the route of the request taken last).
#include "nanomsg/nn.h"
#include "nanomsg/reqrep.h"
#include "nanomsg/survey.h"
#include "src/compat/nanomsg/errors.hpp"
#include "src/compat/nanomsg/nn_socket.hpp"

namespace sprocket::nanomsg {

int NnSocket::send(Message& m, int flags) {
  if (closed()) return fail_closed();
  switch (role()) {
    case Role::asker: return send_asker(m);
    case Role::answerer: return send_answerer(m);
    case Role::plain: break;
  }
  Deadline deadline;
  {
    std::lock_guard lock(mu_);
    if (!(flags & NN_DONTWAIT)) deadline = deadline_after(options_.sndtimeo);
  }
  if (send_slot_) return send_slotted(m, flags, deadline);
  return send_plain(m, flags, deadline);
}

int NnSocket::send_plain(Message& m, int flags, Deadline) {
  std::error_code ec;
  const auto size = static_cast<int>(m.size());
  if (flags & NN_DONTWAIT) {
    socket_.try_send(std::move(m), ec);
  } else {
    socket_.send(std::move(m), ec);  // waits up to NN_SNDTIMEO (the socket's timeout)
  }
  // A raw REP or RESPONDENT drops a reply whose header names no route,
  // as nanomsg's do, instead of failing.
  bool answers = traits_.nn_protocol == NN_REP || traits_.nn_protocol == NN_RESPONDENT;
  if (ec == errc::invalid_argument && raw_ && answers) return size;
  return ec ? fail(ec, Action::transfer) : size;
}

// A message that cannot go now waits in the slot and goes asynchronously;
// the next send waits (or fails with EAGAIN) until the slot is free again.
int NnSocket::send_slotted(Message& m, int flags, Deadline deadline) {
  std::unique_lock lock(mu_);
  for (;;) {
    if (closed_) return fail_closed();
    if (!send_busy_) {
      std::error_code ec;
      const auto size = static_cast<int>(m.size());
      socket_.try_send(std::move(m), ec);
      if (!ec) return size;
      if (ec != errc::would_block) return fail(ec, Action::transfer);
      send_busy_ = true;
      refresh_fds();
      socket_.async_send(std::move(m), [weak = weak_from_this(), token = ++send_token_](
                                           std::error_code sent) {
        if (auto self = weak.lock()) self->on_slot_sent(token, sent);
      });
      return size;
    }
    if (flags & NN_DONTWAIT) return fail(EAGAIN);
    if (deadline && Clock::now() >= *deadline) return fail(ETIMEDOUT);
    wait(lock, deadline);
  }
}

void NnSocket::on_slot_sent(std::uint64_t token, std::error_code) {
  std::lock_guard lock(mu_);
  if (token != send_token_) return;
  send_busy_ = false;
  refresh_fds();
  cv_.notify_all();
}

// With mu_ held: from now on sends that must wait go through the slot.
void NnSocket::enable_send_slot() {
  if (send_slot_ || role() != Role::plain || !traits_.send_may_block) return;
  send_slot_ = true;
  // The slot's asynchronous send must not time out: NN_SNDTIMEO is applied here.
  socket_.set_send_timeout(std::chrono::nanoseconds(-1));
}

std::shared_ptr<Context> NnSocket::open_context(std::error_code& ec) {
  auto ctx = std::make_shared<Context>(socket_, ec);
  if (ec) return nullptr;
  return ctx;
}

// A new request or survey: a fresh exchange that abandons the previous one
// (its late reply, or its pending receive, can no longer reach the program).
int NnSocket::send_asker(Message& m) {
  std::error_code ec;
  auto ctx = open_context(ec);
  if (ec) return fail(ec, Action::transfer);
  ctx->set_send_timeout(std::chrono::nanoseconds(-1));  // a request waits for a peer forever
  std::shared_ptr<Context> old;
  std::uint64_t serial = 0;
  {
    std::lock_guard lock(mu_);
    if (closed_) {
      ctx->close();
      return fail_closed();
    }
    old = std::move(exchange_.context);
    serial = exchange_.serial + 1;
    exchange_ = Exchange{};
    exchange_.context = ctx;
    exchange_.serial = serial;
    rslot_.state = RecvSlot::State::idle;  // what it held or awaited was the old exchange's
    rslot_.message = Message{};
    rslot_.context.reset();
    refresh_fds();
  }
  if (old) old->close();
  const auto size = static_cast<int>(m.size());
  ctx->try_send(std::move(m), ec);
  if (!ec) {
    on_request_sent(serial, ec);
    return size;
  }
  if (ec == errc::would_block && traits_.is_req) {
    // nanomsg's REQ never blocks: the request goes when a peer can take it.
    {
      std::lock_guard lock(mu_);
      if (exchange_.serial == serial) exchange_.send_pending = true;
    }
    ctx->async_send(std::move(m), [weak = weak_from_this(), serial](std::error_code sent) {
      if (auto self = weak.lock()) self->on_request_sent(serial, sent);
    });
    return size;
  }
  {
    std::lock_guard lock(mu_);
    if (exchange_.serial == serial) exchange_.context.reset();
  }
  ctx->close();
  return fail(ec, Action::transfer);
}

void NnSocket::on_request_sent(std::uint64_t serial, std::error_code ec) {
  std::lock_guard lock(mu_);
  if (exchange_.serial != serial) return;
  exchange_.send_pending = false;
  exchange_.send_error = ec;
  if (!ec && lookahead_) arm_receive();
  refresh_fds();
  cv_.notify_all();
}

int NnSocket::send_answerer(Message& m) {
  ReplyTo to;
  std::shared_ptr<Context> ctx;
  {
    std::lock_guard lock(mu_);
    if (closed_) return fail_closed();
    to = reply_to_;
    ctx = std::move(reply_context_);
    reply_to_ = ReplyTo::nobody;
  }
  if (to == ReplyTo::nobody) return fail(EFSM);
  std::error_code ec;
  const auto size = static_cast<int>(m.size());
  if (to == ReplyTo::socket) {
    socket_.try_send(std::move(m), ec);  // replies never wait
  } else {
    ctx->try_send(std::move(m), ec);
    ctx->close();
  }
  return ec ? fail(ec, Action::transfer) : size;
}

}  // namespace sprocket::nanomsg
