// The protocol seam: what a scalability protocol implements, and what the
// socket core offers it. Built-in protocols use exactly this interface;
// register_protocol() adds more.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <string>
#include <system_error>
#include <vector>

#include "sprocket/detail/export.hpp"
#include "sprocket/message.hpp"
#include "sprocket/options.hpp"
#include "sprocket/protocol.hpp"

namespace sprocket {

class MessageFilter;  // sprocket/extension/message_queue.hpp

/// One connection as a protocol sees it. Only valid between the protocol's
/// add_pipe() and remove_pipe() calls for it, and only used with the socket
/// lock held (that is, from inside ProtocolHandler calls).
class SPROCKET_API Pipe {
 public:
  /// The result of send() and recv().
  enum class Io {
    ok,           ///< done
    would_block,  ///< not now: pipe_writable() / pipe_readable() follows when it can be
    closed,       ///< the connection is going away
  };

  /// Unique within the process, 31 bits, never 0: protocols use it as the
  /// backtrace word that routes replies.
  std::uint32_t id() const noexcept { return id_; }
  /// The send_priority of the endpoint that made the pipe (1 highest .. 16).
  int send_priority() const noexcept { return send_priority_; }
  /// The recv_priority of the endpoint that made the pipe (1 highest .. 16).
  int recv_priority() const noexcept { return recv_priority_; }
  /// The peer's SP protocol id.
  std::uint16_t peer_protocol() const noexcept { return peer_protocol_; }

  /// Queues `m` for the peer (header then body on the wire). would_block:
  /// full, the protocol gets pipe_writable() when there is room; closed: the
  /// peer is going away. On failure `m` is untouched.
  virtual Io send(Message& m) = 0;
  /// Takes the next message from the peer. would_block: nothing now, the
  /// protocol gets pipe_readable() when there is; closed: drained and gone
  /// (remove_pipe() follows).
  virtual Io recv(Message& m) = 0;
  /// Installs `filter` where the peer's messages arrive: each one is offered
  /// to it before it takes room in the pipe's receive queue, and one it
  /// refuses is discarded there, so unwanted traffic never crowds out what
  /// the protocol wants (SUB's subscriptions). It runs on the connection's
  /// thread, concurrently with the protocol (see MessageFilter). Messages
  /// queued before the call were not offered: a protocol that filters still
  /// checks what it receives. The default (a pipe that cannot filter)
  /// ignores it.
  virtual void set_arrival_filter(std::shared_ptr<MessageFilter> filter) { (void)filter; }

  /// Free for the protocol's per-pipe state.
  void* protocol_data = nullptr;

 protected:
  /// Made by the socket core only.
  Pipe(std::uint32_t id, int send_priority, int recv_priority, std::uint16_t peer) noexcept
      : id_(id), send_priority_(send_priority), recv_priority_(recv_priority),
        peer_protocol_(peer) {}
  ~Pipe() = default;

