// The replying side shared by REP (0x31) and RESPONDENT (0x63): fair-queues
// requests or surveys (by recv_priority), remembers each one's backtrace
// and the pipe it came from, per context, and routes the reply back along
// it. Replies never block: one for a peer that has gone or cannot take it
// is dropped and counted. A raw replier exposes the route as the first
// header word (the pipe id) so a device can forward the request and bring
// the reply back.
#include "protocols/common/replier.hpp"

#include <array>
#include <cstring>
#include <optional>
#include <unordered_map>

#include "protocols/common/backtrace.hpp"
#include "protocols/common/routing.hpp"
#include "sprocket/error.hpp"

namespace sprocket::routing {
namespace {

class Replier final : public ProtocolHandler {
 public:
  explicit Replier(ProtocolHost& host) : host_(host), raw_(host.socket_options().raw) {}

  std::error_code add_pipe(Pipe& pipe) override {
    fq_.add(pipe, pipe.recv_priority(), true);
    pipes_[pipe.id()] = &pipe;
    return {};
  }

  void remove_pipe(Pipe& pipe) override {
    fq_.remove(pipe);
    pipes_.erase(pipe.id());
  }

  void pipe_readable(Pipe& pipe) override { fq_.set_ready(pipe, true); }
  void pipe_writable(Pipe&) override {}  // replies never wait for room

  std::error_code recv(Message& m) override { return context_recv(m, 0); }
  std::error_code send(Message& m) override { return context_send(m, 0); }

  std::error_code open_context(std::uint32_t) override {
    return raw_ ? make_error_code(errc::not_supported) : std::error_code{};
  }
  void close_context(std::uint32_t ctx) override { pending_.erase(ctx); }

  std::error_code context_recv(Message& m, std::uint32_t ctx) override {
    for (;;) {
      Pipe* from = nullptr;
      if (auto ec = recv_fair(fq_, m, &from)) return ec;
      if (unstack(m, host_.max_ttl()) != Backtrace::ok) {
        host_.count_drop();  // malformed, or looping between devices
        continue;
      }
      if (raw_) {
        if (!prepend_word(m, from->id())) {
          host_.count_drop();
          continue;
        }
        return {};
      }
      // A context that received again without replying forgets the old route.
      Route& route = pending_[ctx];
      route = Route{from->id(), {}, m.header().size()};
      std::memcpy(route.backtrace.data(), m.header().data(), route.size);
      m.clear_header();
      return {};
    }
  }

  std::error_code context_send(Message& m, std::uint32_t ctx) override {
    std::uint32_t pipe_id = 0;
    if (raw_) {
      if (!m.pop_header_word(pipe_id)) return errc::invalid_argument;  // no route in the header
    } else {
      auto it = pending_.find(ctx);
      if (it == pending_.end()) return errc::bad_state;
      pipe_id = it->second.pipe_id;
      m.set_header({it->second.backtrace.data(), it->second.size});
      pending_.erase(it);
    }
    auto it = pipes_.find(pipe_id);
    if (it == pipes_.end() || it->second->send(m) != Pipe::Io::ok) {
      host_.count_drop();  // the requester left, or cannot take it: never block a reply
      m = Message{};
    }
    return {};
  }

 private:
  struct Route {
    std::uint32_t pipe_id;
    std::array<std::byte, Message::kMaxHeader> backtrace;
    std::size_t size;
  };

  // Puts the incoming pipe's id in front of the backtrace (raw mode).
  static bool prepend_word(Message& m, std::uint32_t word) {
    auto header = m.header();
    if (header.size() + 4 > Message::kMaxHeader) return false;
    std::array<std::byte, Message::kMaxHeader> buf;
    buf[0] = std::byte(word >> 24);
    buf[1] = std::byte(word >> 16);
    buf[2] = std::byte(word >> 8);
    buf[3] = std::byte(word);
    std::memcpy(buf.data() + 4, header.data(), header.size());
    return m.set_header({buf.data(), header.size() + 4});
  }

  ProtocolHost& host_;
  const bool raw_;
  PriorityList fq_;
  std::unordered_map<std::uint32_t, Pipe*> pipes_;
  std::unordered_map<std::uint32_t, Route> pending_;  // by context: where each reply goes
};

}  // namespace

std::unique_ptr<ProtocolHandler> make_replier(ProtocolHost& host) {
  return std::make_unique<Replier>(host);
}

}  // namespace sprocket::routing
