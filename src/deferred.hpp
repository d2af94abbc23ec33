// Work collected while a socket lock is held and run after it is released:
// queue notifications to other sockets, completions, user callbacks. Running
// them unlocked is what keeps lock order simple (no socket lock is ever
// taken while another is held) and keeps user code out of locked regions.
#pragma once

#include <array>
#include <cstddef>
#include <utility>
#include <vector>

#include "sprocket/detail/unique_function.hpp"

namespace sprocket::detail {

class DeferredActions {
 public:
  using Action = UniqueFunction<void()>;

  DeferredActions() = default;
  DeferredActions(DeferredActions&&) = delete;

  void push(Action a) {
    if (count_ < inline_.size()) {
      inline_[count_++] = std::move(a);
    } else {
      overflow_.push_back(std::move(a));
    }
  }
  bool empty() const noexcept { return count_ == 0 && overflow_.empty(); }

  /// Moves every action into `to` (which must be empty), leaving this empty.
  void transfer_to(DeferredActions& to) {
    for (std::size_t i = 0; i < count_; ++i) to.inline_[i] = std::move(inline_[i]);
    to.count_ = std::exchange(count_, 0);
    to.overflow_.swap(overflow_);
  }

  /// Runs and clears the actions in order.
  void run() {
    for (std::size_t i = 0; i < count_; ++i) {
      Action a = std::move(inline_[i]);
      a();
    }
    count_ = 0;
    for (auto& a : overflow_) a();
    overflow_.clear();
  }

 private:
  std::array<Action, 4> inline_;
  std::size_t count_ = 0;
  std::vector<Action> overflow_;
};

}  // namespace sprocket::detail
