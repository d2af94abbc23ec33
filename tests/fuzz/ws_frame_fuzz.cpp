// WebSocket frames (transports/ws/frame.cpp): the input is a stream of
// frames as a ws connection reads them. Each header decode is compared
// with a plain reading of RFC 6455 section 5.2 written here (what is an
// error, how many bytes a header needs); every shorter piece of a good
// header needs more bytes; a decoded header encodes back to itself; unmasking a payload in two pieces equals unmasking it byte by
// byte, and masking twice gives the original back.
#include <array>
#include <cstring>
#include <vector>

#include "fuzz_util.hpp"
#include "transports/ws/frame.hpp"

namespace {

using namespace sprocket::ws;
using sprocket::fuzz::Input;

unsigned at(std::span<const std::byte> in, std::size_t i) { return std::to_integer<unsigned>(in[i]); }

// RFC 6455 5.2 and 5.5, read independently of frame.cpp: the bytes a
// header takes (known from its first two bytes) and whether it is invalid
// once they are all there.
struct Reference {
  std::size_t size = 0;
  bool invalid_early = false;  // decidable from the first two bytes
  bool invalid = false;
  std::uint64_t length = 0;
};

Reference reference(std::span<const std::byte> in) {
  Reference r;
  const unsigned b0 = at(in, 0), b1 = at(in, 1);
  const unsigned opcode = b0 & 0x0F, len7 = b1 & 0x7F;
  const bool fin = b0 & 0x80, control = opcode >= 8;
  const bool known = opcode == 0 || opcode == 1 || opcode == 2 || opcode == 8 || opcode == 9 ||
                     opcode == 10;
  r.invalid_early = (b0 & 0x70) != 0 || !known || (control && (!fin || len7 > 125));
  const std::size_t extended = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
  r.size = 2 + extended + ((b1 & 0x80) ? 4 : 0);
  r.invalid = r.invalid_early;
  if (in.size() < 2 + extended) return r;
  r.length = len7;
  if (extended) {
    r.length = 0;
    for (std::size_t i = 0; i < extended; ++i) r.length = r.length << 8 | at(in, 2 + i);
  }
  r.invalid = r.invalid || (r.length >> 63) != 0;
  return r;
}

bool minimal_length_form(std::span<const std::byte> in, std::uint64_t length) {
  const unsigned len7 = at(in, 1) & 0x7F;
  return len7 < 126 || (len7 == 126 && length >= 126) || (len7 == 127 && length > 0xFFFF);
}

void check_reencoding(std::span<const std::byte> in, const FrameHeader& h) {
  std::array<std::byte, 14> out{};
  const std::size_t n =
      encode_header(out.data(), h.fin, h.opcode, h.length, h.masked ? &h.mask : nullptr);
  FrameHeader again;
  std::uint16_t code = 0;
  FUZZ_CHECK(decode_header(std::span(out.data(), n), again, code) == Decode::ok);
  FUZZ_CHECK(again.fin == h.fin && again.opcode == h.opcode && again.masked == h.masked);
  FUZZ_CHECK(again.length == h.length && again.size == n);
  FUZZ_CHECK(!h.masked || again.mask == h.mask);
  // A minimally encoded length is re-encoded byte for byte.
  if (minimal_length_form(in, h.length)) {
    FUZZ_CHECK(n == h.size);
    FUZZ_CHECK(std::memcmp(out.data(), in.data(), n) == 0);
  }
}

// Unmasks `payload` as a connection does when the frame arrives in two
// reads (split at `cut`), and compares with the byte-wise definition.
void check_mask(std::span<const std::byte> payload, const std::array<std::byte, 4>& mask,
                std::size_t cut) {
  std::vector<std::byte> data(payload.begin(), payload.end());
  cut = data.empty() ? 0 : cut % (data.size() + 1);
  apply_mask(data.data(), cut, mask, 0);
  apply_mask(data.data() + cut, data.size() - cut, mask, cut);
  for (std::size_t i = 0; i < data.size(); ++i) FUZZ_CHECK(data[i] == (payload[i] ^ mask[i & 3]));
  apply_mask(data.data(), data.size(), mask, 0);
  FUZZ_CHECK(std::equal(data.begin(), data.end(), payload.begin(), payload.end()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  const std::size_t cut = in.byte();  // where a payload is split between two reads
  auto rest = in.rest();
  for (;;) {
    FrameHeader h;
    std::uint16_t code = 0;
    const Decode d = decode_header(rest, h, code);
    if (rest.size() < 2) {
      FUZZ_CHECK(d == Decode::need_more);
      return 0;
    }
    const Reference r = reference(rest);
    if (d == Decode::need_more) {
      FUZZ_CHECK(rest.size() < r.size);
      FUZZ_CHECK(!r.invalid_early);  // a bad first two bytes is final at once
      return 0;
    }
    if (d == Decode::error) {
      FUZZ_CHECK(code == kCloseProtocolError);
      FUZZ_CHECK(r.invalid_early || (r.invalid && rest.size() >= r.size - (h.masked ? 4 : 0)));
      return 0;  // the connection closes here
    }
    FUZZ_CHECK(!r.invalid);
    FUZZ_CHECK(h.size == r.size && h.size <= rest.size());
    FUZZ_CHECK(h.length == r.length);
    FUZZ_CHECK(h.fin == ((at(rest, 0) & 0x80) != 0) && h.opcode == (at(rest, 0) & 0x0F));
    FUZZ_CHECK(h.masked == ((at(rest, 1) & 0x80) != 0));
    if (h.masked) FUZZ_CHECK(std::memcmp(h.mask.data(), rest.data() + h.size - 4, 4) == 0);
    // Incremental: any shorter piece of this header needs more bytes.
    for (std::size_t k = 0; k < h.size; ++k) {
      FrameHeader part;
      FUZZ_CHECK(decode_header(rest.first(k), part, code) == Decode::need_more);
    }
    check_reencoding(rest, h);
    rest = rest.subspan(h.size);
    const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(h.length, rest.size()));
    check_mask(rest.first(take), h.mask, cut);
    rest = rest.subspan(take);
    if (take < h.length) return 0;  // the rest of the payload is still on the wire
  }
}
