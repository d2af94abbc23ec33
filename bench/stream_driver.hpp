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
//   connect     many       PULL, waits for all (yes)    2 processes of 500 PUSH
//                                                       sockets, one message each
//
// Each message carries its sequence number in its first 8 bytes, checked on
// receipt, so a library that loses, reorders or truncates is caught (in
// fanout, PUB may drop: losses are counted there, reordering is still an
// error). A message of 0 bytes ends a run (the receiver stops; the echo
// replies with it and stops), so a library must deliver empty messages.
//
// The experiments with more than two processes (fanout, connect) need the
// parent to speak too: it writes lines on the control socket ("go",
// "stop", "measure"), which the children read with Control::next_line().
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
enum class Transport { tcp, ipc, ws };
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
  std::string host;         ///< tcp, ws: "127.0.0.1"
  std::uint16_t port = 0;   ///< tcp, ws
  std::string path;         ///< ipc: the socket file
  std::size_t size = 0;     ///< the size of the messages of this run (connect: kConnections)
  /// pub_sub listener: subscribers to expect; many: connections in all
  /// (listener) or made by this process (dialer).
  std::size_t count = 1;
  std::size_t index = 0;    ///< dialers: which one of several (0-based)
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

/// PUB side of fanout: probes (one message a millisecond) until the parent
/// says "go" (every subscriber has received one), then messages as fast as
/// the library takes them for args.duration seconds, then end markers for a
/// while (PUB may drop any one of them). Reports messages sent and seconds.
template <Endpoint E>
void publish(E& e, const ChildArgs& args, Control& ctl) {
  const std::size_t size = args.setup.size;
  auto send_one = [&](std::uint64_t seq) {
    auto m = e.make(size);
    put_seq<E>(m, seq);
    e.send(std::move(m));
  };
  for (;;) {
    send_one(kProbeSeq);
    flush(e);
    if (auto line = ctl.next_line(1); line && *line == "go") break;
  }
  std::uint64_t seq = 0;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(args.duration);
  do {
    for (int i = 0; i < 64; ++i) send_one(seq++);
  } while (Clock::now() < deadline);
  flush(e);
  const std::chrono::duration<double> elapsed = Clock::now() - start;
  const auto ends = Clock::now() + std::chrono::duration<double>(std::clamp(args.duration, 0.05, 0.2));
  do {
    send_one(kEndSeq);
    flush(e);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  } while (Clock::now() < ends);
  ctl.say("result sent=" + std::to_string(seq) + " seconds=" + std::to_string(elapsed.count()));
  ctl.wait_for_parent();
}

/// SUB side of fanout: says "subscribed" at the first probe, then counts the
/// messages that arrive until an end marker, or until the parent says
/// "stop" (every end marker was dropped). Losses are expected; a message
/// out of order or of the wrong size is an error. Reports messages received
/// and the seconds from the first to the last of them.
template <Endpoint E>
void subscribe_and_count(E& e, const ChildArgs& args, Control& ctl) {
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::int64_t> first_ns{0}, last_ns{0};
  std::atomic<bool> reported{false}, done{false};
  auto report = [&](bool ended) {
    if (reported.exchange(true)) return;
    const auto n = received.load();
    const double seconds = n > 1 ? static_cast<double>(last_ns.load() - first_ns.load()) / 1e9 : 0.0;
    ctl.say("result received=" + std::to_string(n) + " seconds=" + std::to_string(seconds) +
            " ended=" + (ended ? "1" : "0"));
  };
  // Reads the parent's lines: "stop" reports what has arrived; the end of
  // the control socket ends the process, even while recv() still waits.
  std::thread watchdog([&] {
    try {
      while (auto line = ctl.next_line()) {
        if (*line == "stop") report(false);
      }
    } catch (const std::exception&) {
    }
    if (!done.load()) std::_Exit(0);
  });
  try {
    const std::size_t size = args.setup.size;
    bool subscribed = false;
    std::uint64_t last_seq = 0;
    for (;;) {
      auto m = e.recv();
      std::uint64_t seq = kProbeSeq;
      if (E::size(m) >= sizeof seq) std::memcpy(&seq, E::data(m), sizeof seq);
      if (E::size(m) != size) check<E>(m, size, seq);  // throws: wrong size
      if (seq == kProbeSeq) {
        if (!subscribed) ctl.say("subscribed");
        subscribed = true;
        continue;
      }
      if (seq == kEndSeq) break;
      const auto n = received.load(std::memory_order_relaxed);
      if (n > 0 && seq <= last_seq) {
        throw std::runtime_error("wrong data: message " + std::to_string(seq) + " arrived after " +
                                 std::to_string(last_seq));
      }
      last_seq = seq;
      if (n == 0) first_ns = now_ns();
      if (n % 16 == 0) last_ns.store(now_ns(), std::memory_order_relaxed);
      received.store(n + 1, std::memory_order_relaxed);
    }
    last_ns = now_ns();
  } catch (...) {
    reported = true;
    watchdog.detach();  // the process ends with the error
    throw;
  }
  done = true;
  report(true);
  watchdog.join();
}

