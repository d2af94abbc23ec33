// A REQ client that sends numbered requests one after the other on its own
// thread ("req-0", "req-1", ...) while the test breaks and mends the
// network, and records every outcome: which server answered, how many
// times that server had seen the request (more than once: a resend
// reached it), and in which phase of the test the request started. The
// first failure (a timeout: a lost request; a wrong answer) ends the loop.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "faults/peer.hpp"

namespace sprocket::test::faults {

class RequestLoop {
 public:
  struct Outcome {
    int index = 0;
    int phase = 0;      ///< the test's phase when the request was sent
    int end_phase = 0;  ///< ... and when its answer came
    std::string server;
    unsigned seen = 0;  ///< how often the server had seen it when it answered
    /// The socket's connections just after send() had routed it.
    std::uint64_t pipes_at_send = 0;

    /// Sent and answered within one phase (not in flight at a change).
    bool within(int p) const { return phase == p && end_phase == p; }
  };

  /// Starts sending on `req` (its recv timeout bounds each request).
  explicit RequestLoop(Socket& req) : req_(req), thread_([this] { run(); }) {}
  /// If the test ends early: closes the socket (a blocked request returns
  /// errc::closed) and joins.
  ~RequestLoop() {
    if (!thread_.joinable()) return;
    stop_ = true;
    req_.close();
    thread_.join();
  }
  RequestLoop(const RequestLoop&) = delete;
  RequestLoop& operator=(const RequestLoop&) = delete;

  /// Requests sent from now on are marked with `phase`.
  void set_phase(int phase) { phase_ = phase; }

  /// Waits until `n` requests of `phase` were answered (or the loop failed).
  bool wait_answered(int phase, std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return !failure_.empty() || count(phase) >= n; }) &&
           failure_.empty();
  }

  /// Lets the request in flight finish, then stops and joins.
  void finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  /// "" if every request was answered correctly; otherwise what went wrong.
  std::string failure() const {
    std::lock_guard lock(mu_);
    return failure_;
  }
  std::vector<Outcome> outcomes() const {
    std::lock_guard lock(mu_);
    return outcomes_;
  }
  /// Requests answered so far.
  std::size_t answered() const {
    std::lock_guard lock(mu_);
    return outcomes_.size();
  }
  /// The servers that answered requests sent and answered within `phase`.
  std::set<std::string> servers(int phase) const {
    std::set<std::string> s;
    for (const auto& o : outcomes())
      if (o.within(phase)) s.insert(o.server);
    return s;
  }
  /// For failure messages: the requests in runs of one phase (or one
  /// phase change), and who answered how many of them; "seen n" marks
  /// requests the server had seen before (resends).
  std::string summary() const {
    const auto all = outcomes();
    std::string s;
    for (std::size_t i = 0; i < all.size();) {
      std::size_t j = i;
      std::map<std::string, int> by_server;
      std::string resent;
      for (; j < all.size() && all[j].phase == all[i].phase && all[j].end_phase == all[i].end_phase;
           ++j) {
        ++by_server[all[j].server];
        if (all[j].seen > 1)
          resent += " req-" + std::to_string(all[j].index) + " seen " + std::to_string(all[j].seen);
      }
      s += "req-" + std::to_string(all[i].index) + "..req-" + std::to_string(all[j - 1].index) +
           " phase " + std::to_string(all[i].phase) +
           (all[i].end_phase != all[i].phase ? "->" + std::to_string(all[i].end_phase) : "") + ":";
      for (const auto& [server, n] : by_server) s += " " + server + " x" + std::to_string(n);
      s += resent + "\n";
      i = j;
    }
    return s + (failure().empty() ? "" : "failure: " + failure());
  }

 private:
  void run() {
    for (int i = 0; !stop_; ++i) {
      const int phase = phase_;
      const std::string body = "req-" + std::to_string(i);
      std::error_code ec;
      req_.send(body, ec);
      const std::uint64_t pipes = req_.stats().pipes;
      Message m;
      if (!ec) m = req_.recv(ec);
      Reply r;
      std::string error;
      if (ec) error = "request " + body + ": " + describe(ec);
      else if (!parse_reply(m.str(), r) || r.request != body)
        error = "request " + body + " got the answer '" + std::string(m.str()) + "'";
      if (!record(i, phase, pipes, r, error)) return;
    }
  }

  bool record(int index, int phase, std::uint64_t pipes, const Reply& r,
              const std::string& error) {
    {
      std::lock_guard lock(mu_);
      if (!error.empty()) {
        if (!(stop_ && req_closed_error(error))) failure_ = error;
      } else {
        outcomes_.push_back({index, phase, phase_, r.server, r.seen, pipes});
      }
    }
    cv_.notify_all();
    return error.empty();
  }

  // The destructor's close() ends a blocked request: not a failure.
  static bool req_closed_error(const std::string& error) {
    return error.find(describe(make_error_code(errc::closed))) != std::string::npos;
  }

  std::size_t count(int phase) const {
    std::size_t n = 0;
    for (const auto& o : outcomes_) n += o.phase == phase;
    return n;
  }

  Socket& req_;
  std::atomic<bool> stop_{false};
  std::atomic<int> phase_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Outcome> outcomes_;
  std::string failure_;
  std::thread thread_;  // last: starts once the rest is ready
};

}  // namespace sprocket::test::faults
