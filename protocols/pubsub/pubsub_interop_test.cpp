// PUB/SUB interop with NNG and nanomsg, over tcp and ipc, with sprocket
// listening and with sprocket dialing:
// - sprocket PUB -> `nngcat --sub0` / `nanocat --sub` with --subscribe
//   (child processes): only matching messages are printed;
// - sprocket PUB -> libnng SUB with a subscription;
// - libnng PUB and libnanomsg PUB -> sprocket SUB with a subscription.
// Non-matching messages never arrive: each sequence ends with a matching
// sentinel, and nothing published before it may follow it.
#include "protocols/pubsub/fanout_interop_util.hpp"

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

/// A sprocket socket and a peer, on one transport, one side listening.
using Param = std::tuple<Transport, Role>;

std::string param_name(const ::testing::TestParamInfo<Param>& i) {
  return std::string(transport_name(std::get<0>(i.param))) + "_" + role_name(std::get<1>(i.param));
}

const auto kAllParams = ::testing::Combine(::testing::Values(Transport::tcp, Transport::ipc),
                                           ::testing::Values(Role::sprocket_listens,
                                                             Role::sprocket_dials));

// ------------------------------------------------------------------ command-line peers

struct CliParam {
  Tool tool;
  Transport transport;
  Role role;
};

std::vector<CliParam> cli_params() {
  std::vector<CliParam> out;
  for (Tool t : {Tool::nngcat, Tool::nanocat})
    for (Transport tr : {Transport::tcp, Transport::ipc})
      for (Role r : {Role::sprocket_listens, Role::sprocket_dials}) out.push_back({t, tr, r});
  return out;
}

class PubToCliSub : public ::testing::TestWithParam<CliParam> {};

INSTANTIATE_TEST_SUITE_P(Peers, PubToCliSub, ::testing::ValuesIn(cli_params()), [](const auto& i) {
  return std::string(tool_info(i.param.tool).name) + "_" + transport_name(i.param.transport) + "_" +
         role_name(i.param.role);
});

TEST_P(PubToCliSub, PeerPrintsOnlyMatchingMessages) {
  const CliParam& c = GetParam();
  ASSERT_TRUE(tool_available(c.tool));
  Socket pub{sprocket::pub};
  PipeEventRecorder events(pub);
  const std::string url = meeting_url(pub, c.transport, c.role);
  const char* flag = c.tool == Tool::nngcat ? "--sub0" : "--sub";
  auto peer = start_tool(c.tool, flag, c.role, url, {"--subscribe", kTopic, "--quoted"});
  ASSERT_TRUE(peer->running()) << peer->describe();
  if (c.role == Role::sprocket_dials) pub.dial(url, kPeerRetry);
  // The join race: a publisher sends only to connections it already has.
  ASSERT_TRUE(events.wait_added()) << events.summary() << "\n" << peer->describe();

  for (const auto& text : kPublished) pub.send(text);
  std::string expected;
  for (const auto& text : kMatching) expected += "\"" + text + "\"\n";
  EXPECT_TRUE(peer->wait_for_output("\"weather/end\"\n", kEventTimeout)) << peer->describe();
  EXPECT_EQ(peer->output(), expected) << "only the subscribed topic, in order";
}

// ------------------------------------------------------------------ libnng

#ifndef SPROCKET_HAVE_NNG

class NngPubSub : public ::testing::TestWithParam<Param> {};
INSTANTIATE_TEST_SUITE_P(Nng, NngPubSub, kAllParams, param_name);
TEST_P(NngPubSub, LibnngIsInstalled) {
  FAIL() << "this build has no libnng: install the Debian package libnng-dev "
            "(tools/test.sh does) and re-run CMake";
}

#else

class NngPubSub : public ::testing::TestWithParam<Param> {
 protected:
  /// Connects `sock` and `nng` in the direction the case says and waits
  /// until both have the connection.
  void connect(Socket& sock, PipeEventRecorder& events, NngSocket& nng) {
    const auto [transport, role] = GetParam();
    std::string url;
    if (role == Role::sprocket_listens) {
      url = meeting_url(sock, transport, role);
      ASSERT_NO_FATAL_FAILURE(nng.dial(url));
    } else {
      ASSERT_NO_FATAL_FAILURE(nng.listen(transport, url));
      sock.dial(url, kPeerRetry);
    }
    ASSERT_TRUE(events.wait_added()) << events.summary();
    ASSERT_TRUE(nng.wait_pipes(1)) << "NNG saw no connection";
  }
};

INSTANTIATE_TEST_SUITE_P(Nng, NngPubSub, kAllParams, param_name);

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
  for (const auto& expected : kMatching) EXPECT_EQ(sub.recv().str(), expected);
  std::error_code ec;
  Message extra = sub.try_recv(ec);
  EXPECT_ERRC(ec, errc::would_block) << "unexpected message '" << extra.str() << "'";
}

#endif  // SPROCKET_HAVE_NNG

// ------------------------------------------------------------------ libnanomsg

#ifndef SPROCKET_HAVE_NANOMSG

class NanomsgPubSub : public ::testing::TestWithParam<Param> {};
INSTANTIATE_TEST_SUITE_P(Nanomsg, NanomsgPubSub, kAllParams, param_name);
TEST_P(NanomsgPubSub, LibnanomsgIsInstalled) {
  FAIL() << "this build has no libnanomsg: install the Debian package libnanomsg-dev "
            "(tools/test.sh does) and re-run CMake";
}

#else

class NanomsgPubSub : public ::testing::TestWithParam<Param> {};
INSTANTIATE_TEST_SUITE_P(Nanomsg, NanomsgPubSub, kAllParams, param_name);

TEST_P(NanomsgPubSub, NanomsgPubToSprocketSub) {
  const auto [transport, role] = GetParam();
  Socket sub{sprocket::sub};
  bound_blocking_calls(sub);
  PipeEventRecorder events(sub);
  sub.subscribe(kTopic);
  NnSocket pub;
  ASSERT_NO_FATAL_FAILURE(pub.open(NN_PUB));
  std::string url;
  if (role == Role::sprocket_listens) {
    url = meeting_url(sub, transport, role);
    ASSERT_NO_FATAL_FAILURE(pub.connect(url));
  } else {
    ASSERT_NO_FATAL_FAILURE(pub.bind(transport, url));
    sub.dial(url, kPeerRetry);
  }
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
