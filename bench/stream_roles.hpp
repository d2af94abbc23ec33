// The roles of bench_stream's children: what each end of a measurement
// does with its Endpoint (see stream_driver.hpp, which includes this file
// after the types it uses; include stream_driver.hpp, not this).
//
// Every measuring role also reports what its process spent over its window
// (cost.hpp): a line "cost n=<messages handled in the window> <fields>"
// before its result. The ends that do not measure report theirs too: an
// echo when it has echoed the empty message, a sender when the parent says
// "report" (once the receiver has everything, so the sender's I/O threads
// have written it all).
#pragma once

#include "cost.hpp"

namespace bench::stream {

/// Says the window's cost: `n` messages handled between `a` and `b`.
inline void say_cost(Control& ctl, std::uint64_t n, const cost::Usage& a, const cost::Usage& b) {
  ctl.say("cost n=" + std::to_string(n) + " " + cost::fields(a, b));
}

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
/// warm-up. Reports messages, bytes and seconds; then waits for the parent.
template <Endpoint E>
void receive_stream(E& e, const ChildArgs& args, Control& ctl) {
  const std::size_t size = args.setup.size;
  const std::uint64_t warmup = warmup_messages(size);
  Clock::time_point start;
  cost::Usage used;
  std::uint64_t n = 0;
  for (;; ++n) {
    auto m = e.recv();
    if (E::size(m) == 0) break;
    check<E>(m, size, n);
    if (n + 1 == warmup) {
      start = Clock::now();
      used = cost::now();
    }
  }
  const std::chrono::duration<double> elapsed = Clock::now() - start;
  if (n <= warmup) throw std::runtime_error("the run was too short to measure");
  const auto counted = n - warmup;
  say_cost(ctl, counted, used, cost::now());
  ctl.say("result messages=" + std::to_string(counted) + " bytes=" + std::to_string(counted * size) +
          " seconds=" + std::to_string(elapsed.count()));
  ctl.wait_for_parent();  // the parent still waits for the sender's cost
}

/// PUSH side: the warm-up messages, then messages for args.duration
/// seconds, then the empty message; then reports its cost from the end of
/// the warm-up until the parent says "report", and waits for the parent.
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
  const auto warmup = warmup_messages(size);
  for (; seq < warmup; ++seq) send_one(seq);
  const auto used = cost::now();
  const auto deadline = Clock::now() + std::chrono::duration<double>(args.duration);
  do {
    for (std::uint64_t i = 0; i < per_check; ++i) send_one(seq++);
  } while (Clock::now() < deadline);
  e.send(e.make(0));
  flush(e);
  if (ctl.next_line() != "report") throw std::runtime_error("expected report from the parent");
  say_cost(ctl, seq - warmup, used, cost::now());
  ctl.wait_for_parent();  // closing earlier could discard what is still queued
}

/// Echo side (PAIR, REP): sends every message back, the empty one too, and
/// stops after that one; reports its cost from the first message on (n:
/// every message echoed), then waits for the parent.
template <Endpoint E>
void echo(E& e, Control& ctl) {
  cost::Usage used;
  for (std::uint64_t n = 0;; ++n) {
    auto m = e.recv();
    if (n == 0) used = cost::now();
    const bool last = E::size(m) == 0;
    e.send(std::move(m));
    flush(e);
    if (last) {
      say_cost(ctl, n + 1, used, cost::now());
      break;
    }
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
  const auto used = cost::now();
  const auto deadline = Clock::now() + std::chrono::duration<double>(args.duration);
  for (auto t0 = Clock::now(); t0 < deadline;) {
    round_trip(seq++);
    const auto t1 = Clock::now();
    samples.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    t0 = t1;
  }
  say_cost(ctl, samples.size(), used, cost::now());
  e.send(e.make(0));  // stop the echo, and wait for it to answer
  flush(e);
  if (E::size(e.recv()) != 0) throw std::runtime_error("the echo did not answer the stop message");
  ctl.say(latency_result(samples));
  ctl.wait_for_parent();  // the parent may still wait for the echo's cost
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
  const auto used = cost::now();
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(args.duration);
  do {
    for (int i = 0; i < 64; ++i) send_one(seq++);
  } while (Clock::now() < deadline);
  flush(e);
  const std::chrono::duration<double> elapsed = Clock::now() - start;
  say_cost(ctl, seq, used, cost::now());
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
  cost::Usage used;  // at the first message counted: written before `received` leaves 0
  auto report = [&](bool ended) {
    if (reported.exchange(true)) return;
    const auto n = received.load();
    if (n > 0) say_cost(ctl, n, used, cost::now());
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
      if (n == 0) {
        used = cost::now();
        first_ns = now_ns();
      }
      if (n % 16 == 0) last_ns.store(now_ns(), std::memory_order_relaxed);
      received.store(n + 1, std::memory_order_release);  // publishes `used` to report()
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

/// idle: the two ends of a PAIR connection. The dialer sends one message
/// and the listener echoes it, so the connection is open end to end; then
/// each end leaves a thread blocked in recv(), as an application waiting
/// for a message would, and reports what its process spends over
/// args.duration seconds, from 0.1 s after the exchange: "result <cost
/// fields>". The process ends with _Exit (that thread is still in recv()).
template <Endpoint E>
void stay_idle(E& e, const ChildArgs& args, Control& ctl) {
  const std::size_t size = std::max<std::size_t>(args.setup.size, 8);
  if (args.setup.side == Side::listener) {
    auto m = e.recv();
    e.send(std::move(m));
  } else {
    auto m = e.make(size);
    put_seq<E>(m, 1);
    e.send(std::move(m));
    flush(e);
    m = e.recv();
    check<E>(m, size, 1);
  }
  flush(e);
  std::thread([&e] {
    try {
      e.recv();  // nothing comes; should it return (the peer went away), stay parked
    } catch (const std::exception&) {
    }
    for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
  }).detach();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto start = cost::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(args.duration));
  ctl.say("result " + cost::fields(start, cost::now()));
  ctl.wait_for_parent();
  std::_Exit(0);
}

/// Runs one child's part of a measurement with endpoint E (made by the
/// caller: a listener reports "ready" first).
template <Endpoint E>
void run_role(E& e, const ChildArgs& args, Control& ctl) {
  const bool listener = args.setup.side == Side::listener;
  if (args.experiment == "idle") {
    stay_idle(e, args, ctl);
    return;
  }
  switch (args.setup.pattern) {
    case Pattern::push_pull: listener ? receive_stream(e, args, ctl) : send_stream(e, args, ctl); break;
    case Pattern::pub_sub: listener ? publish(e, args, ctl) : subscribe_and_count(e, args, ctl); break;
    case Pattern::many: accept_many(e, args, ctl); break;  // the dialers: dial_many()
    default: listener ? echo(e, ctl) : ping(e, args, ctl); break;
  }
}

}  // namespace bench::stream
