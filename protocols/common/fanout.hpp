// The fan-out pieces (nanomsg's "dist"), once for the protocols that send
// each message to every peer: PUB, BUS and SURVEYOR share the distributor;
// BUS and SURVEYOR, which also fair-queue what their peers send back, share
// the pipe bookkeeping of FanOutHandler; PULL and SUB, which only receive,
// share FairQueueReceiver's.
#pragma once

#include <cstdint>
#include <vector>

#include "priority_list.hpp"
#include "routing.hpp"
#include "sprocket/error.hpp"
#include "sprocket/extension/protocol.hpp"

namespace sprocket::routing {

/// Every connected pipe, each sent a copy of every message. Best effort: a
/// pipe that cannot take a message now misses it, counted as a drop, and
/// the sender never waits.
class Distributor {
 public:
  void add(Pipe& pipe) { pipes_.push_back(&pipe); }
  void remove(Pipe& pipe) { std::erase(pipes_, &pipe); }

  /// Sends `m` to every pipe but the one whose id is `except` (0, never a
  /// pipe id: none), each but the last a clone sharing the body. Leaves
  /// `m` empty.
  void send(Message& m, ProtocolHost& host, std::uint32_t except = 0) {
    for (std::size_t i = 0; i < pipes_.size(); ++i) {
      if (pipes_[i]->id() == except) continue;
      Message copy = i + 1 < pipes_.size() ? m.clone() : std::move(m);
      if (pipes_[i]->send(copy) != Pipe::Io::ok) host.count_drop();
    }
    m = Message{};
  }

 private:
  std::vector<Pipe*> pipes_;
};

/// The pipe bookkeeping of a protocol that sends to every peer and
/// fair-queues their messages (highest recv_priority first): BUS, SURVEYOR.
/// Sending never waits, so writability is not tracked.
class FanOutHandler : public ProtocolHandler {
 public:
  std::error_code add_pipe(Pipe& pipe) override {
    dist_.add(pipe);
    fq_.add(pipe, pipe.recv_priority(), true);
    return {};
  }
  void remove_pipe(Pipe& pipe) override {
    dist_.remove(pipe);
    fq_.remove(pipe);
  }
  void pipe_readable(Pipe& pipe) override { fq_.set_ready(pipe, true); }
  void pipe_writable(Pipe&) override {}

 protected:
  Distributor dist_;
  PriorityList fq_;
};

/// The pipe bookkeeping of a protocol that only receives, fair-queued
/// (highest recv_priority first): PULL, SUB. Its sends are refused.
class FairQueueReceiver : public ProtocolHandler {
 public:
  std::error_code add_pipe(Pipe& pipe) override {
    fq_.add(pipe, pipe.recv_priority(), true);
    return {};
  }
  void remove_pipe(Pipe& pipe) override { fq_.remove(pipe); }
  void pipe_readable(Pipe& pipe) override { fq_.set_ready(pipe, true); }
  void pipe_writable(Pipe&) override {}
  std::error_code send(Message&) override { return errc::not_supported; }

 protected:
  PriorityList fq_;
};

}  // namespace sprocket::routing
