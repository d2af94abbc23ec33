#include "input.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

#include "exit_codes.hpp"

namespace nanocat {

std::string read_file(const std::string& path) {
  const bool from_stdin = path == "-";
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> owned(
      from_stdin ? nullptr : std::fopen(path.c_str(), "rb"), &std::fclose);
  std::FILE* f = from_stdin ? stdin : owned.get();
  if (!f)
    throw Error(fmt::format("cannot open file '{}': {}", path, std::strerror(errno)), kExitFile);
  std::string data;
  char buf[65536];
  for (;;) {
    std::size_t n = std::fread(buf, 1, sizeof buf, f);
    data.append(buf, n);
    if (n < sizeof buf) break;
  }
  if (std::ferror(f)) {
    throw Error(fmt::format("cannot read file '{}': {}", from_stdin ? "standard input" : path,
                            std::strerror(errno)),
                kExitFile);
  }
  return data;
}

std::optional<std::string> LineReader::next(const std::atomic<bool>* stop) {
  for (;;) {
    auto nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    if (eof_ || !fill(stop)) {
      if (buffer_.empty()) return std::nullopt;
      if (stop && stop->load()) return std::nullopt;
      return std::exchange(buffer_, {});
    }
  }
}

bool LineReader::fill(const std::atomic<bool>* stop) {
  for (;;) {
    if (stop) {
      if (stop->load()) return false;
      pollfd p{fd_, POLLIN, 0};
      int r = ::poll(&p, 1, 100);
      if (r < 0 && errno != EINTR) {
        throw Error(fmt::format("cannot read standard input: {}", std::strerror(errno)),
                    kExitFailure);
      }
      if (r <= 0) continue;
    }
    char buf[65536];
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n > 0) {
      buffer_.append(buf, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0) {
      eof_ = true;
      return false;
    }
    if (errno == EINTR || errno == EAGAIN) continue;
    throw Error(fmt::format("cannot read standard input: {}", std::strerror(errno)), kExitFailure);
  }
}

}  // namespace nanocat
