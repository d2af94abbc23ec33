#include "spare_core.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace sprocket::detail {
namespace {

constexpr std::int64_t kSampleEveryNs = 1'000'000;

std::atomic<std::int64_t> sampled_at{std::numeric_limits<std::int64_t>::min() / 2};
std::atomic<bool> spare{true};
std::atomic<bool> sampling{false};

// "0.52 0.58 0.59 3/431 12345": the fourth field is runnable/total threads.
// Opened for each sample (a descriptor kept open would be one the
// application did not ask for); three system calls a millisecond at most.
int runnable_threads() {
  const int fd = ::open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char text[128];
  const ssize_t n = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  if (n <= 0) return -1;
  text[n] = '\0';
  const char* field = text;
  for (int i = 0; i < 3; ++i) {
    field = std::strchr(field, ' ');
    if (!field) return -1;
    ++field;
  }
  return std::atoi(field);
}

}  // namespace

bool cores_to_spare(std::int64_t now_ns) {
  if (now_ns - sampled_at.load(std::memory_order_relaxed) >= kSampleEveryNs &&
      !sampling.exchange(true, std::memory_order_acquire)) {
    static const long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
    const int runnable = runnable_threads();
    spare.store(runnable < 0 || cores <= 0 || runnable <= cores, std::memory_order_relaxed);
    sampled_at.store(now_ns, std::memory_order_relaxed);
    sampling.store(false, std::memory_order_release);
  }
  return spare.load(std::memory_order_relaxed);
}

}  // namespace sprocket::detail
