#include "endpoint.hpp"

#include <algorithm>
#include <random>

#include <fmt/format.h>

#include "endpoint_states.hpp"
#include "error_detail.hpp"
#include "socket_core.hpp"
#include "url.hpp"

namespace sprocket::detail {
namespace {

/// Closes the socket's ends of a link nobody will use.
void discard(PeerLink& link) {
  if (link.in) link.in->close_consumer();
  if (link.out) link.out->close_producer();
}

std::chrono::milliseconds with_jitter(std::chrono::milliseconds d) {
  // Spread reconnects over [d/2, d] so a restarted server is not stormed.
  thread_local std::minstd_rand rng{std::random_device{}()};
  auto half = d.count() / 2;
  std::uniform_int_distribution<std::int64_t> pick(half, std::max<std::int64_t>(half, d.count()));
  return std::chrono::milliseconds(pick(rng));
}

/// True when every option is in range; otherwise names the first one that
/// is not, and its allowed range, as the error detail.
bool valid(const EndpointOptions& o) {
  auto priority_ok = [](const char* name, int p) {
    if (p >= 1 && p <= 16) return true;
    set_error_detail(fmt::format("{} {} is outside 1..16", name, p));
    return false;
  };
  if (!priority_ok("send_priority", o.send_priority)) return false;
  if (!priority_ok("recv_priority", o.recv_priority)) return false;
  if (o.reconnect_min.count() <= 0) {
    set_error_detail(fmt::format("reconnect_min {} ms is not positive", o.reconnect_min.count()));
    return false;
  }
  if (o.reconnect_max < o.reconnect_min) {
    set_error_detail(fmt::format("reconnect_max {} ms is below reconnect_min {} ms",
                                 o.reconnect_max.count(), o.reconnect_min.count()));
    return false;
  }
  return true;
}

// ------------------------------------------------------------------ dialer
//
// idle -> connecting -> connected -> backoff -> connecting ...; any -> closed
// (src/endpoint_states.hpp). A failed attempt or a lost pipe goes to
// backoff; the delay doubles from reconnect_min to reconnect_max and resets
// after a successful connection. The state is decided under mu_ and acted on
// after it: nothing that takes the socket's lock (attach, close_pipes_of)
// runs with mu_ held, since the socket calls back (pipe_removed) with its own
// deferred work, on whatever thread released its lock.
class DialerImpl final : public EndpointBase {
 public:
  DialerImpl(const std::shared_ptr<SocketCore>& core, Url url, const EndpointOptions& options,
             std::unique_ptr<TransportDialer> transport)
      : EndpointBase(core, std::move(url), options),
        transport_(std::move(transport)),
        timer_(core->executor()),
        delay_(options.reconnect_min) {}

  void start() override { attempt(DialerState::idle); }

  void close() override {
    {
      std::lock_guard lock(mu_);
      if (lifecycle_.is(DialerState::closed)) return;
      lifecycle_.to(DialerState::closed);
      timer_.cancel();
    }
    transport_->close();
    if (auto core = core_.lock()) {
      core->close_pipes_of(this);
      core->forget_endpoint(this);
    }
    record_first(errc::closed);
  }

  void pipe_removed(std::error_code) override { backoff(); }

  /// The first attempt's result; its detail becomes the calling thread's.
  std::error_code wait_first(std::chrono::nanoseconds timeout) {
    std::unique_lock lock(mu_);
    if (!first_cv_.wait_for(lock, timeout, [&] { return first_.has_value(); }))
      return errc::timed_out;
    if (*first_) set_error_detail(first_detail_);
    return *first_;
  }

 private:
  // Starts an attempt if the dialer is still in state `from`.
  void attempt(DialerState from) {
    {
      std::lock_guard lock(mu_);
      if (!lifecycle_.advance(from, DialerState::connecting)) return;
    }
    transport_->connect([self = std::static_pointer_cast<DialerImpl>(shared_from_this())](
                            std::error_code ec, PeerLink link) {
      self->connected(ec, std::move(link));
    });
  }

  bool is_closed() {
    std::lock_guard lock(mu_);
    return lifecycle_.is(DialerState::closed);
  }

  void connected(std::error_code ec, PeerLink link) {
    // Why the attempt failed, in words, if the transport said so on this
    // thread just before calling us (src/error_detail.hpp); taken always,
    // so it never lingers for an unrelated failure.
    auto detail = take_error_detail();
    auto core = core_.lock();
    if (!core || is_closed()) return discard(link);
    if (ec) {
      core->report_refused(url(), link.peer_address, ec);
    } else {
      ec = core->attach(std::move(link), shared_from_this());
    }
    record_first(ec, std::move(detail));
    if (ec) return backoff();
    bool closed_meanwhile = false;
    {
      std::lock_guard lock(mu_);
      closed_meanwhile = lifecycle_.is(DialerState::closed);
      // (A pipe already lost again has moved the dialer to backoff.)
      if (lifecycle_.advance(DialerState::connecting, DialerState::connected))
        delay_ = options_.reconnect_min;
    }
    if (closed_meanwhile) core->close_pipes_of(this);  // close() ran while we attached
  }

