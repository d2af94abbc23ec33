// REQ (0x30): sends a request to one REP peer (load-balanced by priority)
// and returns the reply whose id matches. Each context (0: the socket) has
// at most one request in flight; it is kept (an O(1) clone) so it can be
// sent again: after resend_interval without a reply, at once when the pipe
// that carried it goes away, and as soon as a pipe can take it when none
// could. A reply that arrives for another context waits in that context's
// slot until it asks.
#include <random>
#include <unordered_map>

#include "protocols/common/backtrace.hpp"
#include "protocols/common/routing.hpp"
#include "protocols/reqrep/reqrep.hpp"
#include "sprocket/error.hpp"

namespace sprocket::reqrep {
namespace {

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
    // Requests that died with their pipe go out again now, elsewhere.
    for (auto& [ctx, r] : requests_) {
      if (r.sent_on == &pipe) {
        r.sent_on = nullptr;
        resend(ctx, r);
      }
    }
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

  void close_context(std::uint32_t ctx) override {
    abandon(ctx);
    replies_.erase(ctx);
  }

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
    replies_.erase(ctx);
    requests_[ctx] = Request{id, std::move(copy), to};
    by_id_[id] = ctx;
    arm_resend(ctx);
    return {};
  }

  std::error_code context_recv(Message& m, std::uint32_t ctx) override {
    if (raw_) return recv_raw(m);
    if (auto it = replies_.find(ctx); it != replies_.end()) {
      m = std::move(it->second);
      replies_.erase(it);
      return {};
    }
    if (!requests_.count(ctx)) return errc::bad_state;
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
      std::uint32_t for_ctx = owner->second;
      abandon(for_ctx);
      m.clear_header();
      if (for_ctx == ctx) return {};
      replies_[for_ctx] = std::move(m);  // another context's: it takes it when it asks
    }
  }

  void on_timer(std::uint32_t token) override {
    auto it = requests_.find(token - 1);
    if (it != requests_.end()) resend(it->first, it->second);
  }

 private:
  struct Request {
    std::uint32_t id;
    Message copy;             // header and body, shared with what was sent
    Pipe* sent_on = nullptr;  // null: waiting for a writable pipe
  };

  std::error_code recv_raw(Message& m) {
    for (;;) {
      if (auto ec = routing::recv_fair(fq_, m)) return ec;
      if (routing::unstack(m, host_.max_ttl()) == routing::Backtrace::ok) return {};
      host_.count_drop();
    }
  }

  void abandon(std::uint32_t ctx) {
    auto it = requests_.find(ctx);
    if (it == requests_.end()) return;
    by_id_.erase(it->second.id);
    requests_.erase(it);
    host_.cancel_timer(ctx + 1);
  }

  void resend(std::uint32_t ctx, Request& r) {
    Message m = r.copy.clone();
    Pipe* to = nullptr;
    r.sent_on = routing::send_balanced(lb_, m, &to) ? nullptr : to;
    if (r.sent_on) arm_resend(ctx);
  }

  void resend_parked() {
    for (auto& [ctx, r] : requests_)
      if (!r.sent_on) resend(ctx, r);
  }

  void arm_resend(std::uint32_t ctx) {
    auto interval = host_.resend_interval();
    if (interval.count() >= 0) host_.start_timer(ctx + 1, interval);
  }

  ProtocolHost& host_;
  const bool raw_;
  std::uint32_t next_id_;
  routing::PriorityList lb_;
  routing::PriorityList fq_;
  std::unordered_map<std::uint32_t, Request> requests_;  // by context
  std::unordered_map<std::uint32_t, std::uint32_t> by_id_;  // request id -> context
  std::unordered_map<std::uint32_t, Message> replies_;  // arrived for a context not asking yet
};

}  // namespace

std::unique_ptr<ProtocolHandler> make_req(ProtocolHost& host) {
  return std::make_unique<ReqHandler>(host);
}

}  // namespace sprocket::reqrep
