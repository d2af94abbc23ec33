// bench_stream's side: the measurements of a round, the two processes of
// each (started, watched, stopped, reaped), and the results. See
// stream_driver.hpp; the child processes are in stream_parent.hpp, the
// measurements of more than two processes in stream_multi.cpp.
#include "stream_driver.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <memory>
#include <sstream>

#include "stream_multi.hpp"
#include "stream_parent.hpp"
#include "tls_credentials.hpp"

namespace bench::stream {

namespace {

/// fanout: the queue per subscriber of the main cells (PUB side and SUB
/// side, in messages): deep enough that no library's own queue limits it
/// (ZeroMQ's high-water mark did at 128: see docs/benchmarks.md).
constexpr std::size_t kFanoutDepth = 10000;

/// Every measurement of one round: per (experiment, pattern, transport,
/// size), each library that supports it, in an order rotated by the round;
/// with --idle, the idle experiment's cells too.
std::vector<Cell> plan(const std::vector<PeerLibrary>& libraries, const Options& o) {
  static constexpr std::size_t kThroughputSizes[] = {64, 1024, 64 << 10, 1 << 20};
  static constexpr std::size_t kLatencySizes[] = {64, 1024, 64 << 10};
  const std::regex filter(o.filter);
  std::vector<Cell> cells;
  auto add = [&](const char* experiment, Pattern p, Transport t, std::size_t size, const char* variant = "",
                 std::size_t depth = 0) {
    std::vector<const PeerLibrary*> able;
    for (const auto& l : libraries) {
      if (l.supports.count({p, t})) able.push_back(&l);
    }
    if (able.empty()) return;
    std::rotate(able.begin(), able.begin() + o.round % static_cast<int>(able.size()), able.end());
    for (const auto* l : able) {
      Cell c{experiment, p, t, size, l, variant, depth};
      if (std::regex_search(c.name(), filter)) cells.push_back(c);
    }
  };
  for (auto t : {Transport::tcp, Transport::ipc, Transport::ws, Transport::tls}) {
    for (auto size : kThroughputSizes) add("throughput", Pattern::push_pull, t, size);
    for (auto p : {Pattern::pair, Pattern::req_rep}) {
      for (auto size : kLatencySizes) add("latency", p, t, size);
    }
  }
  add("fanout", Pattern::pub_sub, Transport::tcp, 64, "", kFanoutDepth);
  add("fanout", Pattern::pub_sub, Transport::tcp, 64, "_defaults", 0);  // what each library gives untuned
  add("connect", Pattern::many, Transport::tcp, kConnections);
  if (o.idle > 0) {
    for (auto t : {Transport::tcp, Transport::ipc, Transport::ws}) add("idle", Pattern::pair, t, 64);
  }
  return cells;
}

/// One measurement of two processes: starts the listener, then (once it is
/// ready) the dialer, and waits for the measuring one's result and both
/// ends' cost (a sender reports its cost when told "report", once the
/// receiver has everything); then lets both go.
Outcome run_cell(const Cell& c, const Options& o, int index) {
  namespace fs = std::filesystem;
  const auto ipc_path = fs::temp_directory_path() /
                        ("sprocket-bench-" + std::to_string(::getpid()) + "-" + std::to_string(index) + ".sock");
  std::string hint = "ipc://" + ipc_path.string();
  if (c.transport == Transport::tcp) hint = "tcp://127.0.0.1:0";  // the child picks a port
  if (c.transport == Transport::ws) hint = "ws://127.0.0.1:0/bench";
  if (c.transport == Transport::tls) hint = "tls+tcp://127.0.0.1:0";
  if (c.pattern == Pattern::pub_sub) return run_fanout(c, o, hint);
  if (c.pattern == Pattern::many) return run_connect(c, o, hint);
  const bool stream = c.pattern == Pattern::push_pull;
  const int measuring = stream ? 0 : 1;
  const std::vector<std::string> role{"listener", "dialer"};
  const Limit limit(o.duration);

  Outcome out;
  std::string result;
  std::vector<std::string> costs(2);
  Kids kids(2);
  kids[0].emplace(c.lib->program, child_args(c, Side::listener, hint, o));
  while (out.error.empty() && (result.empty() || costs[0].empty() || costs[1].empty())) {
    if (auto sd = said(next_event(kids, limit.at), limit, role, out)) {
      if (sd->word == "ready" && sd->child == 0 && !kids[1]) {
        start_dialers(kids, 1, c, sd->rest, o, 1);
      } else if (sd->word == "result" && sd->child == measuring && result.empty()) {
        result = sd->rest;
        if (stream) kids[1]->tell("report");
      } else if (sd->word == "cost") {
        costs[static_cast<std::size_t>(sd->child)] = sd->rest;
      }
    }
  }
  if (out.error.empty()) {
    out.result = result + per_message_cost(costs, stream ? std::vector<std::string>{"recv", "send"}
                                                          : std::vector<std::string>{"echo", "ping"});
  }
  finish_all(kids, {1 - measuring, measuring}, role, out);
  std::error_code ignored;
  fs::remove(ipc_path, ignored);
  return out;
}

/// One JSON object (a line of the output): the cell, and its figures or error.
std::string json_line(const Cell& c, const Options& o, const Outcome& r) {
  std::ostringstream j;
  j.precision(9);
  j << "{\"name\":\"" << c.name() << "\",\"experiment\":\"" << c.experiment << "\",\"pattern\":\""
    << c.pattern_name() << "\",\"transport\":\"" << to_string(c.transport) << "\",\"library\":\""
    << c.lib->name << "\",\"size\":" << c.size << ",\"round\":" << o.round
    << ",\"duration\":" << (std::string(c.experiment) == "idle" ? o.idle : o.duration);
  std::istringstream fields(r.result);
  for (std::string kv; fields >> kv;) {
    const auto eq = kv.find('=');
    if (eq != std::string::npos) j << ",\"" << kv.substr(0, eq) << "\":" << std::stod(kv.substr(eq + 1));
  }
  if (!r.error.empty()) j << ",\"error\":\"" << json_escape(r.error) << "\"";
  if (!r.warning.empty()) j << ",\"warning\":\"" << json_escape(r.warning) << "\"";
  j << "}";
  return j.str();
}

/// A line for the console.
/// A line for the console.
std::string summary(const Cell& c, const Outcome& r) {
  char text[160];
  if (!r.error.empty()) return c.name() + ": FAILED: " + r.error;
  if (std::string(c.experiment) == "idle") {
    std::snprintf(text, sizeof text, "%.3f%% of a core, %.1f wake-ups/s (both ends, %.1f s idle)",
                  field(r.result, "cpu_percent"), field(r.result, "wakeups_per_s"), field(r.result, "idle_s"));
  } else if (c.pattern == Pattern::pub_sub) {
    std::snprintf(text, sizeof text, "per subscriber %.0f msg/s (min %.0f), loss %.1f%% (max %.1f%%); published %.0f msg/s",
                  field(r.result, "msgs_per_s"), field(r.result, "min_msgs_per_s"), 100 * field(r.result, "loss"),
                  100 * field(r.result, "max_loss"), field(r.result, "pub_msgs_per_s"));
  } else if (c.pattern == Pattern::many) {
    std::snprintf(text, sizeof text, "%.1f ms for all; %.0f B per connection (listener), %.0f B (dialers)",
                  field(r.result, "time_s") * 1e3, field(r.result, "listener_bytes_per_conn"),
                  field(r.result, "dialer_bytes_per_conn"));
  } else if (c.pattern == Pattern::push_pull) {
    const double s = field(r.result, "seconds");
    std::snprintf(text, sizeof text, "%.0f msg/s, %.1f MB/s", field(r.result, "messages") / s,
                  field(r.result, "bytes") / s / 1e6);
  } else {
    std::snprintf(text, sizeof text, "one-way p50 %.2f us, p99 %.2f us", field(r.result, "p50_us"),
                  field(r.result, "p99_us"));
  }
  std::string cost;
  if (has_field(r.result, "cpu_us_per_msg")) {
    char more[160];
    std::snprintf(more, sizeof more, "; CPU %.3g us/msg, %.3g switches/msg", field(r.result, "cpu_us_per_msg"),
                  field(r.result, "csw_per_msg"));
    cost = more;
    if (has_field(r.result, "syscalls_per_msg")) cost += ", " + number(field(r.result, "syscalls_per_msg")) + " syscalls/msg";
  }
  return c.name() + ": " + text + cost + (r.warning.empty() ? "" : " (warning: " + r.warning + ")");
}

void usage(std::ostream& os) {
  os << "usage: bench_stream [--duration SECONDS] [--idle SECONDS] [--round N] [--filter REGEX]\n"
        "                    [--out FILE.jsonl] [--list]\n"
        "Measures every library over tcp, ipc and ws (loopback), each end in its own process;\n"
        "also PUB to 4 SUB (fanout) and 1000 connections to one listener (connect).\n"
        "Measurements are named experiment/pattern/transport/library/size; --filter selects\n"
        "by regex. --round N rotates the order of the libraries. Results, one JSON object\n"
        "a line, go to --out (appended). --idle S adds the idle experiment: every library's\n"
        "idle PAIR connection, all at once, for S seconds. Each result also has the CPU time,\n"
        "context switches and (with SPROCKET_BENCH_SYSCALLS=1) system calls per message.\n";
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--duration") {
      o.duration = std::stod(value());
    } else if (a == "--idle") {
      o.idle = std::stod(value());
      if (!(o.idle > 0 && o.idle < 600)) throw std::runtime_error("--idle must be in (0, 600)");
    } else if (a == "--round") {
      o.round = std::stoi(value());
    } else if (a == "--filter") {
      o.filter = value();
    } else if (a == "--out") {
      o.out = value();
    } else if (a == "--list") {
      o.list = true;
    } else {
      throw std::runtime_error("unknown argument " + a);
    }
  }
  if (!(o.duration > 0 && o.duration < 60)) throw std::runtime_error("--duration must be in (0, 60)");
  return o;
}

