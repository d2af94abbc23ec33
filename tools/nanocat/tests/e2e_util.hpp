// Shared by nanocat's end-to-end tests: where the three programs are, the
// command lines of the peers, unique ports and ipc paths, and assertions on
// how a run ended.
#pragma once

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "process.hpp"

#ifndef NANOCAT_BIN
#error "NANOCAT_BIN must name the nanocat built by this tree"
#endif
#ifndef NANOMSG_NANOCAT
#define NANOMSG_NANOCAT ""
#endif
#ifndef NNG_NNGCAT
#define NNG_NNGCAT ""
#endif

namespace nanocat::test {

using namespace std::chrono_literals;

/// Generous bound for anything that should happen promptly, sanitizers included.
inline constexpr std::chrono::milliseconds kPatience = 20s;

enum class Tool { ours, nanomsg, nng };

inline const char* tool_name(Tool t) {
  switch (t) {
    case Tool::ours:
      return "ours";
    case Tool::nanomsg:
      return "nanocat";
    case Tool::nng:
      return "nngcat";
  }
  return "?";
}

inline std::string tool_path(Tool t) {
  switch (t) {
    case Tool::ours:
      return NANOCAT_BIN;
    case Tool::nanomsg:
      return NANOMSG_NANOCAT;
    case Tool::nng:
      return NNG_NNGCAT;
  }
  return {};
}

/// Fails the test unless the tool exists; a missing peer is not a skip.
inline ::testing::AssertionResult tool_available(Tool t) {
  std::string p = tool_path(t);
  if (!p.empty() && std::filesystem::exists(p)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << tool_name(t) << " was not found when CMake configured this build ('" << p
         << "'): install " << (t == Tool::nng ? "nng-utils" : "nanomsg-utils")
         << " and re-run CMake";
}

enum class Transport { tcp, ipc, ws };

inline const char* transport_name(Transport t) {
  switch (t) {
    case Transport::tcp:
      return "tcp";
    case Transport::ipc:
      return "ipc";
    case Transport::ws:
      return "ws";
  }
  return "?";
}

/// A loopback TCP port nobody uses now: the one the kernel hands out for
/// a bind to port 0. (Ranges derived from the process id, as before, met
/// another test process's range every 2500 pids under parallel tests.)
/// Another process may still take it before the caller binds: a listener
/// that then fails with "address in use" needs another port.
inline int unique_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  const bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  if (fd >= 0) ::close(fd);
  if (!ok) ADD_FAILURE() << "no free loopback port: " << std::strerror(errno);
  return ok ? ntohs(a.sin_port) : 0;
}

/// A fresh ipc socket path under the temporary directory, removed when the
/// object goes away.
class IpcPath {
 public:
  IpcPath() {
    static std::atomic<int> next{0};
    path_ = (std::filesystem::temp_directory_path() /
             ("nanocat-test-" + std::to_string(::getpid()) + "-" + std::to_string(next++) + ".ipc"))
                .string();
    std::filesystem::remove(path_);
  }
  ~IpcPath() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  IpcPath(const IpcPath&) = delete;
  IpcPath& operator=(const IpcPath&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// A fresh address on `t`: tcp and ws on a unique loopback port, ipc on a
/// unique path.
class Address {
 public:
  /// `peer` is the other program's: a ws:// address has a path (/nanocat)
  /// unless nanomsg's nanocat takes part, since nanomsg 1.1.5 refuses to
  /// bind one with a path. (NNG 1.5.2, given no path, sends the request
  /// line "GET  HTTP/1.1", with an empty target.)
  explicit Address(Transport t, Tool peer = Tool::ours) : transport_(t) {
    switch (t) {
      case Transport::tcp:
        url_ = "tcp://127.0.0.1:" + std::to_string(unique_port());
        break;
      case Transport::ws:
        url_ = "ws://127.0.0.1:" + std::to_string(unique_port()) +
               (peer == Tool::nanomsg ? "" : "/nanocat");
        break;
      case Transport::ipc:
        url_ = "ipc://" + ipc_.path();
        break;
    }
  }
  const std::string& url() const { return url_; }

 private:
  Transport transport_;
  IpcPath ipc_;
  std::string url_;
};

/// `tool`'s flags to bind (listen) or connect (dial) to `url`.
inline std::vector<std::string> endpoint_flags(Tool tool, bool bind, const std::string& url) {
  if (tool == Tool::nng) return {bind ? "--listen" : "--dial", url};
  return {bind ? "--bind" : "--connect", url};
}

/// `tool`'s flag for a socket type as nanocat names it ("push", ...). nngcat
/// needs --pair0 for nanomsg's PAIR and dials asynchronously only when told.
inline std::vector<std::string> type_flags(Tool tool, const std::string& type) {
  if (tool != Tool::nng) return {"--" + type};
  if (type == "pair1") return {"--pair1", "--async"};  // NNG's name already has its version
  return {"--" + type + "0", "--async"};
}

/// A command line: the tool's path, then the arguments.
inline std::vector<std::string> command(Tool tool, std::vector<std::string> args) {
  args.insert(args.begin(), tool_path(tool));
  return args;
}

inline std::vector<std::string> operator+(std::vector<std::string> a,
                                          const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/// Checks that a run failed as a Unix tool should: `code`, nothing on
/// stdout, and exactly one line on stderr, "nanocat: ...".
inline ::testing::AssertionResult failed_with_one_line(Process& p, int code) {
  auto status = p.wait_exit(kPatience);
  if (!status) return ::testing::AssertionFailure() << "did not exit\n" << p.describe();
  if (*status != code)
    return ::testing::AssertionFailure()
           << "exit status " << *status << ", expected " << code << "\n"
           << p.describe();
  const std::string& e = p.err();
  if (!e.starts_with("nanocat: ") || e.back() != '\n' || Process::count(e, "\n") != 1)
    return ::testing::AssertionFailure() << "stderr is not one 'nanocat: ' line\n" << p.describe();
  if (!p.out().empty())
    return ::testing::AssertionFailure() << "stdout is not empty\n" << p.describe();
  return ::testing::AssertionSuccess();
}

/// Checks that a run exited 0.
inline ::testing::AssertionResult succeeded(Process& p) {
  auto status = p.wait_exit(kPatience);
  if (!status) return ::testing::AssertionFailure() << "did not exit\n" << p.describe();
  if (*status != 0)
    return ::testing::AssertionFailure() << "exit status " << *status << "\n" << p.describe();
  return ::testing::AssertionSuccess();
}

}  // namespace nanocat::test
