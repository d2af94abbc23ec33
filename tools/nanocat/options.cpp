// The parser follows nanomsg's nanocat (tools/options.c) rule for rule:
// options are processed left to right; a long option may be abbreviated
// to any prefix that is unambiguous (an exact name always wins); short
// options cluster (-vA) and take their argument from the rest of the word
// (-Dping) or the next one; "--name=value" works for long options; "--" and
// a lone "-" are ignored; any other word is an error. Each option sets mask
// bits, may conflict with bits already set, and may need bits that some
// option must provide by the end. Messages differ from nanocat's: one line,
// saying what to do.
#include "options.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "exit_codes.hpp"
#include "input.hpp"
#include "option_table.hpp"

namespace nanocat {
namespace {

[[noreturn]] void usage_error(std::string message) {
  throw Error(std::move(message), kExitUsage);
}

std::string dashed(const OptionSpec& o) {
  return fmt::format("--{}", o.name);
}

// "--a, --b or --c", over the visible options providing any bit of `bits`.
std::string options_providing(unsigned bits) {
  std::vector<std::string> names;
  for (const OptionSpec& o : option_table())
    if (!o.hidden && (o.provides & bits)) names.push_back(dashed(o));
  if (names.size() <= 1) return names.empty() ? std::string{} : names.front();
  std::string last = std::move(names.back());
  names.pop_back();
  return fmt::format("{} or {}", fmt::join(names, ", "), last);
}

// What is missing, for "option --x needs ...".
std::string describe_needs(unsigned bits) {
  if (bits & mask::readable)
    return "a socket type that receives: " + options_providing(mask::readable);
  if (bits & mask::writeable)
    return "a socket type that sends: " + options_providing(mask::writeable);
  return options_providing(bits);
}

// Seconds as nanocat reads them (strtod: "1", "0.25", "1e-1"), kept in
// whole milliseconds, truncated like nanocat's (int)(sec * 1000).
Millis parse_seconds(const OptionSpec& o, const std::string& text) {
  char* end = nullptr;
  double v = text.empty() ? NAN : std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || std::isnan(v))
    usage_error(fmt::format("option {} needs a number of seconds, not '{}'", dashed(o), text));
  if (std::fabs(v) > 1e8)
    usage_error(fmt::format("option {}: {} seconds is out of range", dashed(o), text));
  return Millis(static_cast<long long>(v * 1000));
}

std::uint64_t parse_count(const OptionSpec& o, std::string_view text, std::uint64_t max) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec == std::errc::invalid_argument || p != text.data() + text.size())
    usage_error(fmt::format("option {} needs a whole number, not '{}'", dashed(o), text));
  if (ec == std::errc::result_out_of_range || v > max)
    usage_error(fmt::format("option {}: {} is too large (at most {})", dashed(o), text, max));
  return v;
}

int parse_priority(const OptionSpec& o, std::string_view text) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || p != text.data() + text.size() || v < 1 || v > 16)
    usage_error(fmt::format("option {} needs a priority from 1 (highest) to 16 (lowest), not '{}'",
                            dashed(o), text));
  return static_cast<int>(v);
}

SocketType socket_type_of(OptionId id) {
  switch (id) {
    case OptionId::push:
      return SocketType::push;
    case OptionId::pull:
      return SocketType::pull;
    case OptionId::pub:
      return SocketType::pub;
    case OptionId::sub:
      return SocketType::sub;
    case OptionId::req:
      return SocketType::req;
    case OptionId::rep:
      return SocketType::rep;
    case OptionId::surveyor:
      return SocketType::surveyor;
    case OptionId::respondent:
      return SocketType::respondent;
    case OptionId::bus:
      return SocketType::bus;
    case OptionId::pair:
      return SocketType::pair;
    case OptionId::pair1:
      return SocketType::pair1;
    default:
      return SocketType::none;
  }
}

class Parser {
 public:
  Parser(std::span<const char* const> args, const FileReader& read) : args_(args), read_(read) {}

  Options run() {
    parse_program_name();
    while (!stop_ && pos_ + 1 < args_.size()) parse_word(args_[++pos_]);
    if (stop_) return std::move(opts_);
    if (pending_priority_) {
      usage_error(fmt::format("option {} applies to the addresses that follow it, and none does",
                              dashed(*pending_priority_)));
    }
    check_needs();
    return std::move(opts_);
  }

 private:
  // nn_req, nn_sub... (nanocat's symlinks) imply their socket type.
  void parse_program_name() {
    if (args_.empty() || !args_[0]) return;
    std::string_view name = args_[0];
    if (auto slash = name.rfind('/'); slash != std::string_view::npos)
      name.remove_prefix(slash + 1);
    for (const OptionSpec& o : option_table())
      if (!o.arg0.empty() && o.arg0 == name) process(o, std::nullopt);
  }

