#include "transports/stream/frame_decoder.hpp"

#include <cstring>
#include <new>

#include "sprocket/error.hpp"

namespace sprocket::stream {

Decoded FrameDecoder::decode(std::span<const std::byte> in, std::size_t limit) const {
  Decoded d;
  const std::size_t prefix = frame_prefix_size(framing_);
  if (in.size() < prefix) {
    d.want = prefix;
    return d;
  }
  std::uint64_t length = 0;
  if (auto ec = read_frame_prefix(framing_, in.data(), length)) {
    d.kind = Decoded::Kind::failed;
    d.error = ec;
    return d;
  }
  if ((limit != 0 && length > limit) || length > kAbsurdLength) {
    d.kind = Decoded::Kind::failed;
    d.error = errc::message_too_large;
    return d;
  }
  const std::size_t available = in.size() - prefix;
  if (available >= length) {
    d.kind = Decoded::Kind::message;
    d.message = Message(in.subspan(prefix, static_cast<std::size_t>(length)));
    d.consumed = prefix + static_cast<std::size_t>(length);
    return d;
  }
  if (length + prefix < kLargeFrame) {
    d.want = prefix + static_cast<std::size_t>(length);
    return d;
  }
  try {
    d.message = Message(static_cast<std::size_t>(length));
  } catch (const std::bad_alloc&) {  // a length no memory can hold (no limit set)
    d.kind = Decoded::Kind::failed;
    d.error = errc::message_too_large;
    return d;
  }
  std::memcpy(d.message.data(), in.data() + prefix, available);
  d.kind = Decoded::Kind::large_body;
  d.have = available;
  d.consumed = in.size();
  return d;
}

}  // namespace sprocket::stream
