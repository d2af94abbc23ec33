#include "backtrace.hpp"

namespace sprocket::routing {
namespace {

std::uint32_t word_at(std::span<const std::byte> bytes, std::size_t i) {
  const std::byte* p = bytes.data() + 4 * i;
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 |
         std::uint32_t(p[3]);
}

}  // namespace

Backtrace unstack(Message& m, int max_words) {
  const auto header = m.header();
  if (header.size() % 4 != 0) return Backtrace::malformed;
  const std::size_t in_header = header.size() / 4;
  for (std::size_t i = 0; i < in_header; ++i) {
    if (static_cast<int>(i) + 1 > max_words) return Backtrace::too_long;
    if (word_at(header, i) & kIdBit) {
      // Anything after the id word belongs to the body.
      return i + 1 == in_header ? Backtrace::ok : Backtrace::malformed;
    }
  }
  for (int words = static_cast<int>(in_header);;) {
    if (++words > max_words) return Backtrace::too_long;
    std::uint32_t w = 0;
    if (!m.move_body_word_to_header(w)) return Backtrace::malformed;
    if (w & kIdBit) return Backtrace::ok;
  }
}

std::uint32_t final_word(const Message& m) {
  const auto header = m.header();
  return header.size() < 4 ? 0 : word_at(header, header.size() / 4 - 1);
}

}  // namespace sprocket::routing
