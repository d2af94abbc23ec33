// The child's side of bench_stream, in each peer program bench_stream_<peer>:
// its main (peer_main), the control socket, choosing a port, and reducing
// round-trip samples. See stream_driver.hpp.
#include "stream_driver.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <fstream>
#include <iostream>
#include <string_view>
#include <system_error>

namespace bench::stream {

const char* to_string(Pattern p) {
  switch (p) {
    case Pattern::push_pull: return "push_pull";
    case Pattern::pair: return "pair";
    case Pattern::req_rep: return "req_rep";
    case Pattern::pub_sub: return "pub_sub";
    case Pattern::many: return "many";
  }
  return "?";
}

const char* to_string(Transport t) {
  switch (t) {
    case Transport::tcp: return "tcp";
    case Transport::ipc: return "ipc";
    case Transport::ws: return "ws";
    case Transport::tls: return "tls+tcp";
  }
  return "?";
}

namespace {

template <class Enum, std::size_t N>
Enum parse_enum(const std::string& text, const Enum (&values)[N]) {
  for (auto v : values) {
    if (text == to_string(v)) return v;
  }
  throw std::runtime_error("bad argument " + text);
}

}  // namespace

Pattern parse_pattern(const std::string& text) {
  return parse_enum(text, {Pattern::push_pull, Pattern::pair, Pattern::req_rep, Pattern::pub_sub, Pattern::many});
}

Transport parse_transport(const std::string& text) {
  return parse_enum(text, {Transport::tcp, Transport::ipc, Transport::ws, Transport::tls});
}

namespace {

[[noreturn]] void fail_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno("write to the control socket");
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

/// A port on 127.0.0.1 that was free a moment ago.
std::uint16_t pick_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail_errno("socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok) {
    errno = err;
    fail_errno("choosing a port");
  }
  return ntohs(a.sin_port);
}

/// Fills the address fields of `s` from an SP URL.
void set_url(Setup& s, const std::string& url) {
  s.url = url;
  const std::string scheme = std::string(to_string(s.transport)) + "://";
  if (url.rfind(scheme, 0) != 0) throw std::runtime_error("not a " + scheme + " URL: " + url);
  if (s.transport == Transport::ipc) {
    s.path = url.substr(scheme.size());
    return;
  }
  const std::string authority = url.substr(scheme.size(), url.find('/', scheme.size()) - scheme.size());
  const auto colon = authority.rfind(':');
  s.host = authority.substr(0, colon);
  s.port = static_cast<std::uint16_t>(std::stoul(authority.substr(colon + 1)));
}

/// The URL a listener is told to use for `port` (ws: with a path, which
/// every library but nanomsg can listen on).
std::string listen_url(Transport t, std::uint16_t port) {
  const std::string address = "127.0.0.1:" + std::to_string(port);
  if (t == Transport::ws) return "ws://" + address + "/bench";
  return std::string(to_string(t)) + "://" + address;
}

}  // namespace

void Control::say(const std::string& line) {
  spoke_ = true;
  write_all(kControlFd, line + "\n");
}

void Control::wait_for_parent() {
  char buf[256];
  for (;;) {
    const ssize_t n = ::read(kControlFd, buf, sizeof buf);
    if (n > 0 || (n < 0 && errno == EINTR)) continue;
    return;  // end of file: the parent has closed its end
  }
}

std::optional<std::string> Control::next_line(int timeout_ms) {
  const auto until = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (const auto nl = in_.find('\n'); nl != std::string::npos) {
      std::string line = in_.substr(0, nl);
      in_.erase(0, nl + 1);
      return line;
    }
    int wait = -1;
    if (timeout_ms >= 0) {
      wait = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now()).count());
      if (wait < 0) return std::nullopt;
    }
    pollfd p{kControlFd, POLLIN, 0};
    const int r = ::poll(&p, 1, wait);
    if (r < 0 && errno != EINTR) fail_errno("poll on the control socket");
    if (r <= 0) {
      if (r == 0) return std::nullopt;
      continue;
    }
    char buf[256];
    const ssize_t n = ::read(kControlFd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("the parent closed the control socket");
    in_.append(buf, static_cast<std::size_t>(n));
  }
}

std::int64_t resident_bytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;  // "VmRSS:  1234 kB"
  }
  throw std::runtime_error("no VmRSS in /proc/self/status");
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

