// SocketCore: the state behind a sprocket::Socket — protocol, pipes,
// endpoints, waiting operations — guarded by one mutex.
//
// Lock discipline: every member that touches state takes the core's mutex
// through Lock. Work that reaches outside the socket (notifying another
// socket's queue, completing an async handler, calling the user's pipe-event
// callback, telling an endpoint its pipe went away) is collected while
// locked and run after unlocking, so no thread ever holds two socket locks.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include <asio/steady_timer.hpp>

#include "callback_slot.hpp"
#include "deferred.hpp"
#include "spin_policy.hpp"
#include "sprocket/detail/async_op.hpp"
#include "sprocket/detail/spin_mutex.hpp"
#include "sprocket/extension/protocol.hpp"
#include "sprocket/extension/transport.hpp"
#include "sprocket/socket.hpp"
#include "user_code_fence.hpp"
#include "waiter.hpp"

namespace sprocket::detail {

class EndpointBase;
class PipeImpl;

class SocketCore final : public std::enable_shared_from_this<SocketCore>,
                         public SocketPort,
                         public ProtocolHost {
 public:
  using Clock = std::chrono::steady_clock;

  /// Throws std::system_error(errc::unknown_protocol) for an unregistered id.
  static std::shared_ptr<SocketCore> create(Protocol protocol, const SocketOptions& options,
                                            asio::any_io_executor executor);
  SocketCore(const ProtocolInfo& info, const SocketOptions& options,
             asio::any_io_executor executor);
  ~SocketCore() override;

  // --- user operations (socket_core.cpp); ctx 0 is the socket itself ---
  std::error_code send(Message& m, bool block, std::uint32_t ctx = 0);
  std::error_code recv(Message& m, bool block, std::uint32_t ctx = 0);
  void close();

  // --- async operations (socket_core_async.cpp) ---
  void start_async(bool is_send, std::uint64_t id, Message m, std::unique_ptr<AsyncOp> op,
                   std::uint32_t ctx = 0);
  void cancel_async(std::uint64_t id, std::error_code reason);

  // --- waiting for peers (socket_core_async.cpp for the async form) ---
  /// Waits until `n` pipes are attached: timed_out after `timeout`
  /// (negative: none), closed when the socket closes.
  std::error_code wait_for_pipes(std::size_t n, std::chrono::nanoseconds timeout);
  void start_async_wait_for_pipes(std::size_t n, std::chrono::nanoseconds timeout,
                                  std::uint64_t id, std::unique_ptr<AsyncOp> op);

  // --- contexts (context.cpp) ---
  /// Opens a context; errc::not_supported if the protocol has none.
  std::uint32_t open_context(std::error_code& ec);
  /// Completes its pending operations with errc::closed and forgets it.
  void close_context(std::uint32_t ctx);
  void set_context_timeout(std::uint32_t ctx, bool send, std::chrono::nanoseconds d);
  std::chrono::nanoseconds context_timeout(std::uint32_t ctx, bool send) const;

  // --- endpoints ---
  std::shared_ptr<EndpointBase> add_endpoint(std::string_view url, const EndpointOptions& o,
                                             bool listen, std::error_code& ec);
  void forget_endpoint(EndpointBase* ep);
  /// A transport delivered a connection for `owner`; the protocol may
  /// refuse it (the link is then closed and the refusal reported).
  std::error_code attach(PeerLink link, const std::shared_ptr<EndpointBase>& owner);
  /// Closes every pipe `owner` made.
  void close_pipes_of(EndpointBase* owner);
  /// Reports a failed connection attempt or handshake.
  void report_refused(const std::string& url, const std::string& peer, std::error_code reason);
  void count_reconnect();

  // --- pipe notifications (from PipeImpl, no lock held) ---
  /// Posts the notice to the readiness mailbox; takes the socket lock only
  /// when a sleeping thread or an async operation must act on it, or when
  /// the peer is closing (`urgent`).
  void post_ready(PipeImpl& pipe, bool readable, bool urgent);
  // Called by PipeImpl with the lock held.
  void defer(DeferredActions::Action a) { deferred_.push(std::move(a)); }
  void schedule_removal(PipeImpl& pipe, std::error_code reason);

  // --- options and introspection ---
  void set_timeout(bool send, std::chrono::nanoseconds d) { set_context_timeout(0, send, d); }
  std::chrono::nanoseconds timeout(bool send) const { return context_timeout(0, send); }
  void set_buffer(bool send, std::size_t messages);
  void set_recv_max(std::size_t bytes) { recv_max_.store(bytes, std::memory_order_relaxed); }
  void set_linger(std::chrono::nanoseconds d) { linger_ns_.store(d.count()); }
  /// Replaces the pipe-event callback; returns once the old one is not
  /// running on another thread and never will again (callback_slot.hpp).
  void set_pipe_callback(std::function<void(const PipeEvent&)> cb);
  Stats stats() const;
  Protocol protocol() const noexcept { return Protocol{info_.id}; }
  const ProtocolInfo& protocol_info() const noexcept { return info_; }

  // SocketPort
  std::uint16_t protocol_id() const noexcept override { return info_.id; }
  bool accepts_peer(std::uint16_t peer) const noexcept override { return peer == info_.peer_id; }
  std::size_t send_buffer() const noexcept override { return depth(sndbuf_.load()); }
  std::size_t recv_buffer() const noexcept override { return depth(rcvbuf_.load()); }
  std::size_t send_buffer_bytes() const noexcept override { return depth_bytes(sndbuf_.load()); }
  std::size_t recv_buffer_bytes() const noexcept override { return depth_bytes(rcvbuf_.load()); }
  std::size_t recv_max_size() const noexcept override { return recv_max_.load(); }
  std::chrono::nanoseconds linger() const noexcept override {
    return std::chrono::nanoseconds(linger_ns_.load());
  }
  std::chrono::nanoseconds handshake_timeout() const noexcept override {
    return std::chrono::nanoseconds(handshake_ns_.load());
  }
  void set_handshake_timeout(std::chrono::nanoseconds d) { handshake_ns_.store(d.count()); }
  /// The default TLS settings of the socket's TLS endpoints (Socket::set_tls).
  void set_tls(TlsConfig config) {
    std::lock_guard lock(tls_mu_);
    tls_ = std::move(config);
  }
  std::optional<TlsConfig> tls() const {
    std::lock_guard lock(tls_mu_);
    return tls_;
  }
  asio::any_io_executor executor() const override { return executor_; }

  // ProtocolHost (called with the lock held)
  void count_drop() noexcept override { ++stats_.drops; }
  void close_pipe(Pipe& pipe, std::error_code reason) override;
  const SocketOptions& socket_options() const noexcept override { return options_; }
  int max_ttl() const noexcept override { return max_ttl_.load(); }
  std::chrono::nanoseconds resend_interval() const noexcept override {
    return std::chrono::nanoseconds(resend_ns_.load());
  }
  std::chrono::nanoseconds survey_deadline() const noexcept override {
    return std::chrono::nanoseconds(survey_ns_.load());
  }
  void start_timer(std::uint32_t token, std::chrono::nanoseconds delay) override;
  void cancel_timer(std::uint32_t token) override;

  void set_max_ttl(int hops) { max_ttl_.store(hops); }
  void set_survey_deadline(std::chrono::nanoseconds d) { survey_ns_.store(d.count()); }
  std::error_code set_protocol_option(std::string_view name, std::span<const std::byte> value);
  void set_resend_interval(std::chrono::nanoseconds d) { resend_ns_.store(d.count() < 0 ? -1 : d.count()); }

 private:
  class Lock;
  enum class State { open, closed };

  /// The waiting operations and timeouts of the socket (id 0) or a context.
  struct Channel {
    WaiterList send;
    WaiterList recv;
    std::atomic<std::int64_t> send_timeout_ns{-1};
    std::atomic<std::int64_t> recv_timeout_ns{-1};
    WaiterList& waiters(bool is_send) { return is_send ? send : recv; }
  };

  struct ReadyNotice {
    PipeImpl* pipe;  // validated against pipes_ by id before use
    std::uint32_t id;
    bool readable;
  };

  // Under the lock.
  void drain_ready();
  void settle();
  // Nothing for settle() to do: no notices, removals or waiters. Most
  // calls leave the socket so; the release checks this inline first.
  bool settled() const noexcept {
    return !has_ready_.load(std::memory_order_acquire) && removals_.empty() &&
           socket_channel_.send.empty() && socket_channel_.recv.empty() && contexts_.empty() &&
           pipe_waiters_.empty();
  }
  void service_waiters();
  void service_pipe_waiters();
  void finish(Waiter* w, std::error_code ec);
  void remove_pipe(std::shared_ptr<PipeImpl> pipe, std::error_code reason,
                   bool tell_protocol = true);
  void emit(PipeEvent event);
  std::optional<Clock::time_point> deadline(std::uint32_t ctx, bool send) const;
  void wait(Lock& lock, Waiter& w, std::optional<Clock::time_point> deadline);
  bool spin_briefly(Lock& lock, Waiter& w);
  bool read_while_waiting(Lock& lock, Waiter& w, std::optional<Clock::time_point> deadline);
  void want_room_for_send();
  std::error_code try_op(bool is_send, Message& m, std::uint32_t ctx);
  bool service_channel(std::uint32_t ctx, Channel& ch);
  Channel* channel(std::uint32_t ctx);
  std::chrono::nanoseconds timeout_locked(std::uint32_t ctx, bool send) const;
  const Channel* channel(std::uint32_t ctx) const;
  void fail_channel(Channel& ch, std::error_code ec);
  void arm_timer(Waiter& w, std::chrono::nanoseconds timeout);
  void protocol_timer_expired(std::uint32_t token, std::uint64_t generation);

  const ProtocolInfo& info_;
  const SocketOptions options_;
  asio::any_io_executor executor_;

  mutable std::mutex mu_;
  State state_ = State::open;
  std::unique_ptr<ProtocolHandler> proto_;
  std::unordered_map<std::uint32_t, std::shared_ptr<PipeImpl>> pipes_;
  std::vector<std::pair<std::shared_ptr<PipeImpl>, std::error_code>> removals_;
  std::vector<std::shared_ptr<EndpointBase>> endpoints_;
  Channel socket_channel_;
  WaiterList pipe_waiters_;  // waits for peers
  std::unordered_map<std::uint32_t, std::unique_ptr<Channel>> contexts_;
  std::uint32_t next_context_ = 1;
  DeferredActions deferred_;
  // Sleeping threads whose operations finished under the lock: woken once
  // it is released (see WakeWord), linked through Waiter::next_wake.
  Waiter* wakes_ = nullptr;
  std::vector<ReadyNotice> ready_spare_;  // drained notices, kept for their capacity
  // Whether blocked sends and receives spin before they sleep, and whether
  // a blocked receive reads its connection itself (read_while_waiting).
  SpinPolicy send_spin_;
  SpinPolicy recv_spin_;
  SpinPolicy read_turns_;
  // The socket sent since it last received: a receive now waits for an
  // answer (read_while_waiting). A hint, so relaxed.
  std::atomic<bool> answer_awaited_{false};

  // Readiness mailbox, filled by peers without the socket lock. Spinning
  // waiters poll has_ready_, so it lives apart from what posters write.
  alignas(64) std::mutex ready_mu_;
  std::vector<ReadyNotice> ready_;
  alignas(64) std::atomic<bool> has_ready_{false};
  // Sleeping threads plus pending async operations: while non-zero, a
  // poster must take the lock and act on its notice itself.
  std::atomic<int> need_wake_{0};
  alignas(64) char pad_end_ = 0;  // keeps the fields after this class off that line
  std::shared_ptr<CallbackSlot> pipe_callback_;
  Stats stats_;
  // A protocol's timer is restarted on every request (REQ's resend
  // interval), and touching an asio timer from an application thread wakes
  // an I/O thread (a new earliest expiry, or the cancelled wait's handler).
  // So a restart only moves `due`; the wait already armed for an earlier
  // time fires and waits again for the rest. Cancelled: the armed wait
  // fires for nothing (within the delay it was started with), or ends when
  // the socket closes.
  struct ProtocolTimer {
    std::unique_ptr<asio::steady_timer> timer;
    std::optional<Clock::time_point> due;        // set while running: when it expires
    std::optional<Clock::time_point> armed_for;  // set while an asio wait is pending: until when
    std::uint64_t generation = 0;                // of the armed wait: a superseded one is ignored
  };
  void arm_protocol_timer(std::uint32_t token, ProtocolTimer& t);
  std::unordered_map<std::uint32_t, ProtocolTimer> timers_;

  // About ZeroMQ's default (1000). At 128, a stream of small messages woke
  // each side every 64 of them (the low-water mark), and those wake-ups
  // were most of its CPU (docs/benchmarks.md, "the default buffer depth").
  static constexpr std::size_t kDefaultBuffer = 1024;
  static constexpr std::size_t kDepthNotSet = static_cast<std::size_t>(-1);
  static std::size_t depth(std::size_t stored) noexcept {
    return stored == kDepthNotSet ? kDefaultBuffer : stored;
  }
  static std::size_t depth_bytes(std::size_t stored) noexcept {
    return stored == kDepthNotSet ? kDefaultBufferBytes : 0;
  }

  std::atomic<std::int64_t> linger_ns_{1'000'000'000};
  std::atomic<std::int64_t> handshake_ns_{10'000'000'000};
  std::atomic<int> max_ttl_{8};
  std::atomic<std::int64_t> resend_ns_{60'000'000'000};
  std::atomic<std::int64_t> survey_ns_{1'000'000'000};
  // The buffer depths as set, or kDepthNotSet: a default depth also has a
  // byte bound (SocketPort::kDefaultBufferBytes), a depth the user set does
  // not.
  std::atomic<std::size_t> sndbuf_{kDepthNotSet};
  std::atomic<std::size_t> rcvbuf_{kDepthNotSet};
  std::atomic<std::size_t> recv_max_{1024 * 1024};
  mutable std::mutex tls_mu_;  // guards tls_ only; never held while calling out
  std::optional<TlsConfig> tls_;
};

/// Holds the core's mutex (and the user-code fence with it); on release
/// settles pending work under the lock, then runs the deferred actions
/// unlocked.
class SocketCore::Lock {
 public:
  explicit Lock(SocketCore& core) : core_(core), lock_(core.mu_), fence_(&enter_locked_region()) {
    core_.drain_ready();
  }
  ~Lock() { release(); }
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

  /// Settles and, if that left work for outside the lock, unlocks, runs
  /// it and locks again.
  void flush() {
    core_.settle();
    if (core_.deferred_.empty() && core_.wakes_ == nullptr) return;
    release();
    relock();
  }
  /// Locks again after release().
  void relock() {
    lock_.lock();
    fence_ = &enter_locked_region();
  }

  /// Settles, unlocks, wakes the threads whose operations finished, and
  /// runs the deferred actions.
  void release() {
    if (!lock_.owns_lock()) return;
    if (!core_.settled()) core_.settle();
    // Most calls leave nothing to run: they skip making (and destroying)
    // the list to take the actions out in.
    if (core_.deferred_.empty()) return unlock_and_wake();
    DeferredActions actions;
    core_.deferred_.transfer_to(actions);
    unlock_and_wake();
    actions.run();
  }

 private:
  void unlock_and_wake() {
    Waiter* wakes = std::exchange(core_.wakes_, nullptr);
    lock_.unlock();
    leave_locked_region(*fence_);
    wake_all(wakes);
  }

  static void wake_all(Waiter* w) noexcept {
    while (w) {
      Waiter* next = w->next_wake;  // read first: once woken, *w may be gone
      w->done_hint.set_and_wake();
      w = next;
    }
  }

  SocketCore& core_;
  std::unique_lock<std::mutex> lock_;
  Fence* fence_;  // this thread's, while the lock is held
};

}  // namespace sprocket::detail
