// A program that returns from main with sockets still open and busy, for
// exit_test.cpp: a listener that did one exchange, sixteen PAIR dialers that
// the listener refuses (PAIR takes one peer) and that redial every 1-2 ms,
// half of them by name, one socket left in static storage, one leaked, and
// one closed just before the return with output still queued. With ws this
// crashed on every run (issue #11): an I/O thread computed SHA-1 for a
// handshake after OpenSSL's exit-time clean-up. It must exit 0, every time,
// on every transport, and no thread of the library may be left when the last
// exit-time handler runs (the library names its threads "sprocket-io"; a
// thread started by one of them inherits the name, as asio's resolver thread
// did and outlived main).
//
//   exit_with_live_sockets <inproc|tcp|ipc|ws|tls|wss> [dir for ipc sockets] [cert key]
//
// tls (tls+tcp://) and wss listen with the certificate and key given; its dialers
// trust the system's store (the test points SSL_CERT_FILE at its CA).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "live_threads.hpp"
#include "sprocket/sprocket.hpp"

using namespace std::chrono_literals;

namespace {

// Destroyed during static destruction, after main returned.
std::optional<sprocket::Socket> in_static_storage;
std::optional<sprocket::Socket> sink;

// Listen address number `n` of this process.
std::string listen_url(const std::string& transport, const std::string& dir, int n) {
  const std::string name = "exit-" + std::to_string(::getpid()) + "-" + std::to_string(n);
  if (transport == "inproc") return "inproc://" + name;
  if (transport == "tcp") return "tcp://127.0.0.1:0";
  if (transport == "ipc") return "ipc://" + dir + "/" + name + ".sock";
  if (transport == "tls") return "tls+tcp://127.0.0.1:0";
  if (transport == "wss") return "wss://127.0.0.1:0/exit";
  return "ws://127.0.0.1:0/exit";
}

std::string dial_url(const std::string& transport, const std::string& listen,
                     const sprocket::Listener& l) {
  if (transport == "tcp") return "tcp://127.0.0.1:" + std::to_string(l.port());
  if (transport == "ws") return "ws://127.0.0.1:" + std::to_string(l.port()) + "/exit";
  if (transport == "tls") return "tls+tcp://127.0.0.1:" + std::to_string(l.port());
  if (transport == "wss") return "wss://127.0.0.1:" + std::to_string(l.port()) + "/exit";
  return listen;
}

// The same URL with the host as a name ("localhost"), which dialers look up.
std::string by_name(std::string url) {
  const std::string literal = "127.0.0.1";
  if (auto at = url.find(literal); at != std::string::npos) url.replace(at, literal.size(), "localhost");
  return url;
}

// Registered before the first socket, so it runs after the library's own
// exit-time stop: every thread of the library must be gone by then, or at
// least past the point of no return in its exit (live_threads.hpp).
void fail_if_a_library_thread_remains() {
  const std::string left = sprocket::test::threads_still_running("sprocket");
  if (left.empty()) return;
  std::fprintf(stderr, "exit_with_live_sockets: library threads still running at exit:%s\n",
               left.c_str());
  std::_Exit(5);
}

}  // namespace

// Never destroyed. Held here (with external linkage, so the store stays) so
// that LeakSanitizer, which reports memory no pointer reaches, does not
// count this deliberate leak against us.
sprocket::Socket* leaked_socket = nullptr;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <inproc|tcp|ipc|ws|tls|wss> [ipc dir] [cert key]\n", argv[0]);
    return 2;
  }
  const std::string transport = argv[1];
  std::atexit(fail_if_a_library_thread_remains);
  const std::string dir = argc > 2 ? argv[2] : "/tmp";
  // Listeners of a TLS transport need a certificate (dialers use the default).
  sprocket::EndpointOptions listen_options;
  const bool secure = transport == "tls" || transport == "wss";
  if (secure && argc > 4) listen_options.tls = sprocket::TlsConfig{.cert_file = argv[3], .key_file = argv[4]};
  try {
    in_static_storage.emplace(sprocket::pair);
    auto& server = *in_static_storage;
    server.set_recv_timeout(10s);
    server.set_send_timeout(10s);
    const std::string url = listen_url(transport, dir, 0);
    sprocket::Listener l = server.listen(url, listen_options);
    const std::string target = dial_url(transport, url, l);

    auto* leaked = leaked_socket = new sprocket::Socket(sprocket::pair);
    leaked->set_recv_timeout(10s);
    leaked->set_send_timeout(10s);
    leaked->dial(target);
    leaked->send("ping");
    if (to_string(server.recv()) != "ping") return 3;
    server.send("pong");
    if (to_string(leaked->recv()) != "pong") return 3;

    // Refused over and over while the program ends; half of them dial by
    // name, so that asio's resolver thread is running at exit.
    static std::vector<std::unique_ptr<sprocket::Socket>> refused;
    for (int i = 0; i < 16; ++i) {
      auto s = std::make_unique<sprocket::Socket>(sprocket::pair);
      s->dial(i % 2 ? by_name(target) : target, {.reconnect_min = 1ms, .reconnect_max = 2ms});
      refused.push_back(std::move(s));
    }
    // Closed with output queued for a peer that reads nothing: its
    // connection lingers while main returns.
    sink.emplace(sprocket::pull);
    const std::string sink_url = listen_url(transport, dir, 1);
    sprocket::Listener sl = sink->listen(sink_url, listen_options);
    sprocket::Socket closing{sprocket::push};
    closing.set_send_timeout(10s);
    closing.dial(dial_url(transport, sink_url, sl));
    for (int i = 0; i < 64; ++i) closing.send(sprocket::Message(std::size_t{100'000}));
    std::this_thread::sleep_for(std::chrono::milliseconds(::getpid() % 5));  // vary the moment
  } catch (const std::exception& e) {
    std::fprintf(stderr, "exit_with_live_sockets: %s\n", e.what());
    return 4;
  }
  return 0;
}
