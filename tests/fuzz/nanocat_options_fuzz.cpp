// nanocat's command line (tools/nanocat/options.cpp). The input is a
// command line: words separated by zero bytes, the first one the program
// name (nn_req and friends imply a socket type). --file goes to a reader
// that touches no file. The parser must end in one of two ways only: the
// parsed Options, or nanocat::Error with the usage or file status (never
// another exception, an exit or an abort). Parsed options must be
// complete (a socket type, an address, priorities 1..16, no negative
// durations) and, written back as a canonical command line, parse to the
// same Options.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tools/nanocat/exit_codes.hpp"
#include "fuzz_util.hpp"
#include "tools/nanocat/options.hpp"

namespace {

using namespace nanocat;

// What --file reads here: the path's own text, or a failure for a path
// starting with '!', so both outcomes are reachable.
std::string fake_file(const std::string& path) {
  if (path.starts_with('!')) throw Error("cannot open file '" + path + "'", kExitFile);
  return "file:" + path;
}

// A decimal number of seconds that nanocat reads back as exactly `ms`
// milliseconds (it truncates seconds * 1000).
std::string seconds_text(Millis ms) {
  const long long v = ms.count();
  for (const char* tail : {"", "5"}) {
    char text[64];
    std::snprintf(text, sizeof text, "%lld.%03lld%s", v / 1000, v % 1000, tail);
    if (static_cast<long long>(std::strtod(text, nullptr) * 1000) == v) return text;
  }
  FUZZ_CHECK(false);
  return {};
}

void add(std::vector<std::string>& words, std::string_view name, const std::string& value) {
  words.push_back("--" + std::string(name) + "=" + value);
}

// The Options written back as a command line with one spelling per field.
std::vector<std::string> canonical(const Options& o) {
  std::vector<std::string> w{"nanocat", "--" + std::string(socket_type_name(o.type))};
  for (int i = 0; i < std::abs(o.verbose); ++i) w.push_back(o.verbose > 0 ? "-v" : "-q");
  // A priority holds for every address after it, until the next one.
  int send_priority = 8, recv_priority = 8;
  for (const Endpoint& e : o.endpoints) {
    if (e.send_priority != send_priority) add(w, "send-priority", std::to_string(e.send_priority));
    if (e.recv_priority != recv_priority) add(w, "recv-priority", std::to_string(e.recv_priority));
    send_priority = e.send_priority;
    recv_priority = e.recv_priority;
    add(w, e.kind == Endpoint::Kind::bind ? "bind" : "connect", e.url);
  }
  if (o.send_timeout.count() >= 0) add(w, "send-timeout", seconds_text(o.send_timeout));
  if (o.recv_timeout.count() >= 0) add(w, "recv-timeout", seconds_text(o.recv_timeout));
  if (!o.socket_name.empty()) add(w, "socket-name", o.socket_name);
  for (const auto& s : o.subscriptions) add(w, "subscribe", s);
  if (o.survey_deadline) add(w, "survey-deadline", seconds_text(*o.survey_deadline));
  if (o.recv_max_size) add(w, "recv-maxsz", std::to_string(*o.recv_max_size));
  if (o.format != Format::no) add(w, "format", std::string(format_name(o.format)));
  if (o.interval.count() >= 0) add(w, "interval", seconds_text(o.interval));
  if (o.delay.count() != 0) add(w, "delay", seconds_text(o.delay));
  if (o.sleep != Millis(200)) add(w, "sleep", seconds_text(o.sleep));
  if (o.data) add(w, "data", *o.data);
  if (o.stdin_lines) w.push_back("--stdin");
  if (o.count != 0) add(w, "count", std::to_string(o.count));
  return w;
}

bool same(const Options& a, const Options& b) {
  return a.help == b.help && a.version == b.version && a.verbose == b.verbose &&
         a.type == b.type && a.endpoints == b.endpoints && a.send_timeout == b.send_timeout &&
         a.recv_timeout == b.recv_timeout && a.socket_name == b.socket_name &&
         a.subscriptions == b.subscriptions && a.survey_deadline == b.survey_deadline &&
         a.recv_max_size == b.recv_max_size && a.format == b.format && a.interval == b.interval &&
         a.delay == b.delay && a.sleep == b.sleep && a.data == b.data &&
         a.stdin_lines == b.stdin_lines && a.count == b.count;
}

// Parses, turning anything but the two documented outcomes into a crash.
std::optional<Options> parse(const std::vector<std::string>& words) {
  std::vector<const char*> argv;
  for (const auto& w : words) argv.push_back(w.c_str());
  try {
    return parse_command_line(argv, fake_file);
  } catch (const Error& e) {
    FUZZ_CHECK(e.exit_code() == kExitUsage || e.exit_code() == kExitFile);
    FUZZ_CHECK(std::string_view(e.what()).size() > 0);
    return std::nullopt;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unexpected exception: %s\n", e.what());
    FUZZ_CHECK(!"parse_command_line throws only nanocat::Error");
  }
  return std::nullopt;
}

void check_complete(const Options& o) {
  FUZZ_CHECK(o.type != SocketType::none);
  FUZZ_CHECK(!o.endpoints.empty());
  for (const Endpoint& e : o.endpoints) {
    FUZZ_CHECK(e.send_priority >= 1 && e.send_priority <= 16);
    FUZZ_CHECK(e.recv_priority >= 1 && e.recv_priority <= 16);
  }
  for (Millis m : {o.send_timeout, o.recv_timeout, o.interval})
    FUZZ_CHECK(m.count() == -1 || m.count() >= 0);
  FUZZ_CHECK(!o.survey_deadline || o.survey_deadline->count() >= 0);
  FUZZ_CHECK(o.delay.count() >= 0 && o.sleep.count() >= 0);
  FUZZ_CHECK(o.subscriptions.empty() || o.type == SocketType::sub);
  FUZZ_CHECK(!(o.data && o.stdin_lines));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;  // a command line, not a file
  std::vector<std::string> words(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      words.emplace_back();
    } else {
      words.back().push_back(static_cast<char>(data[i]));
    }
  }
  const auto parsed = parse(words);
  if (!parsed || parsed->help || parsed->version) return 0;
  check_complete(*parsed);
  const auto again = parse(canonical(*parsed));
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(same(*parsed, *again));
  return 0;
}
