// NnSocket: construction, closing, waiting.
#include "src/compat/nanomsg/nn_socket.hpp"

#include "nanomsg/nn.h"
#include "src/compat/nanomsg/errors.hpp"

namespace sprocket::nanomsg {

NnSocket::NnSocket(int fd, int domain, const ProtocolTraits& traits)
    : fd_(fd),
      domain_(domain),
      traits_(traits),
      raw_(domain == AF_SP_RAW),
      socket_(traits.protocol, SocketOptions{.raw = domain == AF_SP_RAW}) {
  options_.name = std::to_string(fd);
  socket_.set_send_buffer(buffer_messages(options_.sndbuf));
  socket_.set_recv_buffer(buffer_messages(options_.rcvbuf));
  socket_.set_recv_max_size(recv_max_bytes(options_.rcvmaxsize));
}

NnSocket::~NnSocket() { socket_.close(); }

void NnSocket::start() {
  socket_.on_pipe_event([weak = weak_from_this()](const PipeEvent& e) {
    if (auto self = weak.lock()) self->on_pipe_event(e);
  });
}

void NnSocket::close() {
  {
    std::lock_guard lock(mu_);
    if (closed_.exchange(true)) return;
    refresh_fds();
    cv_.notify_all();
  }
  socket_.on_pipe_event({});
  socket_.close();  // pending operations complete with errc::closed
}

bool NnSocket::wait(std::unique_lock<std::mutex>& lock, Deadline deadline) {
  if (!deadline) {
    cv_.wait(lock);
    return true;
  }
  return cv_.wait_until(lock, *deadline) == std::cv_status::no_timeout;
}

int NnSocket::fail_closed() const { return fail(terminating() ? ETERM : EBADF); }

NnSocket::Deadline NnSocket::deadline_after(int ms) const {
  if (ms < 0) return std::nullopt;
  return Clock::now() + std::chrono::milliseconds(ms);
}

}  // namespace sprocket::nanomsg
