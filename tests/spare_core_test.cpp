// cores_to_spare (src/spare_core.hpp): a waiter spins only while every
// runnable thread has a core. With more threads busy than there are cores,
// every sample says there is none to spare.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "spare_core.hpp"

namespace sprocket::detail {
namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

TEST(SpareCoreTest, NoCoreToSpareWhileMoreThreadsRunThanThereAreCores) {
  const long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  ASSERT_GT(cores, 0);
  std::atomic<bool> stop{false};
  std::vector<std::thread> busy;
  for (long i = 0; i <= cores; ++i) {
    busy.emplace_back([&stop] {
      while (!stop.load(std::memory_order_relaxed)) {
      }
    });
  }
  // Samples are at least a millisecond apart, so each call below takes a
  // fresh one; the busy threads are runnable at every one of them.
  int spare = 0;
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (cores_to_spare(now_ns())) ++spare;
  }
  stop = true;
  for (auto& t : busy) t.join();
  EXPECT_EQ(spare, 0) << "a sample found a core to spare with " << cores + 1 << " threads busy on "
                      << cores << " cores";
}

}  // namespace
}  // namespace sprocket::detail
