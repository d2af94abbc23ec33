// The output formats, byte for byte as nanomsg's nanocat 1.1.5 prints them
// (the expected strings below were taken from its output; the end-to-end
// test compares the two programs live as well).
#include "format.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace nanocat {
namespace {

std::vector<std::byte> bytes(std::string_view s) {
  std::vector<std::byte> v;
  for (char c : s) v.push_back(static_cast<std::byte>(c));
  return v;
}

std::vector<std::byte> all_byte_values() {
  std::vector<std::byte> v;
  for (int i = 0; i < 256; ++i) v.push_back(static_cast<std::byte>(i));
  return v;
}

std::string fmt_of(Format f, std::string_view s) {
  return formatted(f, bytes(s));
}

// The message nanocat 1.1.5 was shown: control bytes, quote, backslash,
// tab, DEL and a high byte.
const std::string kSample(
    "a\x01"
    "b\n\"q\\\t\x7f\xff end",
    14);

TEST(NanocatFormat, Names) {
  for (Format f :
       {Format::no, Format::raw, Format::ascii, Format::quoted, Format::msgpack, Format::hex})
    EXPECT_EQ(parse_format(format_name(f)), f);
  EXPECT_FALSE(parse_format("ASCII"));
  EXPECT_FALSE(parse_format(""));
  EXPECT_EQ(format_names(), "no, raw, ascii, quoted, msgpack, hex");
}

TEST(NanocatFormat, NoPrintsNothing) {
  EXPECT_EQ(fmt_of(Format::no, kSample), "");
  EXPECT_EQ(formatted(Format::no, all_byte_values()), "");
}

TEST(NanocatFormat, RawIsTheBytesAndNothingElse) {
  EXPECT_EQ(fmt_of(Format::raw, kSample), kSample);
  EXPECT_EQ(fmt_of(Format::raw, ""), "");
  auto all = all_byte_values();
  EXPECT_EQ(formatted(Format::raw, all),
            std::string(reinterpret_cast<const char*>(all.data()), all.size()));
}

TEST(NanocatFormat, AsciiReplacesEverythingUnprintableByADot) {
  EXPECT_EQ(fmt_of(Format::ascii, kSample), "a.b.\"q\\... end\n");
  EXPECT_EQ(fmt_of(Format::ascii, ""), "\n");
  std::string want;
  for (int i = 0; i < 256; ++i) want += (i >= 0x20 && i < 0x7f) ? static_cast<char>(i) : '.';
  EXPECT_EQ(formatted(Format::ascii, all_byte_values()), want + "\n");
}

TEST(NanocatFormat, QuotedEscapesLikeC) {
  EXPECT_EQ(fmt_of(Format::quoted, kSample), "\"a\\x01b\\n\\\"q\\\\\\x09\\x7f\\xff end\"\n");
  EXPECT_EQ(fmt_of(Format::quoted, ""), "\"\"\n");
  EXPECT_EQ(fmt_of(Format::quoted, "\r\n"), "\"\\r\\n\"\n");
  EXPECT_EQ(fmt_of(Format::quoted, std::string("\0", 1)), "\"\\x00\"\n");
  EXPECT_EQ(fmt_of(Format::quoted, "\t"), "\"\\x09\"\n");  // nanocat has no \t (nngcat does)
  EXPECT_EQ(fmt_of(Format::quoted, "\x80\xab"), "\"\\x80\\xab\"\n");  // lower-case hex
  std::string want = "\"";
  for (int i = 0; i < 256; ++i) {
    if (i == '\n') {
      want += "\\n";
    } else if (i == '\r') {
      want += "\\r";
    } else if (i == '"' || i == '\\') {
      want += '\\';
      want += static_cast<char>(i);
    } else if (i >= 0x20 && i < 0x7f) {
      want += static_cast<char>(i);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", i);
      want += buf;
    }
  }
  EXPECT_EQ(formatted(Format::quoted, all_byte_values()), want + "\"\n");
}

TEST(NanocatFormat, HexQuotesEveryByte) {
  EXPECT_EQ(fmt_of(Format::hex, "a\x01\xff"), "\"\\x61\\x01\\xff\"\n");
  EXPECT_EQ(fmt_of(Format::hex, ""), "\"\"\n");
  std::string want = "\"";
  for (int i = 0; i < 256; ++i) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", i);
    want += buf;
  }
  EXPECT_EQ(formatted(Format::hex, all_byte_values()), want + "\"\n");
}

// msgpack "bin" framing: c4 + 1-byte length below 256, c5 + 2 bytes below
// 65536, c6 + 4 bytes above, big-endian, then the bytes.
TEST(NanocatFormat, MsgpackFraming) {
  struct Case {
    std::size_t size;
    std::string header;
  };
  for (const auto& c :
       {Case{0, std::string("\xc4\x00", 2)}, Case{1, "\xc4\x01"}, Case{255, "\xc4\xff"},
        Case{256, std::string("\xc5\x01\x00", 3)}, Case{300, "\xc5\x01\x2c"},
        Case{65535, "\xc5\xff\xff"}, Case{65536, std::string("\xc6\x00\x01\x00\x00", 5)},
        Case{70000, std::string("\xc6\x00\x01\x11\x70", 5)},
        Case{1 << 24, std::string("\xc6\x01\x00\x00\x00", 5)}}) {
    std::vector<std::byte> body(c.size);
    for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<std::byte>(i * 7);
    std::string out = formatted(Format::msgpack, body);
    ASSERT_EQ(out.size(), c.header.size() + c.size) << c.size;
    EXPECT_EQ(out.substr(0, c.header.size()), c.header) << c.size;
    EXPECT_TRUE(std::equal(body.begin(), body.end(),
                           out.begin() + static_cast<std::ptrdiff_t>(c.header.size()),
                           [](std::byte b, char ch) { return b == static_cast<std::byte>(ch); }))
        << c.size;
  }
  EXPECT_EQ(fmt_of(Format::msgpack, kSample), "\xc4\x0e" + kSample);
}

TEST(NanocatFormat, AppendKeepsWhatWasThere) {
  std::string out = "before|";
  append_formatted(out, Format::ascii, bytes("x"));
  append_formatted(out, Format::hex, bytes("y"));
  EXPECT_EQ(out, "before|x\n\"\\x79\"\n");
}

}  // namespace
}  // namespace nanocat
