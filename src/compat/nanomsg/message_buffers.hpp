// The buffers behind NN_MSG: nn_allocmsg() memory and messages received
// with NN_MSG are sprocket Messages kept on the heap and found again by
// their data pointer, so sending one moves its body without a copy and a
// received body reaches the user in the memory it arrived in.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "sprocket/message.hpp"

namespace sprocket::nanomsg {

class MessageBuffers {
 public:
  /// The process-wide registry (never destroyed, so buffers outlive exit).
  static MessageBuffers& instance();

  /// A new buffer of `size` bytes; nullptr if memory ran out.
  void* allocate(std::size_t size) noexcept;
  /// Hands a received message to the user: its data pointer, registered.
  /// A body already registered (shared with another received message) is
  /// copied, so every pointer given out is unique.
  void* adopt(Message&& m) noexcept;
  /// Unregisters `p` and hands over its message (the object itself, so
  /// the data pointer stays valid); nullptr if unknown. Give it back with
  /// checkin() if it was not used up.
  std::unique_ptr<Message> checkout(const void* p) noexcept;
  /// Registers a checked-out message again, under its data pointer.
  void checkin(std::unique_ptr<Message> m) noexcept;
  /// Resizes `p`: a new buffer holding min(old, size) bytes of it; the old
  /// one is freed. nullptr (and `p` untouched) if unknown or out of memory.
  void* reallocate(void* p, std::size_t size) noexcept;
  /// Frees `p`; false if unknown.
  bool release(void* p) noexcept;
  /// The size of `p` in `size`; false if unknown.
  bool size_of(const void* p, std::size_t& size) const noexcept;

 private:
  static constexpr std::size_t kShards = 16;
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<const void*, std::unique_ptr<Message>> buffers;
  };

  Shard& shard(const void* p) const noexcept;
  /// Registers `m` under its data pointer and returns that pointer; on
  /// failure (pointer taken, or no memory) returns nullptr and `m` keeps
  /// the message.
  void* insert(std::unique_ptr<Message>& m) noexcept;

  mutable Shard shards_[kShards];
};

}  // namespace sprocket::nanomsg
