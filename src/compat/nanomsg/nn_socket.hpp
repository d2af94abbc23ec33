// NnSocket: one nanomsg socket (an nn_socket() descriptor) on top of a
// sprocket::Socket.
//
// Sends and receives go straight to the sprocket socket ("direct" mode)
// until the program asks for NN_RCVFD / NN_SNDFD or polls the socket.
// Readiness then needs state sprocket does not expose, so each direction
// switches (for good) to a one-message slot:
//  - receive look-ahead: one asynchronous receive is kept pending; what it
//    delivers waits in the slot, and NN_RCVFD is readable while the slot
//    is full. nn_recv takes from the slot and re-arms it.
//  - send slot (only for sockets whose sends can wait: PAIR, PUSH, raw
//    REQ): a send that cannot go now waits in the slot, sent
//    asynchronously; NN_SNDFD is readable while the slot is empty.
// Exchanges: a cooked REQ or SURVEYOR runs each request or survey on its
// own sprocket::Context, so a new request abandons the old one cleanly
// (nothing late from it can reach the program). A REQ send never blocks,
// as in nanomsg: a request no peer can take yet is sent asynchronously and
// nn_recv waits for it. A cooked REP or RESPONDENT in look-ahead mode
// receives on a fresh Context each time, so a request taken from the slot
// keeps its route while the next one is being received.
//
// Locking: mu_ guards the transfer state, options and endpoint handles; it
// is never held while a sprocket call blocks. Sprocket calls back into this
// class only from async completions (posted, so never inside a call made
// under mu_) and pipe events, which may run at the end of any sprocket call
// (deferred actions) and so take only stats_mu_, a leaf lock guarding the
// statistics.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "sprocket/context.hpp"
#include "sprocket/socket.hpp"
#include "src/compat/nanomsg/protocol_traits.hpp"
#include "src/compat/nanomsg/signal_fd.hpp"
#include "src/compat/nanomsg/socket_options.hpp"

namespace sprocket::nanomsg {

class NnSocket : public std::enable_shared_from_this<NnSocket> {
 public:
  using Clock = std::chrono::steady_clock;
  using Deadline = std::optional<Clock::time_point>;

  /// Opens the sprocket socket; throws std::system_error on failure.
  NnSocket(int fd, int domain, const ProtocolTraits& traits);
  /// Subscribes to the socket's pipe events (for the statistics); call
  /// once, right after make_shared.
  void start();
  ~NnSocket();
  NnSocket(const NnSocket&) = delete;
  NnSocket& operator=(const NnSocket&) = delete;

  /// nn_close and nn_term: closes the sprocket socket (blocked calls fail
  /// with EBADF, or ETERM once nn_term() ran), wakes every waiter, and
  /// leaves both descriptors readable until they are closed with the
  /// object. Idempotent.
  void close();

  // Transfers (socket_send.cpp, socket_recv.cpp): the message size, or -1
  // with errno set. A failed send leaves `m` with the caller.
  int send(Message& m, int flags);
  int recv(Message& m, int flags);

  // Endpoints (socket_endpoints.cpp): an endpoint id, or -1 with errno.
  int add_endpoint(const char* address, bool bind);
  int shutdown(int eid);

  // Options (socket_options.cpp): 0, or -1 with errno.
  int set_option(int level, int option, const void* value, std::size_t size);
  int get_option(int level, int option, void* value, std::size_t* size);

  // Polling (socket_poll.cpp).
  /// Switches on what polling `events` (NN_POLLIN/NN_POLLOUT) needs and
  /// stores the descriptors to wait on (-1 for none); 0, or -1 with errno
  /// (ENOPROTOOPT for a direction the socket lacks).
  int prepare_poll(short events, int& rcv_fd, int& snd_fd);
  /// The events of `events` that are ready now (or both, once closed).
  short ready_events(short events);

  /// nn_get_statistic: the value, or -1 with `err` set.
  std::uint64_t statistic(int which, int& err);

  Socket& sprocket_socket() noexcept { return socket_; }
  const ProtocolTraits& traits() const noexcept { return traits_; }
  bool raw() const noexcept { return raw_; }
  /// True once closed or terminated.
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }

 private:
  struct Endpoint {
    Dialer dialer;
    Listener listener;
  };

  /// What the statistics know of an endpoint (under stats_mu_).
  struct EndpointState {
    bool listener = false;
    std::string url;  // as given to sprocket: pipe events name it
    int send_priority = 8;
    int pipes = 0;
    bool failing = false;  // the last connection attempt failed
  };

