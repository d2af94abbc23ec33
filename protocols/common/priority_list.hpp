// Pipes grouped by priority, 1 (highest) .. 16 (lowest), each level served
// round-robin; only "ready" pipes (writable for a load balancer, readable
// for a fair queue) are candidates. nanomsg's priolist, once for all
// protocols: PUSH and REQ balance output with it, PULL and REP fair-queue
// input with it.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <unordered_map>

#include "sprocket/extension/protocol.hpp"

namespace sprocket::routing {

class PriorityList {
 public:
  static constexpr int kLevels = 16;

  PriorityList() = default;
  // The levels point into members_: a copy would point into the original.
  PriorityList(const PriorityList&) = delete;
  PriorityList& operator=(const PriorityList&) = delete;

  /// Adds `pipe` at `priority` (clamped to 1..16), ready or not. A pipe
  /// already added keeps its place.
  void add(Pipe& pipe, int priority, bool ready) {
    auto [it, added] = members_.try_emplace(&pipe, Member{&pipe, level_of(priority)});
    if (added && ready) set_ready(pipe, true);
  }

  void remove(Pipe& pipe) {
    auto it = members_.find(&pipe);
    if (it == members_.end()) return;
    if (it->second.ready) unlink(it->second);
    members_.erase(it);
  }

  /// Marks `pipe` as a candidate (or not); unknown pipes are ignored.
  void set_ready(Pipe& pipe, bool ready) {
    auto it = members_.find(&pipe);
    if (it == members_.end() || it->second.ready == ready) return;
    if (ready) {
      append(it->second);
    } else {
      unlink(it->second);
    }
  }

  /// The next ready pipe of the highest non-empty level, rotating within
  /// that level; nullptr when none is ready.
  Pipe* next() {
    if (nonempty_ == 0) return nullptr;
    Level& level = levels_[std::countr_zero(nonempty_)];
    Member* m = level.due ? level.due : level.first;
    level.due = m->after;
    return m->pipe;
  }

  bool empty() const noexcept { return members_.empty(); }
  bool any_ready() const noexcept { return nonempty_ != 0; }

 private:
  // A member is in its level's list while it is ready. Found by a hash and
  // moved in and out of the list in constant time: a fair queue over
  // thousands of pipes changes a pipe's readiness for nearly every message.
  struct Member {
    Pipe* pipe;
    int level;
    bool ready = false;
    Member* before = nullptr;
    Member* after = nullptr;
  };
  // The ready members in rotation order. `due` is the one next() serves;
  // null once the last one was served, so the rotation starts again at
  // `first` — unless a member joins first: it is due, as it would have
  // been at the end of an array.
  struct Level {
    Member* first = nullptr;
    Member* last = nullptr;
    Member* due = nullptr;
  };

  static int level_of(int priority) {
    return (priority < 1 ? 1 : priority > kLevels ? kLevels : priority) - 1;
  }

  void append(Member& m) {
    Level& level = levels_[m.level];
    m.ready = true;
    m.before = level.last;
    m.after = nullptr;
    (level.last ? level.last->after : level.first) = &m;
    level.last = &m;
    if (!level.due) level.due = &m;
    nonempty_ |= 1u << m.level;
  }

  void unlink(Member& m) {
    Level& level = levels_[m.level];
    // The one due next hands its turn on, as a removal from an array would.
    if (level.due == &m) level.due = m.after;
    (m.before ? m.before->after : level.first) = m.after;
    (m.after ? m.after->before : level.last) = m.before;
    m.ready = false;
    m.before = m.after = nullptr;
    if (!level.first) {
      level.due = nullptr;
      nonempty_ &= ~(1u << m.level);
    }
  }

  std::unordered_map<Pipe*, Member> members_;  // nodes stay put: the lists point into them
  std::array<Level, kLevels> levels_;
  std::uint32_t nonempty_ = 0;  // bit i: level i has a ready pipe
};

}  // namespace sprocket::routing
