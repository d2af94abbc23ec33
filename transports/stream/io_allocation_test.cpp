// The I/O threads allocate nothing per message once a connection is busy
// (issue #12). Each read and write used to copy the connection's strand, an
// asio::strand over asio::any_io_executor, to the heap, and to ask the
// type-erased executor inside questions whose answers came back in heap
// blocks (transports/stream/io_strand.hpp): 45 440 allocations in the 2000
// round trips below. And asio kept its copy of a gather write's buffer
// list, a std::vector, for every write the strand made.
//
// This program replaces the global operator new to count the allocations
// made by threads named "sprocket-io". Only in builds without a sanitizer,
// whose runtimes bring their own operator new (CMakeLists.txt).
#include <pthread.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "tests/test_util.hpp"
#include "transports/stream/stream_test_util.hpp"

namespace {

std::atomic<std::uint64_t> g_io_thread_allocations{0};

// The name is set by the thread itself once it runs, so a "no" is asked
// again; a "yes" stays.
bool on_io_thread() {
  thread_local bool known_io = false;
  if (known_io) return true;
  char name[16] = {};
  if (::pthread_getname_np(::pthread_self(), name, sizeof name) != 0) return false;
  known_io = std::strcmp(name, "sprocket-io") == 0;
  return known_io;
}

void* counted(std::size_t n, std::size_t align) {
  if (on_io_thread()) g_io_thread_allocations.fetch_add(1, std::memory_order_relaxed);
  if (n == 0) n = 1;
  void* p = align <= alignof(std::max_align_t)
                ? std::malloc(n)
                : std::aligned_alloc(align, (n + align - 1) / align * align);
  if (!p) throw std::bad_alloc();
  return p;
}

}  // namespace

void* operator new(std::size_t n) {
  return counted(n, 0);
}
void* operator new[](std::size_t n) {
  return counted(n, 0);
}
void* operator new(std::size_t n, std::align_val_t a) {
  return counted(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return counted(n, static_cast<std::size_t>(a));
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}

namespace sprocket::test {
namespace {

class IoAllocationTest : public ::testing::TestWithParam<Transport> {};

// Round trips of 64 B between two PAIR sockets: after a warm-up (queues,
// buffers and caches at their working size), the I/O threads of both ends
// may allocate now and then, not for every message.
TEST_P(IoAllocationTest, RoundTripsAllocateNothingOnTheIoThreads) {
  Endpoint ep = Endpoint::make(GetParam());
  Socket a{sprocket::pair};
  Socket b{sprocket::pair};
  bound_blocking_calls(a);
  bound_blocking_calls(b);
  Listener l = a.listen(ep.listen_url);
  ep.bound(l);
  b.dial(ep.dial_url);

  auto round_trips = [&](int count) {
    for (int i = 0; i < count; ++i) {
      b.send(Message(64));
      a.send(a.recv());
      ASSERT_EQ(b.recv().size(), 64u);
    }
  };
  round_trips(200);
  const std::uint64_t before = g_io_thread_allocations.load();
  constexpr int kRoundTrips = 2000;
  round_trips(kRoundTrips);
  const std::uint64_t made = g_io_thread_allocations.load() - before;
  EXPECT_LT(made, kRoundTrips / 10u)
      << made << " allocations on the I/O threads for " << kRoundTrips << " round trips ("
      << 4 * kRoundTrips << " reads and writes)";
}

INSTANTIATE_TEST_SUITE_P(Stream, IoAllocationTest,
                         ::testing::Values(Transport::tcp, Transport::ipc), TransportName{});

}  // namespace
}  // namespace sprocket::test
