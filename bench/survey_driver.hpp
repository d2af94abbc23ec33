// The survey experiment, written once for every library: one SURVEYOR and
// many RESPONDENT sockets over tcp on loopback, all in this process; the
// respondents answer each survey as soon as it arrives (asynchronously, on
// the library's own threads). An iteration is one survey: the time from
// sending it to having received every answer.
//
// Named survey/surveyor_respondent/tcp/<library>/<respondents>; reports the
// counters p50_us, p99_us and mean_us (whole survey times, not halved) and
// `lost`, answers that did not arrive before the survey deadline.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_common.hpp"

namespace bench::survey {

/// Respondents per survey.
inline constexpr int kRespondents = 100;
/// Survey body size, answered with the same bytes.
inline constexpr std::size_t kBodySize = 64;

/// A library's side of the experiment:
///
///   struct MySurvey {
///     static constexpr const char* name = "x";  // the library, in benchmark names
///     explicit MySurvey(int respondents);       // listening, all connected and answering
///     void send_survey();                       // to every respondent; throws on failure
///     bool recv_answer();                       // one answer; false at the deadline
///   };
///
/// The constructor returns only once the surveyor has every respondent's
/// connection, so the first survey reaches all of them. The deadline is
/// long (1 s): an answer that has not arrived by then is lost.
template <class F>
concept Fixture = requires(F& f) {
  { F::name } -> std::convertible_to<const char*>;
  f.send_survey();
  { f.recv_answer() } -> std::same_as<bool>;
};

template <Fixture F>
void surveys(benchmark::State& state) {
  const auto respondents = static_cast<int>(state.range(0));
  F fixture(respondents);
  fixture.send_survey();  // warm-up: every connection has carried a message
  for (int i = 0; i < respondents; ++i) fixture.recv_answer();

  std::vector<std::int64_t> samples;
  std::int64_t lost = 0;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    fixture.send_survey();
    for (int i = 0; i < respondents; ++i) {
      if (!fixture.recv_answer()) {
        lost += respondents - i;
        break;
      }
    }
    samples.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now() - t0).count());
  }
  const std::chrono::duration<double, std::micro> elapsed = std::chrono::steady_clock::now() - start;
  state.counters["mean_us"] = elapsed.count() / static_cast<double>(std::max<std::int64_t>(state.iterations(), 1));
  state.counters["p50_us"] = percentile_us(samples, 0.50);
  state.counters["p99_us"] = percentile_us(samples, 0.99);
  state.counters["lost"] = static_cast<double>(lost);
  state.SetItemsProcessed(state.iterations());
}

template <Fixture F>
void register_fixture() {
  benchmark::RegisterBenchmark((std::string("survey/surveyor_respondent/tcp/") + F::name).c_str(),
                               &surveys<F>)
      ->Arg(kRespondents)
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);
}

/// The usual google-benchmark main (bench_common.hpp).
using bench::run;

}  // namespace bench::survey
