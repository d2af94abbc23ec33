// BUS interop: a full mesh of three implementations, over tcp and ipc —
// sprocket, NNG's bus0 (libnng) and nanomsg's bus (libnanomsg, or
// `nanocat --bus` as a child process). Each node listens on one address and
// dials the next, so every node both listens and dials, and each one's
// message must reach the other two, never coming back to its sender.
// (nngcat 1.5.2 has no --bus0 option, so NNG takes part through libnng.)
#include "protocols/common/interop_util.hpp"

#ifdef SPROCKET_HAVE_NNG
#include <nng/protocol/bus0/bus.h>
#endif
#ifdef SPROCKET_HAVE_NANOMSG
#include <nanomsg/bus.h>
#endif

namespace sprocket::test {
namespace {

using Kind = PipeEvent::Kind;

class BusMesh : public ::testing::TestWithParam<Transport> {};
INSTANTIATE_TEST_SUITE_P(Transports, BusMesh, ::testing::Values(Transport::tcp, Transport::ipc),
                         TransportName{});

#if !defined(SPROCKET_HAVE_NNG) || !defined(SPROCKET_HAVE_NANOMSG)

TEST_P(BusMesh, PeerLibrariesAreInstalled) {
  FAIL() << "this build lacks libnng or libnanomsg: install the Debian packages libnng-dev "
            "and libnanomsg-dev (tools/test.sh does) and re-run CMake";
}

#else

/// Receives one message on the sprocket node and expects `text`.
void expect_sprocket_recv(Socket& s, std::string_view text) {
  std::error_code ec;
  Message m = s.recv(ec);
  ASSERT_NO_ERROR(ec) << "sprocket waiting for '" << text << "'";
  EXPECT_EQ(m.str(), text);
}

void expect_nng_recv(NngSocket& s, std::string_view text) {
  int rv = 0;
  auto got = s.recv(rv);
  ASSERT_TRUE(got) << "NNG waiting for '" << text << "': " << nng_strerror(rv);
  EXPECT_EQ(*got, text);
}

void expect_nn_recv(NnSocket& s, std::string_view text) {
  int err = 0;
  auto got = s.recv(err);
  ASSERT_TRUE(got) << "nanomsg waiting for '" << text << "': " << nn_strerror(err);
  EXPECT_EQ(*got, text);
}

TEST_P(BusMesh, SprocketNngAndNanomsgEachReachTheOtherTwo) {
  Socket mine{sprocket::bus};
  bound_blocking_calls(mine);
  PipeEventRecorder events(mine);
  NngSocket nng;
  ASSERT_NO_FATAL_FAILURE(nng.open(nng_bus0_open));
  NnSocket nano;
  ASSERT_NO_FATAL_FAILURE(nano.open(NN_BUS));

  // A ring of three is a full mesh: sprocket -> nng -> nanomsg -> sprocket.
  const std::string mine_url = meeting_url(mine, GetParam(), Role::sprocket_listens);
  std::string nng_url, nano_url;
  ASSERT_NO_FATAL_FAILURE(nng.listen(GetParam(), nng_url));
  ASSERT_NO_FATAL_FAILURE(nano.bind(GetParam(), nano_url));
  mine.dial(nng_url, kPeerRetry);
  ASSERT_NO_FATAL_FAILURE(nng.dial(nano_url));
  ASSERT_NO_FATAL_FAILURE(nano.connect(mine_url));
  // A BUS node sends only to the connections it has: wait for them.
  ASSERT_TRUE(events.wait_for(Kind::added, 2)) << events.summary();
  ASSERT_TRUE(nng.wait_pipes(2)) << "NNG has " << nng.pipes() << " connections";

  // One at a time, each after hearing the one before, so an echo of an
  // earlier message would reach its sender ahead of a later one.
  mine.send("from sprocket");
  ASSERT_NO_FATAL_FAILURE(expect_nng_recv(nng, "from sprocket"));
  ASSERT_NO_FATAL_FAILURE(expect_nn_recv(nano, "from sprocket"));
  ASSERT_NO_FATAL_FAILURE(nng.send("from nng"));
  ASSERT_NO_FATAL_FAILURE(expect_sprocket_recv(mine, "from nng"));
  ASSERT_NO_FATAL_FAILURE(expect_nn_recv(nano, "from nng"));
  // nanomsg received on both its connections, so both are up: it can send.
  ASSERT_NO_FATAL_FAILURE(nano.send("from nanomsg"));
  ASSERT_NO_FATAL_FAILURE(expect_sprocket_recv(mine, "from nanomsg"));
  ASSERT_NO_FATAL_FAILURE(expect_nng_recv(nng, "from nanomsg"));

  std::error_code ec;
  Message extra = mine.try_recv(ec);
  EXPECT_ERRC(ec, errc::would_block) << "sprocket got '" << extra.str() << "'";
  int rv = 0;
  auto nng_extra = nng.recv(rv, NNG_FLAG_NONBLOCK);
  EXPECT_EQ(rv, NNG_EAGAIN) << "NNG got '" << nng_extra.value_or("") << "'";
  int err = 0;
  auto nn_extra = nano.recv(err, NN_DONTWAIT);
  EXPECT_EQ(err, EAGAIN) << "nanomsg got '" << nn_extra.value_or("") << "'";
}

TEST_P(BusMesh, SprocketNngAndNanocat) {
  ASSERT_TRUE(tool_available(Tool::nanocat));
  Socket mine{sprocket::bus};
  bound_blocking_calls(mine);
  PipeEventRecorder events(mine);
  NngSocket nng;
  ASSERT_NO_FATAL_FAILURE(nng.open(nng_bus0_open));
  const std::string mine_url = meeting_url(mine, GetParam(), Role::sprocket_listens);
  std::string nng_url;
  ASSERT_NO_FATAL_FAILURE(nng.listen(GetParam(), nng_url));
  mine.dial(nng_url, kPeerRetry);
  // nanocat dials both and sends every second until killed, printing what
  // it hears.
  ChildProcess nanocat({tool_info(Tool::nanocat).path, "--bus", "--connect", mine_url, "--connect",
                        nng_url, "--data", "from nanocat", "--interval", "1", "--quoted"});
  ASSERT_TRUE(nanocat.running()) << nanocat.describe();
  ASSERT_TRUE(events.wait_for(Kind::added, 2)) << events.summary() << "\n" << nanocat.describe();
  ASSERT_TRUE(nng.wait_pipes(2)) << "NNG has " << nng.pipes() << " connections\n"
                                 << nanocat.describe();

  mine.send("from sprocket");
  ASSERT_NO_FATAL_FAILURE(nng.send("from nng"));
  // nanocat's own copies may come more than once (one per second).
  bool mine_heard_nng = false, mine_heard_nanocat = false;
  while (!(mine_heard_nng && mine_heard_nanocat)) {
    std::error_code ec;
    Message m = mine.recv(ec);
    ASSERT_NO_ERROR(ec) << nanocat.describe();
    mine_heard_nng |= m.str() == "from nng";
    mine_heard_nanocat |= m.str() == "from nanocat";
    ASSERT_NE(m.str(), "from sprocket") << "sprocket's own message came back";
  }
  bool nng_heard_mine = false, nng_heard_nanocat = false;
  while (!(nng_heard_mine && nng_heard_nanocat)) {
    int rv = 0;
    auto got = nng.recv(rv);
    ASSERT_TRUE(got) << nng_strerror(rv) << "\n" << nanocat.describe();
    nng_heard_mine |= *got == "from sprocket";
    nng_heard_nanocat |= *got == "from nanocat";
    ASSERT_NE(*got, "from nng") << "NNG's own message came back";
  }
  EXPECT_TRUE(nanocat.wait_for_output("\"from sprocket\"\n", kEventTimeout)) << nanocat.describe();
  EXPECT_TRUE(nanocat.wait_for_output("\"from nng\"\n", kEventTimeout)) << nanocat.describe();
  EXPECT_EQ(nanocat.output().find("from nanocat"), std::string::npos)
      << "nanocat heard its own message: " << nanocat.describe();
}

#endif

}  // namespace
}  // namespace sprocket::test
