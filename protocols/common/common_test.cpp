// The routing pieces every protocol shares: the PriorityList (load balancer
// and fair queue) and the SP backtrace codec. Unit tests on fake pipes and
// hand-built messages, so a routing bug shows up here before it shows up as
// a lost or misrouted message in a protocol test.
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "protocols/common/backtrace.hpp"
#include "protocols/common/priority_list.hpp"
#include "test_util.hpp"

namespace sprocket::test {
namespace {

using routing::Backtrace;
using routing::PriorityList;

// Pipe's constructor is for the core only; a test pipe derives from it. The
// list never calls send/recv, so they do nothing.
class FakePipe final : public Pipe {
 public:
  explicit FakePipe(std::uint32_t id) : Pipe(id, 8, 8, 0x30) {}
  Io send(Message&) override { return Io::ok; }
  Io recv(Message&) override { return Io::would_block; }
};

// The ids of the next `n` pipes the list hands out (0 for none).
std::vector<std::uint32_t> take(PriorityList& list, int n) {
  std::vector<std::uint32_t> out;
  for (int i = 0; i < n; ++i) {
    Pipe* p = list.next();
    out.push_back(p ? p->id() : 0);
  }
  return out;
}

std::map<std::uint32_t, int> tally(const std::vector<std::uint32_t>& ids) {
  std::map<std::uint32_t, int> counts;
  for (auto id : ids) ++counts[id];
  return counts;
}

using Ids = std::vector<std::uint32_t>;

// ------------------------------------------------------------- PriorityList

TEST(PriorityListTest, EmptyListHasNoCandidate) {
  PriorityList list;
  EXPECT_TRUE(list.empty());
  EXPECT_FALSE(list.any_ready());
  EXPECT_EQ(list.next(), nullptr);
}

TEST(PriorityListTest, HighestReadyLevelWins) {
  FakePipe low(1), high(2), middle(3);
  PriorityList list;
  list.add(low, 9, true);
  list.add(high, 1, true);
  list.add(middle, 4, true);
  EXPECT_EQ(take(list, 4), (Ids{2, 2, 2, 2})) << "priority 1 takes everything while ready";
  list.set_ready(high, false);
  EXPECT_EQ(take(list, 3), (Ids{3, 3, 3})) << "then the next level down";
  list.set_ready(middle, false);
  EXPECT_EQ(take(list, 2), (Ids{1, 1}));
  list.set_ready(high, true);
  EXPECT_EQ(take(list, 2), (Ids{2, 2})) << "a higher level that is ready again wins at once";
}

TEST(PriorityListTest, RoundRobinWithinALevel) {
  FakePipe a(1), b(2), c(3), other(4);
  PriorityList list;
  list.add(a, 5, true);
  list.add(b, 5, true);
  list.add(c, 5, true);
  list.add(other, 6, true);  // a lower level never gets a turn
  EXPECT_EQ(take(list, 7), (Ids{1, 2, 3, 1, 2, 3, 1}));
}

TEST(PriorityListTest, NotReadyPipesAreSkipped) {
  FakePipe a(1), b(2), c(3);
  PriorityList list;
  list.add(a, 8, true);
  list.add(b, 8, false);
  list.add(c, 8, true);
  EXPECT_TRUE(list.any_ready());
  EXPECT_EQ(take(list, 4), (Ids{1, 3, 1, 3}));
  list.set_ready(b, true);
  EXPECT_EQ(tally(take(list, 6)), (std::map<std::uint32_t, int>{{1, 2}, {2, 2}, {3, 2}}));
  list.set_ready(a, false);
  list.set_ready(b, false);
  list.set_ready(c, false);
  EXPECT_FALSE(list.any_ready());
  EXPECT_FALSE(list.empty()) << "not-ready pipes are still members";
  EXPECT_EQ(list.next(), nullptr);
}

TEST(PriorityListTest, SetReadyTwiceDoesNotDoubleAPipesShare) {
  FakePipe a(1), b(2);
  PriorityList list;
  list.add(a, 8, true);
  list.add(b, 8, true);
  list.set_ready(a, true);  // spurious notifications are allowed
  list.set_ready(a, true);
  EXPECT_EQ(tally(take(list, 10)), (std::map<std::uint32_t, int>{{1, 5}, {2, 5}}));
}

TEST(PriorityListTest, UnknownPipesAreIgnored) {
  FakePipe a(1), stranger(2);
  PriorityList list;
  list.add(a, 8, true);
  list.set_ready(stranger, true);
  list.remove(stranger);
  EXPECT_EQ(take(list, 2), (Ids{1, 1}));
}

TEST(PriorityListTest, RemovingAServedPipeDoesNotSkipTheNextOne) {
  FakePipe a(1), b(2), c(3), d(4);
  PriorityList list;
  for (FakePipe* p : {&a, &b, &c, &d}) list.add(*p, 8, true);
  EXPECT_EQ(take(list, 2), (Ids{1, 2}));
  list.remove(a);  // before the rotation point: c is still next
  EXPECT_EQ(take(list, 3), (Ids{3, 4, 2}));
}

TEST(PriorityListTest, RemovingTheNextPipeHandsItsTurnOn) {
  FakePipe a(1), b(2), c(3), d(4);
  PriorityList list;
  for (FakePipe* p : {&a, &b, &c, &d}) list.add(*p, 8, true);
  EXPECT_EQ(take(list, 2), (Ids{1, 2}));
  list.remove(c);  // the one due next: d takes its turn
  EXPECT_EQ(take(list, 3), (Ids{4, 1, 2}));
}

TEST(PriorityListTest, RemovalMidRotationKeepsFairness) {
  FakePipe a(1), b(2), c(3), d(4), e(5);
  PriorityList list;
  for (FakePipe* p : {&a, &b, &c, &d, &e}) list.add(*p, 3, true);
  std::map<std::uint32_t, int> served;
  for (auto id : take(list, 7)) ++served[id];  // a, b served twice; c..e once
  list.remove(b);
  list.remove(e);
  // After the removals the survivors catch up in turn: nobody is served
  // twice before everyone has been served once more.
  for (auto id : take(list, 9)) ++served[id];
  EXPECT_EQ(served[1], 5);
  EXPECT_EQ(served[3], 4);
  EXPECT_EQ(served[4], 4);
  EXPECT_EQ(served[1] - served[3], 1) << "a was one ahead when the removals came, and stays so";
}

TEST(PriorityListTest, RemovingTheLastPipeOfALevelFallsToTheNext) {
  FakePipe top(1), rest(2);
  PriorityList list;
  list.add(top, 1, true);
  list.add(rest, 2, true);
  EXPECT_EQ(take(list, 1), (Ids{1}));
  list.remove(top);
  EXPECT_EQ(take(list, 2), (Ids{2, 2}));
  list.remove(rest);
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.next(), nullptr);
}

TEST(PriorityListTest, LevelsClampToOneThroughSixteen) {
  FakePipe zero(1), one(2), huge(3), sixteen(4), negative(5);
  PriorityList list;
  list.add(huge, 99, true);
  list.add(sixteen, 16, true);
  EXPECT_EQ(take(list, 4), (Ids{3, 4, 3, 4})) << "99 is clamped to 16: one level, round-robin";
  list.add(zero, 0, true);
  list.add(one, 1, true);
  list.add(negative, -7, true);
  EXPECT_EQ(take(list, 6), (Ids{1, 2, 5, 1, 2, 5})) << "0 and -7 are clamped to 1";
}

// The rotation the list must keep, written the plain way: per level, the
// ready pipes in an array and the index of the one due next. The list keeps
// its ready pipes in linked lists instead (constant time per change, for
// fair queues over thousands of pipes), and must hand out the same pipes in
// the same order.
class ReferenceList {
 public:
  void add(Pipe& pipe, int level, bool ready) {
    level_of_[&pipe] = level;
    if (ready) set_ready(pipe, true);
  }
  void remove(Pipe& pipe) {
    set_ready(pipe, false);
    level_of_.erase(&pipe);
  }
  void set_ready(Pipe& pipe, bool ready) {
    auto it = level_of_.find(&pipe);
    if (it == level_of_.end()) return;
    Level& level = levels_[it->second];
    auto at = std::find(level.ready.begin(), level.ready.end(), &pipe);
    const bool is_ready = at != level.ready.end();
    if (ready == is_ready) return;
    if (ready) {
      level.ready.push_back(&pipe);
      return;
    }
    const auto i = static_cast<std::size_t>(at - level.ready.begin());
    level.ready.erase(at);
    if (level.due > i) --level.due;
  }
  Pipe* next() {
    for (auto& [number, level] : levels_) {
      if (level.ready.empty()) continue;
      if (level.due >= level.ready.size()) level.due = 0;
      return level.ready[level.due++];
    }
    return nullptr;
  }

