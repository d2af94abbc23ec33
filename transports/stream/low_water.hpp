// A connection's receive low-water mark (SO_RCVLOWAT over tcp; nothing
// elsewhere), changed only when it must: a stream of large messages asks
// for about the same mark at every message, and a setsockopt per message
// costs as much as the read it saves.
#pragma once

#include <cstddef>

namespace sprocket::stream {

template <class Ops>
class LowWater {
 public:
  /// Makes the mark at most `bytes` (a read must never wait for more than
  /// is coming) and at least half of it (so the reader still wakes once
  /// per large piece), leaving it alone when it already is.
  template <class Stream>
  void at_most(Stream& stream, std::size_t bytes) {
    if (mark_ <= bytes && mark_ >= bytes / 2) return;
    Ops::set_low_water(stream, bytes);
    mark_ = bytes;
  }

 private:
  std::size_t mark_ = 1;  // the kernel's default
};

}  // namespace sprocket::stream
