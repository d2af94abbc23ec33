// The README example: two PAIR sockets in one process say hello.
#include <iostream>

#include <sprocket/sprocket.hpp>

int main() {
  sprocket::Socket server{sprocket::pair};
  server.listen("inproc://hello");
  sprocket::Socket client{sprocket::pair};
  client.dial("inproc://hello");  // connects in the background
  client.send("hello");
  sprocket::Message m = server.recv();
  std::cout << m.str() << '\n';
}
