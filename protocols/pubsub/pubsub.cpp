// PUB (0x20) and SUB (0x21). PUB sends each message to every subscriber,
// sharing one body; a subscriber whose queue is full misses the message
// (counted in stats().drops) so neither the publisher nor the others wait.
// SUB filters by byte prefix with a radix tree where messages arrive, before
// they take room in its queue, and again when received (for what was queued
// before an unsubscribe); nothing about subscriptions travels on the wire.
#include "protocols/common/fanout.hpp"
#include "protocols/pubsub/subscriptions.hpp"
#include "sprocket/error.hpp"
#include "sprocket/extension/protocol.hpp"

namespace sprocket {
namespace {

class PubHandler final : public ProtocolHandler {
 public:
  explicit PubHandler(ProtocolHost& host) : host_(host), raw_(host.socket_options().raw) {}

  std::error_code add_pipe(Pipe& pipe) override {
    dist_.add(pipe);
    return {};
  }
  void remove_pipe(Pipe& pipe) override { dist_.remove(pipe); }
  void pipe_readable(Pipe&) override {}
  void pipe_writable(Pipe&) override {}

  std::error_code send(Message& m) override {
    if (!raw_) m.clear_header();
    dist_.send(m, host_);  // a slow subscriber misses it
    return {};
  }
  std::error_code recv(Message&) override { return errc::not_supported; }

 private:
  ProtocolHost& host_;
  const bool raw_;
  routing::Distributor dist_;
};

class SubHandler final : public routing::FairQueueReceiver {
 public:
  explicit SubHandler(ProtocolHost&) {}

  std::error_code add_pipe(Pipe& pipe) override {
    // From now on the connection discards unwanted messages as they
    // arrive; what it queued before is checked when received.
    pipe.set_arrival_filter(topics_->make_filter());
    return FairQueueReceiver::add_pipe(pipe);
  }

  std::error_code recv(Message& m) override {
    for (;;) {
      if (auto ec = routing::recv_fair(fq_, m)) return ec;
      if (topics_->matches(m.body())) return {};
      topics_->count_filtered();  // queued before an unsubscribe, or before add_pipe
    }
  }

  std::error_code set_option(std::string_view name, std::span<const std::byte> value) override {
    std::string_view prefix(reinterpret_cast<const char*>(value.data()), value.size());
    if (name == "subscribe") {
      topics_->subscribe(prefix);
      return {};
    }
    if (name == "unsubscribe") return topics_->unsubscribe(prefix) ? std::error_code{} : errc::invalid_argument;
    return errc::not_supported;
  }

  std::uint64_t filtered() const override { return topics_->filtered(); }

 private:
  // Shared with the connections' filters, which may outlive the handler.
  std::shared_ptr<pubsub::Subscriptions> topics_ = std::make_shared<pubsub::Subscriptions>();
};

}  // namespace

namespace detail {
void register_builtin_protocol_pubsub() {
  register_protocol({0x20, 0x21, "pub", "sub",
                     [](ProtocolHost& h) { return std::make_unique<PubHandler>(h); }});
  register_protocol({0x21, 0x20, "sub", "pub",
                     [](ProtocolHost& h) { return std::make_unique<SubHandler>(h); }});
}
}  // namespace detail

}  // namespace sprocket