  struct Counters {
    std::uint64_t established = 0, accepted = 0, dropped = 0, broken = 0;
    std::uint64_t connect_errors = 0, bind_errors = 0, accept_errors = 0;
  };

  /// The receive slot of look-ahead mode.
  struct RecvSlot {
    enum class State { idle, armed, full } state = State::idle;
    std::uint64_t token = 0;  // names the pending receive; stale completions are dropped
    Message message;
    std::error_code result;
    std::shared_ptr<Context> context;  // the context it came from (answerers)
  };

  /// The current exchange of an asker (REQ, SURVEYOR).
  struct Exchange {
    std::shared_ptr<Context> context;  // null: none yet (recv fails with EFSM)
    std::uint64_t serial = 0;
    bool send_pending = false;  // REQ: the request waits for a peer
    bool finished = false;      // look-ahead: the reply (or the deadline) was taken
    std::error_code send_error;
  };

  /// Where an answerer's next send goes.
  enum class ReplyTo { nobody, socket, context };

  // socket_recv.cpp
  int recv_direct(Message& m, int flags, Deadline deadline);
  int recv_asker_direct(Message& m, int flags, Deadline deadline);
  int recv_lookahead(std::unique_lock<std::mutex>& lock, Message& m, int flags,
                     Deadline deadline);
  void after_take(const std::shared_ptr<Context>& from, const std::error_code& ec);
  bool may_arm() const;
  void arm_receive();
  void start_async_receive(std::uint64_t token, const std::shared_ptr<Context>& ctx);
  void on_received(std::uint64_t token, std::error_code ec, Message m);
  void enable_lookahead();
  int finish_recv(Message& m, std::error_code ec);

  // socket_send.cpp
  int send_plain(Message& m, int flags, Deadline deadline);
  int send_slotted(Message& m, int flags, Deadline deadline);
  int send_asker(Message& m);
  int send_answerer(Message& m);
  void on_slot_sent(std::uint64_t token, std::error_code ec);
  void on_request_sent(std::uint64_t serial, std::error_code ec);
  void enable_send_slot();
  std::shared_ptr<Context> open_context(std::error_code& ec);

  // socket_poll.cpp
  int prepare_poll_locked(short events, int& rcv_fd, int& snd_fd);
  void refresh_fds();
  bool readable_locked() const;
  bool writable_locked() const;

  // socket_options.cpp
  int set_socket_level(int option, const void* value, std::size_t size);
  int get_socket_level(int option, void* value, std::size_t* size);
  int apply_int_option(int option, int v);

  // socket_endpoints.cpp
  void on_pipe_event(const PipeEvent& e);

  /// Waits on cv_ until woken or `deadline`; false at the deadline.
  bool wait(std::unique_lock<std::mutex>& lock, Deadline deadline);
  /// errno for a call on a closed socket: EBADF, or ETERM after nn_term().
  int fail_closed() const;
  Deadline deadline_after(int ms) const;
  /// What is left of `deadline` as a sprocket timeout (negative: none).
  static std::chrono::nanoseconds remaining(Deadline deadline);

  const int fd_;
  const int domain_;
  const ProtocolTraits& traits_;
  const bool raw_;
  Role role() const noexcept { return raw_ ? Role::plain : traits_.role; }
  Socket socket_;

  std::atomic<bool> closed_{false};
  std::atomic<bool> lookahead_{false};  // receive look-ahead mode (never switched off)
  std::atomic<bool> send_slot_{false};  // send slot mode (never switched off)

  mutable std::mutex mu_;
  std::condition_variable cv_;
  SocketOptionValues options_;
  std::map<int, Endpoint> endpoints_;
  int next_eid_ = 1;
  RecvSlot rslot_;
  std::uint64_t next_token_ = 1;
  bool send_busy_ = false;  // the send slot holds a message
  std::uint64_t send_token_ = 0;
  Exchange exchange_;
  ReplyTo reply_to_ = ReplyTo::nobody;
  std::shared_ptr<Context> reply_context_;
  std::unique_ptr<SignalFd> rcv_fd_;
  std::unique_ptr<SignalFd> snd_fd_;

  mutable std::mutex stats_mu_;  // a leaf: nothing is called while holding it
  std::map<int, EndpointState> endpoint_states_;  // by endpoint id
  Counters counters_;
};

}  // namespace sprocket::nanomsg
