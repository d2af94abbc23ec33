// PAIR v1 (SP id 0x11), NNG's pair1: PAIR v0's one peer at a time plus a
// hop-count header that stops messages looping between devices (hops.hpp).
// A message without a valid hop word closes its connection; one with more
// hops than the max TTL is dropped and counted. Polyamorous mode (many
// peers, routing by Message::pipe()) lives in poly.cpp.

#include <system_error>

#include "protocols/pair1/hops.hpp"
#include "protocols/pair1/poly.hpp"
#include "sprocket/error.hpp"

namespace sprocket {
namespace pair_v1 {
namespace {

class MonoHandler final : public ProtocolHandler {
 public:
  explicit MonoHandler(ProtocolHost& host) : host_(host), raw_(host.socket_options().raw) {}

  std::error_code add_pipe(Pipe& pipe) override {
    if (peer_) return errc::peer_limit;
    peer_ = &pipe;
    readable_ = writable_ = true;
    return {};
  }

  void remove_pipe(Pipe& pipe) override {
    if (peer_ == &pipe) peer_ = nullptr;
  }

  void pipe_readable(Pipe& pipe) override {
    if (peer_ == &pipe) readable_ = true;
  }

  void pipe_writable(Pipe& pipe) override {
    if (peer_ == &pipe) writable_ = true;
  }

  std::error_code send(Message& m) override {
    std::uint32_t hops = 0;  // where a cooked send starts counting
    if (raw_ && !raw_hops(m, hops)) return errc::invalid_argument;  // not one hop word below 0xff
    if (!peer_ || !writable_) return errc::would_block;
    if (send_counted(*peer_, m, hops) == Pipe::Io::ok) return {};
    writable_ = false;  // full, or closing: wait for the next writable/peer
    return errc::would_block;
  }

  std::error_code recv(Message& m) override {
    while (peer_ && readable_) {
      if (peer_->recv(m) != Pipe::Io::ok) {
        readable_ = false;
        break;
      }
      switch (take_hops(m, host_.max_ttl())) {
        case Hops::ok:
          m.set_pipe(peer_->id());
          return {};
        case Hops::too_many:
          host_.count_drop();  // looping between devices: drop, keep reading
          continue;
        case Hops::malformed:
          // As NNG does: a peer that sends no hop count is broken; drop it,
          // and let the next peer in.
          host_.close_pipe(*peer_, errc::protocol_error);
          peer_ = nullptr;
          m = Message{};
          break;
      }
    }
    return errc::would_block;
  }

 private:
  ProtocolHost& host_;
  const bool raw_;
  Pipe* peer_ = nullptr;
  bool readable_ = false;
  bool writable_ = false;
};

std::unique_ptr<ProtocolHandler> make_handler(ProtocolHost& host) {
  const SocketOptions& o = host.socket_options();
  if (!o.polyamorous) return std::make_unique<MonoHandler>(host);
  if (o.raw) {
    throw std::system_error(make_error_code(errc::invalid_argument),
                            "pair1: polyamorous mode has no raw variant (as in NNG)");
  }
  return make_poly(host);
}

}  // namespace
}  // namespace pair_v1

namespace detail {
void register_builtin_protocol_pair1() {
  register_protocol({0x11, 0x11, "pair1", "pair1", &pair_v1::make_handler});
}
}  // namespace detail

}  // namespace sprocket
