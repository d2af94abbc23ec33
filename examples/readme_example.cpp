// The example on the first screen of README.md; keep the two identical.
#include <sprocket/sprocket.hpp>
#include <iostream>

int main() {
  sprocket::Socket a{sprocket::pair};
  a.listen("inproc://demo");
  sprocket::Socket b{sprocket::pair};
  b.dial("inproc://demo");
  b.send("hello");
  auto m = a.recv();
  std::cout << m.str() << '\n';
}
