// The word a blocked send or recv sleeps on until its operation is done.
//
// A condition variable would need the socket lock on both sides: its
// notify, if sent under the lock, wakes a thread that at once blocks on
// that same lock (two futex calls more and one more sleep per message); if
// sent after the unlock, it may reach a waiter that has already returned
// and destroyed it. This word needs no lock. The completer sets it after
// unlocking; the sleeper may return as soon as it sees it set, because the
// completer's one use of the word after setting it is the wake-up call,
// which names the address and reads nothing there (a Linux futex wake on a
// dead address wakes no one or, at worst, someone whose wait allows
// spurious returns, as every futex wait must).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

namespace sprocket::detail {

class WakeWord {
 public:
  using Clock = std::chrono::steady_clock;

  bool is_set() const noexcept { return word_.load(std::memory_order_acquire) != 0; }

  /// Sets the word for a thread that is not asleep on it (one spinning on
  /// is_set(), or one that will look before it sleeps).
  void set() noexcept { word_.store(1, std::memory_order_release); }

  /// Sets the word and wakes its sleeper. After this call starts, the
  /// word's owner may destroy it at any moment.
  void set_and_wake() noexcept;

  /// Sleeps until the word is set (true) or the deadline passes (false).
  bool wait_until(std::optional<Clock::time_point> deadline) noexcept;

 private:
  std::atomic<std::uint32_t> word_{0};
};

}  // namespace sprocket::detail
