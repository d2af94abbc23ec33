// A lock for critical sections of a few dozen instructions (a queue's push
// or pop), where a futex sleep costs far more than the wait it avoids.
#pragma once

#include <atomic>
#include <thread>

namespace sprocket::detail {

class SpinMutex {
 public:
  void lock() noexcept {
    for (int spins = 0; locked_.exchange(true, std::memory_order_acquire);) {
      while (locked_.load(std::memory_order_relaxed)) {
        // Yield now and then: the holder may have been descheduled.
        if (++spins % 128 == 0) {
          std::this_thread::yield();
        } else {
#if defined(__x86_64__) || defined(__i386__)
          __builtin_ia32_pause();
#endif
        }
      }
    }
  }
  bool try_lock() noexcept { return !locked_.exchange(true, std::memory_order_acquire); }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

}  // namespace sprocket::detail
