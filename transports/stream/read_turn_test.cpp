// The reading turn (read_turn.hpp, an AtomicLifecycle): only the moves of
// its table, a take that finds the turn held changes nothing, and the
// holder's writes are seen by whoever takes the turn next — the pump's read
// side is plain memory handed between the strand and a caller by this turn
// alone, so under TSan a missing ordering here is a reported race.
#include "transports/stream/read_turn.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>

namespace sprocket::stream {
namespace {

using Turn = detail::AtomicLifecycle<ReadTurn>;

TEST(ReadTurnTest, TakingAHeldTurnChangesNothing) {
  Turn turn;
  EXPECT_TRUE(turn.is(ReadTurn::strand));  // from the handshake on
  EXPECT_FALSE(turn.advance(ReadTurn::free, ReadTurn::caller));
  EXPECT_TRUE(turn.is(ReadTurn::strand));
  EXPECT_TRUE(turn.advance(ReadTurn::strand, ReadTurn::free));
  EXPECT_TRUE(turn.advance(ReadTurn::free, ReadTurn::caller));
  EXPECT_FALSE(turn.advance(ReadTurn::free, ReadTurn::strand));
  EXPECT_TRUE(turn.is(ReadTurn::caller));
  EXPECT_TRUE(turn.advance(ReadTurn::caller, ReadTurn::strand));
}

TEST(ReadTurnDeathTest, AMoveOutsideTheTableStopsTheProcess) {
  Turn turn;
  EXPECT_DEATH(turn.advance(ReadTurn::strand, ReadTurn::caller),
               "Reading turn: no transition strand -> caller");
}

// A strand and a caller take turns as the pump's do: the strand reads and
// lets go; the caller takes a free turn and lets go, or passes it to the
// strand. Each holder updates plain counters; at the end they add up.
TEST(ReadTurnStressTest, EveryHolderSeesThePreviousHoldersWrites) {
  constexpr std::uint64_t kRounds = 1'000'000;
  Turn turn;
  std::uint64_t total = 0;  // plain memory, like the read buffer
  std::uint64_t by_strand = 0, by_caller = 0;
  std::atomic<bool> caller_done{false};
  std::thread caller([&] {
    for (std::uint64_t i = 0; i < kRounds;) {
      if (!turn.advance(ReadTurn::free, ReadTurn::caller)) continue;
      ++total;
      ++by_caller;
      ++i;
      // One turn in eight goes on from the strand, as a caller's hand-over does.
      const ReadTurn next = (i & 7) == 0 ? ReadTurn::strand : ReadTurn::free;
      if (!turn.advance(ReadTurn::caller, next)) break;  // (the expectation below fails)
    }
    caller_done = true;
  });
  // The strand holds the turn first, lets go after each read, and takes it
  // back when it is free or handed over, until the caller is done.
  while (!caller_done.load() || !turn.is(ReadTurn::free)) {
    if (turn.is(ReadTurn::strand) || turn.advance(ReadTurn::free, ReadTurn::strand)) {
      ++total;
      ++by_strand;
      if (!turn.advance(ReadTurn::strand, ReadTurn::free)) break;
    }
  }
  caller.join();
  EXPECT_EQ(by_caller, kRounds);
  EXPECT_GE(by_strand, kRounds / 8);  // at least the hand-overs
  EXPECT_EQ(total, by_strand + by_caller);
  EXPECT_TRUE(turn.is(ReadTurn::free));
}

}  // namespace
}  // namespace sprocket::stream