 private:
  struct Level {
    std::vector<Pipe*> ready;
    std::size_t due = 0;
  };
  std::map<Pipe*, int> level_of_;
  std::map<int, Level> levels_;
};

TEST(PriorityListTest, HandsOutPipesInTheOrderOfThePlainArrayRotation) {
  std::vector<std::unique_ptr<FakePipe>> pipes;
  for (std::uint32_t id = 1; id <= 40; ++id) pipes.push_back(std::make_unique<FakePipe>(id));
  std::mt19937 random(20261206);
  for (int trial = 0; trial < 20; ++trial) {
    PriorityList list;
    ReferenceList reference;
    std::vector<bool> member(pipes.size(), false);
    for (int step = 0; step < 5000; ++step) {
      const std::size_t i = random() % pipes.size();
      Pipe& pipe = *pipes[i];
      switch (random() % 6) {
        case 0:
          if (member[i]) break;  // the protocols add a pipe once
          {
            const int level = 1 + static_cast<int>(random() % 3);
            const bool ready = random() % 2 == 0;
            list.add(pipe, level, ready);
            reference.add(pipe, level, ready);
            member[i] = true;
          }
          break;
        case 1:
          list.remove(pipe);
          reference.remove(pipe);
          member[i] = false;
          break;
        case 2:
        case 3: {
          const bool ready = random() % 2 == 0;
          list.set_ready(pipe, ready);
          reference.set_ready(pipe, ready);
          break;
        }
        default: {
          Pipe* got = list.next();
          Pipe* want = reference.next();
          ASSERT_EQ(got ? got->id() : 0, want ? want->id() : 0)
              << "trial " << trial << ", step " << step;
        }
      }
    }
  }
}

// ---------------------------------------------------------------- backtrace

void append_be32(std::string& s, std::uint32_t w) {
  s += static_cast<char>(w >> 24);
  s += static_cast<char>(w >> 16);
  s += static_cast<char>(w >> 8);
  s += static_cast<char>(w);
}

// A message with `header_words` in its header and a body of `body_words`
// followed by `tail` (the payload).
Message make_message(const std::vector<std::uint32_t>& header_words,
                     const std::vector<std::uint32_t>& body_words, std::string_view tail = {}) {
  std::string body;
  for (auto w : body_words) append_be32(body, w);
  body += tail;
  Message m(body);
  for (auto w : header_words) EXPECT_TRUE(m.push_header_word(w));
  return m;
}

std::vector<std::uint32_t> header_words(const Message& m) {
  std::vector<std::uint32_t> out;
  auto h = m.header();
  for (std::size_t i = 0; i + 4 <= h.size(); i += 4)
    out.push_back(std::uint32_t(h[i]) << 24 | std::uint32_t(h[i + 1]) << 16 |
                  std::uint32_t(h[i + 2]) << 8 | std::uint32_t(h[i + 3]));
  return out;
}

constexpr std::uint32_t kId = routing::kIdBit | 0x1234;

TEST(BacktraceTest, WholeBacktraceInTheHeaderIsKept) {
  // inproc delivers the sender's header as it was.
  Message m = make_message({7, 9, kId}, {}, "body");
  EXPECT_EQ(routing::unstack(m, 8), Backtrace::ok);
  EXPECT_EQ(header_words(m), (std::vector<std::uint32_t>{7, 9, kId}));
  EXPECT_EQ(m.str(), "body");
  EXPECT_EQ(routing::final_word(m), kId);
}

TEST(BacktraceTest, WordsAreMovedFromTheBody) {
  // Stream transports deliver the backtrace at the front of the body.
  Message m = make_message({}, {7, 9, kId}, "body");
  EXPECT_EQ(routing::unstack(m, 8), Backtrace::ok);
  EXPECT_EQ(header_words(m), (std::vector<std::uint32_t>{7, 9, kId}));
  EXPECT_EQ(m.str(), "body");
}

TEST(BacktraceTest, HeaderWordsComeFirstThenTheBody) {
  Message m = make_message({7}, {9, kId}, "body");
  EXPECT_EQ(routing::unstack(m, 8), Backtrace::ok);
  EXPECT_EQ(header_words(m), (std::vector<std::uint32_t>{7, 9, kId}));
  EXPECT_EQ(m.str(), "body");
}

TEST(BacktraceTest, TheIdWordEndsTheBacktrace) {
  // A body that itself starts with a word with the top bit set stays body.
  const std::uint32_t looks_like_id = routing::kIdBit | 5;
  Message m = make_message({}, {kId, looks_like_id}, "x");
  EXPECT_EQ(routing::unstack(m, 8), Backtrace::ok);
  EXPECT_EQ(header_words(m), (std::vector<std::uint32_t>{kId}));
  EXPECT_EQ(m.size(), 5u);
  EXPECT_EQ(routing::final_word(m), kId);
}

TEST(BacktraceTest, ExactlyMaxWordsIsAccepted) {
  Message from_body = make_message({}, {1, 2, kId});
  EXPECT_EQ(routing::unstack(from_body, 3), Backtrace::ok);
  Message in_header = make_message({1, 2, kId}, {});
  EXPECT_EQ(routing::unstack(in_header, 3), Backtrace::ok);
  Message split = make_message({1}, {2, kId});
  EXPECT_EQ(routing::unstack(split, 3), Backtrace::ok);
}

TEST(BacktraceTest, MoreThanMaxWordsIsTooLong) {
  Message from_body = make_message({}, {1, 2, 3, kId});
  EXPECT_EQ(routing::unstack(from_body, 3), Backtrace::too_long);
  Message in_header = make_message({1, 2, 3, kId}, {});
  EXPECT_EQ(routing::unstack(in_header, 3), Backtrace::too_long);
  Message split = make_message({1, 2}, {3, kId});
  EXPECT_EQ(routing::unstack(split, 3), Backtrace::too_long);
  Message only_id = make_message({}, {kId});
  EXPECT_EQ(routing::unstack(only_id, 1), Backtrace::ok) << "max 1: the id word alone";
  Message one_hop = make_message({}, {1, kId});
  EXPECT_EQ(routing::unstack(one_hop, 1), Backtrace::too_long);
}

TEST(BacktraceTest, ThreeHundredHopsIsTooLong) {
  // More words than a header can hold: the hop limit must answer before
  // the header fills up.
  std::vector<std::uint32_t> hops(300, 1);
  hops.push_back(kId);
  for (int max : {1, 8, 15}) {
    Message m = make_message({}, hops, "payload");
    EXPECT_EQ(routing::unstack(m, max), Backtrace::too_long) << "max_words " << max;
  }
}

TEST(BacktraceTest, BodyRunningOutIsMalformed) {
  Message no_id = make_message({}, {1, 2, 3});
  EXPECT_EQ(routing::unstack(no_id, 8), Backtrace::malformed);
  Message empty;
  EXPECT_EQ(routing::unstack(empty, 8), Backtrace::malformed);
  Message header_without_id = make_message({1, 2}, {});
  EXPECT_EQ(routing::unstack(header_without_id, 8), Backtrace::malformed);
}

TEST(BacktraceTest, TruncatedWordIsMalformed) {
  Message two_bytes{std::string_view("\x80\x01", 2)};
  EXPECT_EQ(routing::unstack(two_bytes, 8), Backtrace::malformed);
  Message word_then_two = make_message({}, {1}, std::string_view("\x80\x01", 2));
  EXPECT_EQ(routing::unstack(word_then_two, 8), Backtrace::malformed);
}

TEST(BacktraceTest, HeaderWithWordsAfterTheIdIsMalformed) {
  Message m = make_message({kId, 7}, {}, "body");
  EXPECT_EQ(routing::unstack(m, 8), Backtrace::malformed);
  Message two_ids = make_message({kId, kId}, {});
  EXPECT_EQ(routing::unstack(two_ids, 8), Backtrace::malformed);
}

TEST(BacktraceTest, HeaderNotAMultipleOfFourIsMalformed) {
  for (std::size_t size : {1u, 2u, 3u, 6u}) {
    const std::byte bytes[6] = {std::byte{0x80}, std::byte{0}, std::byte{0},
                                std::byte{1},    std::byte{0}, std::byte{0}};
    Message m("body");
    ASSERT_TRUE(m.set_header({bytes, size}));
    EXPECT_EQ(routing::unstack(m, 8), Backtrace::malformed) << size << "-byte header";
  }
}

TEST(BacktraceTest, FinalWordOfShortHeadersIsZero) {
  Message none("x");
  EXPECT_EQ(routing::final_word(none), 0u);
  const std::byte two[2] = {std::byte{0x80}, std::byte{1}};
  Message short_header("x");
  ASSERT_TRUE(short_header.set_header(two));
  EXPECT_EQ(routing::final_word(short_header), 0u);
  Message hops = make_message({3, 4, kId}, {});
  EXPECT_EQ(routing::final_word(hops), kId);
}

}  // namespace
}  // namespace sprocket::test