/// The TLS cells' certificate (tls_credentials.hpp), removed at the end.
class TlsCredentials {
 public:
  TlsCredentials() : dir_(make_tls_credentials()) {}
  ~TlsCredentials() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  TlsCredentials(const TlsCredentials&) = delete;
  TlsCredentials& operator=(const TlsCredentials&) = delete;

 private:
  std::string dir_;
};

/// The libraries each peer program serves (it is asked with --libraries);
/// programs that cannot answer are added to `missing`.
std::vector<PeerLibrary> find_libraries(const std::vector<std::string>& programs, std::string& missing) {
  std::error_code ec;
  const auto dir = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
  if (ec) throw std::system_error(ec, "reading /proc/self/exe");
  std::vector<PeerLibrary> found;
  for (const auto& name : programs) {
    const std::string program = (dir / name).string();
    FILE* f = ::popen(("'" + program + "' --libraries").c_str(), "r");
    std::string text;
    char buf[256];
    while (f && std::fgets(buf, sizeof buf, f)) text += buf;
    if (!f || ::pclose(f) != 0) {
      missing += (missing.empty() ? "" : "; ") + name + " (did not run)";
      continue;
    }
    std::istringstream lines(text);
    for (std::string lib, pattern, transport; lines >> lib >> pattern >> transport;) {
      auto it = std::find_if(found.begin(), found.end(), [&](const auto& l) { return l.name == lib; });
      if (it == found.end()) it = found.insert(found.end(), PeerLibrary{lib, program, {}});
      it->supports.insert({parse_pattern(pattern), parse_transport(transport)});
    }
  }
  return found;
}

