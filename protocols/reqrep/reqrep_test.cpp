// REQ/REP over inproc, ipc and tcp: exchanges, the state rules (REQ recv
// without a request, REP send without one), a new request abandoning the
// old, resend on the timer and at once when the carrying pipe dies, replies
// to requesters that left, fair queueing, and the hop-limit option.
#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "protocols/common/protocol_test_util.hpp"
#include "sprocket/context.hpp"

namespace sprocket::test {
namespace {

/// A REP listening on a fresh address of the parameter's kind and a REQ
/// dialing it, both connected before the test body runs.
class ReqRepTest : public ::testing::TestWithParam<Via> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(connect_via(rep_.socket, rep_.events, req_.socket, req_.events, GetParam()));
  }

  /// Connects one more socket to `listener` over the parameter's transport.
  ::testing::AssertionResult add(Node& listener, Node& dialer) {
    return connect_via(listener.socket, listener.events, dialer.socket, dialer.events, GetParam());
  }

  Node req_{sprocket::req};
  Node rep_{sprocket::rep};
};
INSTANTIATE_TEST_SUITE_P(Transports, ReqRepTest, kAllTransports, ViaName{});

TEST_P(ReqRepTest, ExchangesRequestsAndReplies) {
  for (int i = 0; i < 10; ++i) {
    req_.socket.send("request-" + std::to_string(i));
    EXPECT_EQ(to_string(rep_.socket.recv()), "request-" + std::to_string(i));
    rep_.socket.send("reply-" + std::to_string(i));
    EXPECT_EQ(to_string(req_.socket.recv()), "reply-" + std::to_string(i));
  }
  // Large bodies travel as shared storage: the header still goes in front.
  const std::string big(200'000, 'q');
  req_.socket.send(big);
  Message request = rep_.socket.recv();
  EXPECT_EQ(request.size(), big.size());
  EXPECT_TRUE(request.header().empty()) << "a cooked REP hides the backtrace";
  rep_.socket.send(std::string(150'000, 'a'));
  Message reply = req_.socket.recv();
  EXPECT_EQ(reply.size(), 150'000u);
  EXPECT_TRUE(reply.header().empty()) << "a cooked REQ hides the request id";
  EXPECT_EQ(req_.socket.stats().drops + rep_.socket.stats().drops, 0u);
}

TEST_P(ReqRepTest, NewSendAbandonsThePreviousRequest) {
  // Two REP contexts, so the REP can hold both requests and answer both.
  Context first_ctx(rep_.socket), second_ctx(rep_.socket);
  req_.socket.send("first");
  EXPECT_EQ(to_string(first_ctx.recv()), "first");
  req_.socket.send("second");
  EXPECT_EQ(to_string(second_ctx.recv()), "second");
  first_ctx.send("reply to first");  // sent first, so it reaches the REQ first
  second_ctx.send("reply to second");
  EXPECT_EQ(to_string(req_.socket.recv()), "reply to second");
  EXPECT_EQ(req_.socket.stats().drops, 1u) << "the late reply to the abandoned request";
  std::error_code ec;
  (void)req_.socket.try_recv(ec);
  EXPECT_ERRC(ec, errc::bad_state) << "the reply ended the exchange";
}

TEST_P(ReqRepTest, ResendsAfterTheResendInterval) {
  req_.socket.set_resend_interval(100ms);
  EXPECT_EQ(to_ms(req_.socket.resend_interval()), 100);
  const auto start = Clock::now();
  req_.socket.send("anyone there?");
  EXPECT_EQ(to_string(rep_.socket.recv()), "anyone there?");
  // No answer to the first copy: the same request comes again.
  EXPECT_EQ(to_string(rep_.socket.recv()), "anyone there?");
  EXPECT_GE(to_ms(Clock::now() - start), 90);
  rep_.socket.send("yes");
  EXPECT_EQ(to_string(req_.socket.recv()), "yes") << "a reply to the resent copy is the reply";
}

TEST_P(ReqRepTest, NegativeResendIntervalNeverResends) {
  req_.socket.set_resend_interval(-1ms);
  EXPECT_LT(req_.socket.resend_interval().count(), 0);
  req_.socket.send("once");
  EXPECT_EQ(to_string(rep_.socket.recv()), "once");
  // Three times the interval the test above resends at: no second copy.
  rep_.socket.set_recv_timeout(300ms);
  std::error_code ec;
  Message extra = rep_.socket.recv(ec);
  EXPECT_ERRC(ec, errc::timed_out) << "a copy arrived: " << extra.str();
  rep_.socket.send("answer");
  EXPECT_EQ(to_string(req_.socket.recv()), "answer");
}

TEST_P(ReqRepTest, ResendsAtOnceWhenTheCarryingPipeDies) {
  Node other(sprocket::rep);
  ASSERT_TRUE(add(other, req_));
  // Far longer than the test's own bound: only the pipe loss can resend.
  req_.socket.set_resend_interval(60s);
  req_.socket.send("keep me");
  Node* holder = nullptr;
  ASSERT_TRUE(wait_until([&] {
    for (Node* n : {&rep_, &other}) {
      std::error_code ec;
      if (to_string(n->socket.try_recv(ec)) == "keep me") holder = n;
    }
    return holder != nullptr;
  }));
  Node* survivor = holder == &rep_ ? &other : &rep_;
  holder->socket.close();
  EXPECT_EQ(to_string(survivor->socket.recv()), "keep me");
  survivor->socket.send("kept");
  EXPECT_EQ(to_string(req_.socket.recv()), "kept");
}

// With resending disabled a request whose connection dies is not sent again
// (that would be a resend); its recv fails with connection_reset, as NNG's.
TEST_P(ReqRepTest, NegativeResendIntervalFailsTheRequestWhenItsPipeDies) {
  req_.socket.set_resend_interval(-1ms);
  Node other(sprocket::rep);
  ASSERT_TRUE(add(other, req_));
  req_.socket.send("only once");
  Node* holder = nullptr;
  ASSERT_TRUE(wait_until([&] {
    for (Node* n : {&rep_, &other}) {
      std::error_code ec;
      if (to_string(n->socket.try_recv(ec)) == "only once") holder = n;
    }
    return holder != nullptr;
  }));
  Node* survivor = holder == &rep_ ? &other : &rep_;
  holder->socket.close();
  std::error_code ec;
  (void)req_.socket.recv(ec);
  EXPECT_ERRC(ec, errc::connection_reset);
  survivor->socket.set_recv_timeout(300ms);
  Message copy = survivor->socket.recv(ec);
  EXPECT_ERRC(ec, errc::timed_out) << "the request was resent: " << copy.str();
  // The socket goes on: a new request is answered.
  (void)req_.socket.recv(ec);
  EXPECT_ERRC(ec, errc::bad_state) << "the failed request is over";
  req_.socket.send("next");
  EXPECT_EQ(to_string(survivor->socket.recv()), "next");
  survivor->socket.send("answered");
  EXPECT_EQ(to_string(req_.socket.recv()), "answered");
}

TEST_P(ReqRepTest, ReplyToAGoneRequesterIsDroppedAndServingGoesOn) {
  Node doomed(sprocket::req);
  ASSERT_TRUE(add(rep_, doomed));
  doomed.socket.send("from the doomed");
  EXPECT_EQ(to_string(rep_.socket.recv()), "from the doomed");
  doomed.socket.close();
  ASSERT_TRUE(rep_.events.wait_removed()) << rep_.events.summary();
  std::error_code ec;
  rep_.socket.send("to nobody", ec);
  EXPECT_NO_ERROR(ec) << "a reply never fails for its requester's sake";
  EXPECT_EQ(rep_.socket.stats().drops, 1u);

  req_.socket.send("still there?");
  EXPECT_EQ(to_string(rep_.socket.recv()), "still there?");
  rep_.socket.send("yes");
  EXPECT_EQ(to_string(req_.socket.recv()), "yes");
}

TEST(ReqRepCloseTest, ClosingAReqSendsNoFurtherCopies) {
  // Eight REPs each hold one unanswered request (one per context, spread
  // round-robin). Closing the REQ abandons them all: no REP may receive any
  // request again. (Removing the connections one by one must not count as
  // "the carrying pipe died, resend elsewhere".)
  constexpr int kReps = 8;
  Node req(sprocket::req);
  std::vector<std::unique_ptr<Node>> reps;
  for (int i = 0; i < kReps; ++i) {
    reps.push_back(std::make_unique<Node>(sprocket::rep));
    ASSERT_TRUE(
        connect_via(reps.back()->socket, reps.back()->events, req.socket, req.events, Via::inproc));
  }
  std::vector<std::unique_ptr<Context>> contexts;
  for (int i = 0; i < kReps; ++i) {
    contexts.push_back(std::make_unique<Context>(req.socket));
    contexts.back()->send("q-" + std::to_string(i));
  }
  for (auto& rep : reps) EXPECT_EQ(recv_n(rep->socket, 1).size(), 1u);

  req.socket.close();
  // inproc hands messages over synchronously: copies sent during close()
  // are already queued; the bounded wait only gives them a moment more.
  std::vector<std::string> copies;
  wait_until(
      [&] {
        for (auto& rep : reps)
          for (auto& m : drain_now(rep->socket)) copies.push_back(m);
        return !copies.empty();
      },
      300ms);
  EXPECT_TRUE(copies.empty()) << copies.size() << " request copies were sent by close(), e.g. "
                              << (copies.empty() ? "" : copies.front());
}

// ------------------------------------------------------------ state rules

TEST(ReqRepStateTest, RecvOnReqWithoutARequestIsBadState) {
  Node req(sprocket::req), rep(sprocket::rep);
  std::error_code ec;
  (void)req.socket.recv(ec);
  EXPECT_ERRC(ec, errc::bad_state);
  (void)req.socket.try_recv(ec);
  EXPECT_ERRC(ec, errc::bad_state);
  EXPECT_ERRC(thrown_code([&] { (void)req.socket.recv(); }), errc::bad_state);

  ASSERT_TRUE(connect_via(rep.socket, rep.events, req.socket, req.events, Via::inproc));
  req.socket.send("q");
  rep.socket.send(to_string(rep.socket.recv()));
  EXPECT_EQ(to_string(req.socket.recv()), "q");
  (void)req.socket.recv(ec);
  EXPECT_ERRC(ec, errc::bad_state) << "one reply per request";
}

TEST(ReqRepStateTest, SendOnRepWithoutARequestIsBadState) {
  Node req(sprocket::req), rep(sprocket::rep);
  std::error_code ec;
  rep.socket.send("unasked", ec);
  EXPECT_ERRC(ec, errc::bad_state);
  EXPECT_ERRC(thrown_code([&] { rep.socket.send("unasked"); }), errc::bad_state);

  ASSERT_TRUE(connect_via(rep.socket, rep.events, req.socket, req.events, Via::inproc));
  req.socket.send("q");
  EXPECT_EQ(to_string(rep.socket.recv()), "q");
  rep.socket.send("a");
  rep.socket.send("a again", ec);
  EXPECT_ERRC(ec, errc::bad_state) << "one reply per request";
  EXPECT_EQ(to_string(req.socket.recv()), "a");
}

TEST(ReqRepStateTest, ReqSendWaitsForAPeer) {
  Node req(sprocket::req), rep(sprocket::rep);
  std::error_code ec;
  req.socket.try_send("nobody", ec);
  EXPECT_ERRC(ec, errc::would_block);
  req.socket.set_send_timeout(100ms);
  req.socket.send("nobody", ec);
  EXPECT_ERRC(ec, errc::timed_out);

  // A send blocked for want of a peer goes out when one connects.
  req.socket.set_send_timeout(kEventTimeout);
  const auto url = unique_inproc_name();
  req.socket.dial(url);
  std::error_code send_ec = make_error_code(errc::canceled);
  std::thread sender([&] { req.socket.send("early", send_ec); });
  rep.socket.listen(url);
  EXPECT_EQ(to_string(rep.socket.recv()), "early");
  sender.join();
  EXPECT_NO_ERROR(send_ec);
}

TEST(ReqRepOptionsTest, MaxTtlIsOneThroughFifteen) {
  Socket req{sprocket::req}, rep{sprocket::rep};
  EXPECT_EQ(req.max_ttl(), 8);
  EXPECT_EQ(rep.max_ttl(), 8);
  for (int bad : {0, 16, -1, 255}) {
    std::string what;
    EXPECT_ERRC(thrown_code([&] { rep.set_max_ttl(bad); }, &what), errc::invalid_argument) << bad;
    EXPECT_NE(what.find(std::to_string(bad)), std::string::npos) << what;
  }
  EXPECT_EQ(rep.max_ttl(), 8) << "a refused value changes nothing";
  rep.set_max_ttl(1);
  EXPECT_EQ(rep.max_ttl(), 1);
  rep.set_max_ttl(15);
  EXPECT_EQ(rep.max_ttl(), 15);
  EXPECT_EQ(to_ms(req.resend_interval()), 60'000) << "the SP default";
}

// ---------------------------------------------------------------- routing

TEST(ReqRepRoutingTest, RepFairQueuesSeveralReqs) {
  constexpr int kReqs = 3, kEach = 3;
  Node rep(sprocket::rep);
  const auto url = listen_fresh(rep.socket, Via::inproc);
  std::vector<std::unique_ptr<Node>> reqs;
  std::vector<std::unique_ptr<Context>> contexts;  // each holds one request
  for (int i = 0; i < kReqs; ++i) {
    reqs.push_back(std::make_unique<Node>(sprocket::req));
    reqs.back()->socket.dial(url);
    ASSERT_TRUE(reqs.back()->events.wait_added());
  }
  ASSERT_TRUE(rep.events.wait_added(kReqs));
  // All queued before the REP looks, so the order is the REP's choice.
  for (int i = 0; i < kReqs; ++i) {
    for (int k = 0; k < kEach; ++k) {
      contexts.push_back(std::make_unique<Context>(reqs[i]->socket));
      contexts.back()->send(std::to_string(i) + "-" + std::to_string(k));
    }
  }
  std::vector<int> count(kReqs, 0);
  for (const auto& m : recv_n(rep.socket, kReqs * kEach)) {
    ++count[m[0] - '0'];
    const auto [lo, hi] = std::minmax_element(count.begin(), count.end());
    ASSERT_LE(*hi - *lo, 1) << "one REQ got ahead of another (at " << m << ")";
  }
}

TEST(ReqRepRoutingTest, ReqLoadBalancesOverReps) {
  constexpr int kReps = 3, kRequests = 30;
  Node req(sprocket::req);
  std::vector<std::unique_ptr<Node>> reps;
  std::vector<std::thread> servers;
  for (int i = 0; i < kReps; ++i) {
    reps.push_back(std::make_unique<Node>(sprocket::rep));
    ASSERT_TRUE(
        connect_via(reps.back()->socket, reps.back()->events, req.socket, req.events, Via::inproc));
  }
  for (int i = 0; i < kReps; ++i) {
    servers.emplace_back([&rep = reps[i]->socket, i] {
      std::error_code ec;
      for (;;) {
        Message m = rep.recv(ec);
        if (ec) return;  // closed at the end of the test
        rep.send(std::to_string(i), ec);
      }
    });
  }
  std::vector<int> served(kReps, 0);
  for (int n = 0; n < kRequests; ++n) {
    req.socket.send("who?");
    ++served.at(std::stoi(to_string(req.socket.recv())));
  }
  for (auto& r : reps) r->socket.close();
  for (auto& t : servers) t.join();
  for (int i = 0; i < kReps; ++i) EXPECT_EQ(served[i], kRequests / kReps) << "REP " << i;
}

}  // namespace
}  // namespace sprocket::test
