// The public API's uniform surface: every send (blocking, try_, async; on a
// Socket and on a Context) takes the same argument forms — Message&&, text
// (string_view, std::string, a string literal) and bytes
// (span<const byte>) — composable EndpointOptions, to_string() for
// temporaries, and what a moved-from Socket does.
#include <array>
#include <future>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include "test_util.hpp"

namespace sprocket::test {
namespace {

using namespace std::string_literals;

const std::array<std::byte, 3> kBytes{std::byte{0}, std::byte{0x7f}, std::byte{0xff}};

std::string bytes_text() { return {"\x00\x7f\xff", 3}; }

// Waits for a void(std::error_code) future and returns its code.
std::error_code result(std::future<std::error_code>& f) {
  if (f.wait_for(kEventTimeout) != std::future_status::ready) return errc::timed_out;
  return f.get();
}

// use_future that hands the code over as a value instead of throwing.
auto code_future() {
  return asio::use_future([](std::error_code ec) { return ec; });
}

class SendFormsTest : public ConnectedPairTest {
 protected:
  // Sends one message with each form `send_one(i)` knows, then checks b_
  // got them in order.
  void expect_received(const std::vector<std::string>& expected) {
    for (const auto& text : expected) EXPECT_EQ(to_string(b_.recv()), text);
  }
};

TEST_F(SendFormsTest, BlockingSendTakesEveryForm) {
  const std::string owned = "std::string";
  a_.send(Message{std::string_view{"message"}});
  a_.send("literal");
  a_.send(std::string_view{"view"});
  a_.send(owned);
  a_.send(std::span<const std::byte>{kBytes});
  a_.send(kBytes);  // a std::array converts to the span form
  std::error_code ec;
  a_.send("literal with ec", ec);
  ASSERT_NO_ERROR(ec);
  a_.send(std::span<const std::byte>{kBytes}, ec);
  ASSERT_NO_ERROR(ec);
  expect_received({"message", "literal", "view", "std::string", bytes_text(), bytes_text(),
                   "literal with ec", bytes_text()});
}

TEST_F(SendFormsTest, TrySendTakesEveryForm) {
  std::error_code ec;
  a_.try_send(Message{std::string_view{"message"}}, ec);
  ASSERT_NO_ERROR(ec);
  a_.try_send("literal", ec);
  ASSERT_NO_ERROR(ec);
  a_.try_send(std::string{"std::string"}, ec);
  ASSERT_NO_ERROR(ec);
  a_.try_send(std::span<const std::byte>{kBytes}, ec);
  ASSERT_NO_ERROR(ec);
  a_.try_send(kBytes, ec);
  ASSERT_NO_ERROR(ec);
  expect_received({"message", "literal", "std::string", bytes_text(), bytes_text()});
}

TEST_F(SendFormsTest, AsyncSendTakesEveryForm) {
  std::vector<std::future<std::error_code>> sent;
  sent.push_back(a_.async_send(Message{std::string_view{"message"}}, code_future()));
  sent.push_back(a_.async_send("literal", code_future()));
  {
    // The text is copied at the call: it may die before the send completes.
    std::string temporary = "std::string";
    sent.push_back(a_.async_send(temporary, code_future()));
    temporary.assign("overwritten");
  }
  sent.push_back(a_.async_send(std::span<const std::byte>{kBytes}, code_future()));
  sent.push_back(a_.async_send(kBytes, code_future()));
  for (auto& f : sent) EXPECT_NO_ERROR(result(f));
  expect_received({"message", "literal", "std::string", bytes_text(), bytes_text()});
}

TEST_F(SendFormsTest, AsyncSendOfALiteralInACoroutine) {
  // The example: async_send("hi", use_awaitable) must compile.
  std::promise<std::error_code> done;
  asio::co_spawn(
      io_,
      [this]() -> asio::awaitable<void> {
        co_await a_.async_send("hi", asio::use_awaitable);
        co_await a_.async_send(std::span<const std::byte>{kBytes}, asio::use_awaitable);
      },
      [&done](std::exception_ptr e) {
        done.set_value(e ? make_error_code(errc::protocol_error) : std::error_code{});
      });
  auto f = done.get_future();
  ASSERT_TRUE(run_until(io_, [&] {
    return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  }));
  EXPECT_NO_ERROR(f.get());
  ASSERT_TRUE(drain_io(io_));
  expect_received({"hi", bytes_text()});
}

// A Context takes the same forms: each request goes out through the context
// and the REP side answers it, so the context can send the next one.
class ContextFormsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bound_blocking_calls(req_);
    bound_blocking_calls(rep_);
    PipeEventRecorder events{rep_};
    rep_.listen(url_);
    req_.dial(url_);
    ASSERT_TRUE(events.wait_added()) << events.summary();
    rep_.on_pipe_event({});
  }

