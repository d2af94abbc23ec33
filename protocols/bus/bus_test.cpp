// BUS conformance over inproc, ipc and tcp: a message reaches every direct
// neighbour, never its sender and never a neighbour's neighbour; send never
// blocks (a full neighbour misses the message, counted); raw BUS tags what
// it receives with the incoming pipe id, and a raw BUS socket run as
// device(hub, hub) is a hub that rebroadcasts without echoing.
//
// "Never arrives" is checked with a sentinel: a later message on the same
// connection. Once it has been received, anything sent before it on that
// connection would have come first.
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "protocols/pubsub/fanout_test_util.hpp"

namespace sprocket::test {
namespace {

using Kind = PipeEvent::Kind;

class BusTest : public ::testing::TestWithParam<Via> {
 protected:
  /// `dialer` dials `listener` on a fresh address; waits until both have
  /// the pipe (a BUS node sends only to the pipes it has).
  void link(Node& listener, Node& dialer) {
    const auto l_before = listener.events.count(Kind::added);
    const auto d_before = dialer.events.count(Kind::added);
    dialer.socket.dial(listen_fresh(listener.socket, GetParam()));
    ASSERT_TRUE(listener.events.wait_added(l_before + 1)) << listener.events.summary();
    ASSERT_TRUE(dialer.events.wait_added(d_before + 1)) << dialer.events.summary();
  }

  /// Several dialers on one listening address.
  void star(Node& hub, std::vector<Node*> leaves) {
    const std::string url = listen_fresh(hub.socket, GetParam());
    const auto before = hub.events.count(Kind::added);
    for (Node* leaf : leaves) leaf->socket.dial(url);
    ASSERT_TRUE(hub.events.wait_added(before + leaves.size())) << hub.events.summary();
    for (Node* leaf : leaves) ASSERT_TRUE(leaf->events.wait_added()) << leaf->events.summary();
  }

  static void expect_recv(Node& n, std::string_view text) {
    std::error_code ec;
    Message m = n.socket.recv(ec);
    ASSERT_NO_ERROR(ec) << "waiting for '" << text << "'";
    EXPECT_EQ(m.str(), text);
  }

  static void expect_nothing_more(Node& n) {
    std::error_code ec;
    Message m = n.socket.try_recv(ec);
    EXPECT_ERRC(ec, errc::would_block) << "unexpected message '" << m.str() << "'";
  }

