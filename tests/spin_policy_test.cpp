// SpinPolicy (src/spin_policy.hpp): a wait spins while at least a quarter
// of its socket's recent spins paid off; below that, one wait in
// kProbeEvery spins.
#include "spin_policy.hpp"

#include <gtest/gtest.h>

namespace sprocket::detail {
namespace {

using Outcome = SpinPolicy::Outcome;

// Runs `waits` waits whose spins pay off when `pays(i)` says so for the
// i-th spin; how many of the waits spun.
template <class Pays>
int spins_over(SpinPolicy& policy, int waits, Pays pays) {
  int spins = 0;
  for (int i = 0; i < waits; ++i) {
    if (!policy.worth_spinning()) continue;
    policy.spun(pays(spins) ? Outcome::paid_off : Outcome::in_vain);
    ++spins;
  }
  return spins;
}

TEST(SpinPolicyTest, SpinsAtEveryWaitWhileSpinsPayOff) {
  SpinPolicy policy;
  EXPECT_EQ(spins_over(policy, 10'000, [](int) { return true; }), 10'000);
}

TEST(SpinPolicyTest, SpinsAtEveryWaitWhileHalfOfThemPayOff) {
  SpinPolicy policy;
  EXPECT_EQ(spins_over(policy, 10'000, [](int i) { return i % 2 == 0; }), 10'000);
}

TEST(SpinPolicyTest, SpinsThatNeverPayOffBecomeOneProbeIn16Waits) {
  SpinPolicy policy;
  constexpr int kWaits = 16'000;
  const int spins = spins_over(policy, kWaits, [](int) { return false; });
  // About a dozen in a row until the score falls below a quarter, then probes.
  EXPECT_GE(spins, kWaits / SpinPolicy::kProbeEvery);
  EXPECT_LE(spins, kWaits / SpinPolicy::kProbeEvery + 20);
  // Still probing at the end.
  EXPECT_EQ(spins_over(policy, SpinPolicy::kProbeEvery, [](int) { return false; }), 1);
}

TEST(SpinPolicyTest, ProbesThatPayOffBringBackTheSpin) {
  SpinPolicy policy;
  spins_over(policy, 1000, [](int) { return false; });
  ASSERT_EQ(spins_over(policy, SpinPolicy::kProbeEvery, [](int) { return false; }), 1);
  // The traffic changed: every probe now pays off, and after a few of them
  // every wait spins again.
  spins_over(policy, 5 * SpinPolicy::kProbeEvery, [](int) { return true; });
  EXPECT_EQ(spins_over(policy, 1000, [](int) { return true; }), 1000);
}

}  // namespace
}  // namespace sprocket::detail
