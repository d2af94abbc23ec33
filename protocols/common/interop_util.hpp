// Helpers for every interop test (the protocols' and the tcp/ipc/ws
// transports'): the peers' command line tools as child processes (nngcat
// from NNG 1.5.2, nanocat from nanomsg 1.1.5), the test parameters that pair
// a transport with the side that listens, and RAII wrappers over libnng and
// libnanomsg sockets.
//
// Tool paths and library availability come from CMake (find_program,
// find_package(nng), pkg-config nanomsg). A missing peer fails its tests
// with a message saying what to install: an interop suite that skips
// silently proves nothing.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "child_process.hpp"
#include "protocols/common/protocol_test_util.hpp"

#ifdef SPROCKET_HAVE_NNG
#include <nng/nng.h>
#endif
#ifdef SPROCKET_HAVE_NANOMSG
#include <nanomsg/nn.h>
#endif

#ifndef SPROCKET_NNGCAT
#define SPROCKET_NNGCAT ""
#endif
#ifndef SPROCKET_NANOCAT
#define SPROCKET_NANOCAT ""
#endif

namespace sprocket::test {

/// Peers reconnect quickly, so a dialer that started before its listener
/// connects soon after the listener is up.
inline const EndpointOptions kPeerRetry{.reconnect_min = std::chrono::milliseconds(20),
                                        .reconnect_max = std::chrono::milliseconds(200)};

enum class Tool { nngcat, nanocat };
enum class Role { sprocket_listens, sprocket_dials };

inline const char* role_name(Role r) {
  return r == Role::sprocket_listens ? "sprocket_listens" : "sprocket_dials";
}
/// How gtest prints a Role in a failing case's parameters.
inline void PrintTo(Role r, std::ostream* os) { *os << role_name(r); }

struct ToolInfo {
  const char* name;
  const char* path;
  const char* package;
  const char* dial_flag;
  const char* listen_flag;
};

inline const ToolInfo& tool_info(Tool t) {
  static const ToolInfo nngcat{"nngcat", SPROCKET_NNGCAT, "nng-utils", "--dial", "--listen"};
  static const ToolInfo nanocat{"nanocat", SPROCKET_NANOCAT, "nanomsg-utils", "--connect", "--bind"};
  return t == Tool::nngcat ? nngcat : nanocat;
}

/// Fails the current test unless the tool was found when CMake configured.
inline ::testing::AssertionResult tool_available(Tool t) {
  const ToolInfo& i = tool_info(t);
  if (std::string_view(i.path).empty() || !std::filesystem::exists(i.path))
    return ::testing::AssertionFailure()
           << i.name << " was not found when CMake configured this build (path '" << i.path
           << "'): install the Debian package " << i.package
           << " (tools/test.sh does) and re-run CMake";
  return ::testing::AssertionSuccess();
}

/// The address where sprocket and a peer meet. When sprocket listens it
/// listens now (tcp: port 0) and the URL is the one to dial; when the peer
/// listens, the URL is a fresh address nobody uses yet.
inline std::string meeting_url(Socket& s, Transport t, Role role) {
  if (role == Role::sprocket_dials) return Endpoint::make_fixed(t).listen_url;
  auto ep = Endpoint::make(t);
  ep.bound(s.listen(ep.listen_url));
  return ep.dial_url;
}

/// A sprocket socket and a library peer, on one transport, one side
/// listening.
using PeerParam = std::tuple<Transport, Role>;

inline std::string peer_param_name(const ::testing::TestParamInfo<PeerParam>& i) {
  return std::string(transport_name(std::get<0>(i.param))) + "_" + role_name(std::get<1>(i.param));
}

/// Every transport with either side listening.
inline const auto kAllPeerParams =
    ::testing::Combine(::testing::Values(Transport::tcp, Transport::ipc),
                       ::testing::Values(Role::sprocket_listens, Role::sprocket_dials));

/// A sprocket socket and a command-line peer, on one transport, one side
/// listening.
struct CliParam {
  Tool tool;
  Transport transport;
  Role role;
};

inline std::string cli_param_name(const CliParam& c) {
  return std::string(tool_info(c.tool).name) + "_" + transport_name(c.transport) + "_" +
         role_name(c.role);
}
inline void PrintTo(const CliParam& c, std::ostream* os) { *os << cli_param_name(c); }

/// Names instantiated cases after their CliParam.
struct CliParamName {
  std::string operator()(const ::testing::TestParamInfo<CliParam>& i) const {
    return cli_param_name(i.param);
  }
};

/// Both tools, both transports, either side listening.
inline std::vector<CliParam> all_cli_params() {
  std::vector<CliParam> out;
  for (Tool t : {Tool::nngcat, Tool::nanocat})
    for (Transport tr : {Transport::tcp, Transport::ipc})
      for (Role r : {Role::sprocket_listens, Role::sprocket_dials}) out.push_back({t, tr, r});
  return out;
}

/// Starts `tool` with `protocol_flag`, dialing `url` if sprocket listens or
/// listening on it otherwise, plus `extra` arguments.
inline std::unique_ptr<ChildProcess> start_tool(Tool tool, const char* protocol_flag, Role role,
                                                const std::string& url,
                                                std::vector<std::string> extra) {
  const ToolInfo& info = tool_info(tool);
  std::vector<std::string> argv{info.path, protocol_flag,
                                role == Role::sprocket_listens ? info.dial_flag : info.listen_flag,
                                url};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return std::make_unique<ChildProcess>(std::move(argv));
}

/// `args` (a --data or --file) for a tool that sends through a protocol
/// whose send waits for a peer (PAIR, REQ), and stays up until the test
/// ends. nanocat resends every second. nngcat sends once and then receives
/// (a PAIR until killed, a REQ until its reply): nngcat 1.5.2 with
/// --interval N exits ("Cannot set recv timeout: Invalid argument") when
/// its send waited for the peer more than N s, or when a message reached it
/// just as an interval ended, and a loaded machine brings both about
/// (docs/nanocat.md, "Notes on peers").
inline std::vector<std::string> sending_until_killed(Tool tool, std::vector<std::string> args) {
  if (tool == Tool::nanocat) args.insert(args.end(), {"--interval", "1"});
  return args;
}

/// Starts `tool` as in start_tool() into `peer`, dials `url` if sprocket
/// dials (retried until the tool listens), and waits until `sock` has the
/// connection. Call under ASSERT_NO_FATAL_FAILURE.
inline void start_connected_tool(std::unique_ptr<ChildProcess>& peer, Socket& sock,
                                 PipeEventRecorder& events, Tool tool, const char* protocol_flag,
                                 Role role, const std::string& url,
                                 std::vector<std::string> extra) {
  peer = start_tool(tool, protocol_flag, role, url, std::move(extra));
  ASSERT_TRUE(peer->running()) << peer->describe();
  if (role == Role::sprocket_dials) sock.dial(url, kPeerRetry);
  ASSERT_TRUE(events.wait_added()) << events.summary() << "\n" << peer->describe();
}

/// What a build without libnng / libnanomsg says in place of their cases.
inline constexpr const char* kNoLibnng =
    "this build has no libnng: install the Debian package libnng-dev "
    "(tools/test.sh does) and re-run CMake";
inline constexpr const char* kNoLibnanomsg =
    "this build has no libnanomsg: install the Debian package libnanomsg-dev "
    "(tools/test.sh does) and re-run CMake";

// ------------------------------------------------------------------ libnng

#ifdef SPROCKET_HAVE_NNG

#define ASSERT_NNG_OK(expr)                                  \
  do {                                                       \
    int rv_ = (expr);                                        \
    ASSERT_EQ(rv_, 0) << #expr << ": " << nng_strerror(rv_); \
  } while (0)

/// An NNG socket, closed when the test ends whatever happened. Counts the
/// pipes NNG added, so a test can wait for its connections (an NNG PUB or
/// BUS sends only to the pipes it has).
class NngSocket {
 public:
  NngSocket() = default;
  ~NngSocket() {
    if (open_) nng_close(s_);
  }
  NngSocket(const NngSocket&) = delete;
  NngSocket& operator=(const NngSocket&) = delete;

