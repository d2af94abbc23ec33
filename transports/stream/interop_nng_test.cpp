// Interop with libnng (1.5.2 on Debian 12) linked into the test: PAIR v0
// messages from 0 bytes to 4 MiB both ways, over tcp and ipc, with sprocket
// listening and with sprocket dialing; and an NNG PUSH socket, which is not
// PAIR's partner, refused in both directions.
//
// Built without libnng (CMake found no nng package), every case fails with
// a message saying what to install: interop must not be skipped silently.
#include "protocols/common/interop_util.hpp"

#ifdef SPROCKET_HAVE_NNG
#include <nng/protocol/pair0/pair.h>
#include <nng/protocol/pipeline0/push.h>
#endif

namespace sprocket::test {
namespace {

using Kind = PipeEvent::Kind;

#ifndef SPROCKET_HAVE_NNG

class StreamNngInterop : public ::testing::TestWithParam<PeerParam> {};
INSTANTIATE_TEST_SUITE_P(Stream, StreamNngInterop, kAllPeerParams, peer_param_name);
TEST_P(StreamNngInterop, LibnngIsInstalled) {
  FAIL() << kNoLibnng;
}

#else

constexpr std::size_t KiB = 1024, MiB = 1024 * KiB;

std::uint8_t pattern_byte(std::size_t i, std::uint8_t seed) {
  return static_cast<std::uint8_t>((i * 131 + seed) & 0xff);
}

::testing::AssertionResult has_pattern(const void* data, std::size_t got, std::size_t size,
                                       std::uint8_t seed) {
  if (got != size) return ::testing::AssertionFailure() << "size " << got << ", expected " << size;
  const auto* p = static_cast<const std::uint8_t*>(data);
  for (std::size_t i = 0; i < size; ++i)
    if (p[i] != pattern_byte(i, seed))
      return ::testing::AssertionFailure() << "byte " << i << " of " << size << " differs";
  return ::testing::AssertionSuccess();
}

class NngFixture : public ::testing::TestWithParam<PeerParam> {
 protected:
  Transport transport() const { return std::get<0>(GetParam()); }
  Role role() const { return std::get<1>(GetParam()); }

  /// Joins `sock_` and `nng` in the direction of the case; the dialer
  /// retries until the listener answers.
  void join(NngSocket& nng) { join_nng_peer(sock_, nng, transport(), role()); }

  Socket sock_{sprocket::pair};
  PipeEventRecorder events_{sock_};
};

class StreamNngInterop : public NngFixture {
 protected:
  void SetUp() override {
    bound_blocking_calls(sock_);
    sock_.set_recv_max_size(8 * MiB);
    ASSERT_NO_FATAL_FAILURE(nng_.open(nng_pair0_open));
    ASSERT_NNG_OK(nng_socket_set_size(nng_.get(), NNG_OPT_RECVMAXSZ, 8 * MiB));
    ASSERT_NO_FATAL_FAILURE(join(nng_));
    ASSERT_TRUE(events_.wait_added()) << events_.summary();
  }

  /// sprocket -> NNG, checked byte for byte.
  void sprocket_to_nng(std::size_t size, std::uint8_t seed) {
    Message m(size);
    for (std::size_t i = 0; i < size; ++i) m.data()[i] = std::byte(pattern_byte(i, seed));
    sock_.send(std::move(m));
    nng_msg* got = nullptr;
    ASSERT_NNG_OK(nng_recvmsg(nng_.get(), &got, 0));
    EXPECT_TRUE(has_pattern(nng_msg_body(got), nng_msg_len(got), size, seed)) << "to NNG";
    EXPECT_EQ(nng_msg_header_len(got), 0u) << "PAIR v0 has no header";
    nng_msg_free(got);
  }

  /// NNG -> sprocket, checked byte for byte.
  void nng_to_sprocket(std::size_t size, std::uint8_t seed) {
    nng_msg* m = nullptr;
    ASSERT_NNG_OK(nng_msg_alloc(&m, size));
    auto* body = static_cast<std::uint8_t*>(nng_msg_body(m));
    for (std::size_t i = 0; i < size; ++i) body[i] = pattern_byte(i, seed);
    int rv = nng_sendmsg(nng_.get(), m, 0);
    if (rv != 0) nng_msg_free(m);  // ownership passes only on success
    ASSERT_EQ(rv, 0) << nng_strerror(rv);
    std::error_code ec;
    Message got = sock_.recv(ec);
    ASSERT_NO_ERROR(ec) << "from NNG, " << size << " bytes";
    EXPECT_TRUE(has_pattern(got.data(), got.size(), size, seed)) << "from NNG";
  }

