// The receive low-water mark of a connection: never above what is still
// coming, and set again only when it must change.
#include "transports/stream/low_water.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sprocket::stream {
namespace {

struct FakeStream {
  std::vector<std::size_t> marks_set;
};
struct RecordingOps {
  static void set_low_water(FakeStream& s, std::size_t bytes) { s.marks_set.push_back(bytes); }
};

TEST(LowWater, AStreamOfLargeBodiesSetsTheMarkOnce) {
  FakeStream s;
  LowWater<RecordingOps> mark;
  // What is left of successive 64 KiB bodies, each begun with a few bytes
  // already read ahead (8 of them, or none).
  for (std::size_t left : {65528u, 65536u, 65528u, 65530u, 65536u}) mark.at_most(s, left);
  EXPECT_EQ(s.marks_set, std::vector<std::size_t>({65528})) << "one setsockopt, not one a message";
}

TEST(LowWater, NeverExceedsWhatIsLeft) {
  FakeStream s;
  LowWater<RecordingOps> mark;
  mark.at_most(s, 262144);
  mark.at_most(s, 100000);  // the last piece of a body: a higher mark would wait forever
  mark.at_most(s, 150000);  // below, and more than half of it: kept
  mark.at_most(s, 99999);   // one byte less than the mark: set
  mark.at_most(s, 1000);
  EXPECT_EQ(s.marks_set, std::vector<std::size_t>({262144, 100000, 99999, 1000}));
}

TEST(LowWater, BufferedReadsGoBackToOneByte) {
  FakeStream s;
  LowWater<RecordingOps> mark;
  mark.at_most(s, 1);  // the kernel's default: nothing to do
  EXPECT_TRUE(s.marks_set.empty());
  mark.at_most(s, 65536);
  mark.at_most(s, 1);
  mark.at_most(s, 1);
  EXPECT_EQ(s.marks_set, std::vector<std::size_t>({65536, 1}));
}

}  // namespace
}  // namespace sprocket::stream
