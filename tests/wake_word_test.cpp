// WakeWord: the word a blocked send or recv sleeps on (src/wake_word.hpp).
// The stress case is the pattern the socket relies on: the sleeper frees the
// word as soon as it sees it set, while the waker may still be inside its
// wake-up call; under ASan a wake that touched the freed word would fail,
// and under TSan a value written before the wake but not ordered by it.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>

#include "wake_word.hpp"

namespace sprocket::detail {
namespace {

using Clock = WakeWord::Clock;

TEST(WakeWordTest, SetBeforeTheWaitReturnsAtOnce) {
  WakeWord w;
  EXPECT_FALSE(w.is_set());
  w.set();
  EXPECT_TRUE(w.is_set());
  EXPECT_TRUE(w.wait_until(std::nullopt));
  EXPECT_TRUE(w.wait_until(Clock::now() - std::chrono::seconds(1)));
}

TEST(WakeWordTest, UnsetWordWaitsUntilItsDeadline) {
  WakeWord w;
  const auto deadline = Clock::now() + std::chrono::milliseconds(20);
  EXPECT_FALSE(w.wait_until(deadline));
  EXPECT_GE(Clock::now(), deadline);
  EXPECT_FALSE(w.wait_until(Clock::now() - std::chrono::seconds(1)));  // already past
}

TEST(WakeWordTest, SleeperIsWokenByAnotherThread) {
  WakeWord w;
  std::jthread waker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // so that the sleeper is asleep
    w.set_and_wake();
  });
  EXPECT_TRUE(w.wait_until(Clock::now() + std::chrono::seconds(60)));
}

// What one round hands over: the word and a value written before the wake.
struct Handoff {
  WakeWord word;
  std::uint64_t value = 0;  // plain: ordered only by the word
};

TEST(WakeWordTest, SleeperFreesTheWordAsSoonAsItIsSet) {
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  constexpr std::uint64_t kRounds = 20'000;
#else
  constexpr std::uint64_t kRounds = 200'000;
#endif
  std::atomic<Handoff*> slot{nullptr};
  std::jthread waker([&] {
    for (std::uint64_t i = 0; i < kRounds; ++i) {
      Handoff* h;
      while ((h = slot.exchange(nullptr, std::memory_order_acquire)) == nullptr)
        std::this_thread::yield();
      h->value = i;
      h->word.set_and_wake();  // h may be freed from here on
    }
  });
  std::uint64_t wrong = 0, late = 0;
  for (std::uint64_t i = 0; i < kRounds; ++i) {
    auto h = std::make_unique<Handoff>();
    slot.store(h.get(), std::memory_order_release);
    // Every other round with a deadline, so that both kinds of futex wait
    // see stale wake-ups meant for an earlier round's word at the same address.
    const bool woken = h->word.wait_until(
        i % 2 ? std::optional(Clock::now() + std::chrono::seconds(60)) : std::nullopt);
    if (!woken) ++late;
    if (h->value != i) ++wrong;
  }  // each Handoff freed right after its wake
  EXPECT_EQ(late, 0u);
  EXPECT_EQ(wrong, 0u);
}

}  // namespace
}  // namespace sprocket::detail
