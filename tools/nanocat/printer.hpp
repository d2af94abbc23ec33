// Writes each received message to standard output in the chosen format,
// flushed at once so that a pipe sees every message as it arrives.
#pragma once

#include <cstdio>
#include <sprocket/message.hpp>
#include <string>

#include "format.hpp"

namespace nanocat {

class Printer {
 public:
  Printer(Format format, std::FILE* out) : format_(format), out_(out) {}

  /// Prints `m`'s body and flushes. Throws nanocat::Error (kExitFailure)
  /// when the output cannot be written.
  void print(const sprocket::Message& m);

 private:
  Format format_;
  std::FILE* out_;
  std::string buffer_;
};

}  // namespace nanocat