  void parse_word(std::string_view word) {
    if (word.empty() || word[0] != '-') usage_error(fmt::format("unexpected argument '{}'", word));
    if (word.size() > 1 && word[1] == '-') {
      if (word.size() > 2) parse_long(word.substr(2));  // "--" alone is ignored, as by nanocat
      return;
    }
    parse_shorts(word.substr(1));  // a lone "-" is ignored, as by nanocat
  }

  void parse_long(std::string_view body) {
    auto eq = body.find('=');
    std::string_view name = body.substr(0, eq);
    const OptionSpec& o = find_long(name, body);
    if (eq != std::string_view::npos) {
      if (!o.takes_argument())
        usage_error(fmt::format("option {} does not take an argument", dashed(o)));
      process(o, body.substr(eq + 1));
    } else {
      process(o, o.takes_argument() ? std::optional(next_argument(o)) : std::nullopt);
    }
  }

  void parse_shorts(std::string_view cluster) {
    for (std::size_t i = 0; i < cluster.size() && !stop_; ++i) {
      const OptionSpec* o = find_short(cluster[i]);
      if (!o) usage_error(fmt::format("unknown option '-{}' (see nanocat --help)", cluster[i]));
      if (!o->takes_argument()) {
        process(*o, std::nullopt);
        continue;
      }
      std::string_view rest = cluster.substr(i + 1);
      process(*o, rest.empty() ? next_argument(*o) : rest);
      return;
    }
  }

  std::string_view next_argument(const OptionSpec& o) {
    if (pos_ + 1 >= args_.size())
      usage_error(fmt::format("option {} needs an argument ({})", dashed(o), o.metavar));
    return args_[++pos_];
  }

  static const OptionSpec* find_short(char c) {
    for (const OptionSpec& o : option_table())
      if (o.short_name != 0 && o.short_name == c) return &o;
    return nullptr;
  }

  // An exact name wins; otherwise a prefix of exactly one of nanomsg's own
  // options (so abbreviations that worked with nanocat keep working), then
  // of exactly one of all options.
  static const OptionSpec& find_long(std::string_view name, std::string_view word) {
    if (!name.empty()) {
      for (const OptionSpec& o : option_table())
        if (o.name == name) return o;
      for (bool nanomsg_only : {true, false}) {
        std::vector<const OptionSpec*> hits;
        for (const OptionSpec& o : option_table())
          if ((o.nanomsg || !nanomsg_only) && o.name.starts_with(name)) hits.push_back(&o);
        if (hits.size() == 1) return *hits.front();
        if (hits.size() > 1) {
          std::vector<std::string> names;
          for (const OptionSpec* o : hits) names.push_back(dashed(*o));
          usage_error(
              fmt::format("ambiguous option '--{}': it could be {}", word, fmt::join(names, ", ")));
        }
      }
    }
    usage_error(fmt::format("unknown option '--{}' (see nanocat --help)", word));
  }

  void process(const OptionSpec& o, std::optional<std::string_view> value) {
    if (mask_ & o.conflicts) conflict(o);
    mask_ |= o.provides;
    if (std::find(used_.begin(), used_.end(), &o) == used_.end()) used_.push_back(&o);
    apply(o, value.value_or(std::string_view{}));
  }

  [[noreturn]] void conflict(const OptionSpec& o) const {
    std::vector<std::string> others;
    for (const OptionSpec* u : used_)
      if (u != &o && (u->provides & o.conflicts)) others.push_back(dashed(*u));
    if (others.empty()) usage_error(fmt::format("option {} may be given only once", dashed(o)));
    usage_error(fmt::format("option {} conflicts with {}", dashed(o), fmt::join(others, ", ")));
  }

