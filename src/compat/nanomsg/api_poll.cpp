// nn_poll, nn_device and nn_get_statistic.
#include <poll.h>

#include <chrono>
#include <optional>
#include <vector>

#include "nanomsg/nn.h"
#include "sprocket/device.hpp"
#include "src/compat/nanomsg/errors.hpp"
#include "src/compat/nanomsg/socket_table.hpp"

namespace {

using sprocket::nanomsg::fail;
using sprocket::nanomsg::NnSocket;
using sprocket::nanomsg::SocketTable;
using sprocket::nanomsg::terminating;
using Clock = std::chrono::steady_clock;

struct Polled {
  std::shared_ptr<NnSocket> socket;
  int rcv_fd = -1;
  int snd_fd = -1;
};

// Fills revents from the sockets' state; returns how many are ready.
int collect(nn_pollfd* fds, const std::vector<Polled>& polled) {
  int ready = 0;
  for (std::size_t i = 0; i < polled.size(); ++i) {
    fds[i].revents = polled[i].socket->ready_events(fds[i].events);
    if (fds[i].revents) ++ready;
  }
  return ready;
}

int poll_timeout(std::optional<Clock::time_point> deadline) {
  if (!deadline) return -1;
  auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// Forwards from one raw socket back into itself (nn_device with one
// socket): every message received is sent again, header and all.
void loopback(sprocket::Socket& s) {
  for (;;) {
    std::error_code ec;
    sprocket::Message m = s.recv(ec);
    if (ec == sprocket::errc::closed) return;
    if (ec) continue;
    s.send(std::move(m), ec);
    if (ec == sprocket::errc::closed) return;
  }
}

}  // namespace

extern "C" {

int nn_poll(struct nn_pollfd* fds, int nfds, int timeout) {
  if (nfds < 0 || (nfds > 0 && !fds)) return fail(EINVAL);
  if (terminating()) return fail(ETERM);
  std::optional<Clock::time_point> deadline;
  if (timeout >= 0) deadline = Clock::now() + std::chrono::milliseconds(timeout);
  std::vector<Polled> polled(static_cast<std::size_t>(nfds));
  for (int i = 0; i < nfds; ++i) {
    Polled& p = polled[i];
    fds[i].revents = 0;
    p.socket = SocketTable::instance().find(fds[i].fd);
    if (!p.socket) return -1;  // EBADF
    if (p.socket->prepare_poll(fds[i].events, p.rcv_fd, p.snd_fd) < 0) return -1;
  }
  for (;;) {
    // A socket closed (or the library terminated) while we waited.
    if (terminating()) return fail(ETERM);
    for (const Polled& p : polled)
      if (p.socket->closed()) return fail(EBADF);
    int ready = collect(fds, polled);
    if (ready || (deadline && Clock::now() >= *deadline)) return ready;
    std::vector<pollfd> waits;
    for (const Polled& p : polled) {
      if (p.rcv_fd >= 0) waits.push_back({p.rcv_fd, POLLIN, 0});
      if (p.snd_fd >= 0) waits.push_back({p.snd_fd, POLLIN, 0});
    }
    if (::poll(waits.data(), waits.size(), poll_timeout(deadline)) < 0) return fail(errno);
  }
}

int nn_device(int s1, int s2) {
  if (s1 < 0 && s2 < 0) return fail(EBADF);
  auto a = s1 >= 0 ? SocketTable::instance().find(s1) : nullptr;
  auto b = s2 >= 0 ? SocketTable::instance().find(s2) : nullptr;
  if ((s1 >= 0 && !a) || (s2 >= 0 && !b)) return fail(EBADF);
  if ((a && a->closed()) || (b && b->closed())) return fail(terminating() ? ETERM : EBADF);
  if (!a || !b) {
    auto& one = a ? a : b;
    if (!one->raw()) return fail(EINVAL);
    // nanomsg fails the loop's first receive or send on a one-way socket.
    if (!one->traits().sends || !one->traits().receives) return fail(ENOTSUP);
    loopback(one->sprocket_socket());
    return fail(terminating() ? ETERM : EBADF);
  }
  if (!a->raw() || !b->raw()) return fail(EINVAL);
  std::error_code ec;
  sprocket::device(a->sprocket_socket(), b->sprocket_socket(), ec);
  if (ec) return fail(EINVAL);  // not partners
  // It forwards until a socket closes.
  return fail(terminating() ? ETERM : EBADF);
}

uint64_t nn_get_statistic(int s, int stat) {
  auto sock = SocketTable::instance().find(s);
  if (!sock) return static_cast<uint64_t>(-1);
  if (sock->closed()) {
    errno = terminating() ? ETERM : EBADF;
    return static_cast<uint64_t>(-1);
  }
  int err = 0;
  uint64_t value = sock->statistic(stat, err);
  if (err) errno = err;
  return value;
}

}  // extern "C"
