#include "format.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <iterator>

namespace nanocat {
namespace {

struct FormatName {
  Format format;
  std::string_view name;
};

// nanocat's order (its --format error lists them so).
constexpr std::array<FormatName, 6> kNames{{{Format::no, "no"},
                                            {Format::raw, "raw"},
                                            {Format::ascii, "ascii"},
                                            {Format::quoted, "quoted"},
                                            {Format::msgpack, "msgpack"},
                                            {Format::hex, "hex"}}};

// isprint() in the C locale, which is what nanocat runs in.
bool printable(std::uint8_t c) {
  return c >= 0x20 && c < 0x7f;
}

void append_hex_escape(std::string& out, std::uint8_t c) {
  fmt::format_to(std::back_inserter(out), "\\x{:02x}", c);
}

void append_ascii(std::string& out, std::span<const std::byte> body) {
  for (std::byte b : body) {
    auto c = static_cast<std::uint8_t>(b);
    out.push_back(printable(c) ? static_cast<char>(c) : '.');
  }
  out.push_back('\n');
}

void append_quoted(std::string& out, std::span<const std::byte> body) {
  out.push_back('"');
  for (std::byte b : body) {
    auto c = static_cast<std::uint8_t>(b);
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\\':
      case '"':
        out.push_back('\\');
        out.push_back(static_cast<char>(c));
        break;
      default:
        if (printable(c)) {
          out.push_back(static_cast<char>(c));
        } else {
          append_hex_escape(out, c);
        }
    }
  }
  out += "\"\n";
}

void append_msgpack(std::string& out, std::span<const std::byte> body) {
  const std::size_t n = body.size();
  auto put = [&out](std::size_t v) { out.push_back(static_cast<char>(v & 0xff)); };
  if (n < 256) {
    put(0xc4);
    put(n);
  } else if (n < 65536) {
    put(0xc5);
    put(n >> 8);
    put(n);
  } else {
    // nanocat writes the low 32 bits; messages of 4 GiB and more do not fit
    // msgpack's bin 32 anyway.
    put(0xc6);
    put(n >> 24);
    put(n >> 16);
    put(n >> 8);
    put(n);
  }
  out.append(reinterpret_cast<const char*>(body.data()), n);
}

void append_hex(std::string& out, std::span<const std::byte> body) {
  out.push_back('"');
  for (std::byte b : body) append_hex_escape(out, static_cast<std::uint8_t>(b));
  out += "\"\n";
}

}  // namespace

std::optional<Format> parse_format(std::string_view name) {
  for (const auto& n : kNames)
    if (n.name == name) return n.format;
  return std::nullopt;
}

std::string_view format_name(Format format) {
  for (const auto& n : kNames)
    if (n.format == format) return n.name;
  return "?";
}

std::string_view format_names() {
  return "no, raw, ascii, quoted, msgpack, hex";
}

void append_formatted(std::string& out, Format format, std::span<const std::byte> body) {
  switch (format) {
    case Format::no:
      return;
    case Format::raw:
      out.append(reinterpret_cast<const char*>(body.data()), body.size());
      return;
    case Format::ascii:
      return append_ascii(out, body);
    case Format::quoted:
      return append_quoted(out, body);
    case Format::msgpack:
      return append_msgpack(out, body);
    case Format::hex:
      return append_hex(out, body);
  }
}

std::string formatted(Format format, std::span<const std::byte> body) {
  std::string out;
  append_formatted(out, format, body);
  return out;
}

}  // namespace nanocat
