// Options given when a socket or an endpoint is made.
#pragma once

#include <chrono>
#include <cstdint>

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
struct EndpointOptions {
  /// Outgoing preference, 1 (highest) .. 16 (lowest).
  int send_priority = 8;
  /// Incoming preference for fair-queued input, 1 (highest) .. 16 (lowest).
  int recv_priority = 8;
  /// First reconnect delay; doubles (with jitter) up to reconnect_max.
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{10'000};
  /// dial() only: wait until the first connection is up (or has failed)
  /// and report its error, instead of connecting in the background.
  bool wait_connected = false;
  /// tcp/ws: enable TCP keep-alive probes on the connections.
  bool tcp_keepalive = false;
};

}  // namespace sprocket
