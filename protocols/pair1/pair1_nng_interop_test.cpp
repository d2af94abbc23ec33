// PAIR v1 against libnng 1.5.2 linked in, over tcp, ipc and ws, with
// sprocket listening and with sprocket dialing:
//  - one-peer sockets (nng_pair1_open) both ways, NNG seeing sprocket's hop
//    count of 1 in its header and sprocket seeing NNG's;
//  - the TTL across implementations: an NNG raw socket's hop counts judged
//    by sprocket's TTL, and a sprocket raw socket's by NNG's;
//  - polyamorous mode both ways: a sprocket poly socket with two NNG peers,
//    and NNG's poly socket (nng_pair1_open_poly) with two sprocket peers,
//    each routing replies by pipe.
// Built without libnng, every case fails saying what to install.
#include <set>
#include <string>

#include "protocols/pair1/pair1_interop_util.hpp"

#ifdef SPROCKET_HAVE_NNG
#include <nng/protocol/pair1/pair.h>
#endif

namespace sprocket::test {
namespace {

using Words = std::vector<std::uint32_t>;

#ifndef SPROCKET_HAVE_NNG

TEST(Pair1NngInterop, LibnngIsInstalled) {
  FAIL() << kNoLibnng;
}

#else

/// Listens with `nng` on a fresh address of `via` and returns the URL to
/// dial (tcp and ws: port 0, then the port NNG was given).
std::string nng_listen_fresh(NngSocket& nng, Via via) {
  std::string url;
  switch (via) {
    case Via::ipc:
      url = "ipc://" + unique_ipc_path();
      break;
    case Via::ws:
      url = "ws://127.0.0.1:0/pair1";
      break;
    default:
      url = "tcp://127.0.0.1:0";
  }
  nng_listener l;
  int rv = nng_listen(nng.get(), url.c_str(), &l, 0);
  EXPECT_EQ(rv, 0) << "nng_listen " << url << ": " << nng_strerror(rv);
  if (rv != 0 || via == Via::ipc) return url;
  int port = 0;
  rv = nng_listener_get_int(l, NNG_OPT_TCP_BOUND_PORT, &port);
  EXPECT_EQ(rv, 0) << nng_strerror(rv);
  const std::string host = std::string(via_name(via)) + "://127.0.0.1:" + std::to_string(port);
  return via == Via::ws ? host + "/pair1" : host;
}

/// An NNG message with body `body` and, if `hops` is given, that header.
nng_msg* nng_message(std::string_view body, std::optional<std::uint32_t> hops = {}) {
  nng_msg* m = nullptr;
  if (nng_msg_alloc(&m, 0) != 0) return nullptr;
  nng_msg_append(m, body.data(), body.size());
  if (hops) nng_msg_header_append_u32(m, *hops);
  return m;
}

/// What an NNG socket received: body, hop count in its header, pipe.
struct NngGot {
  std::string body;
  std::optional<std::uint32_t> hops;
  nng_pipe pipe;
};

std::optional<NngGot> nng_receive(NngSocket& nng, int& rv) {
  nng_msg* m = nullptr;
  rv = nng_recvmsg(nng.get(), &m, 0);
  if (rv != 0) return std::nullopt;
  NngGot got{std::string(static_cast<const char*>(nng_msg_body(m)), nng_msg_len(m)), {},
             nng_msg_get_pipe(m)};
  std::uint32_t word = 0;
  if (nng_msg_header_len(m) == 4 && nng_msg_header_trim_u32(m, &word) == 0) got.hops = word;
  nng_msg_free(m);
  return got;
}

class Pair1NngInterop : public ::testing::TestWithParam<NetParam> {
 protected:
  Via via() const { return GetParam().via; }
  bool sprocket_listens() const { return GetParam().role == Role::sprocket_listens; }

  /// Joins `node` and `nng` the way the case says and waits until both
  /// have the connection (`nng_pipes`: how many NNG should have by then).
  void join(Node& node, NngSocket& nng, int nng_pipes = 1) {
    const auto before = node.events.count(PipeEvent::Kind::added);
    if (sprocket_listens()) {
      ASSERT_NO_FATAL_FAILURE(nng.dial(listen_fresh(node.socket, via())));
    } else {
      node.socket.dial(nng_listen_fresh(nng, via()), kPeerRetry);
    }
    ASSERT_TRUE(node.events.wait_added(before + 1)) << node.events.summary();
    ASSERT_TRUE(nng.wait_pipes(nng_pipes)) << "NNG has " << nng.pipes() << " connections";
  }

