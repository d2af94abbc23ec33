#include "protocols/pair1/hops.hpp"

namespace sprocket::pair_v1 {
namespace {

std::uint32_t load_be32(std::span<const std::byte> b) {
  return std::uint32_t(b[0]) << 24 | std::uint32_t(b[1]) << 16 | std::uint32_t(b[2]) << 8 |
         std::uint32_t(b[3]);
}

void set_single_word(Message& m, std::uint32_t word) {
  m.clear_header();
  m.push_header_word(word);  // an empty header always has room for one word
}

}  // namespace

Hops take_hops(Message& m, int max_ttl) {
  std::uint32_t word = 0;
  const auto header = m.header();
  if (header.size() == 4) {
    word = load_be32(header);
  } else if (!header.empty() || !m.move_body_word_to_header(word)) {
    return Hops::malformed;
  }
  if (word > kMaxHops) return Hops::malformed;
  if (word > static_cast<std::uint32_t>(max_ttl)) return Hops::too_many;
  return Hops::ok;
}

bool raw_hops(const Message& m, std::uint32_t& hops) {
  if (m.header().size() != 4) return false;
  hops = load_be32(m.header());
  return hops < kMaxHops;
}

Pipe::Io send_counted(Pipe& pipe, Message& m, std::uint32_t hops) {
  set_single_word(m, hops + 1);
  const Pipe::Io result = pipe.send(m);
  if (result != Pipe::Io::ok) set_single_word(m, hops);
  return result;
}

}  // namespace sprocket::pair_v1
