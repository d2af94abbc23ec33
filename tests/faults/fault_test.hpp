// The fixture of the fault tests: a Lab (netns_lab.hpp), made in the
// fixture's constructor, before the members of derived fixtures: the first
// sprocket socket of the process must come after the process entered its
// namespace. A machine that cannot make namespaces (not root, no iproute2)
// fails every test in SetUp with the reason. Sockets and peers go before
// the Lab (declared in derived fixtures or in the test body), and with
// them their connections, before the hosts.
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <optional>
#include <string>

#include "faults/netns_lab.hpp"
#include "faults/peer.hpp"
#include "faults/request_loop.hpp"

namespace sprocket::test::faults {

/// How long a request may wait for its answer while the network heals:
/// TCP's retransmission backoff after a cut and the reconnect backoff come
/// on top of the outage itself. Bounds a failing test only.
inline constexpr std::chrono::milliseconds kHealTimeout{60'000};

class FaultTest : public ::testing::Test {
 protected:
  FaultTest() {
    try {
      lab_.emplace();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  /// Derived fixtures call this first and return if HasFatalFailure().
  void SetUp() override {
    if (!setup_error_.empty()) GTEST_FAIL() << setup_error_;
  }

  Lab& lab() { return *lab_; }

  /// The sockets' I/O threads must be inside the client's namespace (they
  /// are if no sprocket socket existed before the first Lab).
  static ::testing::AssertionResult threads_inside_client_namespace() {
    auto outside = Lab::threads_outside_client_namespace();
    if (outside.empty()) return ::testing::AssertionSuccess();
    auto failure = ::testing::AssertionFailure() << "threads outside the client's namespace:";
    for (const auto& t : outside) failure << ' ' << t;
    return failure;
  }

  std::optional<Lab> lab_;
  std::string setup_error_;
};

}  // namespace sprocket::test::faults
