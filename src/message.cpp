#include "sprocket/message.hpp"

#include <cstdlib>
#include <limits>
#include <new>

#include <utility>
#include <vector>

#include "body_cache.hpp"
#include "user_code_fence.hpp"

namespace sprocket {
namespace detail {

namespace {
// An owned body lives right after its chunk, 16-byte aligned, in one block
// from the body cache (src/body_cache.hpp).
struct OwnedChunk : BodyChunk {
  std::size_t block_bytes;
};
constexpr std::size_t kChunkPrefix = (sizeof(OwnedChunk) + 15) & ~std::size_t{15};

void release_owned(BodyChunk* chunk) noexcept {
  auto* owned = static_cast<OwnedChunk*>(chunk);
  const std::size_t bytes = owned->block_bytes;
  owned->~OwnedChunk();
  give_body_block(owned, bytes);
}
}  // namespace

BodyChunk* allocate_owned_chunk(std::size_t size, std::byte*& data) {
  if (size > std::numeric_limits<std::size_t>::max() / 2) throw std::bad_alloc();
  const std::size_t bytes = kChunkPrefix + body_capacity(size);
  void* raw = take_body_block(bytes);
  auto* chunk = new (raw) OwnedChunk;
  chunk->release = &release_owned;
  chunk->block_bytes = bytes;
  data = static_cast<std::byte*>(raw) + kChunkPrefix;
  return chunk;
}

struct Fence {
  int depth = 0;
  std::vector<std::pair<BodyChunk*, void (*)(BodyChunk*) noexcept>> set_aside;
};

namespace {
thread_local Fence this_thread_fence;
}  // namespace

Fence& enter_locked_region() noexcept {
  Fence& fence = this_thread_fence;
  ++fence.depth;
  return fence;
}

void leave_locked_region(Fence& fence) noexcept {
  if (--fence.depth != 0 || fence.set_aside.empty()) return;
  // Deleters may release more wrapped bodies (run at once: depth is 0).
  auto chunks = std::move(fence.set_aside);
  fence.set_aside.clear();
  for (auto [chunk, destroy] : chunks) destroy(chunk);
}

void release_user_chunk(BodyChunk* chunk, void (*destroy)(BodyChunk*) noexcept) noexcept {
  Fence& fence = this_thread_fence;
  if (fence.depth == 0) return destroy(chunk);
  try {
    fence.set_aside.emplace_back(chunk, destroy);
  } catch (const std::bad_alloc&) {
    destroy(chunk);  // no memory to defer it: late user code beats a leak
  }
}

}  // namespace detail

namespace {
// Message's members without the WebSocket frame type: the type lives in
// padding, so a Message is no larger for it.
struct LayoutWithoutFrameType {
  detail::BodyChunk* chunk;
  std::byte* data;
  std::size_t size;
  std::uint8_t header_size;
  std::uint32_t pipe;
  std::byte header[Message::kMaxHeader];
  std::byte inline_body[Message::kInlineBody];
};
static_assert(sizeof(Message) == sizeof(LayoutWithoutFrameType),
              "the WebSocket frame type must not make Message larger");

void store_be32(std::byte* p, std::uint32_t v) noexcept {
  p[0] = std::byte(v >> 24);
  p[1] = std::byte(v >> 16);
  p[2] = std::byte(v >> 8);
  p[3] = std::byte(v);
}
std::uint32_t load_be32(const std::byte* p) noexcept {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 |
         std::uint32_t(p[3]);
}
}  // namespace

void Message::allocate(std::size_t size) {
  size_ = size;
  if (size > kInlineBody) chunk_ = detail::allocate_owned_chunk(size, data_);
}

void Message::reset() noexcept {
  if (chunk_) chunk_->drop();
  chunk_ = nullptr;
  data_ = nullptr;
  size_ = 0;
  header_size_ = 0;
  ws_frame_type_ = WsFrameType::unspecified;
  pipe_ = 0;
}

void Message::steal(Message& other) noexcept {
  chunk_ = std::exchange(other.chunk_, nullptr);
  data_ = std::exchange(other.data_, nullptr);
  size_ = std::exchange(other.size_, 0);
  header_size_ = std::exchange(other.header_size_, 0);
  ws_frame_type_ = std::exchange(other.ws_frame_type_, WsFrameType::unspecified);
  pipe_ = std::exchange(other.pipe_, 0);
  // Whole arrays, whatever their use: fixed-size copies compile to a few
  // vector moves, where sized ones call memcpy (moves are the hot path).
  std::memcpy(header_, other.header_, kMaxHeader);
  if (!chunk_) std::memcpy(inline_, other.inline_, kInlineBody);
}

Message Message::clone() const {
  Message copy;
  copy.size_ = size_;
  copy.header_size_ = header_size_;
  copy.ws_frame_type_ = ws_frame_type_;
  copy.pipe_ = pipe_;
  if (header_size_) std::memcpy(copy.header_, header_, header_size_);
  if (chunk_) {
    chunk_->retain();
    copy.chunk_ = chunk_;
    copy.data_ = data_;
  } else if (size_) {
    std::memcpy(copy.inline_, inline_, size_);
  }
  return copy;
}

bool Message::set_header(std::span<const std::byte> bytes) noexcept {
  if (bytes.size() > kMaxHeader) return false;
  if (!bytes.empty()) std::memcpy(header_, bytes.data(), bytes.size());
  header_size_ = static_cast<std::uint8_t>(bytes.size());
  return true;
}

bool Message::push_header_word(std::uint32_t word) noexcept {
  if (header_size_ + 4u > kMaxHeader) return false;
  store_be32(header_ + header_size_, word);
  header_size_ += 4;
  return true;
}

bool Message::pop_header_word(std::uint32_t& word) noexcept {
  if (header_size_ < 4) return false;
  word = load_be32(header_);
  header_size_ -= 4;
  std::memmove(header_, header_ + 4, header_size_);
  return true;
}

bool Message::move_body_word_to_header(std::uint32_t& word) noexcept {
  if (size_ < 4 || header_size_ + 4u > kMaxHeader) return false;
  word = load_be32(data());
  std::memcpy(header_ + header_size_, data(), 4);
  header_size_ += 4;
  trim_front(4);
  return true;
}

void Message::trim_front(std::size_t n) noexcept {
  if (n > size_) n = size_;
  if (chunk_) {
    data_ += n;
  } else {
    std::memmove(inline_, inline_ + n, size_ - n);
  }
  size_ -= n;
}

}  // namespace sprocket