  /// Opens with `open`, bounds blocking calls, reconnects fast.
  void open(int (*open_fn)(nng_socket*)) {
    ASSERT_NNG_OK(open_fn(&s_));
    open_ = true;
    ASSERT_NNG_OK(nng_pipe_notify(s_, NNG_PIPE_EV_ADD_POST, &NngSocket::on_pipe, &pipes_));
    ASSERT_NNG_OK(nng_socket_set_ms(s_, NNG_OPT_RECVTIMEO, kEventTimeout.count()));
    ASSERT_NNG_OK(nng_socket_set_ms(s_, NNG_OPT_SENDTIMEO, kEventTimeout.count()));
    ASSERT_NNG_OK(nng_socket_set_ms(s_, NNG_OPT_RECONNMINT, 20));
    ASSERT_NNG_OK(nng_socket_set_ms(s_, NNG_OPT_RECONNMAXT, 200));
  }

  /// Listens on a fresh address of `t`; `url` gets the address to dial.
  void listen(Transport t, std::string& url) {
    auto ep = Endpoint::make(t);
    nng_listener l;
    ASSERT_NNG_OK(nng_listen(s_, ep.listen_url.c_str(), &l, 0));
    url = ep.dial_url;
    if (t == Transport::tcp) {
      int port = 0;
      ASSERT_NNG_OK(nng_listener_get_int(l, NNG_OPT_TCP_BOUND_PORT, &port));
      url = "tcp://127.0.0.1:" + std::to_string(port);
    }
  }

