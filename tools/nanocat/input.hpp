// Where the messages nanocat sends come from: a file (--file, read whole,
// "-" for standard input) or the lines of standard input (--stdin).
#pragma once

#include <atomic>
#include <optional>
#include <string>

namespace nanocat {

/// The whole contents of `path` ("-": standard input). Throws
/// nanocat::Error (kExitFile) naming the file when it cannot be read.
std::string read_file(const std::string& path);

/// Reads a file descriptor line by line. Each line is returned without its
/// '\n'; a last line without one is returned too. Only the calling thread
/// may use it.
class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}

  /// The next line, or nullopt at end of input. When `stop` is given, the
  /// wait for input also ends (nullopt) once *stop becomes true; it is
  /// checked at least every 100 ms. Throws nanocat::Error on a read error.
  std::optional<std::string> next(const std::atomic<bool>* stop = nullptr);

 private:
  bool fill(const std::atomic<bool>* stop);  // false at end of input or on stop

  int fd_;
  std::string buffer_;
  bool eof_ = false;
};

}  // namespace nanocat
