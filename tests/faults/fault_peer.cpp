// fault_peer: the sprocket program the fault tests run on their other
// "hosts" (inside network namespaces, through `ip netns exec`).
//
//   fault_peer rep --name NAME --listen URL [--parent PID]
//
// A REP server: it listens on URL and prints "ready port=<port>" once it
// does. Each request is answered with "NAME|<request>|<n>", n being how
// many times this server has seen that exact request (a REQ resend shows
// as n > 1). The request "?stats" is answered with
// "NAME|?stats|requests=R distinct=D duplicates=X fds=F rss_kib=K".
// SIGTERM or SIGINT: closes the socket, prints "bye requests=R
// duplicates=X" and exits 0. It dies with its parent process (the test
// that started it), so a crashed test leaves no server behind; --parent
// names that process, so that a parent already gone is noticed too.
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unordered_map>

#include "process_usage.hpp"
#include "sprocket/sprocket.hpp"

namespace {

using namespace std::chrono_literals;

std::atomic<bool> stopping{false};
void on_stop_signal(int) { stopping = true; }

struct Args {
  std::string name;
  std::string url;
  pid_t parent = 0;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "fault_peer: %s\nusage: fault_peer rep --name NAME --listen URL [--parent PID]\n",
               why);
  std::exit(2);
}

Args parse(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) != "rep") usage("the first argument must be 'rep'");
  Args a;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    if (flag == "--name") a.name = argv[i + 1];
    else if (flag == "--listen") a.url = argv[i + 1];
    else if (flag == "--parent") a.parent = static_cast<pid_t>(std::atol(argv[i + 1]));
    else usage((std::string("unknown flag ") + argv[i]).c_str());
  }
  if (a.name.empty() || a.url.empty()) usage("--name and --listen are required");
  return a;
}

// Dies with the test: SIGKILL when the parent goes, and if it went already
// (before prctl), leave now.
void follow_parent(pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (parent > 0 && ::getppid() != parent) {
    std::fprintf(stderr, "fault_peer: parent %d is gone\n", static_cast<int>(parent));
    std::exit(3);
  }
}

class Server {
 public:
  explicit Server(std::string name) : name_(std::move(name)) {}

  std::string answer(std::string_view request) {
    ++requests_;
    if (request == "?stats") return name_ + "|?stats|" + stats();
    // Bounded: a very long run forgets old requests rather than grow.
    if (seen_.size() >= kMaxRemembered) seen_.clear();
    const unsigned n = ++seen_[std::string(request)];
    if (n > 1) ++duplicates_;
    return name_ + "|" + std::string(request) + "|" + std::to_string(n);
  }

  std::string stats() const {
    namespace f = sprocket::test;
    return "requests=" + std::to_string(requests_) + " distinct=" + std::to_string(seen_.size()) +
           " duplicates=" + std::to_string(duplicates_) +
           " fds=" + std::to_string(f::open_fd_count()) + " rss_kib=" + std::to_string(f::rss_kib());
  }

  unsigned long requests() const { return requests_; }
  unsigned long duplicates() const { return duplicates_; }

 private:
  static constexpr std::size_t kMaxRemembered = 200'000;
  std::string name_;
  std::unordered_map<std::string, unsigned> seen_;
  unsigned long requests_ = 0;
  unsigned long duplicates_ = 0;
};

int serve(const Args& args) {
  sprocket::Socket rep{sprocket::rep};
  rep.set_recv_timeout(100ms);  // to notice a stop signal
  rep.set_send_timeout(10s);
  std::error_code ec;
  auto listener = rep.listen(args.url, {}, ec);
  if (ec) {
    std::fprintf(stderr, "fault_peer %s: listen(%s): %s\n", args.name.c_str(), args.url.c_str(),
                 ec.message().c_str());
    return 1;
  }
  std::printf("ready port=%u\n", static_cast<unsigned>(listener.port()));
  std::fflush(stdout);
  Server server(args.name);
  while (!stopping) {
    sprocket::Message request = rep.recv(ec);
    if (ec) continue;  // timed out: check for a stop signal
    rep.send(server.answer(request.str()), ec);  // a peer that left: nothing to answer
  }
  rep.close();
  std::printf("bye requests=%lu duplicates=%lu\n", server.requests(), server.duplicates());
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  follow_parent(args.parent);
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);
  return serve(args);
}
