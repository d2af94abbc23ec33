// How nanocat prints a received message: the output formats of nanomsg's
// nanocat, byte for byte (--raw, --ascii, --quoted, --msgpack, --hex).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace nanocat {

/// An output format; `no` (the default) prints nothing.
enum class Format { no, raw, ascii, quoted, msgpack, hex };

/// The format named `name` as --format spells it (no, raw, ascii, quoted,
/// msgpack, hex), or nullopt.
std::optional<Format> parse_format(std::string_view name);

/// The --format name of `format`.
std::string_view format_name(Format format);

/// Every --format name, in nanocat's order, comma-separated.
std::string_view format_names();

/// Appends `body` to `out` as `format` prints it:
///  - raw:     the bytes as they are, nothing added;
///  - ascii:   bytes 0x20..0x7e as they are, every other byte as '.', then '\n';
///  - quoted:  '"', then \n \r \" \\ escaped, other bytes outside 0x20..0x7e
///             as \xNN (lower-case hex; tab too), then '"' and '\n';
///  - msgpack: a msgpack bin header (0xc4 + 1-byte length below 256, 0xc5 +
///             2 bytes below 65536, else 0xc6 + 4 bytes, big-endian), then the
///             bytes;
///  - hex:     '"', every byte as \xNN, '"', '\n';
///  - no:      nothing.
void append_formatted(std::string& out, Format format, std::span<const std::byte> body);

/// append_formatted() into a new string.
std::string formatted(Format format, std::span<const std::byte> body);

}  // namespace nanocat
