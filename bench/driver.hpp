// The message-passing experiments, written once and run against every
// library through a small adapter (a "Link"), so that adding a library to
// the comparison is one short file.
//
// Benchmarks are named <experiment>/<pattern>/inproc/<library>/<size in
// bytes>, like bench_stream's measurements over tcp and ipc;
// tools/lib/bench_report.py turns google-benchmark's JSON output into one
// table per experiment and transport with a column per library.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_common.hpp"
#include "cost.hpp"

namespace bench {

/// Message sizes every experiment runs at: 64 B, 1 KiB, 64 KiB, 1 MiB.
inline constexpr std::int64_t kSizes[] = {64, 1024, 64 * 1024, 1024 * 1024};

/// Messages a library may buffer in each direction of a link, for peers that
/// let us choose: sprocket's default send_buffer and recv_buffer (1024;
/// ZeroMQ's own default is 1000). Until 2026-12-07 both were 128.
inline constexpr int kQueueDepth = 1024;

/// What a link is used for: a one-way stream (PUSH/PULL where the library
/// has it), request and echo over PAIR, or request and reply (REQ/REP).
enum class Pattern { one_way, round_trip, request_reply };

/// A connected pair of endpoints, side 0 and side 1, over one library:
///
///   struct MyLink {
///     using Msg = ...;                          // the library's message, movable
///     static constexpr const char* name = "x";  // the library, in benchmark names
///     static constexpr bool supports(bench::Pattern);
///     explicit MyLink(bench::Pattern);          // connected when this returns
///     Msg make(std::size_t n);                  // an n-byte message (allocated, not filled)
///     void send(int side, Msg&& m);             // to the other side; blocks while full
///     Msg recv(int side);                       // blocks until a message arrives
///     static std::size_t size(const Msg& m);
///   };
///
/// Each side is used by one thread at a time. A message of size 0 tells the
/// helper thread to stop, so a library must deliver empty messages.
/// Failures throw (the benchmark program then stops with the message).
template <class L>
concept Link = std::constructible_from<L, Pattern> &&
               requires(L& link, int side, typename L::Msg m, const typename L::Msg& cm) {
                 { L::name } -> std::convertible_to<const char*>;
                 { L::supports(Pattern{}) } -> std::same_as<bool>;
                 { link.make(std::size_t{}) } -> std::same_as<typename L::Msg>;
                 link.send(side, std::move(m));
                 { link.recv(side) } -> std::same_as<typename L::Msg>;
                 { L::size(cm) } -> std::convertible_to<std::size_t>;
               };

/// Messages per timed iteration of the throughput loop: about 64 MiB, at
/// least twice the buffering of a link, so that starting and draining the
/// stream at the ends of a batch weigh little.
inline std::int64_t batch_for(std::size_t size) {
  const auto by_bytes = static_cast<std::int64_t>((std::size_t{64} << 20) / std::max<std::size_t>(size, 1));
  return std::clamp<std::int64_t>(by_bytes, 4 * kQueueDepth, 16384);
}

/// What the process spent from `a` to `b` (both threads of a link, and the
/// library's own) per message (throughput) or round trip (latency), as the
/// counters cpu_us_per_msg (user+sys: µs per message = s per million),
/// csw_per_msg (context switches), cores (CPU ÷ wall time) and, when
/// counting, syscalls_per_msg and syscalls_<group>_per_msg (cost.hpp).
inline void set_cost_counters(benchmark::State& state, const cost::Usage& a, const cost::Usage& b,
                              std::int64_t messages) {
  if (messages <= 0) return;
  const auto n = static_cast<double>(messages);
  const double cpu = (b.user_s - a.user_s) + (b.sys_s - a.sys_s);
  state.counters["cpu_us_per_msg"] = cpu / n * 1e6;
  state.counters["csw_per_msg"] =
      static_cast<double>((b.voluntary_switches - a.voluntary_switches) +
                          (b.involuntary_switches - a.involuntary_switches)) / n;
  state.counters["ivcsw_per_msg"] = static_cast<double>(b.involuntary_switches - a.involuntary_switches) / n;
  if (b.wall_s > a.wall_s) state.counters["cores"] = cpu / (b.wall_s - a.wall_s);
  if (!a.counted || !b.counted) return;
  std::uint64_t grouped = 0;
  state.counters["syscalls_per_msg"] = static_cast<double>(b.syscalls - a.syscalls) / n;
  for (std::size_t g = 0; g < cost::kGroups; ++g) {
    const auto count = b.groups[g] - a.groups[g];
    grouped += count;
    state.counters[std::string("syscalls_") + cost::to_string(static_cast<cost::SyscallGroup>(g)) + "_per_msg"] =
        static_cast<double>(count) / n;
  }
  state.counters["syscalls_other_per_msg"] = static_cast<double>(b.syscalls - a.syscalls - grouped) / n;
}

/// One-way throughput: this thread makes and sends messages of
/// state.range(0) bytes from side 0, a second thread receives and drops them
/// at side 1. An iteration is a batch of batch_for(size) messages and ends
/// when the receiver has taken the last one, so the time covers delivery,
/// not only queueing. Reports messages/s and bytes/s.
template <Link L>
void throughput(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const std::int64_t batch = batch_for(size);
  L link(Pattern::one_way);

  link.send(0, link.make(size));  // warm-up: the path is open end to end
  benchmark::DoNotOptimize(link.recv(1));

  std::atomic<std::int64_t> received{0};  // published once per batch
  std::thread receiver([&] {
    for (std::int64_t n = 1;; ++n) {
      auto m = link.recv(1);
      if (L::size(m) == 0) return;
      if (n % batch == 0) {
        received.store(n, std::memory_order_release);
        received.notify_one();
      }
    }
  });

  std::int64_t sent = 0;
  const auto used = cost::now();
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    for (std::int64_t i = 0; i < batch; ++i) link.send(0, link.make(size));
    sent += batch;
    for (auto r = received.load(std::memory_order_acquire); r < sent;
         r = received.load(std::memory_order_acquire)) {
      received.wait(r, std::memory_order_acquire);
    }
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  set_cost_counters(state, used, cost::now(), sent);
  link.send(0, link.make(0));  // stop the receiver
  receiver.join();

  state.SetItemsProcessed(sent);
  state.SetBytesProcessed(sent * static_cast<std::int64_t>(size));
  state.counters["batch"] = static_cast<double>(batch);
}

/// The q-quantile (nearest rank) of round-trip samples in nanoseconds, as
/// one-way microseconds (halved); sorts the samples.
inline double one_way_percentile_us(std::vector<std::int64_t>& ns, double q) {
  return percentile_us(ns, q) / 2;
}

/// Round-trip latency: side 0 sends a message of state.range(0) bytes, a
/// second thread at side 1 sends the same message back, and side 0 waits for
/// it before the next. One message travels back and forth, so nothing is
/// allocated in the loop. Reports the one-way time (round trip / 2) as the
/// counters one_way_us (the mean), p50_us and p99_us (over the round trips).
template <Link L, Pattern P>
void round_trip(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  L link(P);

  std::thread echo([&] {
    for (;;) {
      auto m = link.recv(1);
      if (L::size(m) == 0) return;
      link.send(1, std::move(m));
    }
  });

  auto msg = link.make(size);
  link.send(0, std::move(msg));  // warm-up
  msg = link.recv(0);

  const auto used = cost::now();
  std::vector<std::int64_t> samples;  // nanoseconds per round trip, the first 2^21
  samples.reserve(static_cast<std::size_t>(std::min<benchmark::IterationCount>(state.max_iterations, 1 << 21)));
  const auto start = std::chrono::steady_clock::now();
  auto t0 = start;
  for (auto _ : state) {
    link.send(0, std::move(msg));
    msg = link.recv(0);
    const auto t1 = std::chrono::steady_clock::now();
    if (samples.size() < samples.capacity()) {
      samples.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    }
    t0 = t1;
  }
  const std::chrono::duration<double, std::micro> elapsed = std::chrono::steady_clock::now() - start;
  set_cost_counters(state, used, cost::now(), state.iterations());
  link.send(0, link.make(0));  // stop the echo thread
  echo.join();

  const auto round_trips = static_cast<double>(std::max<std::int64_t>(state.iterations(), 1));
  state.counters["one_way_us"] = elapsed.count() / round_trips / 2;
  state.counters["p50_us"] = one_way_percentile_us(samples, 0.50);
  state.counters["p99_us"] = one_way_percentile_us(samples, 0.99);
  state.SetItemsProcessed(state.iterations());
}

/// Registers fn as <experiment>/<library>/<size> for every size in kSizes.
inline benchmark::internal::Benchmark* register_sized(const std::string& experiment,
                                                       const std::string& library,
                                                       void (*fn)(benchmark::State&)) {
  auto* b = benchmark::RegisterBenchmark((experiment + "/" + library).c_str(), fn);
  for (auto size : kSizes) b->Arg(size);
  return b;
}

/// Registers, for one library, the experiments it supports:
/// throughput/push_pull/inproc, latency/pair/inproc, latency/req_rep/inproc.
template <Link L>
void register_link() {
  if (L::supports(Pattern::one_way)) {
    register_sized("throughput/push_pull/inproc", L::name, &throughput<L>)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
  }
  if (L::supports(Pattern::round_trip)) {
    register_sized("latency/pair/inproc", L::name, &round_trip<L, Pattern::round_trip>)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
  if (L::supports(Pattern::request_reply)) {
    register_sized("latency/req_rep/inproc", L::name, &round_trip<L, Pattern::request_reply>)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace bench
