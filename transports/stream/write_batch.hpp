// One gather write in the making: small pieces copied into a staging buffer
// (merged into runs), large ones sent from their own memory, and where each
// message ends, so that after a failed write the connection knows which
// messages never fully left (they go back to the socket, issue #11).
#pragma once

#include <cstddef>
#include <cstring>
#include <vector>

#include <asio/buffer.hpp>

namespace sprocket::stream {

class WriteBatch {
 public:
  void clear() {
    staging_.clear();
    pieces_.clear();
    buffers_.clear();
    message_ends_.clear();
    total_ = 0;
  }
  bool empty() const noexcept { return total_ == 0; }
  std::size_t bytes() const noexcept { return total_; }

  /// Appends a copy of `n` bytes.
  void copy(const void* data, std::size_t n) {
    if (n != 0) std::memcpy(append(n), data, n);  // an empty piece may have no address
  }
  /// Appends `n` bytes to be filled in by the caller at once (the pointer
  /// is good until the next append).
  std::byte* append(std::size_t n) {
    const std::size_t at = staging_.size();
    staging_.resize(at + n);
    if (!pieces_.empty() && !pieces_.back().external) {
      pieces_.back().size += n;
    } else {
      pieces_.push_back({at, n, nullptr});
    }
    total_ += n;
    return staging_.data() + at;
  }
  /// Appends `n` bytes sent from `data` itself, which must stay valid and
  /// unchanged until the write completes.
  void reference(const std::byte* data, std::size_t n) {
    if (n == 0) return;
    pieces_.push_back({0, n, data});
    total_ += n;
  }
  /// Marks the end of one message's bytes.
  void end_message() { message_ends_.push_back(total_); }

  /// How many of the messages were written whole when `written` bytes went.
  std::size_t messages_within(std::size_t written) const {
    std::size_t n = 0;
    while (n < message_ends_.size() && message_ends_[n] <= written) ++n;
    return n;
  }

  /// The buffers for the gather write (built once staging stopped moving).
  const std::vector<asio::const_buffer>& buffers() {
    buffers_.clear();
    for (const Piece& p : pieces_)
      buffers_.emplace_back(p.external ? p.external : staging_.data() + p.offset, p.size);
    return buffers_;
  }

 private:
  struct Piece {
    std::size_t offset;
    std::size_t size;
    const std::byte* external;
  };
  std::vector<std::byte> staging_;
  std::vector<Piece> pieces_;
  std::vector<asio::const_buffer> buffers_;
  std::vector<std::size_t> message_ends_;
  std::size_t total_ = 0;
};

}  // namespace sprocket::stream
