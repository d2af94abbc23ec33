// When a send is written by the sending thread itself (the pump's caller
// write) and when it is left to the connection's strand.
//
// The caller write saves the wake-up of an I/O thread for a message that
// finds its connection idle; a stream of sends is better left to the
// strand, which sends everything queued meanwhile in one gather write. Two
// signs tell a stream:
//   - the connection had a send less than a pause ago;
//   - the sending thread wrote a connection itself less than a pause ago.
// The second matters to a thread that sends to many connections (PUB, BUS,
// SURVEYOR): measured per connection alone, its own caller writes to the
// other connections spaced its sends to each one beyond the pause, so every
// send found its connection "idle" and the thread made one system call per
// message and subscriber (PUB to 4 SUB fell from 1.4 M to 20-60 k messages
// a second).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace sprocket::stream {

class CallerPace {
 public:
  /// Sends further apart than this are not a stream.
  static constexpr std::chrono::nanoseconds kPause = std::chrono::microseconds(10);

  /// For every send that finds the connection's writer idle (any thread):
  /// true when the sending thread should write it itself.
  bool idle_for_a_pause() {
    const auto now = ticks();
    const auto before = last_send_.exchange(now, std::memory_order_relaxed);
    return now - before >= kPauseTicks && now - last_caller_write_ >= kPauseTicks;
  }

  /// After a caller write, on its thread.
  static void caller_wrote() { last_caller_write_ = ticks(); }

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr std::int64_t kPauseTicks =
      std::chrono::duration_cast<Clock::duration>(kPause).count();
  static std::int64_t ticks() { return Clock::now().time_since_epoch().count(); }

  std::atomic<std::int64_t> last_send_{0};  // the last send to this connection
  // The end of this thread's last caller write, to any connection.
  static inline thread_local std::int64_t last_caller_write_ = 0;
};

}  // namespace sprocket::stream