  // REP receives one request, checks it, and answers it.
  void answer(const std::string& expected) {
    EXPECT_EQ(to_string(rep_.recv()), expected);
    rep_.send("ok");
  }

  // The context receives the answer to its last request.
  void expect_answer(Context& ctx) { EXPECT_EQ(to_string(ctx.recv()), "ok"); }

  std::string url_ = unique_inproc_name();
  Socket req_{sprocket::req};
  Socket rep_{sprocket::rep};
};

TEST_F(ContextFormsTest, BlockingSendTakesEveryForm) {
  Context ctx{req_};
  ctx.set_recv_timeout(kEventTimeout);
  ctx.send(Message{std::string_view{"message"}});
  answer("message");
  expect_answer(ctx);
  ctx.send("literal");
  answer("literal");
  expect_answer(ctx);
  ctx.send(std::string{"std::string"});
  answer("std::string");
  expect_answer(ctx);
  ctx.send(std::span<const std::byte>{kBytes});
  answer(bytes_text());
  expect_answer(ctx);
  std::error_code ec;
  ctx.send(kBytes, ec);
  ASSERT_NO_ERROR(ec);
  answer(bytes_text());
  expect_answer(ctx);
}

TEST_F(ContextFormsTest, TrySendTakesEveryForm) {
  Context ctx{req_};
  ctx.set_recv_timeout(kEventTimeout);
  std::error_code ec;
  // A REQ context can always take a new request (it replaces the old one).
  ctx.try_send(Message{std::string_view{"message"}}, ec);
  ASSERT_NO_ERROR(ec);
  answer("message");
  expect_answer(ctx);
  ctx.try_send("literal", ec);
  ASSERT_NO_ERROR(ec);
  answer("literal");
  expect_answer(ctx);
  ctx.try_send(std::span<const std::byte>{kBytes}, ec);
  ASSERT_NO_ERROR(ec);
  answer(bytes_text());
  expect_answer(ctx);
}

TEST_F(ContextFormsTest, AsyncSendTakesEveryForm) {
  Context ctx{req_};
  ctx.set_recv_timeout(kEventTimeout);
  auto f1 = ctx.async_send(Message{std::string_view{"message"}}, code_future());
  EXPECT_NO_ERROR(result(f1));
  answer("message");
  expect_answer(ctx);
  auto f2 = ctx.async_send("literal", code_future());
  EXPECT_NO_ERROR(result(f2));
  answer("literal");
  expect_answer(ctx);
  auto f3 = ctx.async_send(std::span<const std::byte>{kBytes}, code_future());
  EXPECT_NO_ERROR(result(f3));
  answer(bytes_text());
  expect_answer(ctx);
}

// --- EndpointOptions compose ---------------------------------------------------

TEST(EndpointOptionsTest, BuildersComposeWithoutEditingAPreset) {
  using namespace std::chrono_literals;
  constexpr auto fast_reconnect = EndpointOptions{}.with_reconnect(10ms, 500ms);
  constexpr auto primary = fast_reconnect.with_send_priority(1);
  constexpr auto backup = fast_reconnect.with_send_priority(2).with_recv_priority(3);
  static_assert(primary.send_priority == 1 && primary.reconnect_min == 10ms &&
                primary.reconnect_max == 500ms);
  static_assert(backup.send_priority == 2 && backup.recv_priority == 3 &&
                backup.reconnect_max == 500ms);
  static_assert(fast_reconnect.send_priority == 8, "the preset itself is unchanged");
  constexpr auto both = EndpointOptions{}.with_priority(4).with_wait_connected().with_tcp_keepalive();
  static_assert(both.send_priority == 4 && both.recv_priority == 4 && both.wait_connected &&
                both.tcp_keepalive);
  // Designated initializers still work, and builders start from them too.
  constexpr EndpointOptions designated{.send_priority = 1};
  static_assert(designated.with_recv_priority(2).send_priority == 1);
  SUCCEED();
}

