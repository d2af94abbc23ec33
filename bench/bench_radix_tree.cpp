// SUB's subscription matcher (protocols/pubsub/radix_tree.hpp) beside two
// plain baselines, at 10, 10 000 and 1 000 000 subscriptions, for two kinds
// of topics: random bytes, and hierarchical names with long shared prefixes.
//
// Names: radix/<operation>/<topics>/<structure>/<subscriptions>, where
//   operation  subscribe, unsubscribe, match_hit, match_miss
//   topics     random (8-32 random bytes) or prefix (market.eu.stock.ABC123.trades)
//   structure  radix_tree, list (std::vector<std::string>, scanned), set (std::set),
//              arrival (the tree as a SUB connection uses it: a Message offered
//              to the arrival filter, under that connection's reader lock; each
//              match also builds the Message, an inline copy of <= 64 bytes;
//              subscribe/unsubscribe take the writer's side with one connection;
//              its bytes_per_sub leaves out the tree's 2 MiB regions)
// Every benchmark also reports bytes_per_sub: the heap the structure holds
// for its subscriptions (the object itself, what its constructor allocated
// and everything since), counted by this program's operator new/delete,
// plus what the tree maps itself (the huge-page regions of its slab that it
// has touched).
// The match benchmarks also time matches one at a time and report the
// median and 99th percentile of those (p50_ns, p99_ns): google-benchmark's
// own figure is the mean of a loop in which the processor overlaps one
// match with the next.
#include <malloc.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <new>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "driver.hpp"
#include "protocols/pubsub/radix_tree.hpp"
#include "protocols/pubsub/subscriptions.hpp"

