#include "wake_word.hpp"

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ctime>
#else
#include <algorithm>
#include <thread>
#endif

namespace sprocket::detail {

#if defined(__linux__)

namespace {

// std::atomic<std::uint32_t> is a plain 32-bit word here: the kernel
// compares and sleeps on it directly.
std::uint32_t* raw(std::atomic<std::uint32_t>& word) noexcept {
  static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
  return reinterpret_cast<std::uint32_t*>(&word);
}

}  // namespace

void WakeWord::set_and_wake() noexcept {
  std::uint32_t* address = raw(word_);  // taken first: the word may be gone after the store
  word_.store(1, std::memory_order_release);
  ::syscall(SYS_futex, address, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

bool WakeWord::wait_until(std::optional<Clock::time_point> deadline) noexcept {
  // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time, the clock
  // steady_clock reads, so a wait interrupted by a signal or a spurious
  // wake-up resumes with the same deadline.
  timespec until{};
  if (deadline) {
    const auto ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(deadline->time_since_epoch()).count();
    until.tv_sec = static_cast<std::time_t>(ns / 1'000'000'000);
    until.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  }
  for (;;) {
    if (is_set()) return true;
    if (deadline && Clock::now() >= *deadline) return false;
    ::syscall(SYS_futex, raw(word_), FUTEX_WAIT_BITSET_PRIVATE, 0, deadline ? &until : nullptr,
              nullptr, FUTEX_BITSET_MATCH_ANY);
  }
}

#else

// Without a futex there is no wake-up that may outlive its word, so the
// sleeper looks again every 50 µs (or at its deadline).
void WakeWord::set_and_wake() noexcept {
  set();
}

bool WakeWord::wait_until(std::optional<Clock::time_point> deadline) noexcept {
  constexpr auto kLookAgain = std::chrono::microseconds(50);
  for (;;) {
    if (is_set()) return true;
    const auto now = Clock::now();
    if (deadline && now >= *deadline) return false;
    std::this_thread::sleep_until(deadline ? std::min(*deadline, now + kLookAgain)
                                           : now + kLookAgain);
  }
}

#endif

}  // namespace sprocket::detail