  /// Dials in the background, retrying until the listener is up.
  void dial(const std::string& url) {
    ASSERT_NNG_OK(nng_dial(s_, url.c_str(), nullptr, NNG_FLAG_NONBLOCK));
  }

  void send(std::string_view text) { ASSERT_NNG_OK(nng_send(s_, const_cast<char*>(text.data()), text.size(), 0)); }

  /// Receives (blocking up to the timeout, or not at all with
  /// NNG_FLAG_NONBLOCK); nullopt on error, with the code in `rv`.
  std::optional<std::string> recv(int& rv, int flags = 0) {
    void* buf = nullptr;
    size_t size = 0;
    rv = nng_recv(s_, &buf, &size, flags | NNG_FLAG_ALLOC);
    if (rv != 0) return std::nullopt;
    std::string out(static_cast<const char*>(buf), size);
    nng_free(buf, size);
    return out;
  }

  bool wait_pipes(int n) const {
    return wait_until([&] { return pipes_.load() >= n; });
  }
  int pipes() const { return pipes_.load(); }
  nng_socket get() const { return s_; }

 private:
  static void on_pipe(nng_pipe, nng_pipe_ev, void* arg) {
    static_cast<std::atomic<int>*>(arg)->fetch_add(1);
  }

  nng_socket s_ = NNG_SOCKET_INITIALIZER;
  bool open_ = false;
  std::atomic<int> pipes_{0};
};

/// Starts connecting `sock` and `nng` over `transport`, `role` saying who
/// listens; whichever dials retries in the background until the other
/// listens. Waits for nothing (the peers may yet refuse each other).
inline void join_nng_peer(Socket& sock, NngSocket& nng, Transport transport, Role role) {
  std::string url;
  if (role == Role::sprocket_listens) {
    url = meeting_url(sock, transport, role);
    ASSERT_NO_FATAL_FAILURE(nng.dial(url));
  } else {
    ASSERT_NO_FATAL_FAILURE(nng.listen(transport, url));
    sock.dial(url, kPeerRetry);
  }
}

/// join_nng_peer(), then waits until both have the connection.
inline void connect_nng_peer(Socket& sock, PipeEventRecorder& events, NngSocket& nng,
                             Transport transport, Role role) {
  ASSERT_NO_FATAL_FAILURE(join_nng_peer(sock, nng, transport, role));
  ASSERT_TRUE(events.wait_added()) << events.summary();
  ASSERT_TRUE(nng.wait_pipes(1)) << "NNG saw no connection";
}

/// A sprocket socket against a libnng socket, one case per PeerParam.
class NngPeerTest : public ::testing::TestWithParam<PeerParam> {
 protected:
  /// Connects `sock` and `nng` in the direction the case says and waits
  /// until both have the connection.
  void connect(Socket& sock, PipeEventRecorder& events, NngSocket& nng) {
    const auto [transport, role] = GetParam();
    connect_nng_peer(sock, events, nng, transport, role);
  }
};

#endif  // SPROCKET_HAVE_NNG

// ------------------------------------------------------------------ libnanomsg

#ifdef SPROCKET_HAVE_NANOMSG

#define ASSERT_NN_OK(expr) ASSERT_GE((expr), 0) << #expr << ": " << nn_strerror(nn_errno())

/// A nanomsg socket, closed when the test ends whatever happened.
class NnSocket {
 public:
  NnSocket() = default;
  ~NnSocket() {
    if (s_ >= 0) nn_close(s_);
  }
  NnSocket(const NnSocket&) = delete;
  NnSocket& operator=(const NnSocket&) = delete;

