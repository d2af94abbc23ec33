// A program linked against libsprocket.so (not the static library the other
// tests use): every function the public headers declare must be exported,
// or this program does not link; and the API works across the library
// boundary — templates instantiated here (async operations, Message::wrap),
// classes derived here from the extension seams (a protocol, a transport),
// errors compared here against the library's category.
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include "sprocket/extension/message_queue.hpp"
#include "sprocket/extension/protocol.hpp"
#include "sprocket/extension/transport.hpp"
#include "test_util.hpp"

namespace sprocket::test {
namespace {

// Takes the address of every out-of-line member and free function: a
// missing export is a link error here.
template <class... T>
void keep(T...) {}

TEST(SharedLibrary, EveryPublicFunctionIsExported) {
  using ec_t = std::error_code&;
  using span_t = std::span<const std::byte>;
  keep(static_cast<void (Socket::*)(Message&&)>(&Socket::send),
       static_cast<void (Socket::*)(Message&&, ec_t)>(&Socket::send),
       static_cast<void (Socket::*)(std::string_view)>(&Socket::send),
       static_cast<void (Socket::*)(std::string_view, ec_t)>(&Socket::send),
       static_cast<void (Socket::*)(span_t)>(&Socket::send),
       static_cast<void (Socket::*)(span_t, ec_t)>(&Socket::send),
       static_cast<Message (Socket::*)()>(&Socket::recv),
       static_cast<Message (Socket::*)(ec_t)>(&Socket::recv),
       static_cast<void (Socket::*)(Message&&, ec_t)>(&Socket::try_send),
       static_cast<void (Socket::*)(std::string_view, ec_t)>(&Socket::try_send),
       static_cast<void (Socket::*)(span_t, ec_t)>(&Socket::try_send), &Socket::try_recv,
       static_cast<Dialer (Socket::*)(std::string_view, const EndpointOptions&)>(&Socket::dial),
       static_cast<Dialer (Socket::*)(std::string_view, const EndpointOptions&, ec_t)>(&Socket::dial),
       static_cast<Listener (Socket::*)(std::string_view, const EndpointOptions&)>(&Socket::listen),
       static_cast<Listener (Socket::*)(std::string_view, const EndpointOptions&, ec_t)>(
           &Socket::listen),
       &Socket::close, &Socket::set_send_timeout, &Socket::set_recv_timeout, &Socket::send_timeout,
       &Socket::recv_timeout, &Socket::set_send_buffer, &Socket::set_recv_buffer,
       &Socket::send_buffer, &Socket::recv_buffer, &Socket::set_recv_max_size,
       &Socket::recv_max_size, &Socket::set_linger, &Socket::linger, &Socket::set_max_ttl,
       &Socket::max_ttl, &Socket::set_resend_interval, &Socket::resend_interval,
       &Socket::set_survey_deadline, &Socket::survey_deadline,
       static_cast<void (Socket::*)(std::string_view)>(&Socket::subscribe),
       static_cast<void (Socket::*)(std::string_view, ec_t)>(&Socket::subscribe),
       static_cast<void (Socket::*)(std::string_view)>(&Socket::unsubscribe),
       static_cast<void (Socket::*)(std::string_view, ec_t)>(&Socket::unsubscribe),
       &Socket::set_handshake_timeout, &Socket::handshake_timeout, &Socket::on_pipe_event,
       &Socket::stats, &Socket::protocol, &Socket::raw, &Socket::get_executor);
  keep(static_cast<void (Context::*)(Message&&)>(&Context::send),
       static_cast<void (Context::*)(Message&&, ec_t)>(&Context::send),
       static_cast<void (Context::*)(std::string_view)>(&Context::send),
       static_cast<void (Context::*)(std::string_view, ec_t)>(&Context::send),
       static_cast<void (Context::*)(span_t)>(&Context::send),
       static_cast<void (Context::*)(span_t, ec_t)>(&Context::send),
       static_cast<Message (Context::*)()>(&Context::recv),
       static_cast<Message (Context::*)(ec_t)>(&Context::recv),
       static_cast<void (Context::*)(Message&&, ec_t)>(&Context::try_send),
       static_cast<void (Context::*)(std::string_view, ec_t)>(&Context::try_send),
       static_cast<void (Context::*)(span_t, ec_t)>(&Context::try_send), &Context::try_recv,
       &Context::close, &Context::set_send_timeout, &Context::set_recv_timeout,
       &Context::send_timeout, &Context::recv_timeout);
  keep(&Dialer::close, &Dialer::url, &Listener::close, &Listener::url, &Listener::port);
  keep(&Message::clone, &Message::set_header, &Message::push_header_word,
       &Message::pop_header_word, &Message::move_body_word_to_header, &Message::trim_front);
  keep(&MessageQueue::push, &MessageQueue::pop, &MessageQueue::pop_batch,
       &MessageQueue::close_producer, &MessageQueue::close_reason, &MessageQueue::close_consumer,
       &MessageQueue::consumer_closed, &MessageQueue::producer_closed, &MessageQueue::drained,
       &MessageQueue::set_consumer, &MessageQueue::set_producer, &MessageQueue::notify_consumer,
       &MessageQueue::notify_producer, &MessageQueue::set_limits, &MessageQueue::size,
       &MessageQueue::set_filter);
  keep(&error_category, &throw_if, &configure_runtime, &register_protocol, &find_protocol,
       &register_transport, &find_transport, static_cast<void (*)(Socket&, Socket&)>(&device),
       static_cast<void (*)(Socket&, Socket&, ec_t)>(&device));
  SUCCEED();
}

TEST(SharedLibrary, BlockingAsyncAndCoroutinesAcrossTheBoundary) {
  Socket a{sprocket::pair}, b{sprocket::pair};
  bound_blocking_calls(a);
  bound_blocking_calls(b);
  auto url = unique_inproc_name();
  a.listen(url);
  b.dial(url, EndpointOptions{}.with_wait_connected());
  b.send("blocking");
  EXPECT_EQ(to_string(a.recv()), "blocking");

  auto sent = b.async_send("future", asio::use_future);
  sent.get();
  auto got = a.async_recv(asio::use_future);
  EXPECT_EQ(to_string(got.get()), "future");

  void* buf = std::malloc(100000);
  std::memset(buf, 'w', 100000);
  b.send(Message::wrap(buf, 100000, [](void* p) { std::free(p); }));
  EXPECT_EQ(a.recv().size(), 100000u);

  asio::io_context io;
  std::string echoed;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await b.async_send("coroutine", asio::use_awaitable);
        Message m = co_await a.async_recv(asio::use_awaitable);
        echoed = to_string(m);
      },
      asio::detached);
  ASSERT_TRUE(run_until(io, [&] { return !echoed.empty(); }));
  ASSERT_TRUE(drain_io(io));
  EXPECT_EQ(echoed, "coroutine");
}

