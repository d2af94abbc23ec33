// The lifecycle of a long-lived object: its state enum, the transitions the
// design allows, and one function that performs them. Every long-lived object
// (connection, pipe, dialer, listener, REQ request, survey, a thread's body
// magazines, a connection's reading turn) keeps its state in a Lifecycle or
// an AtomicLifecycle, so a state can only change
// along an edge of its table — the same table that docs/architecture.md
// draws (lifecycle_doc_test checks that the Mermaid diagrams and these
// tables agree).
//
// A lifecycle is described by specialising LifecycleTraits for its enum:
//
//   template <> struct LifecycleTraits<MyState> {
//     static constexpr std::string_view name = "my object";   // the doc's heading
//     static constexpr MyState initial = MyState::a;
//     static constexpr std::array names{"a", "b"};            // by enum value
//     static constexpr std::array<Edge<MyState>, 1> edges{{{MyState::a, MyState::b}}};
//     static constexpr std::array finals{MyState::b};          // where it may end
//   };
//
// Lifecycle is not thread-safe: the owner guards it as it guards its other
// state (a mutex, or a strand). AtomicLifecycle is for a state that threads
// hand between them without a common lock (a connection's reading turn): a
// move is one compare-and-swap.
#pragma once

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace sprocket::detail {

template <class State>
struct Edge {
  State from;
  State to;
};

template <class State>
struct LifecycleTraits;  // specialised next to each enum

template <class State>
constexpr std::string_view state_name(State s) {
  return LifecycleTraits<State>::names[static_cast<std::size_t>(s)];
}

template <class State>
constexpr bool allowed(State from, State to) {
  for (const auto& e : LifecycleTraits<State>::edges)
    if (e.from == from && e.to == to) return true;
  return false;
}

/// A transition missing from the table is a bug in the caller, not a
/// condition to handle: it stops the process with the object's name and
/// both states, so tests and fuzzers catch it.
template <class State>
[[noreturn]] void no_transition(State from, State next) noexcept {
  const std::string_view name = LifecycleTraits<State>::name;
  std::fprintf(stderr, "sprocket: %.*s: no transition %.*s -> %.*s\n", int(name.size()),
               name.data(), int(state_name(from).size()), state_name(from).data(),
               int(state_name(next).size()), state_name(next).data());
  std::abort();
}

template <class State>
class Lifecycle {
 public:
  using Traits = LifecycleTraits<State>;

  constexpr Lifecycle() = default;

  State state() const noexcept { return state_; }
  bool is(State s) const noexcept { return state_ == s; }
  template <class... S>
  bool is_any(S... s) const noexcept {
    return ((state_ == s) || ...);
  }

  /// Moves to `next` (see no_transition for one missing from the table).
  void to(State next) noexcept {
    if (!allowed(state_, next)) no_transition(state_, next);
    state_ = next;
  }

  /// Moves to `next` when the current state is `from`; false (and no
  /// change) otherwise. For events that are legal only in one state and
  /// may arrive late (a timer, a completion after a close).
  bool advance(State from, State next) noexcept {
    if (state_ != from) return false;
    to(next);
    return true;
  }

 private:
  State state_ = Traits::initial;
};

/// A lifecycle whose state threads take from each other without a lock.
/// Every operation is sequentially consistent: a thread that gives the state
/// up and then reads another flag pairs with one that sets the flag and then
/// looks at the state (the connection's reading turn relies on it).
template <class State>
class AtomicLifecycle {
 public:
  using Traits = LifecycleTraits<State>;

  State state() const noexcept { return state_.load(); }
  bool is(State s) const noexcept { return state() == s; }

  /// Moves from `from` to `next` if the state is `from` now; false (and no
  /// change) otherwise. The one transition function: a thread takes a state
  /// that may be someone else's with it, and the holder of a state moves
  /// out of it with it (for the holder it cannot fail).
  bool advance(State from, State next) noexcept {
    if (!allowed(from, next)) no_transition(from, next);
    return state_.compare_exchange_strong(from, next);
  }

 private:
  std::atomic<State> state_{Traits::initial};
};

}  // namespace sprocket::detail