// ---- heap accounting -------------------------------------------------------
// While g_counting is set, every allocation adds the block's usable size to
// g_live_bytes and every free subtracts it. The program measures on one
// thread, so plain variables suffice (google-benchmark's own threads do not
// allocate while a structure is being built).
namespace {
bool g_counting = false;
std::int64_t g_live_bytes = 0;

void* counted_alloc(std::size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (!p) throw std::bad_alloc();
  if (g_counting) g_live_bytes += static_cast<std::int64_t>(malloc_usable_size(p));
  return p;
}

void* counted_aligned_alloc(std::size_t n, std::align_val_t a) {
  const auto align = static_cast<std::size_t>(a);
  void* p = std::aligned_alloc(align, (std::max<std::size_t>(n, 1) + align - 1) / align * align);
  if (!p) throw std::bad_alloc();
  if (g_counting) g_live_bytes += static_cast<std::int64_t>(malloc_usable_size(p));
  return p;
}

void counted_free(void* p) noexcept {
  if (p && g_counting) g_live_bytes -= static_cast<std::int64_t>(malloc_usable_size(p));
  std::free(p);
}
}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }
// The aligned forms too: the tree's slab takes 2 MiB regions aligned to 2 MiB.
void* operator new(std::size_t n, std::align_val_t a) { return counted_aligned_alloc(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_aligned_alloc(n, a); }
void operator delete(void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }

namespace {

using sprocket::pubsub::SubscriptionTree;

// ---- topics ----------------------------------------------------------------

enum class Topics { random, prefix };

const char* topics_name(Topics t) { return t == Topics::random ? "random" : "prefix"; }

/// Random topics: 8 to 32 bytes, any byte value (zero included).
std::string random_topic(std::mt19937_64& rng) {
  std::string s(8 + rng() % 25, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

/// Hierarchical topics, market.<region>.<class>.<SYMBOL>.<kind>: 128
/// distinct region/class/kind paths, each with many symbols, so keys share
/// 14-20 leading bytes and branch at the symbol. Topic i is unique for
/// every i; no topic is a prefix of another (no region, class or kind is a
/// prefix of another of its field).
std::string prefix_topic(std::uint64_t i) {
  static constexpr std::array<const char*, 8> regions{"eu", "us", "asia", "latam", "africa",
                                                     "oceania", "mideast", "nordic"};
  static constexpr std::array<const char*, 4> classes{"stock", "bond", "fx", "option"};
  static constexpr std::array<const char*, 4> kinds{"trades", "quotes", "depth", "news"};
  const char* kind = kinds[i % 4];
  const char* cls = classes[(i / 4) % 4];
  const char* region = regions[(i / 16) % 8];
  std::uint64_t sym = i / 128;  // 3 letters and 3 digits: 17.6 M symbols
  std::string symbol(6, '0');
  for (int k = 5; k >= 3; --k, sym /= 10) symbol[static_cast<std::size_t>(k)] = static_cast<char>('0' + sym % 10);
  for (int k = 2; k >= 0; --k, sym /= 26) symbol[static_cast<std::size_t>(k)] = static_cast<char>('A' + sym % 26);
  return std::string("market.") + region + "." + cls + "." + symbol + "." + kind;
}

/// The topics of one (kind, n): `subscribed` (n distinct), `fresh` (distinct
/// from those, for subscribe/unsubscribe), messages that match (a
/// subscribed topic plus a payload) and messages that do not (for prefix
/// topics: near misses, the same hierarchy with an unsubscribed symbol).
struct TopicSet {
  std::vector<std::string> subscribed, fresh, hits, misses;
};

constexpr std::size_t kMessages = 1024;  // messages cycled through by the match loops

/// Subscribe/unsubscribe batch: the structure grows from n to n + batch
/// and back, so the small case stays small.
std::size_t batch_for(std::size_t n) { return std::min<std::size_t>(n, 1000); }

struct List;

/// The list's unsubscribe scans all n entries (milliseconds at 1 M): a
/// smaller batch keeps one timed batch near 10 ms.
template <class S>
std::size_t batch_for_structure(std::size_t n) {
  if constexpr (std::is_same_v<S, List>) {
    return std::min<std::size_t>(batch_for(n), std::max<std::size_t>(10, 10'000'000 / n));
  }
  return batch_for(n);
}

std::vector<std::string> distinct_random(std::mt19937_64& rng, std::size_t count,
                                         std::set<std::string>& seen) {
  std::vector<std::string> out;
  out.reserve(count);
  while (out.size() < count) {
    auto s = random_topic(rng);
    if (seen.insert(s).second) out.push_back(std::move(s));
  }
  return out;
}

std::unique_ptr<TopicSet> make_topics(Topics kind, std::size_t n) {
  auto t = std::make_unique<TopicSet>();
  std::mt19937_64 rng(n * 2 + (kind == Topics::random));
  const std::string payload(24, 'x');
  if (kind == Topics::random) {
    std::set<std::string> seen;  // random bytes collide rarely, but never twice
    t->subscribed = distinct_random(rng, n, seen);
    t->fresh = distinct_random(rng, batch_for(n), seen);
    for (std::size_t i = 0; i < kMessages; ++i) {
      t->hits.push_back(t->subscribed[rng() % n] + payload);
      t->misses.push_back(random_topic(rng) + payload);
    }
  } else {
    // Scatter the n subscribed indices over 4n so symbols are not contiguous.
    std::vector<std::uint64_t> ids(4 * n);
    for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = i;
    std::shuffle(ids.begin(), ids.end(), rng);
    for (std::size_t i = 0; i < n; ++i) t->subscribed.push_back(prefix_topic(ids[i]));
    for (std::size_t i = 0; i < batch_for(n); ++i) t->fresh.push_back(prefix_topic(ids[n + i]));
    for (std::size_t i = 0; i < kMessages; ++i) {
      t->hits.push_back(t->subscribed[rng() % n] + "|" + payload);
      t->misses.push_back(prefix_topic(ids[n + rng() % (3 * n)]) + "|" + payload);
    }
  }
  return t;
}

// ---- the structures --------------------------------------------------------

/// The baseline a naive SUB would use: every prefix in a vector, a match
/// scans them all (NNG compares every topic this way).
struct List {
  std::vector<std::string> subs;
  void subscribe(std::string_view p) { subs.emplace_back(p); }
  bool unsubscribe(std::string_view p) {
    auto it = std::find(subs.begin(), subs.end(), p);
    if (it == subs.end()) return false;
    *it = std::move(subs.back());  // order does not matter
    subs.pop_back();
    return true;
  }
  bool matches(std::string_view m) const {
    for (const auto& s : subs)
      if (m.starts_with(s)) return true;
    return false;
  }
  /// Undoes the subscribes of a benchmark batch (they were appended): an
  /// untimed step that must stay cheap, or google-benchmark, which sizes
  /// its runs by the timed part, would run for hours at 1 M.
  void drop_batch(const std::vector<std::string>&, std::size_t batch) { subs.resize(subs.size() - batch); }
};

/// A sorted set. A match looks for the greatest key <= the message: if it
/// is a prefix, done; otherwise only keys no longer than the common part of
/// the two can still be prefixes (any longer prefix of the message would
/// sort between that key and the message), so search again with the
/// message cut there. Each step shortens the key: at most one O(log n)
/// search per distinct branching point, usually one or two.
struct Set {
  std::set<std::string, std::less<>> subs;
  void subscribe(std::string_view p) { subs.emplace(p); }
  bool unsubscribe(std::string_view p) {
    auto it = subs.find(p);
    if (it == subs.end()) return false;
    subs.erase(it);
    return true;
  }
  bool matches(std::string_view key) const {
    for (;;) {
      auto it = subs.upper_bound(key);
      if (it == subs.begin()) return false;
      const std::string_view e = *--it;
      if (key.starts_with(e)) return true;
      std::size_t same = 0;
      while (same < e.size() && same < key.size() && e[same] == key[same]) ++same;
      key = key.substr(0, same);
    }
  }
  void drop_batch(const std::vector<std::string>& fresh, std::size_t batch) {
    for (std::size_t i = 0; i < batch; ++i) subs.erase(fresh[i]);
  }
};

/// The structure under test, behind one interface for the benchmark loops.
struct Radix {
  SubscriptionTree tree;
  void subscribe(std::string_view p) { tree.subscribe(p); }
  bool unsubscribe(std::string_view p) { return tree.unsubscribe(p); }
  bool matches(std::string_view m) const { return tree.matches(m); }
  void drop_batch(const std::vector<std::string>& fresh, std::size_t batch) {
    for (std::size_t i = 0; i < batch; ++i) tree.unsubscribe(fresh[i]);
  }
  /// Memory the tree maps itself (its slab's 2 MiB huge-page regions),
  /// which operator new does not see.
  std::size_t mapped_bytes() const { return tree.shape().region_bytes; }
};

/// The tree behind SUB's arrival filter, with one connection's filter: what
/// a connection thread pays per message, and a subscribe with one reader.
struct Arrival {
  std::shared_ptr<sprocket::pubsub::Subscriptions> subs =
      std::make_shared<sprocket::pubsub::Subscriptions>();
  std::shared_ptr<sprocket::MessageFilter> filter = subs->make_filter();
  void subscribe(std::string_view p) { subs->subscribe(p); }
  bool unsubscribe(std::string_view p) { return subs->unsubscribe(p); }
  bool matches(std::string_view m) const { return filter->admit(sprocket::Message(m)); }
  void drop_batch(const std::vector<std::string>& fresh, std::size_t batch) {
    for (std::size_t i = 0; i < batch; ++i) subs->unsubscribe(fresh[i]);
  }
};

template <class S>
std::size_t mapped_bytes(const S& s) {
  if constexpr (requires { s.mapped_bytes(); }) {
    return s.mapped_bytes();
  } else {
    return 0;
  }
}

template <class S> constexpr const char* structure_name();
template <> constexpr const char* structure_name<Radix>() { return "radix_tree"; }
template <> constexpr const char* structure_name<List>() { return "list"; }
template <> constexpr const char* structure_name<Set>() { return "set"; }
template <> constexpr const char* structure_name<Arrival>() { return "arrival"; }

// ---- fixtures: built once per (structure, topics, n), kept for the run -----

const TopicSet& topics_for(Topics kind, std::size_t n) {
  static std::map<std::pair<Topics, std::size_t>, std::unique_ptr<TopicSet>> cache;
  auto& slot = cache[{kind, n}];
  if (!slot) slot = make_topics(kind, n);
  return *slot;
}

template <class S>
struct Built {
  std::unique_ptr<S> structure;  // made while counting: the object itself is part of its cost
  double bytes_per_sub = 0;
};

template <class S>
Built<S>& built_for(Topics kind, std::size_t n) {
  static std::map<std::pair<Topics, std::size_t>, std::unique_ptr<Built<S>>> cache;
  auto& slot = cache[{kind, n}];
  if (slot) return *slot;
  const TopicSet& t = topics_for(kind, n);
  slot = std::make_unique<Built<S>>();
  g_live_bytes = 0;
  g_counting = true;
  slot->structure = std::make_unique<S>();
  for (const auto& s : t.subscribed) slot->structure->subscribe(s);
  g_counting = false;
  const auto bytes = static_cast<double>(g_live_bytes) + static_cast<double>(mapped_bytes(*slot->structure));
  slot->bytes_per_sub = bytes / static_cast<double>(n);
  return *slot;
}

// ---- one operation at a time ------------------------------------------------
// A match takes tens of nanoseconds, so a clock read costs as much as the
// operation: on x86 the time stamp counter is read between fences (lfence;
// rdtsc; lfence ... rdtscp; lfence) so that neither the reads nor the
// operation move across each other, the median cost of an empty interval
// is subtracted, and ticks become nanoseconds by the counter's rate over
// the sampling (against steady_clock). Elsewhere steady_clock alone. The
// clock's step is reported too (clock_step_ns): AMD's counter moves in
// steps of 10 ns, so a single time is known to within one step and a
// median to about half of one.

#if defined(__x86_64__) || defined(__i386__)
inline std::uint64_t ticks_before() {
  _mm_lfence();
  const std::uint64_t t = __rdtsc();
  _mm_lfence();
  return t;
}
inline std::uint64_t ticks_raw() { return __rdtsc(); }
inline std::uint64_t ticks_after() {
  unsigned aux = 0;
  const std::uint64_t t = __rdtscp(&aux);
  _mm_lfence();
  return t;
}
#else
inline std::uint64_t ticks_now() {
  return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}
inline std::uint64_t ticks_raw() { return ticks_now(); }
inline std::uint64_t ticks_before() { return ticks_now(); }
inline std::uint64_t ticks_after() { return ticks_now(); }
#endif

/// Per-operation times of a match loop, in nanoseconds, net of the timer.
struct OpTimes {
  double p50_ns = 0, p99_ns = 0, timer_ns = 0, clock_step_ns = 0;
  std::size_t samples = 0;
};

/// The smallest step (> 1 tick) between two consecutive clock reads
/// without fences.
std::uint64_t clock_step_ticks() {
  std::uint64_t step = UINT64_MAX, prev = ticks_raw();
  for (int i = 0; i < 10'000; ++i) {
    const std::uint64_t t = ticks_raw();
    if (t - prev > 1) step = std::min(step, t - prev);
    prev = t;
  }
  return step == UINT64_MAX ? 1 : step;
}

std::int64_t quantile(std::vector<std::int64_t>& v, double q) {
  auto nth = v.begin() + static_cast<std::ptrdiff_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), nth, v.end());
  return *nth;
}

/// Times `op(i)` alone for i = 0, 1, 2, ...: up to 16 passes over
/// kMessages, stopping early after 50 ms once 32 samples are in (the list
/// at 1 M takes milliseconds per match).
template <class Op>
OpTimes time_each(Op op) {
  std::vector<std::int64_t> empty(4096), took;
  for (auto& e : empty) {
    const auto t0 = ticks_before();
    e = static_cast<std::int64_t>(ticks_after() - t0);
  }
  const std::int64_t overhead = quantile(empty, 0.5);
  const std::uint64_t step = clock_step_ticks();
  const auto wall0 = std::chrono::steady_clock::now();
  const auto tick0 = ticks_before();
  took.reserve(16 * kMessages);
  for (std::size_t i = 0; i < 16 * kMessages; ++i) {
    const auto t0 = ticks_before();
    benchmark::DoNotOptimize(op(i));
    took.push_back(static_cast<std::int64_t>(ticks_after() - t0) - overhead);
    if (took.size() >= 32 && (i & 31) == 31 &&
        std::chrono::steady_clock::now() - wall0 > std::chrono::milliseconds(50))
      break;
  }
  const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - wall0).count();
  const double ns_per_tick = ns / static_cast<double>(ticks_after() - tick0);
  OpTimes r;
  r.samples = took.size();
  r.timer_ns = static_cast<double>(overhead) * ns_per_tick;
  r.clock_step_ns = static_cast<double>(step) * ns_per_tick;
  r.p50_ns = static_cast<double>(quantile(took, 0.5)) * ns_per_tick;
  r.p99_ns = static_cast<double>(quantile(took, 0.99)) * ns_per_tick;
  return r;
}

// ---- the benchmarks --------------------------------------------------------

template <class S>
void finish(benchmark::State& state, const Built<S>& b) {
  state.counters["bytes_per_sub"] = b.bytes_per_sub;
  state.SetItemsProcessed(state.iterations());
}

/// Time per subscribe of a fresh topic into a structure holding n: a batch
/// of them is timed, then removed untimed.
template <class S>
void subscribe(benchmark::State& state, Topics kind) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto& b = built_for<S>(kind, n);
  const auto& fresh = topics_for(kind, n).fresh;
  const std::size_t batch = batch_for_structure<S>(n);
  while (state.KeepRunningBatch(static_cast<benchmark::IterationCount>(batch))) {
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < batch; ++i) b.structure->subscribe(fresh[i]);
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    b.structure->drop_batch(fresh, batch);
  }
  finish(state, b);
}

