// The socket nanocat runs, on an I/O thread of its own: made and set up
// from the options (timeouts, limits, subscriptions, endpoints in
// command-line order with their priorities), and closed so that what was
// sent still reaches the peers before the process exits.
#pragma once

// A standard header first: asio's configuration (aligned allocation) must
// see the same libstdc++ macros in every translation unit (src/runtime.hpp).
// clang-format off
#include <cstddef>
// clang-format on

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <future>
#include <optional>
#include <sprocket/sprocket.hpp>
#include <thread>

#include "options.hpp"

namespace nanocat {

/// The sprocket protocol of a socket type.
sprocket::Protocol protocol_of(SocketType type);

/// One asio io_context run by one thread. nanocat owns its I/O so that at
/// exit it can let the connections finish writing (see finish()), which the
/// process-wide runtime, stopped at exit, would cut short.
class IoThread {
 public:
  IoThread();
  /// Stops the I/O at once and joins the thread.
  ~IoThread();
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;

  asio::any_io_executor executor() { return io_.get_executor(); }

  /// Lets the pending I/O run to completion for at most `limit`, then stops
  /// it; joins the thread.
  void finish(Millis limit);

 private:
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::promise<void> done_;
  std::future<void> done_future_ = done_.get_future();
  std::thread thread_;
};

/// nanocat's socket, set up and connected as the options say.
class Session {
 public:
  /// Makes the socket and opens every endpoint. Throws nanocat::Error
  /// (kExitFailure) naming the address when a bind or connect is refused.
  explicit Session(const Options& options);
  /// Unless close_and_drain() ran (nanocat is failing), closes the socket
  /// without lingering and lets the connections wind down before the I/O
  /// stops, so that none is left holding itself alive.
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  sprocket::Socket& socket() { return socket_; }

  /// Closes the socket and waits (up to the socket's linger time, 1 s)
  /// until its connections have written what was sent.
  void close_and_drain();

 private:
  void abandon();
  void configure(const Options& options);
  void open_endpoints(const Options& options);

  IoThread io_;  // declared first: it outlives the socket
  sprocket::Socket socket_;
  int verbose_;
  bool drained_ = false;
};

}  // namespace nanocat
