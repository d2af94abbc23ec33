// Pieces the PAIR v1 tests share: reading and writing the hop-count word.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/common/protocol_test_util.hpp"

namespace sprocket::test {

/// The header of `m` as 32-bit big-endian words.
inline std::vector<std::uint32_t> header_words(const Message& m) {
  std::vector<std::uint32_t> out;
  auto h = m.header();
  for (std::size_t i = 0; i + 4 <= h.size(); i += 4)
    out.push_back(std::uint32_t(h[i]) << 24 | std::uint32_t(h[i + 1]) << 16 |
                  std::uint32_t(h[i + 2]) << 8 | std::uint32_t(h[i + 3]));
  return out;
}

/// A message for a raw PAIR v1 socket: header `hops`, body `body`.
inline Message with_hops(std::uint32_t hops, std::string_view body) {
  Message m(body);
  EXPECT_TRUE(m.push_header_word(hops));
  return m;
}

/// `w` as 4 big-endian bytes, for payloads written by hand.
inline std::string be32(std::uint32_t w) {
  std::string s;
  for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>(w >> shift);
  return s;
}

/// The id of the `n`th (0-based) pipe `events` saw added.
inline std::uint32_t added_pipe(const PipeEventRecorder& events, std::size_t n = 0) {
  auto added = events.events(PipeEvent::Kind::added);
  return n < added.size() ? added[n].pipe_id : 0;
}

}  // namespace sprocket::test
