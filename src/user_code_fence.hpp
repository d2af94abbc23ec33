// Keeps user code out of the library's locked regions. A Message's last
// reference can die anywhere — a protocol abandoning a request, a queue
// slot being overwritten, a pipe's leftovers counted as drops — and when
// its body was adopted with Message::wrap(), that runs the user's deleter.
// Every internal lock therefore holds a fence while it is held: a wrapped
// body released inside one is set aside, and its deleter runs when the
// thread leaves its last fenced region (after the unlock). One mechanism,
// at the place where user code is called, instead of a special case at
// every spot where a message may die.
#pragma once

#include <mutex>

namespace sprocket::detail {

/// A thread's fence: how deep it is in locked regions, and what waits for
/// it to leave the last one.
struct Fence;

/// This thread enters a region where no user code may run. Returns this
/// thread's fence, to leave by: finding a thread-local in a shared library
/// is a call, and a lock taken per message should pay it once, not twice.
Fence& enter_locked_region() noexcept;
/// This thread leaves it (`fence` is what enter_locked_region returned on
/// this thread); leaving the outermost one runs what was set aside.
void leave_locked_region(Fence& fence) noexcept;

/// std::lock_guard plus the fence, for the library's own mutexes.
template <class Mutex>
class FencedLock {
 public:
  explicit FencedLock(Mutex& m) : lock_(m), fence_(enter_locked_region()) {}
  ~FencedLock() {
    lock_.unlock();
    leave_locked_region(fence_);
  }
  FencedLock(const FencedLock&) = delete;
  FencedLock& operator=(const FencedLock&) = delete;

 private:
  std::unique_lock<Mutex> lock_;
  Fence& fence_;
};

}  // namespace sprocket::detail
