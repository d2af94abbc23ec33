// The table of nanocat's command-line options: nanomsg's nanocat options
// with their spellings, groups, help texts and the masks its parser uses
// to find conflicting and missing options, plus the additions (nngcat's
// conveniences and sprocket's own). Both the parser and --help read it.
#pragma once

#include <span>
#include <string_view>

namespace nanocat {

/// What an option does; aliases share the id of the option they stand for.
enum class OptionId {
  verbose,
  silent,
  help,
  version,
  push,
  pull,
  pub,
  sub,
  req,
  rep,
  surveyor,
  respondent,
  bus,
  pair,
  pair1,
  bind,
  connect,
  bind_ipc,
  connect_ipc,
  bind_local,
  connect_local,
  recv_timeout,
  send_timeout,
  socket_name,
  send_priority,
  recv_priority,
  recv_maxsz,
  subscribe,
  survey_deadline,
  format,
  raw,
  ascii,
  quoted,
  msgpack,
  hex,
  interval,
  delay,
  data,
  file,
  stdin_lines,
  count,
  sleep,
};

/// Bits an option sets (provides), may not meet (conflicts) or needs
/// (requires), as in nanocat's option parser.
namespace mask {
inline constexpr unsigned sock = 1;            ///< a socket type
inline constexpr unsigned writeable = 2;       ///< a socket type that sends
inline constexpr unsigned readable = 4;        ///< a socket type that receives
inline constexpr unsigned sock_sub = 8;        ///< SUB
inline constexpr unsigned data = 16;           ///< a message body (--data, --file, --stdin)
inline constexpr unsigned endpoint = 32;       ///< an address to bind or connect
inline constexpr unsigned sock_surveyor = 64;  ///< SURVEYOR
}  // namespace mask

/// One command-line option.
struct OptionSpec {
  OptionId id;
  std::string_view name;     ///< long name, without "--"
  char short_name;           ///< 0 when there is none
  std::string_view metavar;  ///< the argument's name in --help; empty: takes no argument
  std::string_view group;    ///< --help section
  std::string_view help;     ///< --help text
  unsigned provides;
  unsigned conflicts;
  unsigned needs;         ///< "requires" in nanocat: every bit must be provided by some option
  bool nanomsg;           ///< nanomsg's nanocat has it: wins abbreviations
  bool hidden;            ///< an alias, left out of --help
  std::string_view arg0;  ///< program name (symlink) that implies it, as nn_req
  bool takes_argument() const noexcept { return !metavar.empty(); }
};

/// Every option, in --help order.
std::span<const OptionSpec> option_table();

/// Both masks that must be met by some option: a socket type and an address.
inline constexpr unsigned kRequiredMask = mask::sock | mask::endpoint;

}  // namespace nanocat