  NngSocket nng_;
};

INSTANTIATE_TEST_SUITE_P(Stream, StreamNngInterop, kAllPeerParams, peer_param_name);

TEST_P(StreamNngInterop, EverySizeCrossesBothWays) {
  const std::size_t sizes[] = {0, 1, 64, 64 * KiB, MiB, 4 * MiB};
  std::uint8_t seed = 0;
  for (std::size_t size : sizes) {
    SCOPED_TRACE("size " + std::to_string(size));
    ASSERT_NO_FATAL_FAILURE(sprocket_to_nng(size, ++seed));
    ASSERT_NO_FATAL_FAILURE(nng_to_sprocket(size, ++seed));
  }
  EXPECT_EQ(sock_.stats().protocol_errors, 0u);
  EXPECT_EQ(sock_.stats().pipes_added, 1u) << "the connection was dropped and remade";
}

// Each side sends from its own thread while the other receives: with
// nobody reading, bounded queues would (rightly) stop the sender part-way.
TEST_P(StreamNngInterop, ManyMessagesKeepTheirOrder) {
  constexpr int kCount = 1000;
  {
    std::jthread sender([&] {
      for (int i = 0; i < kCount; ++i) {
        std::error_code ec;
        sock_.send(std::to_string(i), ec);
        if (ec) return;  // the receiving side reports the gap
      }
    });
    for (int i = 0; i < kCount; ++i) {
      char* buf = nullptr;
      std::size_t len = 0;
      ASSERT_NNG_OK(nng_recv(nng_.get(), &buf, &len, NNG_FLAG_ALLOC));
      std::string got(buf, len);
      nng_free(buf, len);
      ASSERT_EQ(got, std::to_string(i));
    }
  }
  std::jthread sender([&] {
    for (int i = 0; i < kCount; ++i) {
      auto text = std::to_string(i);
      if (nng_send(nng_.get(), text.data(), text.size(), 0) != 0) return;
    }
  });
  for (int i = 0; i < kCount; ++i) {
    std::error_code ec;
    Message m = sock_.recv(ec);
    ASSERT_NO_ERROR(ec) << "message " << i;
    ASSERT_EQ(m.str(), std::to_string(i));
  }
}

TEST_P(StreamNngInterop, OversizeFromNngDropsTheConnection) {
  sock_.set_recv_max_size(1000);
  std::string big(1001, 'x');
  ASSERT_NNG_OK(nng_send(nng_.get(), big.data(), big.size(), 0));
  ASSERT_TRUE(events_.wait_removed()) << events_.summary();
  EXPECT_ERRC(events_.events(Kind::removed).at(0).reason, errc::message_too_large);
  EXPECT_EQ(sock_.stats().protocol_errors, 1u);
  // Both sides reconnect (whichever dials), and a message within the limit
  // then gets through.
  ASSERT_TRUE(events_.wait_added(2)) << events_.summary();
  char small[] = "small";
  ASSERT_NNG_OK(nng_send(nng_.get(), small, 5, 0));
  EXPECT_EQ(to_string(sock_.recv()), "small");
}

// ------------------------------------------------------------------ wrong protocol

class StreamNngWrongPeer : public NngFixture {};

INSTANTIATE_TEST_SUITE_P(Stream, StreamNngWrongPeer, kAllPeerParams, peer_param_name);

TEST_P(StreamNngWrongPeer, PushSocketIsRefused) {
  bound_blocking_calls(sock_);
  NngSocket push;
  ASSERT_NO_FATAL_FAILURE(push.open(nng_push0_open));
  ASSERT_NO_FATAL_FAILURE(join(push));
  ASSERT_TRUE(wait_until([&] {
    for (const auto& e : events_.events(Kind::refused))
      if (e.reason == errc::protocol_mismatch) return true;
    return false;
  })) << events_.summary();
  EXPECT_GE(sock_.stats().refused, 1u);
  EXPECT_EQ(sock_.stats().pipes_added, 0u);
  // Our PULL header is a valid peer for NNG's PUSH, so NNG may hold the
  // pipe for a moment before it sees our close and may take this message
  // into it; whatever it does, nothing reaches the refusing socket.
  char text[] = "must not arrive";
  nng_send(push.get(), text, sizeof text - 1, NNG_FLAG_NONBLOCK);
  std::error_code ec;
  sock_.try_recv(ec);
  EXPECT_ERRC(ec, errc::would_block);
  EXPECT_EQ(sock_.stats().messages_received, 0u);
}

// No nng_fini() at the end: libnng 1.5.2 tears down its mutexes while its
// own threads may still be reaping the pipes of sockets just closed (a
// refused PUSH's pipe here), and then panics ("pthread_mutex_lock: Invalid
// argument", seen once at exit in a fresh-clone run). What NNG keeps until
// the exit is covered by tools/lsan-suppressions.txt, as for the other
// interop tests, which never called it.

#endif  // SPROCKET_HAVE_NNG

}  // namespace
}  // namespace sprocket::test

#ifdef SPROCKET_HAVE_NNG
// libnng 1.5.2 sometimes leaks a dialer's pipe objects when its peer refuses
// the pipe (PushSocketIsRefused: allocated inside nng_dial and NNG's own
// threads). That is NNG's leak, not sprocket's: LeakSanitizer ignores
// allocations whose stack runs through libnng, in this program only.
extern "C" const char* __lsan_default_suppressions() { return "leak:libnng.so\n"; }
#endif
