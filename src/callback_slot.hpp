// The user's pipe-event callback, as the socket holds it. Replacing it
// (on_pipe_event, or the socket's destruction) retires the old one: no call
// of it starts afterwards, and the replacement returns only once calls
// already running on other threads have finished. So after on_pipe_event({})
// or ~Socket returns, the old callback is not running and never will — the
// one exception being a call that is running on the calling thread itself
// (a callback that replaces itself), which it cannot wait for.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

#include "sprocket/socket.hpp"

namespace sprocket::detail {

class CallbackSlot {
 public:
  explicit CallbackSlot(std::function<void(const PipeEvent&)> fn) : fn_(std::move(fn)) {}

  /// Calls the callback with no lock held, unless the slot was retired.
  void run(const PipeEvent& e) {
    {
      std::lock_guard lock(mu_);
      if (retired_) return;
      ++running_;
    }
    on_this_thread().push_back(this);
    struct Done {
      CallbackSlot& slot;
      ~Done() {
        auto& mine = on_this_thread();
        mine.erase(std::find(mine.begin(), mine.end(), &slot));
        {
          std::lock_guard lock(slot.mu_);
          --slot.running_;
        }
        slot.cv_.notify_all();
      }
    } done{*this};
    fn_(e);
  }

  /// No call starts after this; returns once the calls running on other
  /// threads have finished.
  void retire() {
    const auto& mine = on_this_thread();
    const auto own = static_cast<int>(std::count(mine.begin(), mine.end(), this));
    std::unique_lock lock(mu_);
    retired_ = true;
    cv_.wait(lock, [&] { return running_ <= own; });
  }

 private:
  static std::vector<const CallbackSlot*>& on_this_thread() {
    thread_local std::vector<const CallbackSlot*> slots;
    return slots;
  }

  const std::function<void(const PipeEvent&)> fn_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool retired_ = false;
  int running_ = 0;
};

}  // namespace sprocket::detail
