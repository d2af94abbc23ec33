// Must compile: what remains allowed once views of temporary Messages are
// deleted (temporaries_fail.cpp) — views of named messages, owning copies
// of temporaries, and the value accessors.
#include <span>
#include <string>
#include <string_view>

#include <sprocket/sprocket.hpp>

namespace {

[[maybe_unused]] void allowed(sprocket::Socket& sock, sprocket::Context& ctx) {
  sprocket::Message m = sock.recv();
  std::string_view text = m.str();
  std::byte* bytes = m.data();
  std::span<std::byte> body = m.body();
  std::span<const std::byte> header = m.header();
  const sprocket::Message& cm = m;
  const std::byte* cbytes = cm.data();
  std::span<const std::byte> cbody = cm.body();
  std::string copy = to_string(sock.recv());       // an owning copy of a temporary
  std::string copy2 = to_string(ctx.recv());
  std::size_t size = sock.recv().size();           // values are fine on temporaries
  bool empty = sock.recv().empty();
  sprocket::Message shared = sock.recv().clone();  // so is a new Message
  (void)text, (void)bytes, (void)body, (void)header, (void)cbytes, (void)cbody;
  (void)copy, (void)copy2, (void)size, (void)empty, (void)shared;
}

}  // namespace
