// SURVEYOR (0x62): sends a survey to every respondent and collects the
// responses that come back before the deadline (survey_deadline, default
// 1 s). Per context (0: the socket) one survey runs at a time (its
// lifecycle: survey_state.hpp); a new one discards the old one's responses.
// After the deadline the first recv returns errc::timed_out (a recv pending
// at the deadline gets it), later ones errc::bad_state, as with no survey at
// all. Responses are filed with their survey as they arrive, so late ones
// are dropped (and counted) then, not when the surveyor next reads.
#include <deque>
#include <random>
#include <unordered_map>

#include "protocols/common/backtrace.hpp"
#include "protocols/common/fanout.hpp"
#include "protocols/common/replier.hpp"
#include "protocols/common/routing.hpp"
#include "protocols/survey/survey_state.hpp"
#include "sprocket/error.hpp"
#include "sprocket/extension/protocol.hpp"

namespace sprocket {
namespace {

// Responses kept per survey beyond what the caller has taken; more are dropped.
constexpr std::size_t kMaxQueued = 1024;

class SurveyorHandler final : public routing::FanOutHandler {
 public:
  explicit SurveyorHandler(ProtocolHost& host)
      : host_(host), raw_(host.socket_options().raw), next_id_(std::random_device{}()) {}

  std::error_code send(Message& m) override { return context_send(m, 0); }
  std::error_code recv(Message& m) override { return context_recv(m, 0); }

  std::error_code open_context(std::uint32_t) override {
    return raw_ ? make_error_code(errc::not_supported) : std::error_code{};
  }
  void close_context(std::uint32_t ctx) override { end_survey(ctx); }

  void pipe_readable(Pipe& pipe) override {
    fq_.set_ready(pipe, true);
    if (!raw_) pull_responses();
  }

  std::error_code context_send(Message& m, std::uint32_t ctx) override {
    if (!raw_) {
      end_survey(ctx);  // a new survey discards the previous one's responses
      std::uint32_t id = (next_id_++ & ~routing::kIdBit) | routing::kIdBit;
      m.clear_header();
      m.push_header_word(id);
      Survey& s = surveys_[ctx];
      s.id = id;
      s.lifecycle.to(State::running);
      by_id_[id] = ctx;
      host_.start_timer(ctx + 1, host_.survey_deadline());
    }
    dist_.send(m, host_);  // best effort
    return {};
  }

  std::error_code context_recv(Message& m, std::uint32_t ctx) override {
    if (raw_) return recv_raw(m);
    auto it = surveys_.find(ctx);
    if (it == surveys_.end()) return errc::bad_state;
    pull_responses();
    Survey& s = it->second;
    if (!s.responses.empty()) {
      m = std::move(s.responses.front());
      s.responses.pop_front();
      return {};
    }
    if (s.lifecycle.is(State::running)) return errc::would_block;
    end_survey(ctx);  // expired and drained: timed_out once, then bad_state
    return errc::timed_out;
  }

  void on_timer(std::uint32_t token) override {
    auto it = surveys_.find(token - 1);
    if (it == surveys_.end()) return;
    pull_responses();  // what arrived before the deadline still counts
    it->second.lifecycle.to(State::expired);
    by_id_.erase(it->second.id);
  }

 private:
  using State = survey::SurveyState;
  struct Survey {
    std::uint32_t id = 0;
    detail::Lifecycle<State> lifecycle;
    std::deque<Message> responses;
  };

  // Files every waiting response with its survey; strays are dropped.
  void pull_responses() {
    Message m;
    while (!routing::recv_fair(fq_, m)) {
      auto owner = routing::unstack(m, 1) == routing::Backtrace::ok
                       ? by_id_.find(routing::final_word(m))
                       : by_id_.end();
      if (owner == by_id_.end()) {
        host_.count_drop();  // late, malformed, or for a survey we abandoned
        continue;
      }
      Survey& s = surveys_[owner->second];
      if (s.responses.size() >= kMaxQueued) {
        host_.count_drop();
        continue;
      }
      m.clear_header();
      s.responses.push_back(std::move(m));
    }
  }

  std::error_code recv_raw(Message& m) {
    for (;;) {
      if (auto ec = routing::recv_fair(fq_, m)) return ec;
      if (routing::unstack(m, host_.max_ttl()) == routing::Backtrace::ok) return {};
      host_.count_drop();
    }
  }

  void end_survey(std::uint32_t ctx) {
    auto it = surveys_.find(ctx);
    if (it == surveys_.end()) return;
    by_id_.erase(it->second.id);
    it->second.lifecycle.to(State::idle);
    surveys_.erase(it);
    host_.cancel_timer(ctx + 1);
  }

  ProtocolHost& host_;
  const bool raw_;
  std::uint32_t next_id_;
  std::unordered_map<std::uint32_t, Survey> surveys_;     // by context
  std::unordered_map<std::uint32_t, std::uint32_t> by_id_;  // running survey id -> context
};

}  // namespace

namespace detail {
void register_builtin_protocol_survey() {
  register_protocol({0x62, 0x63, "surveyor", "respondent",
                     [](ProtocolHost& h) { return std::make_unique<SurveyorHandler>(h); }});
  // RESPONDENT answers like REP: the shared replier routes by backtrace.
  register_protocol({0x63, 0x62, "respondent", "surveyor", &routing::make_replier});
}
}  // namespace detail

}  // namespace sprocket