std::string latency_result(std::vector<std::int64_t>& rt) {
  if (rt.empty()) throw std::runtime_error("no round trip completed");
  std::sort(rt.begin(), rt.end());
  auto percentile = [&](double q) {  // nearest rank
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(rt.size())));
    return static_cast<double>(rt[std::clamp<std::size_t>(rank, 1, rt.size()) - 1]);
  };
  double sum = 0;
  for (auto v : rt) sum += static_cast<double>(v);
  auto one_way_us = [](double round_trip_ns) { return std::to_string(round_trip_ns / 2 / 1000); };
  return "result round_trips=" + std::to_string(rt.size()) +
         " p50_us=" + one_way_us(percentile(0.5)) + " p99_us=" + one_way_us(percentile(0.99)) +
         " mean_us=" + one_way_us(sum / static_cast<double>(rt.size())) +
         " min_us=" + one_way_us(static_cast<double>(rt.front())) +
         " max_us=" + one_way_us(static_cast<double>(rt.back()));
}

void run_child_with(const ChildArgs& args, Control& ctl,
                    void (*open_and_run)(const ChildArgs&, Control&)) {
  const bool choose_port = args.setup.transport != Transport::ipc && args.setup.side == Side::listener;
  ChildArgs a = args;
  for (int attempt = 1;; ++attempt) {
    if (choose_port) set_url(a.setup, listen_url(a.setup.transport, pick_port()));
    try {
      open_and_run(a, ctl);
      return;
    } catch (const std::exception&) {
      // Another process may have taken the port between pick_port() and listen.
      if (!choose_port || ctl.spoke() || attempt == 3) throw;
    }
  }
}

namespace {

const Library& find_library(const std::vector<Library>& libraries, const std::string& name) {
  for (const auto& l : libraries) {
    if (name == l.name) return l;
  }
  throw std::runtime_error("unknown library " + name);
}

/// connect opens a thousand sockets (and some libraries an eventfd or two
/// per socket): the soft limit on descriptors goes up to the hard one.
void raise_fd_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &r);
  }
}

// argv: --child LIBRARY listener|dialer PATTERN TRANSPORT SIZE DURATION URL COUNT INDEX
//        EXPERIMENT QUEUE_DEPTH
int child_main(const std::vector<Library>& libraries, int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  raise_fd_limit();
  Control ctl;
  try {
    // Before the library starts any thread: the counters are inherited.
    cost::enable_syscall_counting_if_requested();
    if (argc != 13) throw std::runtime_error("bad --child arguments");
    const Library& lib = find_library(libraries, argv[2]);
    ChildArgs args;
    args.setup.side = std::string(argv[3]) == "listener" ? Side::listener : Side::dialer;
    args.setup.pattern = parse_pattern(argv[4]);
    args.setup.transport = parse_transport(argv[5]);
    args.setup.size = std::stoul(argv[6]);
    args.duration = std::stod(argv[7]);
    set_url(args.setup, argv[8]);
    args.setup.count = std::stoul(argv[9]);
    args.setup.index = std::stoul(argv[10]);
    args.experiment = argv[11];
    args.setup.queue_depth = std::stoul(argv[12]);
    // A backstop: the parent stops us earlier than this.
    ::alarm(static_cast<unsigned>(args.duration) + kGraceSeconds + 10);
    lib.run_child(args, ctl);
    return 0;
  } catch (const std::exception& e) {
    std::string text = e.what();
    std::replace(text.begin(), text.end(), '\n', ' ');
    try {
      ctl.say("error " + text);
    } catch (...) {
    }
    return 1;
  }
}

}  // namespace

int peer_main(const std::vector<Library>& libraries, int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--child") return child_main(libraries, argc, argv);
  if (argc != 2 || std::string(argv[1]) != "--libraries") {
    std::cerr << "usage: " << argv[0] << " --libraries | --child ...  (run by bench_stream)\n";
    return 2;
  }
  for (const auto& l : libraries) {
    for (auto p : {Pattern::push_pull, Pattern::pair, Pattern::req_rep, Pattern::pub_sub, Pattern::many}) {
      for (auto t : {Transport::tcp, Transport::ipc, Transport::ws, Transport::tls}) {
        if (l.supports(p, t)) std::cout << l.name << " " << to_string(p) << " " << to_string(t) << "\n";
      }
    }
  }
  return 0;
}

}  // namespace bench::stream
