// sprocket::Message: a protocol header plus a reference-counted body.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "sprocket/detail/export.hpp"

namespace sprocket {

namespace detail {

/// The shared, reference-counted storage behind a message body. Owned
/// bodies are allocated in one block with their bytes right after this
/// object; adopted (wrapped) bodies store the caller's deleter.
struct BodyChunk {
  std::atomic<std::uint32_t> refs{1};
  void (*release)(BodyChunk*) noexcept;

  void retain() noexcept { refs.fetch_add(1, std::memory_order_relaxed); }
  void drop() noexcept {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) release(this);
  }
};

SPROCKET_API BodyChunk* allocate_owned_chunk(std::size_t size, std::byte*& data);

/// Calls `destroy(chunk)` (which runs a user's deleter) now, or, when this
/// thread is inside one of the library's locked regions, right after it
/// leaves the outermost one: user code never runs under a library lock.
SPROCKET_API void release_user_chunk(BodyChunk* chunk, void (*destroy)(BodyChunk*) noexcept) noexcept;

template <class Deleter>
struct WrappedChunk : BodyChunk {
  void* ptr;
  Deleter deleter;

  WrappedChunk(void* p, Deleter&& d) : ptr(p), deleter(std::move(d)) {
    release = [](BodyChunk* self) noexcept { release_user_chunk(self, &destroy); };
  }

  static void destroy(BodyChunk* self) noexcept {
    auto* me = static_cast<WrappedChunk*>(self);
    me->deleter(me->ptr);
    delete me;
  }
};

}  // namespace detail

/// The WebSocket frame type of a message (Message::ws_frame_type()): how
/// the ws:// and wss:// transports send it, and how it arrived over them.
/// Other transports neither set nor read it.
enum class WsFrameType : std::uint8_t {
  /// No type chosen: sent as the endpoint's EndpointOptions::ws_send_text
  /// says. Messages that did not arrive over ws (and new ones) have it.
  unspecified = 0,
  /// A binary message (WebSocket opcode 2), whatever ws_send_text says.
  binary = 2,
  /// A text message (WebSocket opcode 1), whatever ws_send_text says. Its
  /// bytes are sent as they are: a peer that checks text may refuse what
  /// is not UTF-8.
  text = 1,
};

/// A message: a small inline protocol header (the SP backtrace words a
/// protocol or a raw socket puts in front of the body), a body, and the id
/// of the pipe (connection) it came from or should go to.
///
/// Bodies of up to kInlineBody bytes live inside the Message itself, so
/// small messages cost no heap allocation. Larger bodies are
/// reference-counted and shared: clone() is O(1), and a body adopted with
/// wrap() crosses inproc without a copy. Move-only; copying is explicit
/// through clone(). A moved-from Message is empty (no body, no header).
class SPROCKET_API Message {
 public:
  /// Largest body kept inside the Message (no heap allocation).
  static constexpr std::size_t kInlineBody = 64;
  /// Largest header a message carries: 16 SP words (a TTL of 15 plus the id).
  static constexpr std::size_t kMaxHeader = 64;

  /// An empty message.
  Message() noexcept = default;
  /// A body of `size` uninitialised bytes, to fill through data()/body().
  explicit Message(std::size_t size) { allocate(size); }
  /// A body holding a copy of `text`.
  explicit Message(std::string_view text) : Message(text.size()) {
    if (!text.empty()) std::memcpy(data(), text.data(), text.size());
  }
  /// A body holding a copy of `bytes`.
  explicit Message(std::span<const std::byte> bytes) : Message(bytes.size()) {
    if (!bytes.empty()) std::memcpy(data(), bytes.data(), bytes.size());
  }

  /// Adopts `size` bytes at `ptr` without copying. `deleter(ptr)` is called
  /// exactly once, when the last Message sharing the body is destroyed; it
  /// may run on any thread.
  template <class Deleter>
  static Message wrap(void* ptr, std::size_t size, Deleter deleter) {
    Message m;
    auto* chunk = new detail::WrappedChunk<std::decay_t<Deleter>>(ptr, std::move(deleter));
    m.chunk_ = chunk;
    m.data_ = static_cast<std::byte*>(ptr);
    m.size_ = size;
    return m;
  }

  /// Takes over `other`'s body and header; `other` is left empty.
  Message(Message&& other) noexcept { steal(other); }
  /// Drops this message's body, then takes over `other`'s; `other` is left empty.
  Message& operator=(Message&& other) noexcept {
    if (this != &other) {
      if (chunk_) chunk_->drop();
      steal(other);  // sets every member
    }
    return *this;
  }
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;
  // Inline, and only the body: messages die by the million in queues and
  // batches, most of them moved-from and holding nothing.
  ~Message() {
    if (chunk_) chunk_->drop();
  }

  /// A second message sharing this body (O(1) for shared bodies) with a
  /// copy of the header and the same pipe().
  Message clone() const;