TEST(EndpointOptionsTest, ComposedOptionsReachTheEndpoint) {
  using namespace std::chrono_literals;
  // A composed priority routes as a hand-written one: the priority-1
  // listener gets the message while both are connected.
  auto url_first = unique_inproc_name("first");
  auto url_second = unique_inproc_name("second");
  Socket first{sprocket::pull}, second{sprocket::pull}, push{sprocket::push};
  bound_blocking_calls(first);
  bound_blocking_calls(second);
  first.listen(url_first);
  second.listen(url_second);
  PipeEventRecorder events{push};
  const auto fast_reconnect = EndpointOptions{}.with_reconnect(10ms, 100ms);
  push.dial(url_second, fast_reconnect.with_send_priority(2));
  push.dial(url_first, fast_reconnect.with_send_priority(1));
  ASSERT_TRUE(events.wait_added(2)) << events.summary();
  for (int i = 0; i < 5; ++i) push.send("to the first");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(to_string(first.recv()), "to the first");
  std::error_code ec;
  second.try_recv(ec);
  EXPECT_ERRC(ec, errc::would_block);

  // And an out-of-range composed value is refused with its name.
  std::string what;
  auto code = thrown_code([&] { push.dial(url_first, fast_reconnect.with_send_priority(0)); }, &what);
  EXPECT_ERRC(code, errc::invalid_argument);
  EXPECT_NE(what.find("send_priority 0 is outside 1..16"), std::string::npos) << what;
}

// --- Temporaries and moved-from sockets ------------------------------------------

TEST_F(SendFormsTest, ToStringCopiesATemporaryMessage) {
  a_.send("copied out");
  const std::string text = to_string(b_.recv());
  EXPECT_EQ(text, "copied out");
  a_.send(kBytes);
  EXPECT_EQ(to_string(b_.recv()), bytes_text());
}

TEST(MovedFromSocketTest, BehavesAsAClosedSocket) {
  Socket original{sprocket::pair};
  Socket moved{std::move(original)};
  // NOLINTBEGIN(bugprone-use-after-move): what a moved-from socket does is the point.
  std::error_code ec;
  original.send("x", ec);
  EXPECT_ERRC(ec, errc::closed);
  original.try_send("x", ec);
  EXPECT_ERRC(ec, errc::closed);
  original.recv(ec);
  EXPECT_ERRC(ec, errc::closed);
  original.try_recv(ec);
  EXPECT_ERRC(ec, errc::closed);
  original.dial("inproc://nowhere", {}, ec);
  EXPECT_ERRC(ec, errc::closed);
  original.listen("inproc://nowhere", {}, ec);
  EXPECT_ERRC(ec, errc::closed);
  original.subscribe("x", ec);
  EXPECT_ERRC(ec, errc::closed);
  EXPECT_ERRC(thrown_code([&] { original.send("x"); }), errc::closed);
  EXPECT_ERRC(thrown_code([&] { Context c{original}; }), errc::closed);
  auto f = original.async_recv(asio::use_future([](std::error_code e, Message) { return e; }));
  ASSERT_EQ(f.wait_for(kEventTimeout), std::future_status::ready);
  EXPECT_ERRC(f.get(), errc::closed);
  original.set_send_timeout(std::chrono::seconds(1));  // setters do nothing
  EXPECT_LT(original.send_timeout().count(), 0);
  EXPECT_EQ(original.stats().messages_sent, 0u);
  original.close();  // idempotent no-op
  // NOLINTEND(bugprone-use-after-move)

  // Assigning a socket to it makes it whole again.
  original = Socket{sprocket::pair};
  auto url = unique_inproc_name();
  original.listen(url);
  moved.dial(url);
  moved.send("after the move");
  bound_blocking_calls(original);
  EXPECT_EQ(to_string(original.recv()), "after the move");
}

TEST(MovedFromSocketTest, ClosedContextCompletesAsyncOperationsWithClosed) {
  Socket req{sprocket::req};
  Context ctx{req};
  ctx.close();
  auto f = ctx.async_send("x", code_future());
  EXPECT_ERRC(result(f), errc::closed);
  auto g = ctx.async_recv(asio::use_future([](std::error_code e, Message) { return e; }));
  ASSERT_EQ(g.wait_for(kEventTimeout), std::future_status::ready);
  EXPECT_ERRC(g.get(), errc::closed);
}

}  // namespace
}  // namespace sprocket::test
