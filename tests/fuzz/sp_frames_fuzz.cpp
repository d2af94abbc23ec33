// The read side of a tcp or ipc connection after the SP header
// (transports/stream/frame_decoder.cpp): the input is the frames a peer
// sends. It is decoded as the pump does it — unconsumed bytes kept, a large
// frame's body read straight into its message — once in one piece and once
// in pieces of fuzzer-chosen sizes; both must report the same messages and
// the same failure. No message exceeds the limit.
#include <string>
#include <vector>

#include "fuzz_util.hpp"
#include "transports/stream/frame_decoder.hpp"

namespace {

using namespace sprocket::stream;
using sprocket::fuzz::Input;
using Kind = Decoded::Kind;

struct Log {
  std::vector<std::string> events;
  bool failed = false;
};

std::string bytes_of(std::span<const std::byte> b) { return std::string(sprocket::fuzz::as_text(b)); }

Log decode_in_pieces(Framing framing, std::span<const std::byte> stream, std::size_t limit,
                     const std::vector<std::size_t>& sizes) {
  const FrameDecoder decoder(framing);
  Log log;
  std::vector<std::byte> pending;
  sprocket::Message large;  // a large body being filled, as the pump reads it
  std::size_t large_have = 0;
  std::size_t at = 0;
  for (std::size_t piece = 0; at < stream.size() && !log.failed; ++piece) {
    const std::size_t n = sizes.empty() ? stream.size() : std::min(sizes[piece % sizes.size()], stream.size() - at);
    pending.insert(pending.end(), stream.begin() + at, stream.begin() + at + n);
    at += n;
    if (large_have < large.size()) {  // the pump reads the rest into the message itself
      const std::size_t k = std::min(large.size() - large_have, pending.size());
      std::copy_n(pending.begin(), k, large.data() + large_have);
      pending.erase(pending.begin(), pending.begin() + k);
      large_have += k;
      if (large_have < large.size()) continue;
      log.events.push_back("message " + bytes_of(large.body()));
      large = sprocket::Message();
      large_have = 0;
    }
    for (;;) {
      auto d = decoder.decode(pending, limit);
      FUZZ_CHECK(d.consumed <= pending.size());
      pending.erase(pending.begin(), pending.begin() + d.consumed);
      if (d.kind == Kind::need_more) {
        FUZZ_CHECK(d.consumed == 0);
        break;
      }
      if (d.kind == Kind::failed) {
        log.events.push_back("failed " + d.error.message());
        log.failed = true;
        break;
      }
      FUZZ_CHECK(d.message.size() <= limit);
      if (d.kind == Kind::message) {
        log.events.push_back("message " + bytes_of(d.message.body()));
        continue;
      }
      FUZZ_CHECK(d.kind == Kind::large_body);
      FUZZ_CHECK(pending.empty() && d.have < d.message.size());
      large = std::move(d.message);
      large_have = d.have;
      break;
    }
  }
  return log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  const Framing framing = in.byte() & 1 ? Framing::ipc : Framing::tcp;
  const std::uint8_t limit_code = in.byte();
  // 4 KiB to about 1 MiB, so that large frames (32 KiB and more) are
  // reachable. Never 0 ("no limit"): the decoder then sizes a message by
  // what the peer declares, which is the point of having a limit, and the
  // fuzzer's malloc limit would call that a finding.
  const std::size_t limit = (std::size_t(limit_code) + 1) * 4096;
  std::vector<std::size_t> sizes;
  for (int i = 0, n = 1 + in.byte() % 8; i < n; ++i) sizes.push_back(1 + in.byte() % 64);
  const auto stream = in.rest();

  const Log whole = decode_in_pieces(framing, stream, limit, {});
  const Log pieces = decode_in_pieces(framing, stream, limit, sizes);
  FUZZ_CHECK(whole.events == pieces.events);
  FUZZ_CHECK(whole.failed == pieces.failed);
  return 0;
}