  /// The body's first byte, writable: fill a Message(size) through it.
  /// Valid while the message lives and its body is not changed.
  ///
  /// The accessors that return a pointer or a view into the message
  /// (data(), body(), str(), header()) are deleted on temporaries:
  /// `std::string_view s = sock.recv().str();` would point into a message
  /// destroyed at the end of the statement, so it does not compile. Keep
  /// the Message in a variable, or copy the text out with to_string().
  std::byte* data() & noexcept { return chunk_ ? data_ : inline_; }
  /// The body's first byte, read-only.
  const std::byte* data() const& noexcept { return chunk_ ? data_ : inline_; }
  std::byte* data() && = delete;
  const std::byte* data() const&& = delete;
  /// The body's length in bytes.
  std::size_t size() const noexcept { return size_; }
  /// True when the body has no bytes.
  bool empty() const noexcept { return size_ == 0; }
  /// The body as a writable span of bytes.
  std::span<std::byte> body() & noexcept { return {data(), size_}; }
  /// The body as a read-only span of bytes.
  std::span<const std::byte> body() const& noexcept { return {data(), size_}; }
  std::span<std::byte> body() && = delete;
  std::span<const std::byte> body() const&& = delete;
  /// The body viewed as text (no copy; valid while the message lives).
  std::string_view str() const& noexcept {
    return {reinterpret_cast<const char*>(data()), size_};
  }
  std::string_view str() const&& = delete;

  /// The protocol header (SP backtrace). On raw sockets the user reads and
  /// writes it; cooked sockets replace it on send.
  std::span<const std::byte> header() const& noexcept { return {header_, header_size_}; }
  std::span<const std::byte> header() const&& = delete;
  /// Replaces the header; false (header unchanged) when it exceeds kMaxHeader.
  bool set_header(std::span<const std::byte> bytes) noexcept;
  /// Empties the header.
  void clear_header() noexcept { header_size_ = 0; }
  /// Appends a 32-bit big-endian word to the header; false when full.
  bool push_header_word(std::uint32_t word) noexcept;
  /// Removes the first header word into `word`; false when the header is shorter.
  bool pop_header_word(std::uint32_t& word) noexcept;

  /// Moves the first 4 body bytes to the end of the header, as a protocol
  /// does when it unstacks a backtrace word. False if the body is shorter
  /// or the header is full.
  bool move_body_word_to_header(std::uint32_t& word) noexcept;
  /// Drops `n` bytes from the front of the body (n <= size()).
  void trim_front(std::size_t n) noexcept;
  /// Shrinks the body to `n` bytes (n <= size()).
  void truncate(std::size_t n) noexcept { size_ = n < size_ ? n : size_; }

  /// Header plus body size: what the SP wire carries and recv_max_size limits.
  std::size_t wire_size() const noexcept { return header_size_ + size_; }

  /// True when the body is shared storage (wrapped, large, or cloned).
  bool shares_storage() const noexcept { return chunk_ != nullptr; }

  /// The pipe (one connection, named by the id that PipeEvent::pipe_id
  /// reports) this message belongs to; 0 means none. A PAIR v1 socket sets
  /// it on every message it receives, to the connection it came in on; a
  /// polyamorous PAIR v1 socket (SocketOptions::polyamorous) sends a message
  /// to the pipe it names. Other protocols neither set nor read it. Moves
  /// and clone() carry it along.
  std::uint32_t pipe() const noexcept { return pipe_; }
  /// Names the pipe to send this message to (0: let the protocol choose);
  /// see pipe(). Replying on the pipe a message came from needs no call:
  /// the received message already names it.
  void set_pipe(std::uint32_t id) noexcept { pipe_ = id; }

  /// The WebSocket frame type: text or binary for a message received over
  /// ws:// or wss:// (the type of the WebSocket message it came in), else
  /// unspecified. Moves and clone() carry it along, so a message relayed
  /// as it is (a device, an echo) keeps the type it came with; set it to
  /// unspecified to let the sending endpoint's ws_send_text decide.
  WsFrameType ws_frame_type() const noexcept { return ws_frame_type_; }
  /// Chooses the WebSocket frame type this message goes out in over ws://
  /// and wss:// (see WsFrameType); other transports ignore it.
  void set_ws_frame_type(WsFrameType type) noexcept { ws_frame_type_ = type; }

 private:
  void allocate(std::size_t size);
  // Nothing built against this header calls reset(): it stays (exported)
  // for programs built against an older one, whose inline destructor and
  // move assignment called it.
  void reset() noexcept;
  void steal(Message& other) noexcept;

  detail::BodyChunk* chunk_ = nullptr;  // null: body is inline_
  std::byte* data_ = nullptr;            // body start when chunk_ is set
  std::size_t size_ = 0;
  std::uint8_t header_size_ = 0;
  // ws_frame_type_ and pipe_ sit in the padding after header_size_: they
  // add no size (static_assert in src/message.cpp).
  WsFrameType ws_frame_type_ = WsFrameType::unspecified;
  std::uint32_t pipe_ = 0;
  std::byte header_[kMaxHeader];
  std::byte inline_[kInlineBody];
};

/// A copy of the body as a std::string: what to use on a temporary, whose
/// str() view would dangle (`std::cout << to_string(sock.recv())`).
inline std::string to_string(const Message& m) { return std::string(m.str()); }

}  // namespace sprocket
