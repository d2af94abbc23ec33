// The REQ/REP and SURVEY backtrace (protocols/common/backtrace.cpp). The
// input picks a hop limit (1..16 words: max_ttl is 1..15, REQ and SURVEYOR
// use 1), a header already on the message (inproc keeps the sender's) and
// a body (stream transports deliver the backtrace at its front). unstack()
// is compared with the rule of the SP specs, read independently here: the
// words, header first, then body, up to and including the first word with
// the top bit set; more than the limit is too_long; running out first, or
// a header that is not whole words or holds words after the id, is
// malformed. unstack() only moves bytes: header + body never change.
#include <vector>

#include "fuzz_util.hpp"
#include "protocols/common/backtrace.hpp"
#include "sprocket/message.hpp"

namespace {

using namespace sprocket;
using routing::Backtrace;
using sprocket::fuzz::Input;

std::uint32_t word(std::span<const std::byte> b, std::size_t i) {
  std::uint32_t w = 0;
  for (std::size_t k = 0; k < 4; ++k) w = w << 8 | std::to_integer<std::uint32_t>(b[4 * i + k]);
  return w;
}

struct Expected {
  Backtrace result;
  std::size_t words;  // in the header afterwards, when ok
};

Expected reference(std::span<const std::byte> header, std::span<const std::byte> body,
                   int max_words) {
  if (header.size() % 4 != 0) return {Backtrace::malformed, 0};
  std::vector<std::uint32_t> stack;
  for (std::size_t i = 0; i < header.size() / 4; ++i) stack.push_back(word(header, i));
  const std::size_t from_header = stack.size();
  for (std::size_t i = 0; i < body.size() / 4; ++i) stack.push_back(word(body, i));
  for (std::size_t i = 0; i < stack.size(); ++i) {
    if (static_cast<int>(i) + 1 > max_words) return {Backtrace::too_long, 0};
    if (stack[i] & routing::kIdBit) {
      // The id must end the header if the header holds it.
      if (i < from_header && i + 1 != from_header) return {Backtrace::malformed, 0};
      return {Backtrace::ok, i + 1};
    }
  }
  if (static_cast<int>(stack.size()) + 1 > max_words) return {Backtrace::too_long, 0};
  return {Backtrace::malformed, 0};
}

std::vector<std::byte> joined(const Message& m) {
  std::vector<std::byte> out(m.header().begin(), m.header().end());
  out.insert(out.end(), m.body().begin(), m.body().end());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  const int max_words = 1 + in.byte() % 16;
  const std::size_t header_size = in.byte() % (Message::kMaxHeader + 1);
  const auto header = in.take(header_size);
  const auto body = in.rest();

  Message m(body);
  FUZZ_CHECK(m.set_header(header));
  const std::vector<std::byte> before = joined(m);
  const Expected want = reference(header, body, max_words);

  const Backtrace got = routing::unstack(m, max_words);
  FUZZ_CHECK(got == want.result);
  FUZZ_CHECK(joined(m) == before);
  if (got != Backtrace::ok) return 0;
  FUZZ_CHECK(m.header().size() == 4 * want.words);
  const std::uint32_t last = routing::final_word(m);
  FUZZ_CHECK(last & routing::kIdBit);
  FUZZ_CHECK(last == word(m.header(), want.words - 1));
  for (std::size_t i = 0; i + 1 < want.words; ++i) FUZZ_CHECK(!(word(m.header(), i) & routing::kIdBit));
  return 0;
}
