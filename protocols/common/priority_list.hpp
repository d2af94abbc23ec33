// Pipes grouped by priority, 1 (highest) .. 16 (lowest), each level served
// round-robin; only "ready" pipes (writable for a load balancer, readable
// for a fair queue) are candidates. nanomsg's priolist, once for all
// protocols: PUSH and REQ balance output with it, PULL and REP fair-queue
// input with it.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <vector>

#include "sprocket/extension/protocol.hpp"

namespace sprocket::routing {

class PriorityList {
 public:
  static constexpr int kLevels = 16;

  /// Adds `pipe` at `priority` (clamped to 1..16), ready or not.
  void add(Pipe& pipe, int priority, bool ready) {
    members_.push_back({&pipe, level_of(priority), false});
    if (ready) set_ready(pipe, true);
  }

  void remove(Pipe& pipe) {
    set_ready(pipe, false);
    std::erase_if(members_, [&](const Member& m) { return m.pipe == &pipe; });
  }

  /// Marks `pipe` as a candidate (or not); unknown pipes are ignored.
  void set_ready(Pipe& pipe, bool ready) {
    Member* m = find(pipe);
    if (!m || m->ready == ready) return;
    m->ready = ready;
    Level& level = levels_[m->level];
    if (ready) {
      level.pipes.push_back(&pipe);
      nonempty_ |= 1u << m->level;
      return;
    }
    auto& v = level.pipes;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i] != &pipe) continue;
      v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
      if (level.next > i) --level.next;  // keep the rotation where it was
      break;
    }
    if (v.empty()) nonempty_ &= ~(1u << m->level);
  }

  /// The next ready pipe of the highest non-empty level, rotating within
  /// that level; nullptr when none is ready.
  Pipe* next() {
    if (nonempty_ == 0) return nullptr;
    Level& level = levels_[std::countr_zero(nonempty_)];
    if (level.next >= level.pipes.size()) level.next = 0;
    return level.pipes[level.next++];
  }

  bool empty() const noexcept { return members_.empty(); }
  bool any_ready() const noexcept { return nonempty_ != 0; }

 private:
  struct Member {
    Pipe* pipe;
    int level;
    bool ready;
  };
  struct Level {
    std::vector<Pipe*> pipes;  // the ready ones, in rotation order
    std::size_t next = 0;
  };

  static int level_of(int priority) {
    return (priority < 1 ? 1 : priority > kLevels ? kLevels : priority) - 1;
  }
  Member* find(Pipe& pipe) {
    for (auto& m : members_)
      if (m.pipe == &pipe) return &m;
    return nullptr;
  }

  std::vector<Member> members_;
  std::array<Level, kLevels> levels_;
  std::uint32_t nonempty_ = 0;  // bit i: level i has a ready pipe
};

}  // namespace sprocket::routing
