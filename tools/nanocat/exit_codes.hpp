// nanocat's exit statuses and the one exception type that carries them up
// to main(), which prints its message as the single "nanocat: ..." line.
#pragma once

#include <stdexcept>
#include <string>

namespace nanocat {

/// Exit statuses. 1..3 are nanomsg's nanocat's; 4 is new (nanocat exits 0
/// when a receive times out).
enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 1,    ///< a bad flag, value or combination of flags
  kExitFile = 2,     ///< --file could not be read
  kExitFailure = 3,  ///< the socket failed: bad address, refused bind, send/recv error
  kExitTimeout = 4,  ///< a send or receive timed out (--send-timeout, --recv-timeout)
};

/// A failure that ends the program: `what()` is the message (without the
/// "nanocat: " prefix) and exit_code() the status.
class Error : public std::runtime_error {
 public:
  Error(std::string message, int exit_code)
      : std::runtime_error(std::move(message)), code_(exit_code) {}
  int exit_code() const noexcept { return code_; }

 private:
  int code_;
};

}  // namespace nanocat
