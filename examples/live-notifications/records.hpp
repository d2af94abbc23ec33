// The records of the live-notifications demo and the requests that read and
// change them. Pure logic, no sockets: the server (server.cpp) feeds it the
// requests that arrive on its REP socket and publishes the events it returns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace live {

struct Record {
  int id = 0;
  std::string title;
  std::string body;
  std::uint64_t version = 1;
  std::string editor;  // who changed it last ("" at start)
};

/// What a request produces: the reply, and for a change the event to publish.
struct Outcome {
  std::string reply;                 // JSON
  std::optional<std::string> event;  // "record/<id> " + JSON of the record
};

/// Longest body and editor name accepted, so one request cannot grow the store without bound.
inline constexpr std::size_t kMaxBody = 10'000;
inline constexpr std::size_t kMaxEditor = 40;

/// The topic of a record's events: subscribe to it to follow one record.
std::string topic(int id);

/// The JSON object of a record.
std::string to_json(const Record& r);

class RecordStore {
 public:
  /// A store with the demo's starting records.
  RecordStore();

  /// Handles one request (the protocol is in README.md):
  ///   list                       -> {"records":[...]}
  ///   get <id>                   -> the record
  ///   edit <id> <editor>\n<body> -> the changed record; publishes an event
  /// Anything else gets {"error":"..."} naming what was wrong.
  Outcome handle(std::string_view request);

  const std::vector<Record>& records() const { return records_; }

 private:
  Record* find(std::string_view id_text);
  Outcome list() const;
  Outcome get(std::string_view args);
  Outcome edit(std::string_view args, std::string_view body);

  std::vector<Record> records_;
};

}  // namespace live
