// hello_inproc: two PAIR sockets in one process, talking over inproc.
//
// A PAIR socket has exactly one peer; either side may send at any time.
// Build and run it with tools/quickstart.sh.
#include <chrono>
#include <exception>
#include <future>

#include <asio/use_future.hpp>
#include <fmt/core.h>
#include <sprocket/sprocket.hpp>

using namespace std::chrono_literals;

int main() try {
  sprocket::Socket server{sprocket::pair};
  server.listen("inproc://hello");

  sprocket::Socket client{sprocket::pair};
  client.dial("inproc://hello");  // connects in the background; send waits for it

  // No timeout is the default; a demo should not hang if something is wrong.
  server.set_recv_timeout(5s);
  client.set_recv_timeout(5s);

  client.send("hello from the client");
  sprocket::Message m = server.recv();
  fmt::print("server received: {}\n", m.str());

  server.send("hello from the server");
  fmt::print("client received: {}\n", to_string(client.recv()));

  // The async API takes any asio completion token: here a std::future.
  std::future<sprocket::Message> reply = client.async_recv(asio::use_future);
  server.send("and an asynchronous hello");
  fmt::print("client received (async): {}\n", to_string(reply.get()));
} catch (const std::exception& e) {
  fmt::print(stderr, "hello_inproc: {}\n", e.what());
  return 1;
}
