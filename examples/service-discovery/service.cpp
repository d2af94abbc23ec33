// A service: answers the daemon's surveys with "<SERVICE_NAME> <SERVICE_ADDR>"
// over a RESPONDENT socket, and serves requests on a REP socket at
// SERVICE_ADDR with "The answer is 42".
#include <cstdio>
#include <thread>

#include <sprocket/sprocket.hpp>

#include "common.hpp"

int main() {
  const auto name = discovery::env("SERVICE_NAME", "answer");
  const auto addr = discovery::env("SERVICE_ADDR", "tcp://127.0.0.1:5710");

  sprocket::Socket server{sprocket::rep};
  server.listen(addr);

  std::thread announcer([&] {
    sprocket::Socket respondent{sprocket::respondent};
    respondent.dial(discovery::discovery_addr());  // reconnects if the daemon restarts
    for (;;) {
      respondent.recv();  // a survey
      respondent.send(name + " " + addr);
    }
  });

  std::printf("service %s: serving on %s\n", name.c_str(), addr.c_str());
  std::fflush(stdout);
  for (;;) {
    auto question = server.recv();
    server.send("The answer is 42");
  }
}