int parent_main(const std::vector<std::string>& programs, std::string missing, const Options& o) {
  const auto libraries = find_libraries(programs, missing);
  const auto cells = plan(libraries, o);
  if (o.list) {
    for (const auto& c : cells) std::cout << c.name() << "\n";
    return 0;
  }
  ::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<TlsCredentials> tls;
  if (std::any_of(cells.begin(), cells.end(), [](const Cell& c) { return c.transport == Transport::tls; }))
    tls = std::make_unique<TlsCredentials>();
  std::ofstream out;
  if (!o.out.empty()) {
    out.open(o.out, std::ios::app);
    if (!out) throw std::runtime_error("cannot write " + o.out);
    std::string names;
    for (const auto& l : libraries) names += std::string(names.empty() ? "\"" : ",\"") + l.name + "\"";
    out << "{\"context\":{\"program\":\"bench_stream\",\"round\":" << o.round << ",\"duration\":"
        << o.duration << ",\"libraries\":[" << names << "],\"missing_peers\":\""
        << json_escape(missing) << "\"}}" << std::endl;
  }
  if (!missing.empty()) std::cout << "bench_stream: peers not built: " << missing << "\n";
  int failures = 0;
  auto record = [&](const Cell& c, const Outcome& r) {
    failures += !r.error.empty();
    std::cout << summary(c, r) << std::endl;
    if (out.is_open()) out << json_line(c, o, r) << std::endl;
  };
  std::vector<Cell> idle;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (std::string(cells[i].experiment) == "idle") {
      idle.push_back(cells[i]);
    } else {
      record(cells[i], run_cell(cells[i], o, static_cast<int>(i)));
    }
  }
  if (!idle.empty()) {
    const auto outcomes = run_idle(idle, o);
    for (std::size_t i = 0; i < idle.size(); ++i) record(idle[i], outcomes[i]);
  }
  if (failures) std::cout << "bench_stream: " << failures << " measurement(s) failed\n";
  return failures ? 1 : 0;
}

}  // namespace

int main(const std::vector<std::string>& peer_programs, const std::string& missing, int argc,
         char** argv) {
  try {
    if (argc > 1 && (std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help")) {
      usage(std::cout);
      return 0;
    }
    return parent_main(peer_programs, missing, parse_options(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "bench_stream: " << e.what() << "\n";
    usage(std::cerr);
    return 2;
  }
}

}  // namespace bench::stream