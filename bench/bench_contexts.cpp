// REQ/REP with contexts (issue: concurrent exchanges on one socket): the
// aggregate request rate over tcp of N client contexts on one REQ socket
// against one REP socket served by 4 worker contexts.
#include <sprocket/sprocket.hpp>
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>
using namespace std::chrono_literals;
double run(int clients, int per_client, int port) {
  sprocket::Socket rep{sprocket::rep}, req{sprocket::req};
  rep.listen("tcp://127.0.0.1:" + std::to_string(port));
  req.dial("tcp://127.0.0.1:" + std::to_string(port), {.wait_connected = true});
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  for (int i = 0; i < 4; i++) workers.emplace_back([&] { sprocket::Context c{rep}; c.set_recv_timeout(100ms);
    while (!stop) { std::error_code ec; auto m = c.recv(ec); if (!ec) c.send(std::move(m), ec); } });
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> cs;
  for (int i = 0; i < clients; i++) cs.emplace_back([&] { sprocket::Context c{req};
    for (int k = 0; k < per_client; k++) { c.send(sprocket::Message(64)); c.recv(); } });
  for (auto& t : cs) t.join();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  stop = true; for (auto& t : workers) t.join();
  return clients * per_client / s;
}
int main() {
  for (int round = 0; round < 3; round++)
    std::printf("round %d: 1 context %.0f req/s, 100 contexts %.0f req/s\n", round, run(1, 20000, 5801 + round * 2), run(100, 200, 5802 + round * 2));
}
