// The stream-transport experiments (tcp, ipc and ws over loopback), with the
// two ends of a connection in two processes (fanout and connect: more),
// written once and run against every library through a small adapter (an
// "Endpoint"), so that adding a library is one short file
// (bench/peer_<library>.cpp) and one line in bench/CMakeLists.txt.
//
// Layout: each adapter file is built into its own small program,
// bench_stream_<peer> (one library per process: libnng also exports
// nanomsg's nn_* functions, so NNG and nanomsg cannot share one). The
// bench_stream program only orchestrates, links no messaging library and
// stays single-threaded: for each measurement it starts the library's
// program twice, as a listener and as a dialer, each with a control socket
// (fd 3) to the parent. A child says "ready <url>", "result k=v ..." or
// "error <text>" on it; the parent closing its end means "exit now". Every
// child has a deadline (alarm) and dies with the parent.
//
//   experiment  pattern    listener (measures?)         dialer(s)
//   throughput  push_pull  PULL, receives (yes)         PUSH, sends for D seconds
//   latency     pair       PAIR, echoes                 PAIR, pings (yes)
//   latency     req_rep    REP, echoes                  REQ, pings (yes)
//   fanout      pub_sub    PUB, publishes for D s       4 SUB processes, count (yes)
//               (twice: queues of 10 000 messages per subscriber, and each
//               library's defaults, "pub_sub_defaults")
//   connect     many       PULL, waits for all (yes)    2 processes of 500 PUSH
//                                                       sockets, one message each
//   idle        pair       PAIR, echoes one, idles      PAIR, pings once, idles
//               (both report their CPU; every library's pair at once, --idle S)
//
// Every measuring end also reports what its process spent over its window
// (cost.hpp: CPU, context switches, system calls when counted), and so does
// the other end; the parent turns them into costs per message
// (stream_parent.hpp: per_message_cost).
//
// Each message carries its sequence number in its first 8 bytes, checked on
// receipt, so a library that loses, reorders or truncates is caught (in
// fanout, PUB may drop: losses are counted there, reordering is still an
// error). A message of 0 bytes ends a run (the receiver stops; the echo
// replies with it and stops), so a library must deliver empty messages.
//
// The experiments with more than two processes (fanout, connect) need the
// parent to speak too: it writes lines on the control socket ("go",
// "stop", "measure"), which the children read with Control::next_line();
// so does a throughput sender, told "report" for its cost.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace bench::stream {

/// pub_sub: PUB to kFanoutSubscribers SUBs; many: kConnections PUSH
/// sockets to one PULL (adapters may use other sockets where the library
/// lacks these, as the raw baseline does).
enum class Pattern { push_pull, pair, req_rep, pub_sub, many };
/// tls is tls+tcp:// (the SP stream inside TLS; bench/tls_credentials.hpp).
enum class Transport { tcp, ipc, ws, tls };
enum class Side { listener, dialer };

const char* to_string(Pattern p);
const char* to_string(Transport t);
/// The inverse of to_string(); throws for an unknown name.
Pattern parse_pattern(const std::string& text);
Transport parse_transport(const std::string& text);

/// The child's end of its control socket.
inline constexpr int kControlFd = 3;
/// What a measurement may take beyond its duration (starting two processes,
/// connecting, draining) before the parent stops it.
inline constexpr int kGraceSeconds = 20;

/// fanout: subscriber processes per publisher.
inline constexpr int kFanoutSubscribers = 4;
/// connect: connections in all, and the dialer processes they are spread
/// over (nanomsg allows at most 512 sockets per process).
inline constexpr int kConnections = 1000;
inline constexpr int kConnectDialers = 2;
/// fanout: sequence numbers of the probe that opens the path (sent until the
/// parent says "go") and of the end marker (repeated, since PUB may drop it).
inline constexpr std::uint64_t kProbeSeq = ~std::uint64_t{0};
inline constexpr std::uint64_t kEndSeq = ~std::uint64_t{0} - 1;
/// connect: the size of each dialer's one message (its number).
inline constexpr std::size_t kHelloSize = 8;

/// What an adapter's constructor gets: which end to open and where.
struct Setup {
  Pattern pattern = Pattern::push_pull;
  Transport transport = Transport::tcp;
  Side side = Side::listener;
  std::string url;          ///< "tcp://127.0.0.1:PORT", "ipc:///tmp/...sock" (SP and ZeroMQ
                            ///< syntax) or "ws://127.0.0.1:PORT/bench"
  std::string host;         ///< tcp, ws, tls: "127.0.0.1"
  std::uint16_t port = 0;   ///< tcp, ws, tls
  std::string path;         ///< ipc: the socket file
  std::size_t size = 0;     ///< the size of the messages of this run (connect: kConnections)
  /// pub_sub listener: subscribers to expect; many: connections in all
  /// (listener) or made by this process (dialer).
  std::size_t count = 1;
  std::size_t index = 0;    ///< dialers: which one of several (0-based)
  /// pub_sub: messages the PUB may queue per subscriber, and each SUB on
  /// its side; 0 leaves the library's defaults. Adapters map it onto the
  /// library's own options (and say how in their file's comment).
  std::size_t queue_depth = 0;
};

