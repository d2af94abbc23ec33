// sprocket over inproc: PAIR one-way throughput and round-trip latency,
// through the shared driver (driver.hpp).
#include <atomic>
#include <cstddef>
#include <string>

#include <sprocket/sprocket.hpp>

#include "driver.hpp"

namespace {

class SprocketLink {
 public:
  using Msg = sprocket::Message;
  static constexpr const char* name = "sprocket";

  explicit SprocketLink(bench::Pattern) {
    static std::atomic<int> links{0};
    const std::string url = "inproc://bench-" + std::to_string(links++);
    for (auto* s : {&a_, &b_}) s->set_recv_max_size(0);  // 1 MiB bodies are allowed
    b_.listen(url);
    a_.dial(url, {.wait_connected = true});
  }

  Msg make(std::size_t n) { return Msg(n); }
  void send(int side, Msg&& m) { at(side).send(std::move(m)); }
  Msg recv(int side) { return at(side).recv(); }
  static std::size_t size(const Msg& m) { return m.size(); }

 private:
  sprocket::Socket& at(int side) { return side == 0 ? a_ : b_; }

  sprocket::Socket a_{sprocket::pair};
  sprocket::Socket b_{sprocket::pair};
};

}  // namespace

int main(int argc, char** argv) {
  bench::register_link<SprocketLink>();
  return bench::run(argc, argv);
}
