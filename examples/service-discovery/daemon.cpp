// The discovery daemon: every SURVEY_INTERVAL it surveys everyone connected
// to DISCOVERY_ADDR ("who is there?"); each live service answers
// "<name> <address>" before SURVEY_DEADLINE. The answers of one survey are
// the live set: a service that stops answering is forgotten at the next
// survey. Clients ask RESOLVER_ADDR for a name and get one live provider's
// address, picked at random (empty when there is none).
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include <sprocket/sprocket.hpp>

#include "common.hpp"

namespace {

using Providers = std::map<std::string, std::set<std::string>>;  // name -> addresses

class Registry {
 public:
  // Replaces the live set with one survey's answers; prints what changed.
  void update(const Providers& seen) {
    std::lock_guard lock(mu_);
    report(seen, live_, "discovered");
    report(live_, seen, "lost");
    live_ = seen;
  }

  std::string pick(const std::string& name) {
    std::lock_guard lock(mu_);
    auto it = live_.find(name);
    if (it == live_.end() || it->second.empty()) return "";
    std::vector<std::string> options(it->second.begin(), it->second.end());
    return options[std::uniform_int_distribution<std::size_t>(0, options.size() - 1)(rng_)];
  }

 private:
  static void report(const Providers& a, const Providers& b, const char* what) {
    for (const auto& [name, addrs] : a)
      for (const auto& addr : addrs)
        if (!b.count(name) || !b.at(name).count(addr))
          std::printf("daemon: %s %s at %s\n", what, name.c_str(), addr.c_str());
    std::fflush(stdout);
  }

  std::mutex mu_;
  Providers live_;
  std::mt19937 rng_{std::random_device{}()};
};

void survey_forever(Registry& registry) {
  sprocket::Socket surveyor{sprocket::surveyor};
  surveyor.set_survey_deadline(discovery::env_ms("SURVEY_DEADLINE", 500));
  surveyor.listen(discovery::discovery_addr());
  const auto interval = discovery::env_ms("SURVEY_INTERVAL", 1000);
  for (;;) {
    auto next = std::chrono::steady_clock::now() + interval;
    surveyor.send("who is there?");
    Providers seen;
    for (std::error_code ec;;) {
      auto answer = surveyor.recv(ec);
      if (ec) break;  // timed_out: the deadline closed this survey
      std::string text(answer.str());
      auto space = text.find(' ');
      if (space != std::string::npos) seen[text.substr(0, space)].insert(text.substr(space + 1));
    }
    registry.update(seen);
    std::this_thread::sleep_until(next);
  }
}

}  // namespace

int main() {
  Registry registry;
  sprocket::Socket resolver{sprocket::rep};
  resolver.listen(discovery::resolver_addr());
  std::thread surveys(survey_forever, std::ref(registry));
  std::printf("daemon: surveying on %s every %lld ms, resolving on %s\n",
              discovery::discovery_addr().c_str(),
              static_cast<long long>(discovery::env_ms("SURVEY_INTERVAL", 1000).count()),
              discovery::resolver_addr().c_str());
  std::fflush(stdout);
  for (;;) {
    auto name = resolver.recv();
    resolver.send(registry.pick(std::string(name.str())));
  }
}
