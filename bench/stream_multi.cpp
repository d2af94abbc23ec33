// bench_stream's measurements with more than two processes: fanout (a
// publisher and 4 subscribers), connect (a listener and 2 dialer processes
// of 500 connections) and idle (every library's idle connection at once).
#include "stream_multi.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace bench::stream {

/// fanout: a PUB listener and kFanoutSubscribers SUB dialers. The parent
/// says "go" to the publisher once every subscriber has had a probe, and
/// "stop" to the subscribers still counting 2 s after the publisher
/// reported (their end markers were all dropped). Result: per subscriber
/// messages/s (median and min of the subscribers) and loss (median, max),
/// and the CPU of all five processes per message delivered.
Outcome run_fanout(const Cell& c, const Options& o, const std::string& hint) {
  const int subs = kFanoutSubscribers;
  std::vector<std::string> role{"publisher"};
  for (int i = 1; i <= subs; ++i) role.push_back("subscriber " + std::to_string(i));
  const Limit limit(o.duration);
  Outcome out;
  Kids kids(1 + subs);
  kids[0].emplace(c.lib->program, child_args(c, Side::listener, hint, o, subs));
  int subscribed = 0;
  std::string published;
  std::vector<std::string> counted(1 + subs), costs(1 + subs);
  int reported = 0;
  auto stop_at = Clock::time_point::max();
  while (out.error.empty() && (published.empty() || reported < subs)) {
    auto ev = next_event(kids, std::min(limit.at, stop_at));
    if (!ev && Clock::now() >= stop_at && Clock::now() < limit.at) {
      for (int i = 1; i <= subs; ++i) {
        if (counted[i].empty()) kids[i]->tell("stop");
      }
      stop_at = Clock::time_point::max();
      continue;
    }
    if (auto sd = said(ev, limit, role, out)) {
      const auto& [k, word, rest] = *sd;
      if (k == 0 && word == "ready" && !kids[1]) {
        start_dialers(kids, subs, c, rest, o, 1);
      } else if (k > 0 && word == "subscribed" && ++subscribed == subs) {
        kids[0]->tell("go");
      } else if (k == 0 && word == "result") {
        published = rest;
        stop_at = Clock::now() + std::chrono::seconds(2);
      } else if (word == "cost") {
        costs[k] = rest;
      } else if (k > 0 && word == "result" && counted[k].empty()) {
        counted[k] = rest;
        ++reported;
      }
    }
  }
  std::vector<int> order;
  for (int i = subs; i >= 0; --i) order.push_back(i);
  finish_all(kids, order, role, out);
  if (!out.error.empty()) return out;

  const double sent = field(published, "sent");
  std::vector<double> rates, losses;
  int ended = 0;
  double delivered = 0;
  for (int i = 1; i <= subs; ++i) {
    const double got = field(counted[i], "received"), seconds = field(counted[i], "seconds");
    rates.push_back(seconds > 0 ? got / seconds : 0.0);
    losses.push_back(sent > 0 ? 1.0 - got / sent : 1.0);
    ended += static_cast<int>(field(counted[i], "ended"));
    delivered += got;
  }
  std::sort(rates.begin(), rates.end());
  std::sort(losses.begin(), losses.end());
  auto median = [](const std::vector<double>& v) { return (v[(v.size() - 1) / 2] + v[v.size() / 2]) / 2; };
  out.result = "msgs_per_s=" + number(median(rates)) + " min_msgs_per_s=" + number(rates.front()) +
               " bytes_per_s=" + number(median(rates) * static_cast<double>(c.size)) +
               " loss=" + number(median(losses)) + " max_loss=" + number(losses.back()) +
               " sent=" + number(sent) + " pub_msgs_per_s=" + number(sent / field(published, "seconds")) +
               " subscribers=" + std::to_string(subs) + " ended=" + std::to_string(ended) +
               " queue_depth=" + std::to_string(c.queue_depth);
  // CPU of the publisher and the subscribers over their windows, per message delivered.
  if (std::none_of(costs.begin(), costs.end(), [](const auto& s) { return s.empty(); })) {
    out.result += pooled_cost(costs, delivered);
  }
  return out;
}

