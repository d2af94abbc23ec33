// Readiness: the NN_RCVFD / NN_SNDFD descriptors and what nn_poll asks.
#include <system_error>

#include "nanomsg/nn.h"
#include "src/compat/nanomsg/errors.hpp"
#include "src/compat/nanomsg/nn_socket.hpp"

namespace sprocket::nanomsg {

bool NnSocket::readable_locked() const {
  return closed_ || (lookahead_ && rslot_.state == RecvSlot::State::full);
}

// Sockets whose sends never wait (REQ, REP, PUB, BUS, SURVEYOR...) are
// always writable; the others while their send slot is free.
bool NnSocket::writable_locked() const {
  if (closed_ || role() != Role::plain || !traits_.send_may_block) return true;
  return send_slot_ && !send_busy_;
}

void NnSocket::refresh_fds() {
  if (rcv_fd_) rcv_fd_->set(readable_locked());
  if (snd_fd_) snd_fd_->set(writable_locked());
}

int NnSocket::prepare_poll(short events, int& rcv_fd, int& snd_fd) {
  if (closed()) return fail_closed();
  std::lock_guard lock(mu_);
  return prepare_poll_locked(events, rcv_fd, snd_fd);
}

int NnSocket::prepare_poll_locked(short events, int& rcv_fd, int& snd_fd) {
  rcv_fd = snd_fd = -1;
  if ((events & NN_POLLIN) && !traits_.receives) return fail(ENOPROTOOPT);
  if ((events & NN_POLLOUT) && !traits_.sends) return fail(ENOPROTOOPT);
  try {
    if ((events & NN_POLLIN) && !rcv_fd_) rcv_fd_ = std::make_unique<SignalFd>();
    if ((events & NN_POLLOUT) && !snd_fd_) snd_fd_ = std::make_unique<SignalFd>();
  } catch (const std::system_error&) {
    return fail(EMFILE);
  }
  if (events & NN_POLLIN) {
    enable_lookahead();
    rcv_fd = rcv_fd_->fd();
  }
  if (events & NN_POLLOUT) {
    enable_send_slot();
    snd_fd = snd_fd_->fd();
  }
  refresh_fds();
  return 0;
}

short NnSocket::ready_events(short events) {
  std::lock_guard lock(mu_);
  short ready = 0;
  if ((events & NN_POLLIN) && readable_locked()) ready |= NN_POLLIN;
  if ((events & NN_POLLOUT) && writable_locked()) ready |= NN_POLLOUT;
  return ready;
}

}  // namespace sprocket::nanomsg
