// BUS (0x70): each message goes to every directly connected peer, never
// back to the sender and never forwarded (a full mesh is the user's
// choice). Best effort: a peer that cannot take a message misses it
// (counted); send never blocks. Raw BUS tags what it receives with the
// incoming pipe id as a header word, and a raw send carrying such a word
// goes to every pipe but that one — so raw BUS plus sprocket::device makes
// a hub that does not echo a message to its origin.
#include "protocols/common/fanout.hpp"
#include "sprocket/error.hpp"
#include "sprocket/extension/protocol.hpp"

namespace sprocket {
namespace {

class BusHandler final : public routing::FanOutHandler {
 public:
  explicit BusHandler(ProtocolHost& host) : host_(host), raw_(host.socket_options().raw) {}

  std::error_code send(Message& m) override {
    std::uint32_t origin = 0;  // raw: the pipe the message came in on
    if (raw_) {
      m.pop_header_word(origin);
    }
    m.clear_header();
    dist_.send(m, host_, origin);
    return {};
  }

  std::error_code recv(Message& m) override {
    Pipe* from = nullptr;
    if (auto ec = routing::recv_fair(fq_, m, &from)) return ec;
    m.clear_header();
    if (raw_) m.push_header_word(from->id());
    return {};
  }

 private:
  ProtocolHost& host_;
  const bool raw_;
};

}  // namespace

namespace detail {
void register_builtin_protocol_bus() {
  register_protocol({0x70, 0x70, "bus", "bus",
                     [](ProtocolHost& h) { return std::make_unique<BusHandler>(h); }});
}
}  // namespace detail

}  // namespace sprocket
