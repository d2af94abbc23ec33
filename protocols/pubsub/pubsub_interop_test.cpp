// PUB/SUB interop with NNG and nanomsg, over tcp and ipc, with sprocket
// listening and with sprocket dialing:
// - sprocket PUB -> `nngcat --sub0` / `nanocat --sub` with --subscribe
//   (child processes): only matching messages are printed;
// - sprocket PUB -> libnng SUB with a subscription;
// - libnng PUB and libnanomsg PUB -> sprocket SUB with a subscription.
// Non-matching messages never arrive: each sequence ends with a matching
// sentinel, and nothing published before it may follow it.
#include "protocols/common/interop_util.hpp"

#ifdef SPROCKET_HAVE_NANOMSG
#include <nanomsg/pubsub.h>
#endif
#ifdef SPROCKET_HAVE_NNG
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#endif

namespace sprocket::test {
namespace {

// The same sequence everywhere: two matching messages among others, the
// last one matching (the sentinel).
const std::vector<std::string> kPublished{"news/x", "weather/oslo", "news/weather/", "weather",
                                          "weather/end"};
const std::vector<std::string> kMatching{"weather/oslo", "weather/end"};
constexpr const char* kTopic = "weather/";

// ------------------------------------------------------------------ command-line peers

class PubToCliSub : public ::testing::TestWithParam<CliParam> {};

INSTANTIATE_TEST_SUITE_P(Peers, PubToCliSub, ::testing::ValuesIn(all_cli_params()),
                         CliParamName{});

TEST_P(PubToCliSub, PeerPrintsOnlyMatchingMessages) {
  const CliParam& c = GetParam();
  ASSERT_TRUE(tool_available(c.tool));
  Socket pub{sprocket::pub};
  PipeEventRecorder events(pub);
  const std::string url = meeting_url(pub, c.transport, c.role);
  const char* flag = c.tool == Tool::nngcat ? "--sub0" : "--sub";
  std::unique_ptr<ChildProcess> peer;
  // Waits for the connection, because of the join race: a publisher sends
  // only to connections it already has.
  ASSERT_NO_FATAL_FAILURE(start_connected_tool(peer, pub, events, c.tool, flag, c.role, url,
                                               {"--subscribe", kTopic, "--quoted"}));

  for (const auto& text : kPublished) pub.send(text);
  std::string expected;
  for (const auto& text : kMatching) expected += "\"" + text + "\"\n";
  EXPECT_TRUE(peer->wait_for_output("\"weather/end\"\n", kEventTimeout)) << peer->describe();
  EXPECT_EQ(peer->output(), expected) << "only the subscribed topic, in order";
}

// ------------------------------------------------------------------ libnng

#ifndef SPROCKET_HAVE_NNG

class NngPubSub : public ::testing::TestWithParam<PeerParam> {};
INSTANTIATE_TEST_SUITE_P(Nng, NngPubSub, kAllPeerParams, peer_param_name);
TEST_P(NngPubSub, LibnngIsInstalled) {
  FAIL() << kNoLibnng;
}

#else

class NngPubSub : public NngPeerTest {};

INSTANTIATE_TEST_SUITE_P(Nng, NngPubSub, kAllPeerParams, peer_param_name);

TEST_P(NngPubSub, SprocketPubToNngSub) {
  Socket pub{sprocket::pub};
  PipeEventRecorder events(pub);
  NngSocket sub;
  ASSERT_NO_FATAL_FAILURE(sub.open(nng_sub0_open));
  ASSERT_NNG_OK(nng_socket_set(sub.get(), NNG_OPT_SUB_SUBSCRIBE, kTopic, std::strlen(kTopic)));
  ASSERT_NO_FATAL_FAILURE(connect(pub, events, sub));
  for (const auto& text : kPublished) pub.send(text);
  for (const auto& expected : kMatching) {
    int rv = 0;
    auto got = sub.recv(rv);
    ASSERT_TRUE(got) << "waiting for " << expected << ": " << nng_strerror(rv);
    EXPECT_EQ(*got, expected);
  }
  int rv = 0;
  auto extra = sub.recv(rv, NNG_FLAG_NONBLOCK);
  EXPECT_EQ(rv, NNG_EAGAIN) << "unexpected message '" << extra.value_or("") << "'";
}

TEST_P(NngPubSub, NngPubToSprocketSub) {
  Socket sub{sprocket::sub};
  bound_blocking_calls(sub);
  PipeEventRecorder events(sub);
  sub.subscribe(kTopic);
  NngSocket pub;
  ASSERT_NO_FATAL_FAILURE(pub.open(nng_pub0_open));
  ASSERT_NO_FATAL_FAILURE(connect(sub, events, pub));
  for (const auto& text : kPublished) ASSERT_NO_FATAL_FAILURE(pub.send(text));
  for (const auto& expected : kMatching) EXPECT_EQ(to_string(sub.recv()), expected);
  std::error_code ec;
  Message extra = sub.try_recv(ec);
  EXPECT_ERRC(ec, errc::would_block) << "unexpected message '" << extra.str() << "'";
}

#endif  // SPROCKET_HAVE_NNG

// ------------------------------------------------------------------ libnanomsg

#ifndef SPROCKET_HAVE_NANOMSG

class NanomsgPubSub : public ::testing::TestWithParam<PeerParam> {};
INSTANTIATE_TEST_SUITE_P(Nanomsg, NanomsgPubSub, kAllPeerParams, peer_param_name);
TEST_P(NanomsgPubSub, LibnanomsgIsInstalled) {
  FAIL() << kNoLibnanomsg;
}

#else

class NanomsgPubSub : public ::testing::TestWithParam<PeerParam> {};
INSTANTIATE_TEST_SUITE_P(Nanomsg, NanomsgPubSub, kAllPeerParams, peer_param_name);

TEST_P(NanomsgPubSub, NanomsgPubToSprocketSub) {
  const auto [transport, role] = GetParam();
  Socket sub{sprocket::sub};
  bound_blocking_calls(sub);
  PipeEventRecorder events(sub);
  sub.subscribe(kTopic);
  NnSocket pub;
  ASSERT_NO_FATAL_FAILURE(pub.open(NN_PUB));
  ASSERT_NO_FATAL_FAILURE(join_nn_peer(sub, pub, transport, role));
  ASSERT_TRUE(events.wait_added()) << events.summary();
  // nanomsg tells nobody when its side of the connection is ready: publish
  // a matching "ready" until one arrives, then the sequence.
  const auto deadline = Clock::now() + kEventTimeout;
  sub.set_recv_timeout(20ms);
  std::error_code ec;
  for (;;) {
    ASSERT_NO_FATAL_FAILURE(pub.send("weather/ready"));
    Message m = sub.recv(ec);
    if (!ec && m.str() == "weather/ready") break;
    ASSERT_TRUE(Clock::now() < deadline) << "nothing from the nanomsg publisher: " << describe(ec);
  }
  sub.set_recv_timeout(kEventTimeout);
  for (const auto& text : kPublished) ASSERT_NO_FATAL_FAILURE(pub.send(text));
  std::vector<std::string> got;
  while (got.size() < kMatching.size()) {
    Message m = sub.recv(ec);
    ASSERT_NO_ERROR(ec) << "after " << got.size() << " messages";
    if (m.str() != "weather/ready") got.emplace_back(m.str());  // late copies of the probe
  }
  EXPECT_EQ(got, kMatching);
  Message extra = sub.try_recv(ec);
  EXPECT_ERRC(ec, errc::would_block) << "unexpected message '" << extra.str() << "'";
}

#endif  // SPROCKET_HAVE_NANOMSG

}  // namespace
}  // namespace sprocket::test
