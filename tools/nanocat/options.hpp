// nanocat's command line, parsed: what the user asked for, checked the way
// nanomsg's nanocat checks it (same spellings, abbreviations, conflicts and
// required options), plus nngcat's and sprocket's additions.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "format.hpp"
#include "input.hpp"

namespace nanocat {

enum class SocketType { none, push, pull, pub, sub, req, rep, surveyor, respondent, bus, pair, pair1 };

/// The option name of a socket type ("push", ...).
std::string_view socket_type_name(SocketType type);

using Millis = std::chrono::milliseconds;

/// One --bind or --connect (or a shortcut), in command-line order, with
/// the priorities given before it.
struct Endpoint {
  enum class Kind { bind, connect };
  Kind kind = Kind::connect;
  std::string url;
  int send_priority = 8;  ///< 1 (highest) .. 16
  int recv_priority = 8;
  bool operator==(const Endpoint&) const = default;
};

/// Everything the command line says. Durations are whole milliseconds, as
/// nanocat keeps them; a negative one means "not given" (no timeout, no
/// repetition).
struct Options {
  bool help = false;     ///< --help: print help_text() and exit 0
  bool version = false;  ///< --version
  int verbose = 0;       ///< +1 per --verbose, -1 per --silent
  SocketType type = SocketType::none;
  std::vector<Endpoint> endpoints;
  Millis send_timeout{-1};
  Millis recv_timeout{-1};
  std::string socket_name;  ///< accepted for compatibility; sprocket sockets have no name
  std::vector<std::string> subscriptions;  ///< SUB; empty means everything
  std::optional<Millis> survey_deadline;
  std::optional<std::size_t> recv_max_size;  ///< 0: no limit
  Format format = Format::no;
  Millis interval{-1};
  Millis delay{0};
  Millis sleep{200};                ///< --sleep: how long connections stay open after the last send
  std::optional<std::string> data;  ///< --data, or the contents of --file
  bool stdin_lines = false;         ///< --stdin
  std::uint64_t count = 0;          ///< 0: no limit
};

/// Reads what --file names, or throws nanocat::Error (kExitFile).
using FileReader = std::function<std::string(const std::string& path)>;

/// Parses `args` (args[0] is the program name: a name like nn_req implies
/// --req, as with nanocat's symlinks). --file is read here through `read`,
/// like nanocat does ("-" is standard input for read_file; the fuzz target
/// passes a reader that touches no file). Throws nanocat::Error with
/// kExitUsage for a bad command line and kExitFile when --file cannot be
/// read; nothing else, and it never exits the process. --help and
/// --version stop parsing where they appear.
Options parse_command_line(std::span<const char* const> args, const FileReader& read = read_file);

/// The --help text, shaped like nanomsg's nanocat's.
std::string help_text();

}  // namespace nanocat
