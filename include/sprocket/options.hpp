// Options given when a socket or an endpoint is made.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "sprocket/tls.hpp"

namespace sprocket {

/// Options fixed for a socket's life, given to its constructor.
struct SocketOptions {
  /// Raw mode: the protocol passes headers through to the user (devices).
  bool raw = false;
  /// PAIR v1 (sprocket::pair1) only: polyamorous mode, NNG's
  /// nng_pair1_open_poly(). The socket keeps any number of peers instead of
  /// one; each received Message names its connection in pipe(), and a sent
  /// message goes to the connection its pipe() names (one that has gone or
  /// is full drops it, counted in stats().drops), or with no pipe named to
  /// the oldest connection. Other protocols, and raw mode, refuse it with
  /// errc::invalid_argument.
  bool polyamorous = false;
};

/// Options for one dial() or listen(); they apply to every connection the
/// endpoint makes.
///
/// Set them with designated initializers (`{.send_priority = 1}`), or
/// compose them with the `with_` builders, each of which returns a copy with
/// one setting changed, so a preset combines with more settings in one
/// expression and is never edited in place:
///
/// ```cpp
/// constexpr auto fast_reconnect = sprocket::EndpointOptions{}.with_reconnect(10ms, 500ms);
/// push.dial("tcp://ny.example:7000", fast_reconnect.with_send_priority(1));
/// push.dial("tcp://ldn.example:7000", fast_reconnect.with_send_priority(2));
/// ```
///
/// Values are checked when the options reach dial() or listen(), whose
/// error names the option and its allowed range.
struct EndpointOptions {
  /// Outgoing preference, 1 (highest) .. 16 (lowest).
  int send_priority = 8;
  /// Incoming preference for fair-queued input, 1 (highest) .. 16 (lowest).
  int recv_priority = 8;
  /// First reconnect delay; doubles (with jitter) up to reconnect_max.
  std::chrono::milliseconds reconnect_min{100};
  /// Longest reconnect delay (default 10 s); at least reconnect_min.
  std::chrono::milliseconds reconnect_max{10'000};
  /// dial() only: wait until the first connection is up (or has failed)
  /// and report its error, instead of connecting in the background.
  bool wait_connected = false;
  /// tcp/ws: enable TCP keep-alive probes on the connections.
  bool tcp_keepalive = false;
  /// tls+tcp and wss only: certificates and verification for this
  /// endpoint (sprocket/tls.hpp); unset: the socket's default
  /// (Socket::set_tls()). Set on any other transport it is an error of
  /// dial() or listen().
  std::optional<TlsConfig> tls{};
  /// ws: send each message as a WebSocket text message rather than a binary
  /// one (nanomsg's NN_WS_MSG_TYPE_TEXT). The bytes are sent as they are:
  /// a peer that checks text may refuse what is not UTF-8.
  bool ws_send_text = false;
  /// ws: accept text messages (which must be UTF-8) as well as binary ones.
  /// Otherwise a text message closes the connection (code 1003), as NNG does.
  bool ws_recv_text = false;

  /// A copy with send_priority = `priority` (1 highest .. 16 lowest).
  constexpr EndpointOptions with_send_priority(int priority) const {
    EndpointOptions o = *this;
    o.send_priority = priority;
    return o;
  }
  /// A copy with recv_priority = `priority` (1 highest .. 16 lowest).
  constexpr EndpointOptions with_recv_priority(int priority) const {
    EndpointOptions o = *this;
    o.recv_priority = priority;
    return o;
  }
  /// A copy with both send_priority and recv_priority = `priority`.
  constexpr EndpointOptions with_priority(int priority) const {
    return with_send_priority(priority).with_recv_priority(priority);
  }
  /// A copy with reconnect_min = `min` and reconnect_max = `max`.
  constexpr EndpointOptions with_reconnect(std::chrono::milliseconds min,
                                           std::chrono::milliseconds max) const {
    EndpointOptions o = *this;
    o.reconnect_min = min;
    o.reconnect_max = max;
    return o;
  }
  /// A copy with wait_connected set: dial() returns once connected.
  constexpr EndpointOptions with_wait_connected() const {
    EndpointOptions o = *this;
    o.wait_connected = true;
    return o;
  }
  /// A copy with tcp_keepalive set.
  constexpr EndpointOptions with_tcp_keepalive() const {
    EndpointOptions o = *this;
    o.tcp_keepalive = true;
    return o;
  }
  /// A copy with tls = `config`.
  EndpointOptions with_tls(TlsConfig config) const {
    EndpointOptions o = *this;
    o.tls = std::move(config);
    return o;
  }
  /// A copy with ws_send_text set.
  constexpr EndpointOptions with_ws_send_text() const {
    EndpointOptions o = *this;
    o.ws_send_text = true;
    return o;
  }
  /// A copy with ws_recv_text set.
  constexpr EndpointOptions with_ws_recv_text() const {
    EndpointOptions o = *this;
    o.ws_recv_text = true;
    return o;
  }
};

}  // namespace sprocket
