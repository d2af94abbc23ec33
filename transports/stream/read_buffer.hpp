// A connection's read buffer: small while the connection is quiet (a
// thousand idle connections should not hold 64 MiB), doubling up to 64 KiB
// while reads keep filling it, with the unparsed tail kept at the front.
// It starts at 1 KiB: at 4 KiB it was a third of what a listener held per
// connection, and the pages it touched (one per connection, zeroed) cost a
// listener taking a thousand connections at once 7 % of their time
// (docs/benchmarks.md); a busy connection doubles past that in a few reads.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <span>
#include <vector>

namespace sprocket::stream {

class ReadBuffer {
 public:
  static constexpr std::size_t kFirst = 1024;
  static constexpr std::size_t kMax = 64 * 1024;

  /// The bytes read and not yet consumed.
  std::span<const std::byte> data() const { return {buf_.data() + begin_, end_ - begin_}; }
  void consume(std::size_t n) {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }
  /// Puts bytes that arrived with the handshake in front.
  void preload(std::span<const std::byte> bytes) {
    buf_.assign(bytes.begin(), bytes.end());
    begin_ = 0;
    end_ = buf_.size();
  }

  /// Room for the next read, at least `want` bytes of unparsed data in all
  /// (up to kMax): compacts, and grows after a read that filled it.
  std::span<std::byte> space(std::size_t want) {
    if (begin_ != 0) {
      std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    std::size_t size = std::max({kFirst, buf_.size(), std::min(want, kMax), end_ + 1});
    if (filled_ && size < kMax) size = std::min(kMax, size * 2);
    if (buf_.size() < size) buf_.resize(size);
    return {buf_.data() + end_, buf_.size() - end_};
  }
  /// `n` bytes were read into the last space() of `asked` bytes.
  void filled(std::size_t n, std::size_t asked) {
    end_ += n;
    filled_ = n == asked;
  }

 private:
  std::vector<std::byte> buf_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  bool filled_ = false;
};

}  // namespace sprocket::stream