/// Time per unsubscribe of a topic from a structure holding n + a batch:
/// the batch is added untimed, then removed timed.
template <class S>
void unsubscribe(benchmark::State& state, Topics kind) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto& b = built_for<S>(kind, n);
  const auto& fresh = topics_for(kind, n).fresh;
  const std::size_t batch = batch_for_structure<S>(n);
  while (state.KeepRunningBatch(static_cast<benchmark::IterationCount>(batch))) {
    for (std::size_t i = 0; i < batch; ++i) b.structure->subscribe(fresh[i]);
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < batch; ++i) benchmark::DoNotOptimize(b.structure->unsubscribe(fresh[i]));
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  finish(state, b);
}

/// Time per match of a message, cycling through kMessages messages that all
/// match (hit) or all do not (miss); a wrong answer fails the benchmark.
template <class S>
void match(benchmark::State& state, Topics kind, bool hit) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto& b = built_for<S>(kind, n);
  const auto& messages = hit ? topics_for(kind, n).hits : topics_for(kind, n).misses;
  for (const auto& m : messages) {
    if (b.structure->matches(m) != hit) {
      state.SkipWithError(hit ? "a message that should match does not" : "a miss matched");
      return;
    }
  }
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(b.structure->matches(messages[i++ & (kMessages - 1)]));
  }
  const OpTimes each = time_each([&](std::size_t k) { return b.structure->matches(messages[k & (kMessages - 1)]); });
  state.counters["p50_ns"] = each.p50_ns;
  state.counters["p99_ns"] = each.p99_ns;
  state.counters["timer_ns"] = each.timer_ns;
  state.counters["clock_step_ns"] = each.clock_step_ns;
  finish(state, b);
}

template <class S>
void register_structure(Topics kind) {
  const std::string tail = std::string("/") + topics_name(kind) + "/" + structure_name<S>();
  auto sized = [](benchmark::internal::Benchmark* b) {
    b->Arg(10)->Arg(10'000)->Arg(1'000'000)->Unit(benchmark::kNanosecond);
    return b;
  };
  sized(benchmark::RegisterBenchmark(("radix/subscribe" + tail).c_str(), subscribe<S>, kind))
      ->UseManualTime();
  sized(benchmark::RegisterBenchmark(("radix/unsubscribe" + tail).c_str(), unsubscribe<S>, kind))
      ->UseManualTime();
  sized(benchmark::RegisterBenchmark(("radix/match_hit" + tail).c_str(), match<S>, kind, true));
  sized(benchmark::RegisterBenchmark(("radix/match_miss" + tail).c_str(), match<S>, kind, false));
}

}  // namespace

int main(int argc, char** argv) {
  for (Topics kind : {Topics::random, Topics::prefix}) {
    register_structure<Radix>(kind);
    register_structure<List>(kind);
    register_structure<Set>(kind);
    register_structure<Arrival>(kind);
  }
  return bench::run(argc, argv);
}
