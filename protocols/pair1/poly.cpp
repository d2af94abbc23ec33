// Polyamorous PAIR v1: any number of peers. Input is fair-queued across
// them (by recv_priority) and each message names its connection in
// Message::pipe(). Output goes to the connection the message names, or
// with none named to the oldest connection; it never waits for room, as
// in NNG: a message for a connection that has gone or is full is dropped
// and counted, so one slow peer cannot hold up the others. Only with no
// peer at all does an unaddressed send wait.
#include "protocols/pair1/poly.hpp"

#include <algorithm>
#include <unordered_map>
#include <vector>

#include "protocols/common/routing.hpp"
#include "protocols/pair1/hops.hpp"
#include "sprocket/error.hpp"

namespace sprocket::pair_v1 {
namespace {

class PolyHandler final : public ProtocolHandler {
 public:
  explicit PolyHandler(ProtocolHost& host) : host_(host) {}

  std::error_code add_pipe(Pipe& pipe) override {
    pipes_.emplace(pipe.id(), &pipe);
    by_age_.push_back(&pipe);
    fq_.add(pipe, pipe.recv_priority(), true);
    return {};
  }

  void remove_pipe(Pipe& pipe) override { forget(pipe); }

  void pipe_readable(Pipe& pipe) override { fq_.set_ready(pipe, true); }
  void pipe_writable(Pipe&) override {}  // sends never wait for room

  std::error_code send(Message& m) override {
    Pipe* to = nullptr;
    if (m.pipe() == 0) {
      if (by_age_.empty()) return errc::would_block;  // nobody yet: wait for a peer
      to = by_age_.front();
    } else if (auto it = pipes_.find(m.pipe()); it != pipes_.end()) {
      to = it->second;
    }
    if (!to || send_counted(*to, m, 0) != Pipe::Io::ok) {
      host_.count_drop();  // gone or full: best effort, never block the others
      m = Message{};
    }
    return {};
  }

  std::error_code recv(Message& m) override {
    for (;;) {
      Pipe* from = nullptr;
      if (auto ec = routing::recv_fair(fq_, m, &from)) return ec;
      switch (take_hops(m, host_.max_ttl())) {
        case Hops::ok:
          m.set_pipe(from->id());
          return {};
        case Hops::too_many:
          host_.count_drop();
          break;
        case Hops::malformed:
          host_.close_pipe(*from, errc::protocol_error);
          forget(*from);
          break;
      }
    }
  }

 private:
  void forget(Pipe& pipe) {
    pipes_.erase(pipe.id());
    std::erase(by_age_, &pipe);
    fq_.remove(pipe);
  }

  ProtocolHost& host_;
  std::unordered_map<std::uint32_t, Pipe*> pipes_;  // by id, for addressed sends
  std::vector<Pipe*> by_age_;                       // oldest first, for unaddressed ones
  routing::PriorityList fq_;
};

}  // namespace

std::unique_ptr<ProtocolHandler> make_poly(ProtocolHost& host) {
  return std::make_unique<PolyHandler>(host);
}

}  // namespace sprocket::pair_v1
