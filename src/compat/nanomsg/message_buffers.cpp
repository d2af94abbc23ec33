// NN_MSG buffers and nn_allocmsg / nn_reallocmsg / nn_freemsg.
#include "src/compat/nanomsg/message_buffers.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>

#include "nanomsg/nn.h"
#include "src/compat/nanomsg/errors.hpp"

namespace sprocket::nanomsg {

MessageBuffers& MessageBuffers::instance() {
  static auto* buffers = new MessageBuffers;  // leaked: buffers may be freed during exit
  return *buffers;
}

MessageBuffers::Shard& MessageBuffers::shard(const void* p) const noexcept {
  auto bits = reinterpret_cast<std::uintptr_t>(p);
  return shards_[(bits >> 4 ^ bits >> 12) % kShards];
}

void* MessageBuffers::insert(std::unique_ptr<Message>& m) noexcept {
  void* p = m->data();
  Shard& s = shard(p);
  std::lock_guard lock(s.mu);
  try {
    if (s.buffers.count(p)) return nullptr;  // m stays with the caller
    s.buffers.emplace(p, std::move(m));
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
  return p;
}

namespace {

// Programs cast NN_MSG buffers to their own structures, as they may cast
// malloc's memory (nanomsg's buffers are aligned so): every buffer handed
// out starts at this alignment.
constexpr std::size_t kAlignment = alignof(std::max_align_t);

bool aligned(const void* p) noexcept { return reinterpret_cast<std::uintptr_t>(p) % kAlignment == 0; }

// A message whose body is malloc's memory (so aligned). Small bodies would
// otherwise live inside the Message, at no particular alignment.
std::unique_ptr<Message> aligned_message(std::size_t size) {
  void* body = std::malloc(size ? size : 1);  // a distinct pointer even for 0 bytes
  if (!body) throw std::bad_alloc();
  return std::make_unique<Message>(Message::wrap(body, size, [](void* q) noexcept { std::free(q); }));
}

// `m` itself if its body is aligned, else an aligned copy.
std::unique_ptr<Message> aligned_body(std::unique_ptr<Message> m) {
  if (aligned(m->data())) return m;
  auto copy = aligned_message(m->size());
  if (!m->empty()) std::memcpy(copy->data(), m->data(), m->size());
  return copy;
}

}  // namespace

void* MessageBuffers::allocate(std::size_t size) noexcept {
  try {
    auto m = std::make_unique<Message>(size);
    if (!aligned(m->data())) m = aligned_message(size);
    return insert(m);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}

void* MessageBuffers::adopt(Message&& m) noexcept {
  try {
    auto owned = aligned_body(std::make_unique<Message>(std::move(m)));
    if (void* p = insert(owned)) return p;
    if (!owned) return nullptr;
    // The body is shared with a message the user still holds (a fan-out
    // inside this process): give this receiver its own copy.
    auto copy = aligned_message(owned->size());
    if (!owned->empty()) std::memcpy(copy->data(), owned->data(), owned->size());
    return insert(copy);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}

std::unique_ptr<Message> MessageBuffers::checkout(const void* p) noexcept {
  Shard& s = shard(p);
  std::lock_guard lock(s.mu);
  auto it = s.buffers.find(p);
  if (it == s.buffers.end()) return nullptr;
  auto m = std::move(it->second);
  s.buffers.erase(it);
  return m;
}

void MessageBuffers::checkin(std::unique_ptr<Message> m) noexcept {
  int saved = errno;  // callers report the failure that made them check in
  insert(m);
  errno = saved;
}

void* MessageBuffers::reallocate(void* p, std::size_t size) noexcept {
  std::size_t old_size = 0;
  if (!size_of(p, old_size)) return nullptr;
  void* fresh = allocate(size);
  if (!fresh) return nullptr;
  std::size_t n = old_size < size ? old_size : size;
  if (n) std::memcpy(fresh, p, n);
  release(p);
  return fresh;
}

bool MessageBuffers::release(void* p) noexcept {
  std::unique_ptr<Message> m;  // destroyed after unlocking: it may run a deleter
  Shard& s = shard(p);
  std::lock_guard lock(s.mu);
  auto it = s.buffers.find(p);
  if (it == s.buffers.end()) return false;
  m = std::move(it->second);
  s.buffers.erase(it);
  return true;
}

bool MessageBuffers::size_of(const void* p, std::size_t& size) const noexcept {
  Shard& s = shard(p);
  std::lock_guard lock(s.mu);
  auto it = s.buffers.find(p);
  if (it == s.buffers.end()) return false;
  size = it->second->size();
  return true;
}

}  // namespace sprocket::nanomsg

using sprocket::nanomsg::fail;
using sprocket::nanomsg::MessageBuffers;

extern "C" {

void* nn_allocmsg(size_t size, int type) {
  if (type != 0) {
    errno = EINVAL;
    return nullptr;
  }
  void* p = MessageBuffers::instance().allocate(size);
  if (!p) errno = ENOMEM;
  return p;
}

void* nn_reallocmsg(void* msg, size_t size) {
  std::size_t old_size = 0;
  if (!msg || !MessageBuffers::instance().size_of(msg, old_size)) {
    errno = EFAULT;
    return nullptr;
  }
  void* p = MessageBuffers::instance().reallocate(msg, size);
  if (!p) errno = ENOMEM;
  return p;
}

int nn_freemsg(void* msg) {
  if (!msg || !MessageBuffers::instance().release(msg)) return fail(EFAULT);
  return 0;
}

}  // extern "C"