  /// a, b and c speak in turn, each once the other two heard the one before:
  /// an echo of an earlier message would reach its sender ahead of the
  /// later ones.
  static void each_speaks_in_turn(Node& a, Node& b, Node& c) {
    a.socket.send("from a");
    expect_recv(b, "from a");
    expect_recv(c, "from a");
    b.socket.send("from b");
    expect_recv(a, "from b");
    expect_recv(c, "from b");
    c.socket.send("from c");
    expect_recv(a, "from c");
    expect_recv(b, "from c");
  }
};

INSTANTIATE_TEST_SUITE_P(Transports, BusTest, kAllTransports, ViaName{});

TEST_P(BusTest, FullMeshEveryoneHearsEveryoneElseOnce) {
  Node a{sprocket::bus}, b{sprocket::bus}, c{sprocket::bus};
  ASSERT_NO_FATAL_FAILURE(link(a, b));
  ASSERT_NO_FATAL_FAILURE(link(a, c));
  ASSERT_NO_FATAL_FAILURE(link(b, c));
  each_speaks_in_turn(a, b, c);
  for (Node* n : {&a, &b, &c}) {
    expect_nothing_more(*n);
    EXPECT_EQ(n->socket.stats().messages_received, 2u);
    EXPECT_EQ(n->socket.stats().drops, 0u);
  }
}

TEST_P(BusTest, ReachesEveryDirectNeighbour) {
  Node hub{sprocket::bus}, x{sprocket::bus}, y{sprocket::bus}, z{sprocket::bus};
  ASSERT_NO_FATAL_FAILURE(star(hub, {&x, &y, &z}));
  hub.socket.send("to all");
  for (Node* n : {&x, &y, &z}) expect_recv(*n, "to all");
  EXPECT_EQ(hub.socket.stats().messages_sent, 1u);
}

TEST_P(BusTest, MessagesAreNotForwarded) {
  // A line a - b - c: a and c are not neighbours.
  Node a{sprocket::bus}, b{sprocket::bus}, c{sprocket::bus};
  ASSERT_NO_FATAL_FAILURE(star(b, {&a, &c}));
  a.socket.send("from a");
  expect_recv(b, "from a");
  b.socket.send("from b");  // the sentinel on the b - c connection
  expect_recv(c, "from b");
  expect_nothing_more(c);
  expect_recv(a, "from b");
  expect_nothing_more(a);
  expect_nothing_more(b);
}

TEST_P(BusTest, SendNeverBlocksAFullNeighbourMissesMessages) {
  Node sender{sprocket::bus}, fast{sprocket::bus}, slow{sprocket::bus};
  sender.socket.set_send_buffer(2);  // before connecting: fixed per connection
  slow.socket.set_recv_buffer(1);
  ASSERT_NO_FATAL_FAILURE(star(sender, {&fast, &slow}));
  // 64 MiB in all: far beyond what the slow neighbour's queues and the
  // loopback socket buffers can hold.
  const SlowPeerOutcome out =
      run_slow_peer_scenario(sender.socket, fast.socket, slow.socket, 256, 256 * 1024);
  EXPECT_EQ(out.fast_received, 256);
  EXPECT_GT(out.sender_drops, 0u) << "the full neighbour lost nothing: buffers larger than expected?";
}

TEST_P(BusTest, SendWithoutNeighboursSucceeds) {
  Node alone{sprocket::bus};
  listen_fresh(alone.socket, GetParam());
  std::error_code ec;
  alone.socket.try_send("nobody hears", ec);
  EXPECT_NO_ERROR(ec);
}

// ------------------------------------------------------------------ raw BUS

/// A big-endian 32-bit header word.
std::vector<std::byte> word(std::uint32_t w) {
  return {std::byte(w >> 24), std::byte(w >> 16), std::byte(w >> 8), std::byte(w)};
}

std::uint32_t header_word(const Message& m) {
  auto h = m.header();
  if (h.size() != 4) return 0;
  return std::uint32_t(h[0]) << 24 | std::uint32_t(h[1]) << 16 | std::uint32_t(h[2]) << 8 |
         std::uint32_t(h[3]);
}

TEST_P(BusTest, RawRecvCarriesTheIncomingPipeId) {
  Node raw{sprocket::bus, {.raw = true}}, a{sprocket::bus}, b{sprocket::bus};
  ASSERT_NO_FATAL_FAILURE(star(raw, {&a, &b}));
  const auto added = raw.events.events(Kind::added);
  ASSERT_EQ(added.size(), 2u);

  a.socket.send("from a");
  Message m = raw.socket.recv();
  EXPECT_EQ(m.str(), "from a");
  ASSERT_EQ(m.header().size(), 4u) << "one word: the pipe it came in on";
  const std::uint32_t from_a = header_word(m);
  EXPECT_TRUE(from_a == added[0].pipe_id || from_a == added[1].pipe_id)
      << "header word " << from_a << " names no pipe of the raw socket";
  EXPECT_EQ(from_a & 0x80000000u, 0u) << "pipe ids have the top bit clear";

  b.socket.send("from b");
  Message n = raw.socket.recv();
  EXPECT_EQ(n.str(), "from b");
  EXPECT_NE(header_word(n), from_a) << "each pipe has its own id";
}

TEST_P(BusTest, RawSendSkipsThePipeInItsHeader) {
  Node raw{sprocket::bus, {.raw = true}}, a{sprocket::bus}, b{sprocket::bus};
  ASSERT_NO_FATAL_FAILURE(star(raw, {&a, &b}));
  a.socket.send("from a");
  Message m = raw.socket.recv();
  // Sent back with its header: everyone but a.
  raw.socket.send(std::move(m));
  expect_recv(b, "from a");
  // Without a header: everyone. This is a's sentinel.
  raw.socket.send("no header");
  expect_recv(a, "no header");
  expect_recv(b, "no header");
  expect_nothing_more(a);
  // A header naming no pipe of this socket skips nobody.
  Message unknown("unknown pipe");
  ASSERT_TRUE(unknown.set_header(word(0x7ffffff0u)));
  raw.socket.send(std::move(unknown));
  expect_recv(a, "unknown pipe");
  expect_recv(b, "unknown pipe");
}

TEST_P(BusTest, DeviceOnOneRawSocketIsAHubWithoutEcho) {
  Node hub{sprocket::bus, {.raw = true}}, a{sprocket::bus}, b{sprocket::bus}, c{sprocket::bus};
  ASSERT_NO_FATAL_FAILURE(star(hub, {&a, &b, &c}));
  // One raw BUS socket forwarding to itself: what comes in on one pipe goes
  // out on all the others.
  SendCompletion device_done;
  async_device(hub.socket, hub.socket, device_done.handler());

  each_speaks_in_turn(a, b, c);
  for (Node* n : {&a, &b, &c}) expect_nothing_more(*n);
  EXPECT_FALSE(device_done.done()) << "the device stopped early: " << describe(device_done.ec());

  hub.socket.close();
  ASSERT_TRUE(device_done.wait()) << "the device did not stop when its socket closed";
  EXPECT_NO_ERROR(device_done.ec()) << "closing the socket ends a device normally";
}

TEST(BusDeviceTest, BlockingDeviceOnOneSocketReturnsWhenClosed) {
  // Shared with the device's thread, so a device that never returns (the
  // thread is then abandoned) touches nothing freed.
  auto hub = std::make_shared<Socket>(sprocket::bus, SocketOptions{.raw = true});
  auto result = std::make_shared<std::promise<std::error_code>>();
  auto returned = result->get_future();
  PipeEventRecorder hub_events(*hub);
  const std::string url = unique_inproc_name();
  hub->listen(url);
  Node a{sprocket::bus}, b{sprocket::bus};
  a.socket.dial(url);
  b.socket.dial(url);
  ASSERT_TRUE(hub_events.wait_added(2)) << hub_events.summary();
  ASSERT_TRUE(a.events.wait_added() && b.events.wait_added());
  std::thread t([hub, result] {
    std::error_code ec;
    device(*hub, *hub, ec);
    result->set_value(ec);
  });
  // Once a message went through, the device is certainly running.
  a.socket.send("through the hub");
  EXPECT_EQ(to_string(b.socket.recv()), "through the hub");
  hub->close();
  if (returned.wait_for(kEventTimeout) != std::future_status::ready) {
    ADD_FAILURE() << "device(hub, hub) did not return after close; abandoning its thread";
    t.detach();
    return;
  }
  t.join();
  EXPECT_NO_ERROR(returned.get());
}

TEST(BusDeviceTest, ReceiveTimeoutOnTheHubForwardsNothing) {
  // A recv timeout on a device's socket only means "nothing yet": the
  // device must not forward anything for it. The hub times out every
  // millisecond, so 50 ms of silence gives a broken device fifty chances
  // to inject a message.
  Socket hub{sprocket::bus, {.raw = true}};
  hub.set_recv_timeout(1ms);
  PipeEventRecorder hub_events(hub);
  const std::string url = unique_inproc_name();
  hub.listen(url);
  Node a{sprocket::bus}, b{sprocket::bus};
  a.socket.dial(url);
  b.socket.dial(url);
  ASSERT_TRUE(hub_events.wait_added(2)) << hub_events.summary();
  SendCompletion device_done;
  async_device(hub, hub, device_done.handler());

  a.socket.send("real");
  EXPECT_EQ(to_string(b.socket.recv()), "real");
  b.socket.set_recv_timeout(50ms);
  std::error_code ec;
  Message injected = b.socket.recv(ec);
  EXPECT_ERRC(ec, errc::timed_out) << "the device forwarded a " << injected.size()
                                   << "-byte message nobody sent";
  hub.close();
  ASSERT_TRUE(device_done.wait());
}

TEST(BusDeviceTest, DeviceNeedsRawSockets) {
  Socket cooked{sprocket::bus};
  Socket raw{sprocket::bus, {.raw = true}};
  Socket raw_pub{sprocket::pub, {.raw = true}};
  std::error_code ec;
  device(cooked, cooked, ec);
  EXPECT_ERRC(ec, errc::invalid_argument);
  device(raw, cooked, ec);
  EXPECT_ERRC(ec, errc::invalid_argument);
  device(raw, raw_pub, ec);
  EXPECT_ERRC(ec, errc::invalid_argument) << "BUS is only its own partner";
  EXPECT_ERRC(thrown_code([&] { device(cooked, raw); }), errc::invalid_argument);
}

TEST(BusApiTest, BusHasNoContexts) {
  Socket bus{sprocket::bus};
  std::error_code ec;
  Context ctx(bus, ec);
  EXPECT_ERRC(ec, errc::not_supported);
}

}  // namespace
}  // namespace sprocket::test