/// One end of a connection over one library, living in a child process:
///
///   struct MyEndpoint {
///     using Msg = ...;                           // the library's message, movable
///     static bool supports(Pattern, Transport);  // what the library can run
///     explicit MyEndpoint(const Setup&);         // listening, or dialed (connected
///                                                // or connecting) when this returns
///     Msg make(std::size_t n);                   // an n-byte message (contents undefined)
///     void send(Msg&& m);                        // blocks while the link is full
///     Msg recv();                                // blocks until a message arrives
///     static std::byte* data(Msg& m);
///     static std::size_t size(const Msg& m);
///     void flush();                              // optional: push out buffered sends
///   };
///
/// Sending the message just received (an echo) must work. Failures throw;
/// the child reports the exception's text and the run is marked failed.
/// pub_sub: the listener publishes (dropping for slow subscribers as the
/// library does), a dialer subscribes to everything. many: a dialer
/// endpoint is one connection (connecting in the background is fine, the
/// first send may wait for it); the listener receives from all of them.
template <class E>
concept Endpoint = std::constructible_from<E, const Setup&> &&
                   requires(E& e, typename E::Msg m, const typename E::Msg& cm, std::size_t n) {
                     { E::supports(Pattern{}, Transport{}) } -> std::same_as<bool>;
                     { e.make(n) } -> std::same_as<typename E::Msg>;
                     e.send(std::move(m));
                     { e.recv() } -> std::same_as<typename E::Msg>;
                     { E::data(m) } -> std::same_as<std::byte*>;
                     { E::size(cm) } -> std::convertible_to<std::size_t>;
                   };

/// A child's end of its control socket to the parent. say() may be called
/// from one thread while another reads lines.
class Control {
 public:
  /// Writes one line (a newline is added).
  void say(const std::string& line);
  /// Blocks until the parent closes its end: the parent has what it needs.
  void wait_for_parent();
  /// The parent's next line, waiting up to `timeout_ms` (-1: for ever);
  /// nullopt on timeout. Throws if the parent closed its end.
  std::optional<std::string> next_line(int timeout_ms = -1);
  /// True once anything was said (a listener is then committed to its port).
  bool spoke() const { return spoke_; }

 private:
  std::atomic<bool> spoke_{false};
  std::string in_;  // read, not yet taken
};

/// This process's resident memory (VmRSS of /proc/self/status), in bytes.
std::int64_t resident_bytes();
/// steady_clock (CLOCK_MONOTONIC, the same in every process) in nanoseconds.
std::int64_t now_ns();

/// A child's whole assignment, parsed from its command line.
struct ChildArgs {
  Setup setup;
  double duration = 0.5;   ///< seconds of measured sending or pinging (idle: of idling)
  std::string experiment;  ///< "throughput", "latency", "fanout", "connect" or "idle"
};

using Clock = std::chrono::steady_clock;

}  // namespace bench::stream

#include "stream_roles.hpp"  // the roles: what each child does

namespace bench::stream {

/// A library as bench_stream sees it: a name and two functions.
struct Library {
  const char* name;                               ///< in results: "sprocket", "nng", ...
  bool (*supports)(Pattern, Transport);
  void (*run_child)(const ChildArgs&, Control&);  ///< opens the endpoint, runs the role
};

/// Opens E, retrying a listener a few times on a fresh port if the one
/// chosen was taken meanwhile; a listener then says where it listens.
void run_child_with(const ChildArgs& args, Control& ctl,
                    void (*open_and_run)(const ChildArgs&, Control&));

/// The Library for adapter E, named `name`.
template <Endpoint E>
Library make_library(const char* name) {
  return {name, &E::supports, [](const ChildArgs& args, Control& ctl) {
            run_child_with(args, ctl, [](const ChildArgs& a, Control& c) {
              if (a.setup.pattern == Pattern::many && a.setup.side == Side::dialer) {
                dial_many<E>(a, c);
                return;
              }
              E e(a.setup);
              if (a.setup.side == Side::listener) c.say("ready " + a.setup.url);
              run_role(e, a, c);
            });
          }};
}

}  // namespace bench::stream

namespace bench::stream {

/// The main of a peer program bench_stream_<peer>, serving `libraries`:
///   --libraries   prints "<library> <pattern> <transport>" for all it supports
///   --child ...   one child's part of a measurement (started by bench_stream)
int peer_main(const std::vector<Library>& libraries, int argc, char** argv);

/// bench_stream's main: the loop over measurements. `peer_programs` are the
/// file names of the peer programs (next to bench_stream); `missing` names
/// the peers not built.
int main(const std::vector<std::string>& peer_programs, const std::string& missing, int argc,
         char** argv);

}  // namespace bench::stream
