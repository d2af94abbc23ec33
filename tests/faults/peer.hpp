// A fault_peer REP server on one of the lab's hosts, and the helpers to
// read its answers. The process runs inside the host's namespace through
// `ip netns exec` (which execs, so the child's PID is fault_peer's own);
// the ChildProcess destructor kills and reaps it, and it dies with the
// test in any case (PR_SET_PDEATHSIG).
#pragma once

#include <signal.h>
#include <unistd.h>

#include <cstdint>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include "child_process.hpp"
#include "faults/netns_lab.hpp"
#include "test_util.hpp"

namespace sprocket::test::faults {

/// One answer of fault_peer: "<server>|<request>|<times seen>".
struct Reply {
  std::string server;
  std::string request;
  unsigned seen = 0;
};

inline bool parse_reply(std::string_view text, Reply& r) {
  const auto a = text.find('|');
  const auto b = text.rfind('|');
  if (a == std::string_view::npos || b == a) return false;
  r.server = std::string(text.substr(0, a));
  r.request = std::string(text.substr(a + 1, b - a - 1));
  r.seen = static_cast<unsigned>(std::strtoul(std::string(text.substr(b + 1)).c_str(), nullptr, 10));
  return true;
}

/// A REP server process on `host`, answering as `name`.
class Peer {
 public:
  /// Starts it listening on tcp://<host address>:<port> (0: any port).
  Peer(const Host& host, std::string name, std::uint16_t port = 0) : name_(std::move(name)) {
    process_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        ip_program(), "netns", "exec", host.netns, peer_program(), "rep", "--name", name_,
        "--listen", host.tcp_url(port), "--parent", std::to_string(::getpid())});
  }

  /// Waits for its "ready port=N" line.
  ::testing::AssertionResult wait_ready() {
    if (!process_->wait_for_output("\n", kEventTimeout))
      return ::testing::AssertionFailure() << name_ << " did not start\n" << process_->describe();
    std::istringstream line(process_->output());
    std::string word;
    line >> word;
    if (word != "ready" || !(line >> word) || word.rfind("port=", 0) != 0)
      return ::testing::AssertionFailure() << name_ << " said: " << process_->describe();
    port_ = static_cast<std::uint16_t>(std::stoul(word.substr(5)));
    return ::testing::AssertionSuccess();
  }

  const std::string& name() const { return name_; }
  std::uint16_t port() const { return port_; }
  pid_t pid() const { return process_->pid(); }

  /// A clean stop (SIGTERM): its exit code, 0 when it closed normally (a
  /// sanitizer finding in the server makes it non-zero).
  int stop() { return process_->stop(SIGTERM, kEventTimeout); }
  /// Dies at once, like a crashed server: SIGKILL, by PID, and reaped.
  void kill() { process_->kill_and_reap(); }

  /// Its command line and output, for failure messages.
  std::string describe() { return process_->describe(); }

 private:
  std::string name_;
  std::uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

/// A server's counters, from its "?stats" answer.
using PeerStats = std::map<std::string, long>;

/// Asks the server behind `req` (a REQ socket connected to it alone) for
/// its counters.
inline ::testing::AssertionResult ask_stats(Socket& req, PeerStats& stats) {
  std::error_code ec;
  req.send("?stats", ec);
  Message m;
  if (!ec) m = req.recv(ec);
  if (ec) return ::testing::AssertionFailure() << "?stats: " << describe(ec);
  Reply r;
  if (!parse_reply(m.str(), r) || r.request != "?stats")
    return ::testing::AssertionFailure() << "?stats answered: " << m.str();
  std::istringstream words(std::string(m.str().substr(m.str().rfind('|') + 1)));
  stats.clear();
  for (std::string w; words >> w;) {
    const auto eq = w.find('=');
    if (eq != std::string::npos) stats[w.substr(0, eq)] = std::stol(w.substr(eq + 1));
  }
  return ::testing::AssertionSuccess();
}

/// A short reconnect backoff, so a test sees a server come back quickly.
inline EndpointOptions quick_reconnect(int send_priority = 8) {
  return {.send_priority = send_priority, .reconnect_min = std::chrono::milliseconds(50),
          .reconnect_max = std::chrono::milliseconds(500)};
}

}  // namespace sprocket::test::faults
