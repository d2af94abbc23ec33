#include "printer.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "exit_codes.hpp"

namespace nanocat {

void Printer::print(const sprocket::Message& m) {
  if (format_ == Format::no) return;
  buffer_.clear();
  append_formatted(buffer_, format_, m.body());
  if (std::fwrite(buffer_.data(), 1, buffer_.size(), out_) != buffer_.size() ||
      std::fflush(out_) != 0) {
    throw Error(fmt::format("cannot write to standard output: {}", std::strerror(errno)),
                kExitFailure);
  }
}

}  // namespace nanocat