  /// Opens a socket of `protocol` (NN_BUS...), bounds blocking calls,
  /// reconnects fast.
  void open(int protocol) {
    s_ = nn_socket(AF_SP, protocol);
    ASSERT_NN_OK(s_);
    const int timeout = static_cast<int>(kEventTimeout.count()), retry = 20;
    ASSERT_NN_OK(nn_setsockopt(s_, NN_SOL_SOCKET, NN_RCVTIMEO, &timeout, sizeof timeout));
    ASSERT_NN_OK(nn_setsockopt(s_, NN_SOL_SOCKET, NN_SNDTIMEO, &timeout, sizeof timeout));
    ASSERT_NN_OK(nn_setsockopt(s_, NN_SOL_SOCKET, NN_RECONNECT_IVL, &retry, sizeof retry));
  }

  /// Binds a fresh address of `t` (nanomsg cannot report a port it chose:
  /// tcp uses a port that was free a moment ago); `url` gets it.
  void bind(Transport t, std::string& url) {
    url = Endpoint::make_fixed(t).listen_url;
    ASSERT_NN_OK(nn_bind(s_, url.c_str()));
  }
  /// Connects in the background (nanomsg always does).
  void connect(const std::string& url) { ASSERT_NN_OK(nn_connect(s_, url.c_str())); }

  void send(std::string_view text) {
    ASSERT_EQ(nn_send(s_, text.data(), text.size(), 0), static_cast<int>(text.size()))
        << "nn_send: " << nn_strerror(nn_errno());
  }

  /// Receives (blocking up to the timeout, or not with NN_DONTWAIT);
  /// nullopt on error, with errno in `err`.
  std::optional<std::string> recv(int& err, int flags = 0) {
    void* buf = nullptr;
    int n = nn_recv(s_, &buf, NN_MSG, flags);
    if (n < 0) {
      err = nn_errno();
      return std::nullopt;
    }
    std::string out(static_cast<const char*>(buf), static_cast<std::size_t>(n));
    nn_freemsg(buf);
    return out;
  }

  int get() const { return s_; }

 private:
  int s_ = -1;
};

/// Starts connecting `sock` and `nn` over `transport`, `role` saying who
/// listens, as join_nng_peer() does for NNG. Waits for nothing: nanomsg
/// tells nobody when its side of a connection is ready.
inline void join_nn_peer(Socket& sock, NnSocket& nn, Transport transport, Role role) {
  std::string url;
  if (role == Role::sprocket_listens) {
    url = meeting_url(sock, transport, role);
    ASSERT_NO_FATAL_FAILURE(nn.connect(url));
  } else {
    ASSERT_NO_FATAL_FAILURE(nn.bind(transport, url));
    sock.dial(url, kPeerRetry);
  }
}

#endif  // SPROCKET_HAVE_NANOMSG

}  // namespace sprocket::test
