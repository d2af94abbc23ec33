#include "pipe.hpp"

#include <atomic>
#include <random>

#include "endpoint.hpp"
#include "socket_core.hpp"

namespace sprocket::detail {

std::uint32_t next_pipe_id() noexcept {
  static std::atomic<std::uint32_t> counter{std::random_device{}()};
  for (;;) {
    std::uint32_t id = counter.fetch_add(1, std::memory_order_relaxed) & 0x7fffffffu;
    if (id != 0) return id;
  }
}

PipeImpl::PipeImpl(std::uint32_t id, const EndpointOptions& options, SocketCore& core,
                   PeerLink link, std::shared_ptr<EndpointBase> owner)
    : Pipe(id, options.send_priority, options.recv_priority, link.peer_protocol),
      core_(core),
      core_weak_(core.weak_from_this()),
      link_(std::move(link)),
      owner_(std::move(owner)) {}

Pipe::Io PipeImpl::send(Message& m) {
  bool notify = false;
  auto result = link_.out->push(m, notify);
  if (notify) core_.defer([q = link_.out] { q->notify_consumer(); });
  switch (result) {
    case MessageQueue::Push::ok: return Io::ok;
    case MessageQueue::Push::full: return Io::would_block;
    case MessageQueue::Push::closed: break;
  }
  return Io::closed;
}

Pipe::Io PipeImpl::recv(Message& m) {
  bool notify = false;
  auto result = link_.in->pop(m, notify);
  if (notify) core_.defer([q = link_.in] { q->notify_producer(); });
  switch (result) {
    case MessageQueue::Pop::ok:
      // The peer may have left while this was queued: its last message
      // taken, nothing else will say that the pipe is done.
      if (link_.in->producer_closed() && link_.in->drained())
        core_.schedule_removal(*this, close_reason());
      return Io::ok;
    case MessageQueue::Pop::empty: return Io::would_block;
    case MessageQueue::Pop::closed: break;
  }
  core_.schedule_removal(*this, close_reason());
  return Io::closed;
}

void PipeImpl::on_queue_readable() {
  // A close must be acted on even by an idle socket (PAIR frees its slot).
  bool closing = link_.in->producer_closed() || link_.out->consumer_closed();
  if (read_posted.exchange(true, std::memory_order_acq_rel) && !closing) return;
  if (auto core = core_weak_.lock()) core->post_ready(*this, true, closing);
}

void PipeImpl::on_queue_writable() {
  bool closing = link_.out->consumer_closed();
  if (write_posted.exchange(true, std::memory_order_acq_rel) && !closing) return;
  if (auto core = core_weak_.lock()) core->post_ready(*this, false, closing);
}

std::error_code PipeImpl::close_reason() const {
  auto reason = link_.in->close_reason();
  return reason ? reason : make_error_code(errc::connection_reset);
}

void PipeImpl::start_listening() {
  link_.in->set_consumer(weak_from_this());
  link_.out->set_producer(weak_from_this());
}

void PipeImpl::close_queues() {
  link_.in->set_consumer({});
  link_.out->set_producer({});
  link_.in->close_consumer();
  link_.out->close_producer();
}

}  // namespace sprocket::detail
