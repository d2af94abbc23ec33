// PipeImpl: one connection inside a socket — the two queues a transport
// handed over, the endpoint that made it, and its routing attributes.
#pragma once

#include <atomic>
#include <memory>

#include "pipe_state.hpp"
#include "sprocket/extension/protocol.hpp"
#include "sprocket/extension/transport.hpp"

namespace sprocket::detail {

class SocketCore;
class EndpointBase;

/// Its lifecycle is pipe_state.hpp: offered, then attached (in the
/// protocol) or refused, and at last detached.
class PipeImpl final : public Pipe,
                       public QueueListener,
                       public std::enable_shared_from_this<PipeImpl> {
 public:
  PipeImpl(std::uint32_t id, const EndpointOptions& options, SocketCore& core, PeerLink link,
           std::shared_ptr<EndpointBase> owner);

  // Pipe: called by the protocol with the socket lock held.
  Io send(Message& m) override;
  Io recv(Message& m) override;
  void set_arrival_filter(std::shared_ptr<MessageFilter> filter) override {
    link_.in->set_filter(std::move(filter));
  }

  // QueueListener: called with no lock held, from any thread.
  void on_queue_readable() override;
  void on_queue_writable() override;

  /// A send refused by this pipe is about to block: be told at its queue's
  /// first free slot (MessageQueue::want_room). True if there is room now.
  bool want_room() { return link_.out->want_room(); }
  /// The connection's offer to read on a waiting thread, if it makes one.
  std::shared_ptr<WaitingReader> waiting_reader() const { return link_.reader.lock(); }
  /// Registers for queue notifications (after the protocol accepted it).
  void start_listening();
  /// Closes our ends: the peer drains what we sent, we drop what it sent.
  void close_queues();
  /// Why the peer went away (a transport's reason, else connection_reset).
  std::error_code close_reason() const;
  /// True once the peer is gone and everything it sent was taken.
  bool drained() const { return link_.in->drained(); }
  /// When the connection stopped taking our output (it failed): moves what
  /// it never sent, oldest first, to `out`.
  void reclaim_unsent(std::vector<Message>& out) {
    if (link_.out->consumer_closed()) link_.out->reclaim(out);
  }

  /// Set while a readiness notice for this pipe waits in the socket's
  /// mailbox, so a busy queue posts at most one of each kind.
  std::atomic<bool> read_posted{false};
  std::atomic<bool> write_posted{false};

  /// Changed by the socket core only, with its lock held.
  Lifecycle<PipeState> lifecycle;

  const std::string& peer_address() const { return link_.peer_address; }
  EndpointBase* owner() const { return owner_.get(); }
  const std::shared_ptr<EndpointBase>& owner_ptr() const { return owner_; }

 private:
  SocketCore& core_;  // the pipe never outlives its socket core's use of it
  std::weak_ptr<SocketCore> core_weak_;
  PeerLink link_;
  std::shared_ptr<EndpointBase> owner_;
};

/// A process-wide unique, non-zero 31-bit pipe id (random start).
std::uint32_t next_pipe_id() noexcept;

}  // namespace sprocket::detail