 private:
  std::uint32_t id_;
  int send_priority_;
  int recv_priority_;
  std::uint16_t peer_protocol_;
};

/// What the socket core offers a protocol.
class SPROCKET_API ProtocolHost {
 public:
  virtual ~ProtocolHost() = default;
  /// Counts a message the protocol dropped (malformed, unroutable, late).
  virtual void count_drop() noexcept = 0;
  /// Closes `pipe`, typically because its peer broke the protocol (PAIR v1
  /// closes a connection whose message has no hop count). The protocol must
  /// stop using the pipe now; remove_pipe() follows after the current call
  /// returns, and the removal is reported to pipe-event callbacks with
  /// `reason` (errc::protocol_error is also counted in
  /// stats().protocol_errors). A dialer reconnects as after any loss.
  virtual void close_pipe(Pipe& pipe, std::error_code reason) = 0;
  /// The socket's options, as currently set.
  virtual const SocketOptions& socket_options() const noexcept = 0;
  /// Most backtrace words (hops) a request or survey may carry (1..15).
  virtual int max_ttl() const noexcept = 0;
  /// REQ: how long to wait for a reply before sending the request again;
  /// negative: never resend.
  virtual std::chrono::nanoseconds resend_interval() const noexcept = 0;
  /// SURVEYOR: how long a survey accepts responses.
  virtual std::chrono::nanoseconds survey_deadline() const noexcept = 0;
  /// Calls ProtocolHandler::on_timer(token) after `delay`, with the socket
  /// lock held. Starting a token that is running restarts it.
  virtual void start_timer(std::uint32_t token, std::chrono::nanoseconds delay) = 0;
  /// Stops the timer `token`, if running: on_timer(token) will not be called.
  virtual void cancel_timer(std::uint32_t token) = 0;
};

/// One socket's protocol state. Every member is called with the socket lock
/// held, so a handler needs no locking of its own; none may block, and none
/// may call user code.
class SPROCKET_API ProtocolHandler {
 public:
  virtual ~ProtocolHandler() = default;
  /// A connection is up. Return an error (errc::peer_limit...) to refuse
  /// it; the core then closes it and reports the reason.
  virtual std::error_code add_pipe(Pipe& pipe) = 0;
  /// A connection is gone; forget it (never called for refused pipes).
  virtual void remove_pipe(Pipe& pipe) = 0;
  /// Messages that were queued for a pipe whose connection failed before
  /// they left the process, oldest first; called after remove_pipe(). The
  /// protocol moves out of `unsent` those it sends elsewhere (PUSH's load
  /// balancing; a REQ resends its request anyway); the core counts the rest
  /// as drops. The default sends none elsewhere.
  virtual void reroute(std::vector<Message>& /*unsent*/) {}
  /// The pipe may have input now (spurious calls are allowed).
  virtual void pipe_readable(Pipe& pipe) = 0;
  /// The pipe may take output now (spurious calls are allowed).
  virtual void pipe_writable(Pipe& pipe) = 0;
  /// Sends `m` now, or returns errc::would_block to be retried when a pipe
  /// becomes writable. On any error `m` is left to the caller.
  virtual std::error_code send(Message& m) = 0;
  /// Receives into `m` now, or returns errc::would_block to be retried when
  /// a pipe becomes readable.
  virtual std::error_code recv(Message& m) = 0;
  /// A timer started with ProtocolHost::start_timer() expired.
  virtual void on_timer(std::uint32_t /*token*/) {}

  /// Contexts (NNG's): independent request or survey state on one socket.
  /// Context 0 is the socket itself. A protocol that supports them returns
  /// success from open_context() and serves context_send/context_recv for
  /// every open id; the defaults support none.
  virtual std::error_code open_context(std::uint32_t /*ctx*/) { return errc_not_supported(); }
  /// The context `ctx` is closed: forget its state (its pending operations
  /// have been completed with errc::closed already).
  virtual void close_context(std::uint32_t /*ctx*/) {}
  /// send() on context `ctx` (0: the socket itself); same rules as send().
  virtual std::error_code context_send(Message& m, std::uint32_t ctx) {
    return ctx == 0 ? send(m) : errc_not_supported();
  }
  /// recv() on context `ctx` (0: the socket itself); same rules as recv().
  virtual std::error_code context_recv(Message& m, std::uint32_t ctx) {
    return ctx == 0 ? recv(m) : errc_not_supported();
  }

  /// Messages the protocol discarded as unwanted — SUB's that matched no
  /// subscription, on arrival or when received — for stats().filtered.
  /// Called with the socket lock held; the default is none.
  virtual std::uint64_t filtered() const { return 0; }

  /// A protocol-specific option, such as SUB's "subscribe" and
  /// "unsubscribe"; errc::not_supported for names the protocol lacks.
  virtual std::error_code set_option(std::string_view /*name*/,
                                     std::span<const std::byte> /*value*/) {
    return errc_not_supported();
  }

 private:
  static std::error_code errc_not_supported();
};

/// Describes a protocol to the registry.
struct ProtocolInfo {
  std::uint16_t id;          ///< SP wire id of this side
  std::uint16_t peer_id;     ///< SP wire id of the valid partner
  std::string name;          ///< "pair", "req"...: also the ws subprotocol stem
  std::string peer_name;     ///< the partner's name
  /// Makes one socket's handler; the host outlives it.
  std::function<std::unique_ptr<ProtocolHandler>(ProtocolHost&)> make;
};

/// Adds (or replaces) a protocol, found afterwards by Socket(Protocol{id}).
SPROCKET_API void register_protocol(ProtocolInfo info);

/// The registered protocol with this id, or nullptr.
SPROCKET_API const ProtocolInfo* find_protocol(std::uint16_t id);

}  // namespace sprocket