/// PULL side of connect: says "armed" (memory taken), then receives until
/// every one of setup.count connections has sent its number. Reports when
/// (now_ns) and the resident memory before and after.
template <Endpoint E>
void accept_many(E& e, const ChildArgs& args, Control& ctl) {
  const std::size_t total = args.setup.count;
  const auto before = resident_bytes();
  ctl.say("armed");
  std::vector<bool> seen(total);
  for (std::size_t n = 0; n < total;) {
    auto m = e.recv();
    std::uint64_t id = total;
    if (E::size(m) == kHelloSize) std::memcpy(&id, E::data(m), sizeof id);
    if (id >= total) throw std::runtime_error("wrong data: a hello message of " + std::to_string(E::size(m)) + " B");
    if (!seen[id]) ++n;
    seen[id] = true;
  }
  const auto end = now_ns();
  ctl.say("result end_ns=" + std::to_string(end) + " rss_before=" + std::to_string(before) +
          " rss_after=" + std::to_string(resident_bytes()));
  ctl.wait_for_parent();
}

/// PUSH side of connect: when the parent says "go", opens setup.count
/// endpoints (each one connection), then sends one message on each
/// carrying its number. Waits for "measure" (the listener has them all),
/// then reports when it started dialing, had opened every endpoint and
/// had sent every message, and the resident memory.
template <Endpoint E>
void dial_many(const ChildArgs& args, Control& ctl) {
  const std::size_t count = args.setup.count;
  const auto before = resident_bytes();
  ctl.say("ready");
  if (ctl.next_line() != "go") throw std::runtime_error("expected go from the parent");
  const auto start = now_ns();
  std::vector<std::unique_ptr<E>> endpoints;
  endpoints.reserve(count);
  for (std::size_t i = 0; i < count; ++i) endpoints.push_back(std::make_unique<E>(args.setup));
  const auto opened = now_ns();
  for (std::size_t i = 0; i < count; ++i) {
    auto m = endpoints[i]->make(kHelloSize);
    put_seq<E>(m, args.setup.index * count + i);
    endpoints[i]->send(std::move(m));
    flush(*endpoints[i]);
  }
  const auto sent = now_ns();
  if (ctl.next_line() != "measure") throw std::runtime_error("expected measure from the parent");
  ctl.say("result start_ns=" + std::to_string(start) + " opened_ns=" + std::to_string(opened) +
          " sent_ns=" + std::to_string(sent) + " rss_before=" + std::to_string(before) +
          " rss_after=" + std::to_string(resident_bytes()));
  ctl.wait_for_parent();
  std::_Exit(0);  // the system closes the connections faster than the libraries would one by one
}

/// Runs one child's part of a measurement with endpoint E (made by the
/// caller: a listener reports "ready" first).
template <Endpoint E>
void run_role(E& e, const ChildArgs& args, Control& ctl) {
  const bool listener = args.setup.side == Side::listener;
  switch (args.setup.pattern) {
    case Pattern::push_pull: listener ? receive_stream(e, args, ctl) : send_stream(e, args, ctl); break;
    case Pattern::pub_sub: listener ? publish(e, args, ctl) : subscribe_and_count(e, args, ctl); break;
    case Pattern::many: accept_many(e, args, ctl); break;  // the dialers: dial_many()
    default: listener ? echo(e, ctl) : ping(e, args, ctl); break;
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
