// Helpers shared by the tests of the protocols that fan a message out to
// every peer (PUB/SUB, BUS, SURVEYOR/RESPONDENT), on top of the protocol
// tests' common helpers (transports, fresh addresses, nodes): numbered
// messages, and the slow-peer scenario PUB and BUS share (a full peer misses
// messages, counted, while the sender never blocks).
#pragma once

#include <cstring>
#include <string>

#include "protocols/common/protocol_test_util.hpp"

namespace sprocket::test {

/// A message of `size` bytes (at least 8) whose first 8 bytes carry `id`.
inline Message numbered_message(std::uint64_t id, std::size_t size) {
  Message m(size < sizeof id ? sizeof id : size);
  std::memset(m.data(), 0x5a, m.size());
  std::memcpy(m.data(), &id, sizeof id);
  return m;
}

/// The id of a numbered_message(), or ~0 if it is too short.
inline std::uint64_t numbered_id(const Message& m) {
  std::uint64_t id = ~std::uint64_t{0};
  if (m.size() >= sizeof id) std::memcpy(&id, m.data(), sizeof id);
  return id;
}

/// What the slow-peer scenario observed, for the caller's assertions.
struct SlowPeerOutcome {
  int fast_received = 0;
  int slow_received = 0;
  std::uint64_t sender_drops = 0;
};

/// The slow-peer scenario of PUB and BUS: `sender` (already connected to
/// `fast` and `slow`, with a small send buffer, and `slow` with a small
/// receive buffer) try_send()s `count` messages of `size` bytes. Every send
/// must succeed at once — a fan-out sender never waits for a peer. `fast`
/// takes each message before the next is sent, so it keeps up by
/// construction; `slow` reads nothing until the end, so once its buffers
/// and the kernel's are full it misses messages. The messages must be large
/// enough that `count * size` exceeds anything tcp can buffer on loopback.
///
/// Afterwards `slow` is drained until every message is accounted for:
/// received by `slow` or counted in the sender's stats().drops, exactly
/// once, so a message lost without being counted fails the scenario.
inline SlowPeerOutcome run_slow_peer_scenario(Socket& sender, Socket& fast, Socket& slow,
                                              int count, std::size_t size) {
  SlowPeerOutcome out;
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  for (int i = 0; i < count; ++i) {
    std::error_code ec;
    sender.try_send(numbered_message(static_cast<std::uint64_t>(i), size), ec);
    EXPECT_NO_ERROR(ec) << "send " << i << " did not go out at once";
    if (ec) return out;
    Message m = fast.recv(ec);  // bounded by the caller's recv timeout
    EXPECT_NO_ERROR(ec) << "the fast peer missed message " << i;
    if (ec) return out;
    EXPECT_EQ(numbered_id(m), static_cast<std::uint64_t>(i));
    ++out.fast_received;
    if (Clock::now() > deadline) {
      ADD_FAILURE() << "publishing " << count << " messages took over 60 s";
      return out;
    }
  }
  std::uint64_t last_id = 0;
  bool in_order = true;
  const bool accounted = wait_until([&] {
    std::error_code ec;
    for (Message m = slow.try_recv(ec); !ec; m = slow.try_recv(ec)) {
      const auto id = numbered_id(m);
      if (out.slow_received > 0 && id <= last_id) in_order = false;
      last_id = id;
      ++out.slow_received;
    }
    out.sender_drops = sender.stats().drops;
    return static_cast<std::uint64_t>(out.slow_received) + out.sender_drops >=
           static_cast<std::uint64_t>(count);
  });
  EXPECT_TRUE(accounted) << "received " << out.slow_received << " + dropped "
                         << out.sender_drops << " != sent " << count;
  EXPECT_EQ(static_cast<std::uint64_t>(out.slow_received) + out.sender_drops,
            static_cast<std::uint64_t>(count))
      << "every message is either received by the slow peer or counted as a drop, once";
  EXPECT_TRUE(in_order) << "the slow peer got its messages out of order";
  return out;
}

}  // namespace sprocket::test
