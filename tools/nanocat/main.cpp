// nanocat: the command-line tool of sprocket. It takes nanomsg's nanocat's
// command line (and nngcat's additions): parse it, run the socket, and on
// any failure print one "nanocat: ..." line and exit non-zero.
#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <span>
#include <system_error>

#include "exit_codes.hpp"
#include "options.hpp"
#include "runner.hpp"

#ifndef NANOCAT_VERSION
#define NANOCAT_VERSION "unknown"
#endif

namespace {

int fail(std::string_view message, int code) {
  std::fflush(stdout);
  fmt::print(stderr, "nanocat: {}\n", message);
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const nanocat::Options options = nanocat::parse_command_line(
        std::span<const char* const>(argv, static_cast<std::size_t>(argc)));
    if (options.help) {
      fmt::print("{}", nanocat::help_text());
      return nanocat::kExitOk;
    }
    if (options.version) {
      fmt::print("nanocat (sprocket) {}\n", NANOCAT_VERSION);
      return nanocat::kExitOk;
    }
    return nanocat::run(options);
  } catch (const nanocat::Error& e) {
    return fail(e.what(), e.exit_code());
  } catch (const std::system_error& e) {
    return fail(e.what(), nanocat::kExitFailure);
  } catch (const std::exception& e) {
    return fail(e.what(), nanocat::kExitFailure);
  } catch (...) {
    return fail("unexpected failure", nanocat::kExitFailure);
  }
}
