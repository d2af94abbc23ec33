#include "records.hpp"

#include <charconv>

#include <fmt/format.h>

namespace live {
namespace {

// JSON string literal of `s` (UTF-8 passes through; control characters escaped).
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

Outcome error(std::string_view what) {
  return {fmt::format("{{\"error\":{}}}", quoted(what)), std::nullopt};
}

// Splits off the first space-separated word of `s`.
std::string_view next_word(std::string_view& s) {
  auto end = s.find(' ');
  auto word = s.substr(0, end);
  s = end == std::string_view::npos ? std::string_view{} : s.substr(end + 1);
  return word;
}

// Shortens a value quoted in an error message, so a huge request is not echoed whole.
std::string_view clip(std::string_view s) {
  return s.substr(0, 40);
}

}  // namespace

std::string topic(int id) {
  return fmt::format("record/{} ", id);
}

std::string to_json(const Record& r) {
  return fmt::format(R"({{"id":{},"title":{},"body":{},"version":{},"editor":{}}})", r.id,
                     quoted(r.title), quoted(r.body), r.version, quoted(r.editor));
}

RecordStore::RecordStore() {
  records_ = {
      {1, "Order #1042 — shipping address", "Deliver to the loading dock, gate 3.", 1, ""},
      {2, "Incident: checkout latency", "Investigating slow card payments since 09:40.", 1, ""},
      {3, "Release notes 2.4", "- Faster search\n- Dark mode", 1, ""},
      {4, "Lunch order", "2x falafel wrap, 1x soup of the day", 1, ""},
  };
}

Record* RecordStore::find(std::string_view id_text) {
  int id = 0;
  auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc{} || end != id_text.data() + id_text.size()) return nullptr;
  for (auto& r : records_)
    if (r.id == id) return &r;
  return nullptr;
}

Outcome RecordStore::handle(std::string_view request) {
  auto newline = request.find('\n');
  std::string_view line = request.substr(0, newline);
  std::string_view body =
      newline == std::string_view::npos ? std::string_view{} : request.substr(newline + 1);
  std::string_view verb = next_word(line);
  if (verb == "list" && line.empty()) return list();
  if (verb == "get") return get(line);
  if (verb == "edit" && newline != std::string_view::npos) return edit(line, body);
  return error(fmt::format(
      "unknown request '{}': expected 'list', 'get <id>' or 'edit <id> <editor>\\n<body>'",
      clip(request.substr(0, newline))));
}

Outcome RecordStore::list() const {
  std::string out = R"({"records":[)";
  for (std::size_t i = 0; i < records_.size(); ++i) {
    if (i) out += ',';
    out += to_json(records_[i]);
  }
  out += "]}";
  return {out, std::nullopt};
}

Outcome RecordStore::get(std::string_view args) {
  Record* r = find(args);
  if (!r) return error(fmt::format("no record '{}'", clip(args)));
  return {to_json(*r), std::nullopt};
}

Outcome RecordStore::edit(std::string_view args, std::string_view body) {
  std::string_view id_text = next_word(args);
  Record* r = find(id_text);
  if (!r) return error(fmt::format("no record '{}'", clip(id_text)));
  if (args.empty() || args.size() > kMaxEditor || args.find(' ') != std::string_view::npos)
    return error(fmt::format("the editor must be one word of 1..{} bytes, not '{}'", kMaxEditor,
                             clip(args)));
  if (body.size() > kMaxBody)
    return error(fmt::format("the body has {} bytes, more than {}", body.size(), kMaxBody));
  r->body = body;
  r->editor = args;
  ++r->version;
  std::string json = to_json(*r);
  return {json, topic(r->id) + json};
}

}  // namespace live
