// Helpers for the protocol tests (pipeline, reqrep): one name per transport
// for parameterised suites, and listening on a fresh address of each kind
// (a unique inproc name, a unique ipc path, tcp, ws, tls+tcp and wss port 0) so
// tests can run in parallel. TLS listeners use the test certificates
// (tests/tls_test_pki.hpp), which dialers trust through the system trust
// store, so a suite dials every transport the same way. Builds on the stream transport's test helpers (ipc paths, raw
// wire sockets), which stay in one place.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "tls_test_pki.hpp"
#include "transports/stream/stream_test_util.hpp"

namespace sprocket::test {

/// The transports every protocol suite runs over.
enum class Via { inproc, ipc, tcp, ws, tls, wss };

inline const char* via_name(Via v) {
  switch (v) {
    case Via::inproc:
      return "inproc";
    case Via::ipc:
      return "ipc";
    case Via::tcp:
      return "tcp";
    case Via::ws:
      return "ws";
    case Via::tls:
      return "tls";
    case Via::wss:
      return "wss";
  }
  return "?";
}

/// The URL scheme of `v` ("tls+tcp" for tls).
inline std::string via_scheme(Via v) { return v == Via::tls ? "tls+tcp" : via_name(v); }

/// How gtest prints a parameter (in test names shown by ctest).
inline void PrintTo(Via v, std::ostream* os) {
  *os << via_name(v);
}

/// For INSTANTIATE_TEST_SUITE_P: names cases ".../inproc", ".../tcp"...
struct ViaName {
  template <class Info>
  std::string operator()(const Info& info) const {
    return via_name(info.param);
  }
};

inline const auto kAllTransports =
    ::testing::Values(Via::inproc, Via::ipc, Via::tcp, Via::ws, Via::tls, Via::wss);

/// The test certificates, made while the program is still single-threaded
/// (making them sets SSL_CERT_FILE).
inline const bool kTestPkiReady = (TestPki::get(), true);

/// `options` with the test server certificate unless they carry TLS settings.
inline EndpointOptions with_test_server_tls(const EndpointOptions& options) {
  return options.tls ? options : options.with_tls(TestPki::get().server());
}

/// A socket with its pipe-event recorder, blocking calls bounded by
/// kEventTimeout.
struct Node {
  explicit Node(Protocol p, SocketOptions o = {}) : socket(p, o) { bound_blocking_calls(socket); }
  Socket socket;
  PipeEventRecorder events{socket};
};

/// Takes every message waiting on `s` now.
inline std::vector<std::string> drain_now(Socket& s) {
  std::vector<std::string> out;
  for (;;) {
    std::error_code ec;
    Message m = s.try_recv(ec);
    if (ec) return out;
    out.emplace_back(m.str());
  }
}

/// Receives exactly `n` messages (each bounded by the socket's timeout).
inline std::vector<std::string> recv_n(Socket& s, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    std::error_code ec;
    Message m = s.recv(ec);
    EXPECT_NO_ERROR(ec) << "message " << i << " of " << n;
    if (ec) break;
    out.emplace_back(m.str());
  }
  return out;
}

/// True when nothing is waiting on `s` right now.
inline bool nothing_waiting(Socket& s) {
  std::error_code ec;
  (void)s.try_recv(ec);
  return ec == errc::would_block;
}

/// Makes `s` listen on a fresh address of kind `via` and returns the URL to
/// dial it (for tcp and ws, with the port the system chose).
inline std::string listen_fresh(Socket& s, Via via, const EndpointOptions& options = {}) {
  switch (via) {
    case Via::inproc: {
      auto url = unique_inproc_name();
      s.listen(url, options);
      return url;
    }
    case Via::ipc: {
      auto url = "ipc://" + unique_ipc_path();
      s.listen(url, options);
      return url;
    }
    case Via::tcp: {
      Listener l = s.listen("tcp://127.0.0.1:0", options);
      return "tcp://127.0.0.1:" + std::to_string(l.port());
    }
    case Via::ws: {
      Listener l = s.listen("ws://127.0.0.1:0/sp", options);
      return "ws://127.0.0.1:" + std::to_string(l.port()) + "/sp";
    }
    case Via::tls: {
      Listener l = s.listen("tls+tcp://127.0.0.1:0", with_test_server_tls(options));
      return "tls+tcp://127.0.0.1:" + std::to_string(l.port());
    }
    case Via::wss: {
      Listener l = s.listen("wss://127.0.0.1:0/sp", with_test_server_tls(options));
      return "wss://127.0.0.1:" + std::to_string(l.port()) + "/sp";
    }
  }
  return {};
}

/// Listens with `listener` on a fresh `via` address, dials it from `dialer`
/// with `options`, and waits until both sides report the new pipe.
inline ::testing::AssertionResult connect_via(Socket& listener, PipeEventRecorder& listener_events,
                                              Socket& dialer, PipeEventRecorder& dialer_events,
                                              Via via, const EndpointOptions& options = {}) {
  const auto listener_before = listener_events.count(PipeEvent::Kind::added);
  const auto dialer_before = dialer_events.count(PipeEvent::Kind::added);
  const std::string url = listen_fresh(listener, via);
  dialer.dial(url, options);
  if (!listener_events.wait_added(listener_before + 1))
    return ::testing::AssertionFailure()
           << "listener on " << url << " saw no new pipe: " << listener_events.summary();
  if (!dialer_events.wait_added(dialer_before + 1))
    return ::testing::AssertionFailure()
           << "dialer of " << url << " saw no new pipe: " << dialer_events.summary();
  return ::testing::AssertionSuccess();
}

}  // namespace sprocket::test
