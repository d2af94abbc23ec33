// The read side of a ws connection (transports/ws/message_decoder.cpp): the
// input is what a peer sends after the upgrade. It is decoded twice, as the
// pump does it (unconsumed bytes kept, more appended): once in one piece and
// once in pieces of fuzzer-chosen sizes, and the two must report the same
// messages, pongs, closes and failures (a large one-frame message is read in
// place, as the pump does, and finished by the decoder). Beyond that: no message exceeds the
// limit, a pong answers with at most 125 bytes, the close frame we send is
// one RFC 6455 allows us to send (empty, or a code other than 1005/1006 and
// nothing more), and after a close or a failure nothing more is read.
#include <string>
#include <vector>

#include "fuzz_util.hpp"
#include "transports/ws/message_decoder.hpp"

namespace {

using namespace sprocket::ws;
using sprocket::fuzz::Input;
using Kind = sprocket::stream::Decoded::Kind;

std::string bytes_of(std::span<const std::byte> b) { return std::string(sprocket::fuzz::as_text(b)); }

// What the decoder reported, in order, as text for comparison.
struct Log {
  std::vector<std::string> events;
  bool stopped = false;
};

void check_close_we_send(const std::vector<std::byte>& payload) {
  if (payload.empty()) return;
  FUZZ_CHECK(payload.size() == 2);  // a code, echoed or ours, never a reason
  std::uint16_t answer = 0;
  FUZZ_CHECK(valid_close_payload(payload, answer));
}

// Feeds `stream` in pieces: piece i has size sizes[i % n] (all of it at
// once when `sizes` is empty).
Log decode_in_pieces(Side side, std::span<const std::byte> stream, std::size_t limit,
                     std::size_t in_place_from, const std::vector<std::size_t>& sizes) {
  MessageDecoder decoder(side);
  decoder.read_in_place_from(in_place_from);
  Log log;
  std::vector<std::byte> pending;
  sprocket::Message large;  // a large body being filled, as the pump reads it
  std::size_t large_have = 0;
  std::size_t at = 0;
  for (std::size_t piece = 0; at < stream.size() && !log.stopped; ++piece) {
    const std::size_t n = sizes.empty() ? stream.size() : std::min(sizes[piece % sizes.size()], stream.size() - at);
    pending.insert(pending.end(), stream.begin() + at, stream.begin() + at + n);
    at += n;
    for (;;) {
      sprocket::stream::Decoded d;
      if (large.size() != 0) {  // the pump reads the rest into the message itself
        const std::size_t k = std::min(large.size() - large_have, pending.size());
        std::copy_n(pending.begin(), k, large.data() + large_have);
        pending.erase(pending.begin(), pending.begin() + k);
        decoder.body_arrived(large, large_have, k);
        large_have += k;
        if (large_have < large.size()) break;
        d = decoder.finish_body(std::move(large));
        large = sprocket::Message();
        large_have = 0;
      } else {
        d = decoder.decode(pending, limit);
        FUZZ_CHECK(d.consumed <= pending.size());
        pending.erase(pending.begin(), pending.begin() + d.consumed);
      }
      if (d.kind == Kind::need_more) break;
      switch (d.kind) {
        case Kind::large_body:
          FUZZ_CHECK(d.message.size() >= in_place_from);
          FUZZ_CHECK(limit == 0 || d.message.size() <= limit);
          FUZZ_CHECK(d.have <= d.message.size());
          large = std::move(d.message);
          large_have = d.have;
          continue;
        case Kind::message:
          FUZZ_CHECK(limit == 0 || d.message.size() <= limit);
          log.events.push_back("message " + bytes_of(d.message.body()));
          break;
        case Kind::control: {
          auto pong = decoder.take_pong();
          FUZZ_CHECK(pong && pong->size() <= 125);
          log.events.push_back("pong " + bytes_of(*pong));
          break;
        }
        case Kind::peer_closed:
        case Kind::failed: {
          auto close = decoder.take_close();
          FUZZ_CHECK(close.has_value());
          check_close_we_send(*close);
          FUZZ_CHECK(!decoder.take_close());  // one close frame, once
          log.events.push_back((d.kind == Kind::failed ? "failed " : "closed ") + d.error.message() +
                               " " + bytes_of(*close));
          log.stopped = true;
          break;
        }
        default:
          FUZZ_CHECK(false);
      }
      if (log.stopped) break;
    }
  }
  if (log.stopped) {
    // Nothing more is read after a close or a failure.
    const std::byte more[4] = {std::byte{0x82}, std::byte{0x02}, std::byte{'h'}, std::byte{'i'}};
    auto d = decoder.decode(more, limit);
    FUZZ_CHECK(d.kind == Kind::need_more && d.consumed == 0);
  }
  return log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  const Side side = in.byte() & 1 ? Side::client : Side::server;
  const std::uint8_t limit_code = in.byte();
  // 16 B to 4 KiB. Never 0 ("no limit"): a message read in place takes the
  // size the peer declares at once, which is the point of having a limit.
  const std::size_t limit = (std::size_t(limit_code) + 1) * 16;
  // Messages of one frame from this size on are read in place (the
  // connections' 16 KiB, scaled down to what fits in an input).
  const std::size_t in_place_from = 1 + std::size_t(in.byte()) * 4;
  std::vector<std::size_t> sizes;
  for (int i = 0, n = 1 + in.byte() % 8; i < n; ++i) sizes.push_back(1 + in.byte() % 32);
  const auto stream = in.rest();

  const Log whole = decode_in_pieces(side, stream, limit, in_place_from, {});
  const Log pieces = decode_in_pieces(side, stream, limit, in_place_from, sizes);
  FUZZ_CHECK(whole.events == pieces.events);
  FUZZ_CHECK(whole.stopped == pieces.stopped);
  return 0;
}