  void nng_send(NngSocket& nng, nng_msg* m) {
    ASSERT_NE(m, nullptr);
    const int rv = nng_sendmsg(nng.get(), m, 0);
    if (rv != 0) nng_msg_free(m);
    ASSERT_EQ(rv, 0) << nng_strerror(rv);
  }
};

INSTANTIATE_TEST_SUITE_P(Libnng, Pair1NngInterop, ::testing::ValuesIn(all_net_params()),
                         net_param_name);

TEST_P(Pair1NngInterop, OnePeerBothWaysWithOneHop) {
  Node mine(sprocket::pair1);
  NngSocket nng;
  ASSERT_NO_FATAL_FAILURE(nng.open(nng_pair1_open));
  ASSERT_NO_FATAL_FAILURE(join(mine, nng));

  const std::string large(300 * 1024, 'x');
  for (const std::string& body : {std::string("to NNG"), large}) {
    mine.socket.send(body);
    int rv = 0;
    auto got = nng_receive(nng, rv);
    ASSERT_TRUE(got) << nng_strerror(rv);
    EXPECT_TRUE(got->body == body) << "body of " << got->body.size() << " bytes";
    EXPECT_EQ(got->hops, 1u) << "NNG's header holds sprocket's hop count";
  }
  ASSERT_NO_FATAL_FAILURE(nng.send("to sprocket"));
  Message m = mine.socket.recv();
  EXPECT_EQ(m.str(), "to sprocket");
  EXPECT_EQ(header_words(m), Words{1});
  EXPECT_EQ(m.pipe(), added_pipe(mine.events));
}

TEST_P(Pair1NngInterop, SprocketJudgesNngRawHopCountsByItsTtl) {
  Node mine(sprocket::pair1);
  mine.socket.set_max_ttl(8);
  NngSocket raw;
  ASSERT_NO_FATAL_FAILURE(raw.open(nng_pair1_open_raw));
  ASSERT_NO_FATAL_FAILURE(join(mine, raw));
  ASSERT_NO_FATAL_FAILURE(nng_send(raw, nng_message("seven plus one", 7)));
  ASSERT_NO_FATAL_FAILURE(nng_send(raw, nng_message("eight plus one", 8)));
  ASSERT_NO_FATAL_FAILURE(nng_send(raw, nng_message("zero plus one", 0)));
  Message m = mine.socket.recv();
  EXPECT_EQ(m.str(), "seven plus one");
  EXPECT_EQ(header_words(m), Words{8});
  m = mine.socket.recv();
  EXPECT_EQ(m.str(), "zero plus one") << "9 hops are over the TTL";
  EXPECT_EQ(header_words(m), Words{1});
  EXPECT_EQ(mine.socket.stats().drops, 1u);
}

TEST_P(Pair1NngInterop, NngJudgesSprocketRawHopCountsByItsTtl) {
  Node mine(sprocket::pair1, {.raw = true});
  NngSocket nng;
  ASSERT_NO_FATAL_FAILURE(nng.open(nng_pair1_open));
  ASSERT_NNG_OK(nng_socket_set_int(nng.get(), NNG_OPT_MAXTTL, 8));
  ASSERT_NO_FATAL_FAILURE(join(mine, nng));
  mine.socket.send(with_hops(7, "seven plus one"));
  mine.socket.send(with_hops(8, "eight plus one"));
  mine.socket.send(with_hops(0, "zero plus one"));
  int rv = 0;
  auto got = nng_receive(nng, rv);
  ASSERT_TRUE(got) << nng_strerror(rv);
  EXPECT_EQ(got->body, "seven plus one");
  EXPECT_EQ(got->hops, 8u);
  got = nng_receive(nng, rv);
  ASSERT_TRUE(got) << nng_strerror(rv);
  EXPECT_EQ(got->body, "zero plus one") << "NNG dropped the one with 9 hops";
  EXPECT_EQ(got->hops, 1u);

  ASSERT_NO_FATAL_FAILURE(nng.send("to raw sprocket"));
  Message m = mine.socket.recv();
  EXPECT_EQ(m.str(), "to raw sprocket");
  EXPECT_EQ(header_words(m), Words{1}) << "a raw receive shows the hop count";
}

TEST_P(Pair1NngInterop, SprocketPolyWithTwoNngPeers) {
  Node poly(sprocket::pair1, {.polyamorous = true});
  NngSocket nng[2];
  for (auto& n : nng) ASSERT_NO_FATAL_FAILURE(n.open(nng_pair1_open));
  if (sprocket_listens()) {
    const std::string url = listen_fresh(poly.socket, via());
    for (int i = 0; i < 2; ++i) {  // one at a time: nng[0] is the older peer
      ASSERT_NO_FATAL_FAILURE(nng[i].dial(url));
      ASSERT_TRUE(poly.events.wait_added(i + 1)) << poly.events.summary();
      ASSERT_TRUE(nng[i].wait_pipes(1));
    }
  } else {
    for (int i = 0; i < 2; ++i) ASSERT_NO_FATAL_FAILURE(join(poly, nng[i]));
  }

  std::uint32_t pipe_of[2] = {};
  for (int i = 0; i < 2; ++i) {
    ASSERT_NO_FATAL_FAILURE(nng[i].send("from NNG " + std::to_string(i)));
    Message m = poly.socket.recv();
    EXPECT_EQ(m.str(), "from NNG " + std::to_string(i));
    EXPECT_EQ(header_words(m), Words{1});
    EXPECT_EQ(m.pipe(), added_pipe(poly.events, i));
    pipe_of[i] = m.pipe();
  }
  EXPECT_NE(pipe_of[0], pipe_of[1]);
  for (int i : {1, 0}) {
    Message reply("reply to " + std::to_string(i));
    reply.set_pipe(pipe_of[i]);
    poly.socket.send(std::move(reply));
  }
  poly.socket.send("unaddressed: the older peer");
  for (int i = 0; i < 2; ++i) {
    int rv = 0;
    auto got = nng_receive(nng[i], rv);
    ASSERT_TRUE(got) << "NNG " << i << ": " << nng_strerror(rv);
    EXPECT_EQ(got->body, "reply to " + std::to_string(i));
    EXPECT_EQ(got->hops, 1u);
  }
  int rv = 0;
  auto got = nng_receive(nng[0], rv);
  ASSERT_TRUE(got) << nng_strerror(rv);
  EXPECT_EQ(got->body, "unaddressed: the older peer");
  EXPECT_EQ(poly.socket.stats().drops, 0u);
}

TEST_P(Pair1NngInterop, NngPolyWithTwoSprocketPeers) {
  NngSocket poly;
  ASSERT_NO_FATAL_FAILURE(poly.open(nng_pair1_open_poly));
  Node mine[2] = {Node(sprocket::pair1), Node(sprocket::pair1)};
  if (sprocket_listens()) {
    for (int i = 0; i < 2; ++i) {
      ASSERT_NO_FATAL_FAILURE(poly.dial(listen_fresh(mine[i].socket, via())));
      ASSERT_TRUE(mine[i].events.wait_added()) << mine[i].events.summary();
      ASSERT_TRUE(poly.wait_pipes(i + 1));
    }
  } else {
    const std::string url = nng_listen_fresh(poly, via());
    for (int i = 0; i < 2; ++i) {
      mine[i].socket.dial(url, kPeerRetry);
      ASSERT_TRUE(mine[i].events.wait_added()) << mine[i].events.summary();
      ASSERT_TRUE(poly.wait_pipes(i + 1));
    }
  }

  for (int i = 0; i < 2; ++i) mine[i].socket.send("from sprocket " + std::to_string(i));
  std::set<std::uint32_t> pipes;
  for (int n = 0; n < 2; ++n) {
    int rv = 0;
    auto got = nng_receive(poly, rv);
    ASSERT_TRUE(got) << nng_strerror(rv);
    EXPECT_EQ(got->hops, 1u);
    pipes.insert(nng_pipe_id(got->pipe));
    // Answer on the pipe the message came in on, as NNG's poly mode asks.
    nng_msg* reply = nng_message("re: " + got->body);
    ASSERT_NE(reply, nullptr);
    nng_msg_set_pipe(reply, got->pipe);
    ASSERT_NO_FATAL_FAILURE(nng_send(poly, reply));
  }
  EXPECT_EQ(pipes.size(), 2u) << "NNG saw two distinct pipes";
  for (int i = 0; i < 2; ++i) {
    Message m = mine[i].socket.recv();
    EXPECT_EQ(m.str(), "re: from sprocket " + std::to_string(i));
    EXPECT_EQ(header_words(m), Words{1});
  }
}

#endif  // SPROCKET_HAVE_NNG

}  // namespace
}  // namespace sprocket::test
