// REQ (0x30): sends a request to one REP peer (load-balanced by priority)
// and returns the reply whose id matches. Each context (0: the socket) has
// at most one request; its lifecycle is request_state.hpp. The request is
// kept (an O(1) clone) so it can be sent again: after resend_interval
// without a reply, at once when the connection that carried it goes away
// (with resending disabled, that fails the request's recv with
// connection_reset instead, as NNG does), and as soon as a connection can
// take it when none could. A reply read by another context's recv is kept
// for its own context until it asks.
#include <random>
#include <unordered_map>

#include "protocols/common/backtrace.hpp"
#include "protocols/common/routing.hpp"
#include "protocols/reqrep/reqrep.hpp"
#include "protocols/reqrep/request_state.hpp"
#include "sprocket/error.hpp"

namespace sprocket::reqrep {
namespace {

using State = RequestState;

class ReqHandler final : public ProtocolHandler {
 public:
  explicit ReqHandler(ProtocolHost& host)
      : host_(host), raw_(host.socket_options().raw), next_id_(std::random_device{}()) {}

  std::error_code add_pipe(Pipe& pipe) override {
    lb_.add(pipe, pipe.send_priority(), true);
    fq_.add(pipe, pipe.recv_priority(), true);
    resend_parked();
    return {};
  }

  void remove_pipe(Pipe& pipe) override {
    lb_.remove(pipe);
    fq_.remove(pipe);
    // Requests that died with their connection go out again now, elsewhere
    // (or fail, when resending is disabled).
    for (auto& [ctx, r] : requests_) {
      if (r.sent_on != &pipe) continue;
      r.sent_on = nullptr;
      if (resending()) {
        resend(ctx, r);
      } else {
        r.lifecycle.to(State::failed);
        host_.cancel_timer(ctx + 1);
      }
    }
  }

  // Queued copies of requests that died with their connection: remove_pipe()
  // dealt with each live one already.
  void reroute(std::vector<Message>& unsent) override {
    if (!raw_) unsent.clear();
  }

  void pipe_readable(Pipe& pipe) override { fq_.set_ready(pipe, true); }

  void pipe_writable(Pipe& pipe) override {
    lb_.set_ready(pipe, true);
    resend_parked();
  }

  std::error_code send(Message& m) override { return context_send(m, 0); }
  std::error_code recv(Message& m) override { return context_recv(m, 0); }

  std::error_code open_context(std::uint32_t) override {
    return raw_ ? make_error_code(errc::not_supported) : std::error_code{};
  }

  void close_context(std::uint32_t ctx) override { abandon(ctx); }

  std::error_code context_send(Message& m, std::uint32_t ctx) override {
    if (raw_) return routing::send_balanced(lb_, m);  // a device's header passes through
    std::uint32_t id = (next_id_++ & ~routing::kIdBit) | routing::kIdBit;
    m.clear_header();
    m.push_header_word(id);
    Message copy = m.clone();
    Pipe* to = nullptr;
    if (auto ec = routing::send_balanced(lb_, m, &to)) return ec;
    // A new request abandons the context's previous one: its late reply is dropped.
    abandon(ctx);
    Request& r = requests_[ctx];
    r.id = id;
    r.copy = std::move(copy);
    r.sent_on = to;
    r.lifecycle.to(State::sent);
    by_id_[id] = ctx;
    arm_resend(ctx);
    return {};
  }

  std::error_code context_recv(Message& m, std::uint32_t ctx) override {
    if (raw_) return recv_raw(m);
    auto it = requests_.find(ctx);
    if (it == requests_.end()) return errc::bad_state;
    switch (it->second.lifecycle.state()) {
      case State::replied:
        m = std::move(it->second.reply);
        finish(it);
        return {};
      case State::failed:
        finish(it);
        return errc::connection_reset;
      default:
        return read_replies(m, ctx);
    }
  }

  void on_timer(std::uint32_t token) override {
    auto it = requests_.find(token - 1);
    if (it != requests_.end() && it->second.lifecycle.is(State::sent)) resend(it->first, it->second);
  }

 private:
  struct Request {
    std::uint32_t id = 0;
    Message copy;             // header and body, shared with what was sent
    Pipe* sent_on = nullptr;  // sent: the connection that carried the last copy
    Message reply;            // replied: the reply, for recv
    detail::Lifecycle<State> lifecycle;
  };
  using Requests = std::unordered_map<std::uint32_t, Request>;

  bool resending() const { return host_.resend_interval().count() >= 0; }

  // Reads replies until one for `ctx` comes; replies for other contexts
  // are kept for them, strays are dropped and counted.
  std::error_code read_replies(Message& m, std::uint32_t ctx) {
    for (;;) {
      if (auto ec = routing::recv_fair(fq_, m)) return ec;
      // A reply to an end-point REQ carries exactly the id word.
      if (routing::unstack(m, 1) != routing::Backtrace::ok) {
        host_.count_drop();
        continue;
      }
      auto owner = by_id_.find(routing::final_word(m));
      if (owner == by_id_.end()) {
        host_.count_drop();  // a reply to an abandoned request, or a stranger's
        continue;
      }
      auto it = requests_.find(owner->second);
      m.clear_header();
      if (owner->second == ctx) {
        finish(it);
        return {};
      }
      Request& r = it->second;  // another context's: it takes it when it asks
      by_id_.erase(owner);
      host_.cancel_timer(it->first + 1);
      r.lifecycle.to(State::replied);
      r.reply = std::move(m);
    }
  }

  std::error_code recv_raw(Message& m) {
    for (;;) {
      if (auto ec = routing::recv_fair(fq_, m)) return ec;
      if (routing::unstack(m, host_.max_ttl()) == routing::Backtrace::ok) return {};
      host_.count_drop();
    }
  }

  // The request is over (answered, failed or abandoned): back to idle.
  void finish(Requests::iterator it) {
    by_id_.erase(it->second.id);
    host_.cancel_timer(it->first + 1);
    it->second.lifecycle.to(State::idle);
    requests_.erase(it);
  }

  void abandon(std::uint32_t ctx) {
    auto it = requests_.find(ctx);
    if (it != requests_.end()) finish(it);
  }

  void resend(std::uint32_t ctx, Request& r) {
    Message m = r.copy.clone();
    Pipe* to = nullptr;
    if (routing::send_balanced(lb_, m, &to)) {
      r.sent_on = nullptr;
      if (!r.lifecycle.is(State::parked)) r.lifecycle.to(State::parked);
      return;
    }
    r.sent_on = to;
    r.lifecycle.to(State::sent);
    arm_resend(ctx);
  }

  void resend_parked() {
    for (auto& [ctx, r] : requests_)
      if (r.lifecycle.is(State::parked)) resend(ctx, r);
  }

  void arm_resend(std::uint32_t ctx) {
    if (resending()) host_.start_timer(ctx + 1, host_.resend_interval());
  }

  ProtocolHost& host_;
  const bool raw_;
  std::uint32_t next_id_;
  routing::PriorityList lb_;
  routing::PriorityList fq_;
  Requests requests_;                                        // by context
  std::unordered_map<std::uint32_t, std::uint32_t> by_id_;  // id of a sent request -> context
};

}  // namespace

std::unique_ptr<ProtocolHandler> make_req(ProtocolHost& host) {
  return std::make_unique<ReqHandler>(host);
}

}  // namespace sprocket::reqrep
