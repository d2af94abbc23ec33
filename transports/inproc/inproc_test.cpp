// inproc://: connection order, zero-copy hand-off, name ownership, peers
// going away and coming back, and draining after the sender closes.
#include <cstdlib>
#include <string>

#include "test_util.hpp"

namespace sprocket::test {
namespace {

using Kind = PipeEvent::Kind;

// Fast retries, so reconnection tests do not wait out the 100 ms default.
const EndpointOptions kFastRetry{.reconnect_min = std::chrono::milliseconds(10),
                                 .reconnect_max = std::chrono::milliseconds(50)};

class InprocTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bound_blocking_calls(a_);
    bound_blocking_calls(b_);
  }

  Socket a_{sprocket::pair};
  Socket b_{sprocket::pair};
  PipeEventRecorder a_events_{a_};
  PipeEventRecorder b_events_{b_};
  std::string url_ = unique_inproc_name();
};

TEST_F(InprocTest, DialBeforeListenConnectsWhenListenerAppears) {
  b_.dial(url_, kFastRetry);  // nobody listens yet: fine, it waits
  a_.listen(url_);
  ASSERT_TRUE(a_events_.wait_added()) << a_events_.summary();
  ASSERT_TRUE(b_events_.wait_added()) << b_events_.summary();
  b_.send("late listener");
  EXPECT_EQ(to_string(a_.recv()), "late listener");
  a_.send("reply");
  EXPECT_EQ(to_string(b_.recv()), "reply");
}

TEST_F(InprocTest, DialWithDefaultBackoffBeforeListenConnects) {
  b_.dial(url_);  // default reconnect_min
  a_.listen(url_);
  ASSERT_TRUE(a_events_.wait_added()) << a_events_.summary();
  b_.send("default backoff");
  EXPECT_EQ(to_string(a_.recv()), "default backoff");
}

TEST_F(InprocTest, WaitConnectedDialReturnsConnected) {
  a_.listen(url_);
  b_.dial(url_, {.wait_connected = true});
  std::error_code ec;
  b_.try_send("connected at once", ec);  // PAIR would refuse with no peer
  ASSERT_NO_ERROR(ec);
  EXPECT_EQ(to_string(a_.recv()), "connected at once");
}

TEST_F(InprocTest, LargeWrappedMessageCrossesWithoutCopy) {
  constexpr std::size_t kSize = 1024 * 1024;  // exactly the default recv_max_size
  void* buf = std::malloc(kSize);
  ASSERT_NE(buf, nullptr);
  std::memset(buf, 0x5a, kSize);
  static_cast<unsigned char*>(buf)[kSize - 1] = 0xa5;
  auto freed = std::make_shared<std::atomic<int>>(0);
  Message m = Message::wrap(buf, kSize, [freed](void* p) {
    std::free(p);
    freed->fetch_add(1);
  });

  ASSERT_TRUE(connect(a_, a_events_, b_, b_events_, url_));
  a_.send(std::move(m));
  {
    Message got = b_.recv();
    EXPECT_EQ(static_cast<void*>(got.data()), buf) << "the body was copied on the way";
    ASSERT_EQ(got.size(), kSize);
    EXPECT_EQ(static_cast<unsigned char>(got.body()[0]), 0x5a);
    EXPECT_EQ(static_cast<unsigned char>(got.body()[kSize - 1]), 0xa5);
    EXPECT_EQ(freed->load(), 0) << "freed while the receiver still holds it";
  }
  // Nothing else references the body now, though a library thread may drop
  // its last reference just after recv() returned.
  EXPECT_TRUE(wait_until([&] { return freed->load() == 1; })) << "deleter calls: " << freed->load();
  EXPECT_EQ(freed->load(), 1);
}

TEST_F(InprocTest, ListeningTwiceIsAddressInUse) {
  a_.listen(url_);
  std::error_code ec;
  Listener l = b_.listen(url_, {}, ec);
  EXPECT_ERRC(ec, errc::address_in_use);
  EXPECT_FALSE(l);
}

TEST_F(InprocTest, ClosedListenerFreesTheName) {
  Listener l = a_.listen(url_);
  l.close();
  std::error_code ec;
  b_.listen(url_, {}, ec);  // close() released the name before returning
  EXPECT_NO_ERROR(ec);
  l.close();  // idempotent
}

TEST_F(InprocTest, ClosedSocketFreesTheName) {
  a_.listen(url_);
  a_.close();
  std::error_code ec;
  b_.listen(url_, {}, ec);
  EXPECT_NO_ERROR(ec);
}

