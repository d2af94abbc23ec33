// Must NOT compile: every line marked EXPECT-ERROR takes a pointer or a view
// into a Message that dies at the end of the statement. check.cmake
// compiles this file and requires an error on each marked line, naming
// the deleted accessor, and no error anywhere else.
#include <span>
#include <string_view>

#include <sprocket/sprocket.hpp>

namespace {

const sprocket::Message make_const();

void views_of_temporaries(sprocket::Socket& sock, sprocket::Context& ctx, std::error_code& ec) {
  std::string_view text = sock.recv().str();  // EXPECT-ERROR: str
  std::string_view text2 = ctx.recv().str();  // EXPECT-ERROR: str
  std::string_view text3 = sock.try_recv(ec).str();  // EXPECT-ERROR: str
  std::byte* bytes = sock.recv().data();  // EXPECT-ERROR: data
  const std::byte* cbytes = make_const().data();  // EXPECT-ERROR: data
  std::span<std::byte> body = sock.recv().body();  // EXPECT-ERROR: body
  std::span<const std::byte> cbody = make_const().body();  // EXPECT-ERROR: body
  std::span<const std::byte> header = sock.recv().header();  // EXPECT-ERROR: header
  std::string_view moved = std::move(sock.recv()).str();  // EXPECT-ERROR: str
  (void)text, (void)text2, (void)text3, (void)bytes, (void)cbytes;
  (void)body, (void)cbody, (void)header, (void)moved;
}

}  // namespace
