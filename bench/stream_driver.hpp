// The stream-transport experiments (tcp and ipc over loopback), with the two
// ends of a connection in two processes, written once and run against every
// library through a small adapter (an "Endpoint"), so that adding a library
// is one short file (bench/peer_<library>.cpp) and one line in
// bench/CMakeLists.txt.
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
//   experiment  pattern    listener (measures?)       dialer
//   throughput  push_pull  PULL, receives (yes)       PUSH, sends for D seconds
//   latency     pair       PAIR, echoes               PAIR, pings (yes)
//   latency     req_rep    REP, echoes                REQ, pings (yes)
//
// Each message carries its sequence number in its first 8 bytes, checked on
// receipt, so a library that loses, reorders or truncates is caught. A
// message of 0 bytes ends a run (the receiver stops; the echo replies with it
// and stops), so a library must deliver empty messages.
#pragma once

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace bench::stream {

enum class Pattern { push_pull, pair, req_rep };
enum class Transport { tcp, ipc };
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

/// What an adapter's constructor gets: which end to open and where.
struct Setup {
  Pattern pattern = Pattern::push_pull;
  Transport transport = Transport::tcp;
  Side side = Side::listener;
  std::string url;          ///< "tcp://127.0.0.1:PORT" or "ipc:///tmp/...sock" (SP and ZeroMQ syntax)
  std::string host;         ///< tcp: "127.0.0.1"
  std::uint16_t port = 0;   ///< tcp
  std::string path;         ///< ipc: the socket file
  std::size_t size = 0;     ///< the size of the messages of this run
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

/// A child's end of its control socket to the parent.
class Control {
 public:
  /// Writes one line (a newline is added).
  void say(const std::string& line);
  /// Blocks until the parent closes its end: the parent has what it needs.
  void wait_for_parent();
  /// True once anything was said (a listener is then committed to its port).
  bool spoke() const { return spoke_; }

 private:
  bool spoke_ = false;
};

/// A child's whole assignment, parsed from its command line.
struct ChildArgs {
  Setup setup;
  double duration = 0.5;  ///< seconds of measured sending or pinging
};

using Clock = std::chrono::steady_clock;

/// Messages sent before the receiver starts its clock: enough to open the
/// path end to end and fill the buffers on the way (about 4 MiB).
inline std::uint64_t warmup_messages(std::size_t size) {
  return std::clamp<std::uint64_t>((std::uint64_t{4} << 20) / std::max<std::size_t>(size, 1), 8, 20000);
}

/// The sequence number carried in a message's first 8 bytes.
template <Endpoint E>
void put_seq(typename E::Msg& m, std::uint64_t seq) {
  if (E::size(m) >= sizeof seq) std::memcpy(E::data(m), &seq, sizeof seq);
}

/// Throws unless `m` is the expected message: `size` bytes carrying `seq`.
template <Endpoint E>
void check(typename E::Msg& m, std::size_t size, std::uint64_t seq) {
  std::uint64_t got = seq;
  if (E::size(m) >= sizeof got) std::memcpy(&got, E::data(m), sizeof got);
  if (E::size(m) != size || got != seq) {
    throw std::runtime_error("wrong data: message " + std::to_string(seq) + " of " +
                             std::to_string(size) + " B arrived as " + std::to_string(E::size(m)) +
                             " B carrying sequence number " + std::to_string(got));
  }
}

template <Endpoint E>
void flush(E& e) {
  if constexpr (requires { e.flush(); }) e.flush();
}

/// PULL side: receives until the empty message, timing everything after the
/// warm-up. Reports messages, bytes and seconds.
template <Endpoint E>
void receive_stream(E& e, const ChildArgs& args, Control& ctl) {
  const std::size_t size = args.setup.size;
  const std::uint64_t warmup = warmup_messages(size);
  Clock::time_point start;
  std::uint64_t n = 0;
  for (;; ++n) {
    auto m = e.recv();
    if (E::size(m) == 0) break;
    check<E>(m, size, n);
    if (n + 1 == warmup) start = Clock::now();
  }
  const std::chrono::duration<double> elapsed = Clock::now() - start;
  if (n <= warmup) throw std::runtime_error("the run was too short to measure");
  const auto counted = n - warmup;
  ctl.say("result messages=" + std::to_string(counted) + " bytes=" + std::to_string(counted * size) +
          " seconds=" + std::to_string(elapsed.count()));
}

/// PUSH side: the warm-up messages, then messages for args.duration
/// seconds, then the empty message; then waits for the parent.
template <Endpoint E>
void send_stream(E& e, const ChildArgs& args, Control& ctl) {
  const std::size_t size = args.setup.size;
  const std::uint64_t per_check = std::clamp<std::size_t>((std::size_t{256} << 10) / size, 1, 64);
  auto send_one = [&](std::uint64_t seq) {
    auto m = e.make(size);
    put_seq<E>(m, seq);
    e.send(std::move(m));
  };
  std::uint64_t seq = 0;
  for (const auto warmup = warmup_messages(size); seq < warmup; ++seq) send_one(seq);
  const auto deadline = Clock::now() + std::chrono::duration<double>(args.duration);
  do {
    for (std::uint64_t i = 0; i < per_check; ++i) send_one(seq++);
  } while (Clock::now() < deadline);
  e.send(e.make(0));
  flush(e);
  ctl.wait_for_parent();  // closing earlier could discard what is still queued
}

/// Echo side (PAIR, REP): sends every message back, the empty one too, and
/// stops after that one; then waits for the parent.
template <Endpoint E>
void echo(E& e, Control& ctl) {
  for (;;) {
    auto m = e.recv();
    const bool last = E::size(m) == 0;
    e.send(std::move(m));
    flush(e);
    if (last) break;
  }
  ctl.wait_for_parent();
}

/// Per-round-trip samples (nanoseconds) summarised as the one-way time.
std::string latency_result(std::vector<std::int64_t>& round_trips_ns);

/// Ping side (PAIR, REQ): one message goes back and forth; round trips
/// during a short warm-up are dropped, then each one is timed for
/// args.duration seconds. Reports one-way percentiles (round trip / 2).
template <Endpoint E>
void ping(E& e, const ChildArgs& args, Control& ctl) {
  const std::size_t size = args.setup.size;
  auto m = e.make(size);
  auto round_trip = [&](std::uint64_t seq) {
    put_seq<E>(m, seq);
    e.send(std::move(m));
    flush(e);
    m = e.recv();
    check<E>(m, size, seq);
  };
  std::uint64_t seq = 0;
  const auto warm = Clock::now() + std::chrono::duration<double>(std::min(0.05, args.duration / 4));
  while (seq < 10 || Clock::now() < warm) round_trip(seq++);

  std::vector<std::int64_t> samples;
  samples.reserve(1 << 16);
  const auto deadline = Clock::now() + std::chrono::duration<double>(args.duration);
  for (auto t0 = Clock::now(); t0 < deadline;) {
    round_trip(seq++);
    const auto t1 = Clock::now();
    samples.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    t0 = t1;
  }
  e.send(e.make(0));  // stop the echo, and wait for it to answer
  flush(e);
  if (E::size(e.recv()) != 0) throw std::runtime_error("the echo did not answer the stop message");
  ctl.say(latency_result(samples));
}

/// Runs one child's part of a measurement with endpoint E (made by the
/// caller: a listener reports "ready" first).
template <Endpoint E>
void run_role(E& e, const ChildArgs& args, Control& ctl) {
  const bool listener = args.setup.side == Side::listener;
  if (args.setup.pattern == Pattern::push_pull) {
    listener ? receive_stream(e, args, ctl) : send_stream(e, args, ctl);
  } else {
    listener ? echo(e, ctl) : ping(e, args, ctl);
  }
}

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