  // After a failed attempt, a refused pipe or a lost one: waits, then tries again.
  void backoff() {
    std::lock_guard lock(mu_);
    if (!lifecycle_.is_any(DialerState::connecting, DialerState::connected)) return;
    lifecycle_.to(DialerState::backoff);
    timer_.expires_after(with_jitter(delay_));
    delay_ = std::min(delay_ * 2, options_.reconnect_max);
    timer_.async_wait([weak = weak_from_this()](std::error_code ec) {
      if (ec) return;
      auto self = std::static_pointer_cast<DialerImpl>(weak.lock());
      if (!self) return;
      if (auto core = self->core_.lock()) core->count_reconnect();
      self->attempt(DialerState::backoff);
    });
  }

  void record_first(std::error_code ec, std::string detail = {}) {
    std::lock_guard lock(mu_);
    if (first_) return;
    first_ = ec;
    first_detail_ = std::move(detail);
    first_cv_.notify_all();
  }

  std::unique_ptr<TransportDialer> transport_;
  std::mutex mu_;
  Lifecycle<DialerState> lifecycle_;
  asio::steady_timer timer_;
  std::chrono::milliseconds delay_;
  std::optional<std::error_code> first_;
  std::string first_detail_;  // why the first attempt failed, in words
  std::condition_variable first_cv_;
};

// ------------------------------------------------------------------ listener
//
// bound -> accepting -> closed (src/endpoint_states.hpp). Each accepted link
// becomes a pipe unless the protocol refuses it; failed handshakes are
// reported and counted.
class ListenerImpl final : public EndpointBase {
 public:
  ListenerImpl(const std::shared_ptr<SocketCore>& core, Url url, const EndpointOptions& options,
               std::unique_ptr<TransportListener> transport)
      : EndpointBase(core, std::move(url), options), transport_(std::move(transport)) {}

  void start() override {
    {
      std::lock_guard lock(mu_);
      if (!lifecycle_.advance(ListenerState::bound, ListenerState::accepting)) return;
    }
    transport_->accept([weak = weak_from_this()](std::error_code ec, PeerLink link) {
      auto self = std::static_pointer_cast<ListenerImpl>(weak.lock());
      if (!self) return discard(link);
      self->accepted(ec, std::move(link));
    });
  }

  void close() override {
    {
      std::lock_guard lock(mu_);
      if (lifecycle_.is(ListenerState::closed)) return;
      lifecycle_.to(ListenerState::closed);
    }
    transport_->close();
    if (auto core = core_.lock()) {
      core->close_pipes_of(this);
      core->forget_endpoint(this);
    }
  }

  std::uint16_t port() const override { return transport_->port(); }

 private:
  bool is_closed() {
    std::lock_guard lock(mu_);
    return lifecycle_.is(ListenerState::closed);
  }

  void accepted(std::error_code ec, PeerLink link) {
    auto core = core_.lock();
    if (!core || is_closed()) return discard(link);
    if (ec) {
      discard(link);
      core->report_refused(url(), link.peer_address, ec);
      return;
    }
    core->attach(std::move(link), shared_from_this());
    if (is_closed()) core->close_pipes_of(this);  // close() ran while we attached
  }

  std::unique_ptr<TransportListener> transport_;
  std::mutex mu_;
  Lifecycle<ListenerState> lifecycle_;
};

std::shared_ptr<Transport> transport_for(std::string_view text, const EndpointOptions& options,
                                         Url& url, std::error_code& ec) {
  url = parse_url(text, ec);
  if (ec) return nullptr;
  if (!valid(options)) {
    ec = errc::invalid_argument;
    return nullptr;
  }
  auto transport = find_transport(url.scheme);
  if (!transport) {
    set_error_detail(fmt::format("no transport serves \"{}://\"", url.scheme));
    ec = errc::unsupported_transport;
  }
  return transport;
}

}  // namespace

std::shared_ptr<EndpointBase> make_dialer(const std::shared_ptr<SocketCore>& core,
                                          std::string_view text, const EndpointOptions& options,
                                          std::error_code& ec) {
  Url url;
  auto transport = transport_for(text, options, url, ec);
  if (!transport) return nullptr;
  auto dialer = transport->make_dialer(url, core, options, ec);
  if (ec || !dialer) return nullptr;
  return std::make_shared<DialerImpl>(core, std::move(url), options, std::move(dialer));
}

std::shared_ptr<EndpointBase> make_listener(const std::shared_ptr<SocketCore>& core,
                                            std::string_view text, const EndpointOptions& options,
                                            std::error_code& ec) {
  Url url;
  auto transport = transport_for(text, options, url, ec);
  if (!transport) return nullptr;
  auto listener = transport->make_listener(url, core, options, ec);
  if (ec || !listener) return nullptr;
  ec = listener->bind();
  if (ec) return nullptr;
  return std::make_shared<ListenerImpl>(core, std::move(url), options, std::move(listener));
}

std::error_code wait_first_connection(EndpointBase& dialer, std::chrono::nanoseconds timeout) {
  return static_cast<DialerImpl&>(dialer).wait_first(timeout);
}

}  // namespace sprocket::detail
