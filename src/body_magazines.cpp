#include "body_magazines.hpp"

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <mutex>
#include <new>

#include "kept_block_poison.hpp"
#include "magazine_slot_state.hpp"

namespace sprocket::detail {
namespace {

constexpr std::align_val_t kAlign{16};
constexpr std::size_t kSmallest = 64;  // one class up to here

// Class 0 holds blocks of up to 64 bytes; above that, four classes per
// power of two.
constexpr std::size_t kClasses =
    1 + 4 * (std::bit_width(kMagazineMaxBlock) - std::bit_width(kSmallest));

std::size_t class_of(std::size_t bytes) noexcept {
  if (bytes <= kSmallest) return 0;
  const auto k = static_cast<std::size_t>(std::bit_width(bytes - 1) - 1);  // 2^k < bytes <= 2^(k+1)
  const std::size_t step = std::size_t{1} << (k - 2);
  const std::size_t j = (bytes - (std::size_t{1} << k) + step - 1) / step;  // 1..4
  return 1 + (k - (std::bit_width(kSmallest) - 1)) * 4 + (j - 1);
}

std::size_t class_bytes(std::size_t c) noexcept {
  if (c == 0) return kSmallest;
  const std::size_t k = (c - 1) / 4 + (std::bit_width(kSmallest) - 1), j = (c - 1) % 4 + 1;
  return (std::size_t{1} << k) + j * (std::size_t{1} << (k - 2));
}

std::size_t slots_for(std::size_t c) noexcept {
  const std::size_t by_bytes = kMagazineBytes / class_bytes(c);
  return by_bytes < kMagazineSlots ? by_bytes : kMagazineSlots;
}

struct Magazine {
  std::size_t count = 0;
  std::array<void*, kMagazineSlots> blocks{};
};

void free_all(Magazine& m, std::size_t c) noexcept {
  for (std::size_t i = 0; i < m.count; ++i) {
    SPROCKET_UNPOISON(m.blocks[i], class_bytes(c));
    ::operator delete(m.blocks[i], kAlign);
  }
  m.count = 0;
}

// Full magazines, per class, under one lock per class.
class Depot {
 public:
  /// Swaps `empty` for a full magazine; false if there is none.
  bool take_full(std::size_t c, Magazine& empty) noexcept {
    Shelf& s = shelves_[c];
    {
      std::lock_guard lock(s.mutex);
      if (s.count == 0) return false;
      empty = s.full[--s.count];
    }
    bytes_.fetch_sub(empty.count * class_bytes(c), std::memory_order_relaxed);
    return true;
  }
  /// Takes `full`'s blocks (leaving it empty); false if the shelf or the
  /// depot is full.
  bool put_full(std::size_t c, Magazine& full) noexcept {
    const std::size_t bytes = full.count * class_bytes(c);
    if (bytes_.fetch_add(bytes, std::memory_order_relaxed) + bytes > kDepotBytes) {
      bytes_.fetch_sub(bytes, std::memory_order_relaxed);
      return false;
    }
    Shelf& s = shelves_[c];
    {
      std::lock_guard lock(s.mutex);
      if (s.count == kDepotMagazines) {
        bytes_.fetch_sub(bytes, std::memory_order_relaxed);
        return false;
      }
      s.full[s.count++] = full;
    }
    full.count = 0;
    return true;
  }
  void count(std::size_t of_class, MagazineStats& stats) noexcept {
    for (std::size_t c = 0; c < kClasses; ++c) {
      Shelf& s = shelves_[c];
      std::lock_guard lock(s.mutex);
      for (std::size_t i = 0; i < s.count; ++i) {
        if (c == of_class) stats.depot_blocks += s.full[i].count;
        stats.depot_bytes += s.full[i].count * class_bytes(c);
      }
    }
  }

 private:
  struct alignas(64) Shelf {
    std::mutex mutex;
    std::size_t count = 0;
    std::array<Magazine, kDepotMagazines> full;
  };
  std::array<Shelf, kClasses> shelves_;
  std::atomic<std::size_t> bytes_{0};  // in all shelves (an upper bound while a put is deciding)
};

// Never destroyed: bodies may be freed by static destructors and by
// threads that outlive main. Still reachable, so not a leak to LSan.
Depot& depot() {
  static Depot* instance = new Depot;
  return *instance;
}

struct ThreadMagazines {
  std::array<Magazine, kClasses> by_class;

  ~ThreadMagazines() {
    for (std::size_t c = 0; c < kClasses; ++c) {
      Magazine& m = by_class[c];
      if (m.count == slots_for(c) && depot().put_full(c, m)) continue;
      free_all(m, c);
    }
  }
};

// The thread's magazines, made on first use. The owner, touched once per
// thread, frees them when the thread exits; after that, this thread's
// blocks bypass them. (The default TLS model on purpose: initial-exec
// would be cheaper, but a library loaded with dlopen — libnanomsg under a
// Perl or Python binding — then fails to load for want of static TLS.)
struct ThreadSlot {
  ThreadMagazines* magazines = nullptr;
  Lifecycle<MagazineSlotState> state;
};
thread_local ThreadSlot slot;

struct Owner {
  ~Owner() {
    delete slot.magazines;
    slot.magazines = nullptr;
    slot.state.to(MagazineSlotState::exited);
  }
};
thread_local Owner owner;

ThreadMagazines* mine() noexcept {
  ThreadSlot& s = slot;
  if (s.magazines) return s.magazines;
  if (!s.state.is(MagazineSlotState::unused)) return nullptr;
  s.magazines = new (std::nothrow) ThreadMagazines;
  if (!s.magazines) return nullptr;
  s.state.to(MagazineSlotState::active);
  (void)&owner;  // registers its destructor for this thread
  return s.magazines;
}

}  // namespace

std::size_t magazine_block_bytes(std::size_t bytes) noexcept {
  return class_bytes(class_of(bytes));
}

void* take_small_block(std::size_t bytes) {
  const std::size_t c = class_of(bytes);
  if (ThreadMagazines* t = mine()) {
    Magazine& m = t->by_class[c];
    if (m.count == 0) depot().take_full(c, m);
    if (m.count > 0) {
      void* p = m.blocks[--m.count];
      SPROCKET_UNPOISON(p, class_bytes(c));
      return p;
    }
  }
  return ::operator new(class_bytes(c), kAlign);
}

void give_small_block(void* block, std::size_t bytes) noexcept {
  const std::size_t c = class_of(bytes);
  ThreadMagazines* t = mine();
  if (!t) return ::operator delete(block, kAlign);
  Magazine& m = t->by_class[c];
  if (m.count == slots_for(c) && !depot().put_full(c, m)) free_all(m, c);
  SPROCKET_POISON(block, class_bytes(c));
  m.blocks[m.count++] = block;
}

MagazineStats magazine_stats(std::size_t bytes) noexcept {
  MagazineStats s;
  const std::size_t c = class_of(bytes);
  depot().count(c, s);
  if (slot.magazines) s.thread_blocks = slot.magazines->by_class[c].count;
  return s;
}

}  // namespace sprocket::detail
