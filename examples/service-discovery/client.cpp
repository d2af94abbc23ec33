// Resolves SERVICE_NAME through the daemon and asks the provider it got.
#include <cstdio>

#include <sprocket/sprocket.hpp>

#include "common.hpp"

using namespace std::chrono_literals;

namespace {

/// A random live provider of `name`, or "" when the daemon knows none.
std::string resolve(const std::string& name) {
  sprocket::Socket req{sprocket::req};
  req.set_recv_timeout(2s);
  req.set_send_timeout(2s);
  req.dial(discovery::resolver_addr());
  req.send(name);
  return to_string(req.recv());
}

}  // namespace

int main() {
  const auto name = discovery::env("SERVICE_NAME", "answer");
  try {
    auto addr = resolve(name);
    if (addr.empty()) {
      std::printf("client: no live provider of %s\n", name.c_str());
      return 1;
    }
    sprocket::Socket req{sprocket::req};
    req.set_recv_timeout(2s);
    req.set_send_timeout(2s);
    req.dial(addr);
    req.send("What is the answer?");
    std::printf("client: %s at %s says: %s\n", name.c_str(), addr.c_str(),
                to_string(req.recv()).c_str());
    return 0;
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "client: %s\n", e.what());
    return 1;
  }
}
