// nn_recv on one socket: directly on the sprocket socket, through the
// current exchange (REQ, SURVEYOR), or from the look-ahead slot.
#include "nanomsg/nn.h"
#include "src/compat/nanomsg/errors.hpp"
#include "src/compat/nanomsg/nn_socket.hpp"

namespace sprocket::nanomsg {

std::chrono::nanoseconds NnSocket::remaining(Deadline deadline) {
  if (!deadline) return std::chrono::nanoseconds(-1);
  auto left = *deadline - Clock::now();
  return left.count() > 0 ? std::chrono::duration_cast<std::chrono::nanoseconds>(left)
                          : std::chrono::nanoseconds(0);
}

int NnSocket::finish_recv(Message& m, std::error_code ec) {
  if (ec) return fail(ec, Action::transfer);
  return static_cast<int>(m.size());
}

int NnSocket::recv(Message& m, int flags) {
  if (closed()) return fail_closed();
  Deadline deadline;
  {
    std::unique_lock lock(mu_);
    if (!(flags & NN_DONTWAIT)) deadline = deadline_after(options_.rcvtimeo);
    if (lookahead_) return recv_lookahead(lock, m, flags, deadline);
  }
  if (role() == Role::asker) return recv_asker_direct(m, flags, deadline);
  return recv_direct(m, flags, deadline);
}

// Plain and answering sockets before look-ahead: sprocket's own receive,
// with the socket's timeout (NN_RCVTIMEO).
int NnSocket::recv_direct(Message& m, int flags, Deadline) {
  std::error_code ec;
  m = (flags & NN_DONTWAIT) ? socket_.try_recv(ec) : socket_.recv(ec);
  if (!ec && role() == Role::answerer) {
    std::shared_ptr<Context> old;
    {
      std::lock_guard lock(mu_);
      reply_to_ = ReplyTo::socket;
      old = std::move(reply_context_);
    }
    if (old) old->close();  // its request is forgotten, as nanomsg forgets it
  }
  return finish_recv(m, ec);
}

int NnSocket::recv_asker_direct(Message& m, int flags, Deadline deadline) {
  const bool dontwait = flags & NN_DONTWAIT;
  for (;;) {
    std::shared_ptr<Context> ctx;
    std::uint64_t serial = 0;
    {
      std::unique_lock lock(mu_);
      if (closed_) return fail_closed();
      if (lookahead_) return recv_lookahead(lock, m, flags, deadline);
      if (!exchange_.context) return fail(EFSM);
      if (exchange_.send_error) return fail(exchange_.send_error, Action::transfer);
      if (exchange_.send_pending) {  // the request still waits for a peer
        if (dontwait) return fail(EAGAIN);
        if (deadline && Clock::now() >= *deadline) return fail(ETIMEDOUT);
        wait(lock, deadline);
        continue;
      }
      ctx = exchange_.context;
      serial = exchange_.serial;
    }
    std::error_code ec;
    if (dontwait) {
      m = ctx->try_recv(ec);
    } else {
      ctx->set_recv_timeout(remaining(deadline));
      m = ctx->recv(ec);
    }
    std::lock_guard lock(mu_);
    if (ec == errc::closed && !closed_ && exchange_.serial != serial) continue;  // replaced
    bool ends = traits_.is_req ? !ec : ec == errc::timed_out;
    if (ends && exchange_.serial == serial) exchange_.finished = true;
    return finish_recv(m, ec);
  }
}

// With mu_ held. Takes what the slot holds, or waits for it.
int NnSocket::recv_lookahead(std::unique_lock<std::mutex>& lock, Message& m, int flags,
                             Deadline deadline) {
  for (;;) {
    if (closed_) return fail_closed();
    if (rslot_.state == RecvSlot::State::full) {
      m = std::move(rslot_.message);
      std::error_code ec = rslot_.result;
      std::shared_ptr<Context> from = std::move(rslot_.context);
      rslot_.state = RecvSlot::State::idle;
      after_take(from, ec);
      refresh_fds();
      return finish_recv(m, ec);
    }
    if (role() == Role::asker && rslot_.state == RecvSlot::State::idle) {
      if (!exchange_.context || exchange_.finished) return fail(EFSM);
      if (exchange_.send_error) return fail(exchange_.send_error, Action::transfer);
    }
    if (may_arm()) arm_receive();
    if (rslot_.state == RecvSlot::State::full) continue;
    if (flags & NN_DONTWAIT) return fail(EAGAIN);
    if (deadline && Clock::now() >= *deadline) return fail(ETIMEDOUT);
    wait(lock, deadline);
  }
}

// With mu_ held, after the program took the slot's message (or error).
void NnSocket::after_take(const std::shared_ptr<Context>& from, const std::error_code& ec) {
  switch (role()) {
    case Role::plain:
      if (!ec) arm_receive();
      return;
    case Role::answerer: {
      if (ec) return;
      std::shared_ptr<Context> old = std::move(reply_context_);
      reply_context_ = from;  // the reply goes back along this request's route
      reply_to_ = ReplyTo::context;
      if (old) old->close();
      arm_receive();
      return;
    }
    case Role::asker:
      // A REQ gets one reply; a survey collects until its deadline.
      if (traits_.is_req || ec) {
        exchange_.finished = true;
        return;
      }
      arm_receive();
      return;
  }
}

// With mu_ held: whether a receive may be started now.
bool NnSocket::may_arm() const {
  if (closed_ || rslot_.state != RecvSlot::State::idle) return false;
  if (role() != Role::asker) return true;
  return exchange_.context && !exchange_.send_pending && !exchange_.finished &&
         !exchange_.send_error;
}

// With mu_ held and the slot idle: fills the slot at once if something is
// there, else leaves an asynchronous receive pending.
void NnSocket::arm_receive() {
  if (!may_arm()) return;
  std::shared_ptr<Context> ctx;
  std::error_code ec;
  if (role() == Role::answerer) {
    ctx = open_context(ec);  // each request keeps its own route
  } else if (role() == Role::asker) {
    ctx = exchange_.context;
  }
  Message m;
  if (!ec) {
    if (ctx) ctx->set_recv_timeout(std::chrono::nanoseconds(-1));
    m = ctx ? ctx->try_recv(ec) : socket_.try_recv(ec);
  }
  rslot_.context = ctx;
  if (ec != errc::would_block) {
    rslot_.state = RecvSlot::State::full;
    rslot_.message = std::move(m);
    rslot_.result = ec;
    return;
  }
  rslot_.state = RecvSlot::State::armed;
  rslot_.token = next_token_++;
  start_async_receive(rslot_.token, ctx);
}

void NnSocket::start_async_receive(std::uint64_t token, const std::shared_ptr<Context>& ctx) {
  auto done = [weak = weak_from_this(), token](std::error_code ec, Message m) {
    if (auto self = weak.lock()) self->on_received(token, ec, std::move(m));
  };
  if (ctx) {
    ctx->async_recv(std::move(done));
  } else {
    socket_.async_recv(std::move(done));
  }
}

void NnSocket::on_received(std::uint64_t token, std::error_code ec, Message m) {
  std::lock_guard lock(mu_);
  // A receive for an exchange that has been replaced (or a slot reset by
  // a new request) delivers nothing: its message is dropped here.
  if (rslot_.state != RecvSlot::State::armed || rslot_.token != token) return;
  rslot_.state = RecvSlot::State::full;
  rslot_.message = std::move(m);
  rslot_.result = ec;
  refresh_fds();
  cv_.notify_all();
}

// With mu_ held: from now on every receive goes through the slot.
void NnSocket::enable_lookahead() {
  if (lookahead_) return;
  lookahead_ = true;
  // The pending receive must not time out: NN_RCVTIMEO is applied here.
  if (role() == Role::plain) socket_.set_recv_timeout(std::chrono::nanoseconds(-1));
  arm_receive();
}

}  // namespace sprocket::nanomsg