TEST_F(InprocTest, ListenerSocketClosingRemovesPeerPipeAndDialerReconnects) {
  ASSERT_TRUE(connect(a_, a_events_, b_, b_events_, url_, kFastRetry));
  const auto first_pipe = b_events_.events(Kind::added).at(0).pipe_id;
  a_.close();
  ASSERT_TRUE(b_events_.wait_removed()) << b_events_.summary();
  EXPECT_EQ(b_events_.events(Kind::removed).at(0).pipe_id, first_pipe);

  // A new listener on the same name: the dialer finds it by itself.
  Socket c{sprocket::pair};
  bound_blocking_calls(c);
  PipeEventRecorder c_events(c);
  c.listen(url_);
  ASSERT_TRUE(c_events.wait_added()) << c_events.summary();
  ASSERT_TRUE(b_events_.wait_added(2)) << b_events_.summary();
  EXPECT_NE(b_events_.events(Kind::added).at(1).pipe_id, first_pipe) << "a new pipe, a new id";
  b_.send("to the new listener");
  EXPECT_EQ(to_string(c.recv()), "to the new listener");
  c.send("back");
  EXPECT_EQ(to_string(b_.recv()), "back");
  EXPECT_GE(b_.stats().pipes_added, 2u);
}

TEST_F(InprocTest, ClosedListenerHandleRemovesPeerAndRelistenReconnects) {
  Listener l = a_.listen(url_);
  b_.dial(url_, kFastRetry);
  ASSERT_TRUE(a_events_.wait_added()) << a_events_.summary();
  ASSERT_TRUE(b_events_.wait_added()) << b_events_.summary();
  l.close();  // closes the connections it accepted, keeps the socket
  ASSERT_TRUE(a_events_.wait_removed()) << a_events_.summary();
  ASSERT_TRUE(b_events_.wait_removed()) << b_events_.summary();

  a_.listen(url_);
  ASSERT_TRUE(a_events_.wait_added(2)) << a_events_.summary();
  b_.send("same socket, new listener");
  EXPECT_EQ(to_string(a_.recv()), "same socket, new listener");
}

TEST_F(InprocTest, ClosedDialerStopsAndRemovesPipe) {
  a_.listen(url_);
  Dialer d = b_.dial(url_, kFastRetry);
  ASSERT_TRUE(a_events_.wait_added()) << a_events_.summary();
  d.close();
  ASSERT_TRUE(a_events_.wait_removed()) << a_events_.summary();
  EXPECT_TRUE(wait_until([&] { return b_.stats().pipes == 0; }));
  // A closed dialer does not reconnect: the listener stays alone. Detected
  // without sleeping: a fresh dialer connects, and is the second pipe ever.
  Socket c{sprocket::pair};
  PipeEventRecorder c_events(c);
  c.dial(url_, kFastRetry);
  ASSERT_TRUE(a_events_.wait_added(2)) << a_events_.summary();
  EXPECT_EQ(b_events_.count(Kind::added), 1u) << "the closed dialer reconnected";
}

TEST_F(InprocTest, QueuedMessagesSurviveSenderClose) {
  ASSERT_TRUE(connect(a_, a_events_, b_, b_events_, url_));
  for (int i = 0; i < 5; ++i) a_.send(std::to_string(i));
  a_.close();  // b_ has not read anything yet
  for (int i = 0; i < 5; ++i) {
    std::error_code ec;
    Message m = b_.recv(ec);
    ASSERT_NO_ERROR(ec) << "message " << i << " lost when the sender closed";
    EXPECT_EQ(m.str(), std::to_string(i));
  }
  std::error_code ec;
  (void)b_.try_recv(ec);
  EXPECT_ERRC(ec, errc::would_block);
}

TEST_F(InprocTest, DialerSideCloseAlsoLetsListenerDrain) {
  ASSERT_TRUE(connect(a_, a_events_, b_, b_events_, url_));
  for (int i = 0; i < 3; ++i) b_.send(std::to_string(i));
  b_.close();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(to_string(a_.recv()), std::to_string(i));
}

TEST(InprocNamesTest, DistinctNamesAreIndependent) {
  Socket l1{sprocket::pair}, l2{sprocket::pair}, d1{sprocket::pair}, d2{sprocket::pair};
  for (Socket* s : {&l1, &l2, &d1, &d2}) bound_blocking_calls(*s);
  PipeEventRecorder e1(l1), e2(l2), f1(d1), f2(d2);
  ASSERT_TRUE(connect(l1, e1, d1, f1, unique_inproc_name("one")));
  ASSERT_TRUE(connect(l2, e2, d2, f2, unique_inproc_name("two")));
  d1.send("one");
  d2.send("two");
  EXPECT_EQ(to_string(l1.recv()), "one");
  EXPECT_EQ(to_string(l2.recv()), "two");
}

}  // namespace
}  // namespace sprocket::test
