// PUSH (0x50) and PULL (0x51): a one-way pipeline. PUSH load-balances each
// message to one PULL peer — the highest send_priority level that has room,
// round-robin inside it — and blocks when none has room; PULL fair-queues
// input, highest recv_priority first. No header on the wire. What was queued
// for a PULL whose connection failed goes to the others, ahead of new
// messages (failover loses nothing that never left the process).
#include <deque>

#include "protocols/common/fanout.hpp"
#include "protocols/common/routing.hpp"
#include "sprocket/error.hpp"
#include "sprocket/extension/protocol.hpp"

namespace sprocket {
namespace {

class PushHandler final : public ProtocolHandler {
 public:
  explicit PushHandler(ProtocolHost& host) : raw_(host.socket_options().raw) {}

  std::error_code add_pipe(Pipe& pipe) override {
    lb_.add(pipe, pipe.send_priority(), true);
    send_rerouted();
    return {};
  }
  void remove_pipe(Pipe& pipe) override { lb_.remove(pipe); }
  void reroute(std::vector<Message>& unsent) override {
    for (Message& m : unsent) rerouted_.push_back(std::move(m));
    unsent.clear();
    send_rerouted();
  }
  void pipe_readable(Pipe&) override {}  // PULL never sends; a close shows up as a removal
  void pipe_writable(Pipe& pipe) override {
    lb_.set_ready(pipe, true);
    send_rerouted();
  }

  std::error_code send(Message& m) override {
    if (!send_rerouted()) return errc::would_block;  // they were sent first
    if (!raw_) m.clear_header();
    return routing::send_balanced(lb_, m);
  }
  std::error_code recv(Message&) override { return errc::not_supported; }

 private:
  // Sends what was rerouted, oldest first; true when none is left.
  bool send_rerouted() {
    while (!rerouted_.empty()) {
      if (routing::send_balanced(lb_, rerouted_.front())) return false;
      rerouted_.pop_front();
    }
    return true;
  }

  const bool raw_;
  routing::PriorityList lb_;
  // Bounded by the send buffers of the pipes that died with them.
  std::deque<Message> rerouted_;
};

class PullHandler final : public routing::FairQueueReceiver {
 public:
  explicit PullHandler(ProtocolHost&) {}

  std::error_code recv(Message& m) override { return routing::recv_fair(fq_, m); }
};

}  // namespace

namespace detail {
void register_builtin_protocol_pipeline() {
  register_protocol({0x50, 0x51, "push", "pull",
                     [](ProtocolHost& h) { return std::make_unique<PushHandler>(h); }});
  register_protocol({0x51, 0x50, "pull", "push",
                     [](ProtocolHost& h) { return std::make_unique<PullHandler>(h); }});
}
}  // namespace detail

}  // namespace sprocket
