// PAIR v0 (SP id 0x10): exactly one peer at a time, no header on the wire.
// A second connection is refused (errc::peer_limit) while the first lives;
// the refused dialer keeps retrying and gets in once the first one leaves.
#include "sprocket/error.hpp"
#include "sprocket/extension/protocol.hpp"

namespace sprocket {
namespace {

class PairHandler final : public ProtocolHandler {
 public:
  explicit PairHandler(ProtocolHost& host) : raw_(host.socket_options().raw) {}

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
    if (!raw_) m.clear_header();  // cooked PAIR owns the (empty) header
    if (!peer_ || !writable_) return errc::would_block;
    if (peer_->send(m) == Pipe::Io::ok) return {};
    writable_ = false;  // full, or closing: wait for the next writable/peer
    return errc::would_block;
  }

  std::error_code recv(Message& m) override {
    if (!peer_ || !readable_) return errc::would_block;
    if (peer_->recv(m) == Pipe::Io::ok) return {};
    readable_ = false;
    return errc::would_block;
  }

 private:
  const bool raw_;
  Pipe* peer_ = nullptr;
  bool readable_ = false;
  bool writable_ = false;
};

}  // namespace

namespace detail {
void register_builtin_protocol_pair() {
  register_protocol({0x10, 0x10, "pair", "pair",
                     [](ProtocolHost& host) { return std::make_unique<PairHandler>(host); }});
}
}  // namespace detail

}  // namespace sprocket
