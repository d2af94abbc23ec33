// Whether a thread about to wait should spin first, from how its socket's
// recent spins went.
//
// A spin pays off when the answer comes within it: the futex sleep and the
// wake-up are saved. When the answer comes later, the spin only burned the
// core, and on a machine with few cores that core is often the one the
// answer needed. On a 2-core VM where waking an idle core takes tens of
// microseconds, a tcp PAIR round trip of 64 B took 77 µs with a 20 µs spin
// at every wait and 60 µs without one (at 1.4× the CPU): 1 spin in 200 paid
// off there. A stream that keeps up is the other case: 83 % of the spins
// paid off in tcp 64 B PUSH→PULL, 99 % over inproc, and without them ipc
// 64 B fell from 2.1 M to 1.6 M msg/s.
//
// So a socket keeps a running score of how often its recent spins paid off
// (an exponential average over about the last eight), and a wait spins
// only while at least a quarter of them did. Below that a wait sleeps at
// once, except one in kProbeEvery, which spins to see whether the traffic
// changed.
//
// Heuristic state: the threads waiting on one socket share it through
// relaxed atomics, and a lost update only shifts the average a little.
#pragma once

#include <atomic>

namespace sprocket::detail {

class SpinPolicy {
 public:
  static constexpr int kFull = 256;           // the score of spins that all paid off
  static constexpr int kWorthIt = kFull / 4;  // spin while the score is at least this
  static constexpr int kProbeEvery = 16;      // below it, waits per spin

  enum class Outcome { paid_off, in_vain };

  /// Asked before a wait: false when this wait should sleep at once.
  bool worth_spinning() {
    if (score_.load(std::memory_order_relaxed) >= kWorthIt) return true;
    return waits_unspun_.fetch_add(1, std::memory_order_relaxed) % kProbeEvery == kProbeEvery - 1;
  }

  /// After a spin.
  void spun(Outcome outcome) {
    const int score = score_.load(std::memory_order_relaxed);
    const int paid = outcome == Outcome::paid_off ? kFull / 8 : 0;
    score_.store(score - score / 8 + paid, std::memory_order_relaxed);
  }

 private:
  std::atomic<int> score_{kFull};
  std::atomic<unsigned> waits_unspun_{0};  // waits that found the score too low
};

}  // namespace sprocket::detail