/// connect: a PULL listener and kConnectDialers dialer processes of
/// kConnections / kConnectDialers connections each. The parent says "go"
/// to every dialer once all are ready and the listener has taken its
/// memory figure, and "measure" once the listener has a message from every
/// connection. Result: the time from the first dialer's start to the last
/// message, and resident memory per connection on each side (and, as
/// diagnostics, when the dialers had opened every socket and sent).
Outcome run_connect(const Cell& c, const Options& o, const std::string& hint) {
  const int dialers = kConnectDialers;
  const std::size_t per_dialer = c.size / dialers;
  std::vector<std::string> role{"listener"};
  for (int i = 1; i <= dialers; ++i) role.push_back("dialer " + std::to_string(i));
  const Limit limit(o.duration);
  Outcome out;
  Kids kids(1 + dialers);
  kids[0].emplace(c.lib->program, child_args(c, Side::listener, hint, o, per_dialer * dialers));
  bool armed = false, went = false;
  int ready = 0, reported = 0;
  std::vector<std::string> results(1 + dialers);
  while (out.error.empty() && (results[0].empty() || reported < dialers)) {
    if (auto sd = said(next_event(kids, limit.at), limit, role, out)) {
      const auto& [k, word, rest] = *sd;
      if (k == 0 && word == "ready" && !kids[1]) {
        start_dialers(kids, dialers, c, rest, o, per_dialer);
      } else if (k == 0 && word == "armed") {
        armed = true;
      } else if (k > 0 && word == "ready") {
        ++ready;
      } else if (k == 0 && word == "result") {
        results[0] = rest;
        for (int i = 1; i <= dialers; ++i) kids[i]->tell("measure");
      } else if (k > 0 && word == "result" && results[k].empty()) {
        results[k] = rest;
        ++reported;
      }
      if (armed && ready == dialers && !went) {
        went = true;
        for (int i = 1; i <= dialers; ++i) kids[i]->tell("go");
      }
    }
  }
  std::vector<int> order;
  for (int i = dialers; i >= 0; --i) order.push_back(i);
  finish_all(kids, order, role, out);
  if (!out.error.empty()) return out;

  const double n = static_cast<double>(per_dialer * dialers);
  std::int64_t start = std::numeric_limits<std::int64_t>::max(), opened = 0, sent = 0, dialer_bytes = 0;
  for (int i = 1; i <= dialers; ++i) {
    start = std::min(start, int_field(results[i], "start_ns"));
    opened = std::max(opened, int_field(results[i], "opened_ns"));
    sent = std::max(sent, int_field(results[i], "sent_ns"));
    dialer_bytes += int_field(results[i], "rss_after") - int_field(results[i], "rss_before");
  }
  const auto listener_bytes = int_field(results[0], "rss_after") - int_field(results[0], "rss_before");
  out.result = "time_s=" + number(static_cast<double>(int_field(results[0], "end_ns") - start) / 1e9) +
               " listener_bytes_per_conn=" + number(static_cast<double>(listener_bytes) / n) +
               " dialer_bytes_per_conn=" + number(static_cast<double>(dialer_bytes) / n) +
               " connections=" + number(n) + " dialers=" + std::to_string(dialers) +
               // where the time went: every socket made and dialing, every send returned
               " open_s=" + number(static_cast<double>(opened - start) / 1e9) +
               " send_s=" + number(static_cast<double>(sent - start) / 1e9);
  return out;
}

