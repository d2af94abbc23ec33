// sprocket's adapters: a Link for the in-process benchmarks (driver.hpp;
// bench_inproc) and an Endpoint for the stream transports (stream_driver.hpp;
// bench_stream). Bodies of any size are accepted (set_recv_max_size(0));
// everything else is left at its default: 1024 messages (and at most 4 MiB)
// of send and receive buffer per connection, TCP_NODELAY; PUB drops for a
// subscriber whose buffer is full. fanout's PUB and SUB take Setup::queue_depth as their
// send and receive buffers (0: the defaults). tls+tcp: the listener serves
// the bench certificate, the dialer does not verify it (TlsVerify::none).
#include <atomic>
#include <cstddef>
#include <string>

#include <sprocket/sprocket.hpp>

#include "driver.hpp"
#include "stream_driver.hpp"
#include "tls_credentials.hpp"

namespace {

class SprocketLink {
 public:
  using Msg = sprocket::Message;
  static constexpr const char* name = "sprocket";
  static constexpr bool supports(bench::Pattern) { return true; }

  explicit SprocketLink(bench::Pattern pattern) : a_(side_protocol(pattern, 0)), b_(side_protocol(pattern, 1)) {
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
  static sprocket::Protocol side_protocol(bench::Pattern pattern, int side) {
    switch (pattern) {
      case bench::Pattern::one_way: return side == 0 ? sprocket::push : sprocket::pull;
      case bench::Pattern::round_trip: return sprocket::pair;
      case bench::Pattern::request_reply: return side == 0 ? sprocket::req : sprocket::rep;
    }
    return sprocket::pair;
  }
  sprocket::Socket& at(int side) { return side == 0 ? a_ : b_; }

  sprocket::Socket a_;
  sprocket::Socket b_;
};

using bench::stream::Pattern;
using bench::stream::Setup;
using bench::stream::Side;
using bench::stream::Transport;

class SprocketEndpoint {
 public:
  using Msg = sprocket::Message;
  static bool supports(Pattern, Transport) { return true; }

  explicit SprocketEndpoint(const Setup& s) : socket_(protocol_for(s)) {
    socket_.set_recv_max_size(0);
    if (s.pattern == Pattern::pub_sub && s.queue_depth > 0) {
      socket_.set_send_buffer(s.queue_depth);
      socket_.set_recv_buffer(s.queue_depth);
    }
    if (s.pattern == Pattern::pub_sub && s.side == Side::dialer) socket_.subscribe("");
    sprocket::EndpointOptions options;
    if (s.side == Side::listener) {
      if (s.transport == Transport::tls) options.tls = sprocket::TlsConfig{.cert_file = bench::stream::tls_pem_file()};
      socket_.listen(s.url, options);
    } else {
      if (s.transport == Transport::tls) options.tls = sprocket::TlsConfig{.verify = sprocket::TlsVerify::none};
      // connect: a thousand dials in the background at once; send() waits for each.
      options.wait_connected = s.pattern != Pattern::many;
      socket_.dial(s.url, options);
    }
  }

  Msg make(std::size_t n) { return Msg(n); }
  void send(Msg&& m) { socket_.send(std::move(m)); }
  Msg recv() { return socket_.recv(); }
  static std::byte* data(Msg& m) { return m.data(); }
  static std::size_t size(const Msg& m) { return m.size(); }

 private:
  static sprocket::Protocol protocol_for(const Setup& s) {
    const bool listener = s.side == Side::listener;
    switch (s.pattern) {
      case Pattern::push_pull: return listener ? sprocket::pull : sprocket::push;
      case Pattern::pair: return sprocket::pair;
      case Pattern::req_rep: return listener ? sprocket::rep : sprocket::req;
      case Pattern::pub_sub: return listener ? sprocket::pub : sprocket::sub;
      case Pattern::many: return listener ? sprocket::pull : sprocket::push;
    }
    return sprocket::pair;
  }

  sprocket::Socket socket_;
};

}  // namespace

void register_sprocket_benchmarks() { bench::register_link<SprocketLink>(); }

std::vector<bench::stream::Library> sprocket_stream_libraries() {
  return {bench::stream::make_library<SprocketEndpoint>("sprocket")};
}
