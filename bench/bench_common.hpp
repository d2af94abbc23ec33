// Pieces every in-process benchmark program shares: the nearest-rank
// quantile of latency samples and the usual google-benchmark main.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <benchmark/benchmark.h>

#include "cost.hpp"

namespace bench {

/// The q-quantile (nearest rank) of samples in nanoseconds, in
/// microseconds; sorts the samples partly. 0 when there are none.
inline double percentile_us(std::vector<std::int64_t>& ns, double q) {
  if (ns.empty()) return 0;
  const auto rank = static_cast<std::size_t>(q * static_cast<double>(ns.size()) + 0.999999);
  auto nth = ns.begin() + static_cast<std::ptrdiff_t>(std::clamp<std::size_t>(rank, 1, ns.size()) - 1);
  std::nth_element(ns.begin(), nth, ns.end());
  return static_cast<double>(*nth) / 1000;
}

/// The usual google-benchmark main, for programs that register by hand;
/// with SPROCKET_BENCH_SYSCALLS=1, system calls are counted (cost.hpp) from
/// the start, before any library starts a thread.
inline int run(int argc, char** argv) {
  cost::enable_syscall_counting_if_requested();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace bench