namespace {

/// idle: one cell's result from its two children's reports ("result
/// <cost fields>"): CPU as a percentage of one core and wake-ups (context
/// switches) per second, both processes added, and each side's CPU. The
/// figures include what the measuring thread itself costs (reading its
/// usage twice, one sleep), which is why raw sockets do not show 0 CPU.
std::string idle_result(const std::string& listener, const std::string& dialer) {
  double percent = 0, wakeups = 0, syscalls = 0;
  std::string sides;
  const bool counted = has_field(listener, "syscalls") && has_field(dialer, "syscalls");
  for (const auto* r : {&listener, &dialer}) {
    const double wall = field(*r, "wall_s");
    if (wall <= 0) return "";
    const double p = (field(*r, "cpu_user_s") + field(*r, "cpu_sys_s")) / wall * 100;
    percent += p;
    // Less the one wake-up of the measuring thread itself at the window's end.
    wakeups += std::max(field(*r, "vcsw") + field(*r, "ivcsw") - 1, 0.0) / wall;
    syscalls += field(*r, "syscalls") / wall;
    sides += std::string(r == &listener ? " listener" : " dialer") + "_cpu_percent=" + number(p);
  }
  return "cpu_percent=" + number(percent) + " wakeups_per_s=" + number(wakeups) + sides +
         " idle_s=" + number(field(listener, "wall_s")) +
         (counted ? " syscalls_per_s=" + number(syscalls) : "");
}

}  // namespace

std::vector<Outcome> run_idle(const std::vector<Cell>& cells, const Options& o) {
  namespace fs = std::filesystem;
  const std::size_t n = cells.size();
  std::vector<Outcome> outs(n);
  std::vector<std::string> role(2 * n), results(2 * n);
  Kids kids(2 * n);
  std::vector<fs::path> ipc_paths;
  for (std::size_t i = 0; i < n; ++i) {
    role[2 * i] = cells[i].name() + " listener";
    role[2 * i + 1] = cells[i].name() + " dialer";
    std::string hint = "tcp://127.0.0.1:0";  // the child picks a port
    if (cells[i].transport == Transport::ws) hint = "ws://127.0.0.1:0/bench";
    if (cells[i].transport == Transport::ipc) {
      ipc_paths.push_back(fs::temp_directory_path() / ("sprocket-bench-idle-" + std::to_string(::getpid()) + "-" +
                                                      std::to_string(i) + ".sock"));
      hint = "ipc://" + ipc_paths.back().string();
    }
    kids[2 * i].emplace(cells[i].lib->program, child_args(cells[i], Side::listener, hint, o));
  }
  const Limit limit(o.idle);
  std::vector<bool> closed(n);
  auto close_cell = [&](std::size_t i) {
    if (closed[i]) return;
    closed[i] = true;
    finish_all(kids, {static_cast<int>(2 * i + 1), static_cast<int>(2 * i)}, role, outs[i]);
    kids[2 * i].reset();
    kids[2 * i + 1].reset();
  };
  while (std::find(closed.begin(), closed.end(), false) != closed.end()) {
    const auto ev = next_event(kids, limit.at);
    if (!ev) {  // out of time: every cell still open failed
      for (std::size_t i = 0; i < n; ++i) {
        if (!closed[i]) outs[i].error = limit.text;
        close_cell(i);
      }
      break;
    }
    const std::size_t i = static_cast<std::size_t>(ev->child) / 2;
    const auto sd = said(ev, limit, role, outs[i]);
    if (!sd) {
      close_cell(i);
      continue;
    }
    if (sd->word == "ready" && sd->child % 2 == 0 && !kids[2 * i + 1]) {
      start_dialers(kids, 1, cells[i], sd->rest, o, 1, static_cast<int>(2 * i + 1));
    } else if (sd->word == "result") {
      results[static_cast<std::size_t>(sd->child)] = sd->rest;
      if (!results[2 * i].empty() && !results[2 * i + 1].empty()) {
        outs[i].result = idle_result(results[2 * i], results[2 * i + 1]);
        close_cell(i);
      }
    }
  }
  for (const auto& p : ipc_paths) {
    std::error_code ignored;
    fs::remove(p, ignored);
  }
  return outs;
}

}  // namespace bench::stream