  void apply(const OptionSpec& o, std::string_view v) {
    const std::string text(v);
    switch (o.id) {
      case OptionId::verbose:
        ++opts_.verbose;
        break;
      case OptionId::silent:
        --opts_.verbose;
        break;
      case OptionId::help:
        opts_.help = stop_ = true;
        break;
      case OptionId::version:
        opts_.version = stop_ = true;
        break;
      case OptionId::bind:
        add_endpoint(Endpoint::Kind::bind, text);
        break;
      case OptionId::connect:
        add_endpoint(Endpoint::Kind::connect, text);
        break;
      case OptionId::bind_ipc:
        add_endpoint(Endpoint::Kind::bind, "ipc://" + text);
        break;
      case OptionId::connect_ipc:
        add_endpoint(Endpoint::Kind::connect, "ipc://" + text);
        break;
      case OptionId::bind_local:
        add_endpoint(Endpoint::Kind::bind, "tcp://127.0.0.1:" + text);
        break;
      case OptionId::connect_local:
        add_endpoint(Endpoint::Kind::connect, "tcp://127.0.0.1:" + text);
        break;
      case OptionId::recv_timeout:
        opts_.recv_timeout = timeout(parse_seconds(o, text));
        break;
      case OptionId::send_timeout:
        opts_.send_timeout = timeout(parse_seconds(o, text));
        break;
      case OptionId::socket_name:
        opts_.socket_name = text;
        break;
      case OptionId::send_priority:
        send_priority_ = parse_priority(o, v);
        pending_priority_ = &o;
        break;
      case OptionId::recv_priority:
        recv_priority_ = parse_priority(o, v);
        pending_priority_ = &o;
        break;
      case OptionId::recv_maxsz:
        opts_.recv_max_size = parse_count(o, v, SIZE_MAX);
        break;
      case OptionId::subscribe:
        opts_.subscriptions.push_back(text);
        break;
      case OptionId::survey_deadline:
        opts_.survey_deadline = non_negative(o, parse_seconds(o, text));
        break;
      case OptionId::format:
        set_format(v);
        break;
      case OptionId::raw:
        opts_.format = Format::raw;
        break;
      case OptionId::ascii:
        opts_.format = Format::ascii;
        break;
      case OptionId::quoted:
        opts_.format = Format::quoted;
        break;
      case OptionId::msgpack:
        opts_.format = Format::msgpack;
        break;
      case OptionId::hex:
        opts_.format = Format::hex;
        break;
      case OptionId::interval:
        opts_.interval = timeout(parse_seconds(o, text));
        break;
      case OptionId::delay:
        opts_.delay = std::max(Millis(0), parse_seconds(o, text));
        break;
      case OptionId::data:
        opts_.data = text;
        break;
      case OptionId::file:
        opts_.data = read_(text);
        break;
      case OptionId::stdin_lines:
        opts_.stdin_lines = true;
        break;
      case OptionId::count:
        opts_.count = parse_count(o, v, UINT64_MAX);
        break;
      case OptionId::sleep:
        opts_.sleep = std::max(Millis(0), parse_seconds(o, text));
        break;
      default:
        opts_.type = socket_type_of(o.id);
        break;
    }
  }

  // Any negative value means "none", as with nanocat.
  static Millis timeout(Millis m) { return m.count() < 0 ? Millis(-1) : m; }

  static Millis non_negative(const OptionSpec& o, Millis m) {
    if (m.count() < 0)
      usage_error(fmt::format("option {} needs a number of seconds >= 0", dashed(o)));
    return m;
  }

  void set_format(std::string_view name) {
    auto f = parse_format(name);
    if (!f) {
      usage_error(
          fmt::format("invalid value '{}' for --format (choose one of: {})", name, format_names()));
    }
    opts_.format = *f;
  }

  void add_endpoint(Endpoint::Kind kind, std::string url) {
    opts_.endpoints.push_back({kind, std::move(url), send_priority_, recv_priority_});
    pending_priority_ = nullptr;
  }

  // Every option used must find what it needs (nanocat checks them in table
  // order), then a socket type and an address must have been given.
  void check_needs() const {
    for (const OptionSpec& o : option_table()) {
      if (!o.needs || (o.needs & mask_) == o.needs) continue;
      if (std::find(used_.begin(), used_.end(), &o) == used_.end()) continue;
      usage_error(fmt::format("option {} needs {}", dashed(o), describe_needs(o.needs & ~mask_)));
    }
    if (!(mask_ & mask::sock))
      usage_error(fmt::format("no socket type given: use {}", options_providing(mask::sock)));
    if (!(mask_ & mask::endpoint))
      usage_error(fmt::format("no address given: use {}", options_providing(mask::endpoint)));
  }

  std::span<const char* const> args_;
  const FileReader& read_;
  std::size_t pos_ = 0;
  Options opts_;
  unsigned mask_ = 0;
  std::vector<const OptionSpec*> used_;
  int send_priority_ = 8;
  int recv_priority_ = 8;
  const OptionSpec* pending_priority_ = nullptr;  // a priority no address followed yet
  bool stop_ = false;                             // --help or --version seen
};

}  // namespace

std::string_view socket_type_name(SocketType type) {
  switch (type) {
    case SocketType::none:
      return "none";
    case SocketType::push:
      return "push";
    case SocketType::pull:
      return "pull";
    case SocketType::pub:
      return "pub";
    case SocketType::sub:
      return "sub";
    case SocketType::req:
      return "req";
    case SocketType::rep:
      return "rep";
    case SocketType::surveyor:
      return "surveyor";
    case SocketType::respondent:
      return "respondent";
    case SocketType::bus:
      return "bus";
    case SocketType::pair:
      return "pair";
    case SocketType::pair1:
      return "pair1";
  }
  return "?";
}

Options parse_command_line(std::span<const char* const> args, const FileReader& read) {
  return Parser(args, read).run();
}

}  // namespace nanocat
