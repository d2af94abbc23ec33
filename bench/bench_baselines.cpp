// The baselines sprocket is measured against, in the same run and through
// the same driver (driver.hpp):
//   mutex_cv  a bounded queue guarded by a mutex and two condition variables,
//             moving a heap buffer between two threads: what a hand-written
//             in-process hand-off costs;
//   zeromq    libzmq over inproc (peer_zmq.cpp; PUSH/PULL for throughput,
//             PAIR and REQ/REP for latency), built when libzmq is found;
//   nng       libnng over inproc (peer_nng.cpp; the same patterns), built
//             when NNG is found.
// A peer library is one file defining register_<peer>_benchmarks(), one
// block in CMakeLists.txt and one #ifdef below.
#include <condition_variable>
#include <cstddef>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "driver.hpp"

#ifdef SPROCKET_BENCH_HAVE_ZMQ
void register_zmq_benchmarks();  // peer_zmq.cpp
#endif
#ifdef SPROCKET_BENCH_HAVE_NNG
void register_nng_benchmarks();  // peer_nng.cpp
#endif

namespace {

/// A message as a plain program would pass it: an owned heap buffer.
struct Buffer {
  std::unique_ptr<std::byte[]> data;
  std::size_t size = 0;
};

/// A bounded single-producer single-consumer queue: a ring under a mutex.
/// Waiters are woken only on the empty -> non-empty and full -> not-full
/// transitions, which is enough with one thread on each end.
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : ring_(capacity) {}

  void push(Buffer&& b) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return count_ < ring_.size(); });
    ring_[(head_ + count_) % ring_.size()] = std::move(b);
    const bool was_empty = count_++ == 0;
    lock.unlock();
    if (was_empty) not_empty_.notify_one();
  }

  Buffer pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return count_ > 0; });
    Buffer b = std::move(ring_[head_]);
    head_ = (head_ + 1) % ring_.size();
    const bool was_full = count_-- == ring_.size();
    lock.unlock();
    if (was_full) not_full_.notify_one();
    return b;
  }

 private:
  std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::vector<Buffer> ring_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
};

class MutexCvLink {
 public:
  using Msg = Buffer;
  static constexpr const char* name = "mutex_cv";
  static constexpr bool supports(bench::Pattern p) { return p != bench::Pattern::request_reply; }

  // Holds as many messages per direction as sprocket's send plus recv buffer.
  explicit MutexCvLink(bench::Pattern)
      : queues_{BoundedQueue(2 * bench::kQueueDepth), BoundedQueue(2 * bench::kQueueDepth)} {}

  Msg make(std::size_t n) { return {std::unique_ptr<std::byte[]>(new std::byte[n]), n}; }
  void send(int side, Msg&& m) { queues_[side].push(std::move(m)); }
  Msg recv(int side) { return queues_[1 - side].pop(); }
  static std::size_t size(const Msg& m) { return m.size; }

 private:
  BoundedQueue queues_[2];  // queues_[i] carries messages sent by side i
};

}  // namespace

int main(int argc, char** argv) {
  bench::register_link<MutexCvLink>();

  std::string missing;  // peers not built, for the report
  [[maybe_unused]] auto note_missing = [&](const char* peer) {
    missing += (missing.empty() ? "" : "; ") + std::string(peer);
  };
#ifdef SPROCKET_BENCH_HAVE_ZMQ
  register_zmq_benchmarks();
#else
  note_missing("zeromq (libzmq not found at build time: install libzmq3-dev)");
#endif
#ifdef SPROCKET_BENCH_HAVE_NNG
  register_nng_benchmarks();
#else
  note_missing("nng (NNG not found at build time: install libnng-dev)");
#endif
  if (!missing.empty()) {
    std::cerr << "bench_baselines: peers not built: " << missing << "\n";
    benchmark::AddCustomContext("missing_peers", missing);
  }
  return bench::run(argc, argv);
}
