// What the fuzz targets share: FUZZ_CHECK, which turns a broken invariant
// into a crash (libFuzzer keeps the input as the reproducer), and Input,
// which takes typed pieces off the front of the fuzzer's bytes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>

namespace sprocket::fuzz {

[[noreturn]] inline void check_failed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "FUZZ_CHECK failed: %s\n  at %s:%d\n", condition, file, line);
  std::abort();
}

/// Bytes of the fuzzer's input, consumed from the front. Reading past the
/// end gives zeros and empty spans, so a target never needs to bounds-check.
class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size)
      : bytes_(reinterpret_cast<const std::byte*>(data), size) {}

  bool empty() const noexcept { return at_ == bytes_.size(); }
  std::size_t remaining() const noexcept { return bytes_.size() - at_; }

  /// The next byte (0 when exhausted).
  std::uint8_t byte() noexcept {
    return empty() ? 0 : std::to_integer<std::uint8_t>(bytes_[at_++]);
  }

  /// Up to `n` bytes (fewer at the end of the input).
  std::span<const std::byte> take(std::size_t n) noexcept {
    n = std::min(n, remaining());
    auto out = bytes_.subspan(at_, n);
    at_ += n;
    return out;
  }

  std::string_view take_text(std::size_t n) noexcept {
    auto b = take(n);
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }

  /// Everything not consumed yet.
  std::span<const std::byte> rest() noexcept { return take(remaining()); }
  std::string_view rest_text() noexcept { return take_text(remaining()); }

 private:
  std::span<const std::byte> bytes_;
  std::size_t at_ = 0;
};

inline std::string_view as_text(std::span<const std::byte> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace sprocket::fuzz

/// Crashes with the condition's text when it is false.
#define FUZZ_CHECK(condition)                                                  \
  do {                                                                         \
    if (!(condition)) ::sprocket::fuzz::check_failed(#condition, __FILE__, __LINE__); \
  } while (0)