TEST(SharedLibrary, ErrorsCompareAcrossTheBoundary) {
  Socket s{sprocket::pair};
  s.set_recv_timeout(std::chrono::milliseconds(1));
  std::error_code ec;
  s.recv(ec);
  EXPECT_EQ(ec, errc::timed_out);           // this program's make_error_code...
  EXPECT_EQ(ec, std::errc::timed_out);      // ...and the portable condition
  EXPECT_EQ(&ec.category(), &error_category());
  std::string what;
  EXPECT_EQ(thrown_code([&] { s.dial("tcp://127.0.0.1:99999"); }, &what), errc::invalid_address);
  EXPECT_NE(what.find("out of range"), std::string::npos) << what;
}

// A protocol written here, registered with the library: PAIR-like, one peer.
class EchoPair final : public ProtocolHandler {
 public:
  std::error_code add_pipe(Pipe& pipe) override {
    if (pipe_) return errc::peer_limit;
    pipe_ = &pipe;
    return {};
  }
  void remove_pipe(Pipe& pipe) override {
    if (pipe_ == &pipe) pipe_ = nullptr;
  }
  void pipe_readable(Pipe&) override {}
  void pipe_writable(Pipe&) override {}
  std::error_code send(Message& m) override {
    if (!pipe_) return errc::would_block;
    auto io = pipe_->send(m);
    return io == Pipe::Io::ok ? std::error_code{} : make_error_code(errc::would_block);
  }
  std::error_code recv(Message& m) override {
    if (!pipe_) return errc::would_block;
    auto io = pipe_->recv(m);
    return io == Pipe::Io::ok ? std::error_code{} : make_error_code(errc::would_block);
  }

 private:
  Pipe* pipe_ = nullptr;
};

// A transport written here: "relay://name" is inproc under another scheme,
// so the library calls this program's virtual functions.
class RelayTransport final : public Transport {
 public:
  std::string_view scheme() const noexcept override { return "relay"; }
  std::unique_ptr<TransportDialer> make_dialer(const Url& url, std::shared_ptr<SocketPort> socket,
                                               const EndpointOptions& options,
                                               std::error_code& ec) override {
    ++made;
    return find_transport("inproc")->make_dialer(as_inproc(url), std::move(socket), options, ec);
  }
  std::unique_ptr<TransportListener> make_listener(const Url& url,
                                                   std::shared_ptr<SocketPort> socket,
                                                   const EndpointOptions& options,
                                                   std::error_code& ec) override {
    ++made;
    return find_transport("inproc")->make_listener(as_inproc(url), std::move(socket), options, ec);
  }
  std::atomic<int> made{0};

 private:
  static Url as_inproc(const Url& url) {
    return {"inproc://relay/" + url.address, "inproc", "relay/" + url.address};
  }
};

TEST(SharedLibrary, ExtensionsWrittenInTheProgram) {
  constexpr std::uint16_t kEcho = 0x7f10;
  register_protocol({kEcho, kEcho, "echo-pair", "echo-pair",
                     [](ProtocolHost&) { return std::make_unique<EchoPair>(); }});
  ASSERT_NE(find_protocol(kEcho), nullptr);
  auto relay = std::make_shared<RelayTransport>();
  register_transport(relay);
  ASSERT_EQ(find_transport("relay"), relay);

  Socket a{Protocol{kEcho}}, b{Protocol{kEcho}};
  bound_blocking_calls(a);
  bound_blocking_calls(b);
  auto name = unique_inproc_name().substr(std::string_view("inproc://").size());
  a.listen("relay://" + name);
  b.dial("relay://" + name, EndpointOptions{}.with_wait_connected());
  EXPECT_EQ(relay->made.load(), 2);
  b.send("through both extensions");
  EXPECT_EQ(to_string(a.recv()), "through both extensions");

  // The extension API's queue, used directly.
  MessageQueue q{2};
  bool notify = false;
  Message m{std::string_view{"queued"}};
  EXPECT_EQ(q.push(m, notify), MessageQueue::Push::ok);
  Message out;
  EXPECT_EQ(q.pop(out, notify), MessageQueue::Pop::ok);
  EXPECT_EQ(to_string(out), "queued");
}

}  // namespace
}  // namespace sprocket::test
