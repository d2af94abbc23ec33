// Errors name what was wrong: the option and its allowed range, the part of
// the URL that is malformed, the host that does not resolve, the prefix that
// was never subscribed. The error codes stay what DESIGN.md says
// (invalid_argument for options, invalid_address for addresses); the words
// are in the exception's message.
#include <string>

#include "test_util.hpp"

namespace sprocket::test {
namespace {

using namespace std::chrono_literals;

// The message of the std::system_error `f` throws, checked to carry `code`.
template <class F>
std::string message_of(F&& f, errc code) {
  std::string what;
  auto ec = thrown_code(std::forward<F>(f), &what);
  EXPECT_ERRC(ec, code) << what;
  return what;
}

#define EXPECT_MENTIONS(what, text) \
  EXPECT_NE((what).find(text), std::string::npos) << "message: " << (what)

TEST(ErrorMessageTest, OptionOutOfRangeNamesTheOptionAndItsRange) {
  Socket s{sprocket::push};
  auto what = message_of([&] { s.dial("tcp://127.0.0.1:5555", {.send_priority = 0}); },
                         errc::invalid_argument);
  EXPECT_MENTIONS(what, "dial tcp://127.0.0.1:5555");
  EXPECT_MENTIONS(what, "send_priority 0 is outside 1..16");
  what = message_of([&] { s.listen("tcp://127.0.0.1:0", {.recv_priority = 17}); },
                    errc::invalid_argument);
  EXPECT_MENTIONS(what, "recv_priority 17 is outside 1..16");
  what = message_of([&] { s.dial("inproc://x", {.reconnect_min = 0ms}); }, errc::invalid_argument);
  EXPECT_MENTIONS(what, "reconnect_min 0 ms is not positive");
  what = message_of([&] { s.dial("inproc://x", {.reconnect_min = 200ms, .reconnect_max = 50ms}); },
                    errc::invalid_argument);
  EXPECT_MENTIONS(what, "reconnect_max 50 ms is below reconnect_min 200 ms");
  // As set_max_ttl already did.
  what = message_of([&] { s.set_max_ttl(0); }, errc::invalid_argument);
  EXPECT_MENTIONS(what, "set_max_ttl: 0 is outside 1..15");
}

TEST(ErrorMessageTest, PortOutOfRange) {
  Socket s{sprocket::pair};
  auto what = message_of([&] { s.dial("tcp://127.0.0.1:99999"); }, errc::invalid_address);
  EXPECT_MENTIONS(what, "port 99999 is out of range 0..65535");
  what = message_of([&] { s.listen("tcp://127.0.0.1:65536"); }, errc::invalid_address);
  EXPECT_MENTIONS(what, "port 65536 is out of range 0..65535");
  what = message_of([&] { s.listen("ws://127.0.0.1:123456789012345678901234/path"); },
                    errc::invalid_address);
  EXPECT_MENTIONS(what, "out of range 0..65535");
}

TEST(ErrorMessageTest, MalformedAddressesSayWhatIsMalformed) {
  Socket s{sprocket::pair};
  EXPECT_MENTIONS(message_of([&] { s.dial("tcp://127.0.0.1"); }, errc::invalid_address),
                  "no port (expected host:port)");
  EXPECT_MENTIONS(message_of([&] { s.dial("tcp://127.0.0.1:http"); }, errc::invalid_address),
                  "port \"http\" is not a number");
  EXPECT_MENTIONS(message_of([&] { s.dial("tcp://::1:5555"); }, errc::invalid_address),
                  "needs brackets");
  EXPECT_MENTIONS(message_of([&] { s.dial("tcp://127.0.0.1:0"); }, errc::invalid_address),
                  "dial needs a port other than 0");
  EXPECT_MENTIONS(message_of([&] { s.dial("tcp://*:5555"); }, errc::invalid_address),
                  "dial needs a host");
  EXPECT_MENTIONS(message_of([&] { s.dial("127.0.0.1:5555"); }, errc::invalid_address),
                  "no \"://\"");
  EXPECT_MENTIONS(message_of([&] { s.dial("TCP://127.0.0.1:5555"); }, errc::invalid_address),
                  "the scheme may hold only");
  EXPECT_MENTIONS(message_of([&] { s.dial("tcp://"); }, errc::invalid_address),
                  "no address after");
  EXPECT_MENTIONS(message_of([&] { s.listen("ipc://" + std::string(200, 'x')); },
                             errc::invalid_address),
                  "the path is 200 bytes long");
  EXPECT_MENTIONS(message_of([&] { s.listen("ws://127.0.0.1:0/a path"); }, errc::invalid_address),
                  "the path holds a space");
  EXPECT_MENTIONS(message_of([&] { s.dial("carrier-pigeon://coop"); },
                             errc::unsupported_transport),
                  "no transport serves \"carrier-pigeon://\"");
}

// ".invalid" never resolves (RFC 6761), wherever the test runs.
constexpr const char* kNoSuchHost = "no-such-host.invalid";

TEST(ErrorMessageTest, ListenOnAnUnresolvableHostNamesIt) {
  Socket s{sprocket::pair};
  auto what = message_of([&] { s.listen(std::string("tcp://") + kNoSuchHost + ":0"); },
                         errc::invalid_address);
  EXPECT_MENTIONS(what, std::string("host not found: ") + kNoSuchHost);
}

TEST(ErrorMessageTest, DialWaitingForAnUnresolvableHostNamesIt) {
  Socket s{sprocket::pair};
  // A resolver without network may take its time to give up; the dial
  // waits up to the send timeout.
  s.set_send_timeout(60s);
  auto url = std::string("tcp://") + kNoSuchHost + ":5555";
  auto what = message_of([&] { s.dial(url, EndpointOptions{}.with_wait_connected()); },
                         errc::invalid_address);
  EXPECT_MENTIONS(what, "dial " + url + ": host not found: " + kNoSuchHost);
  // A failure without words (nobody listens) gets none from the last one.
  what = message_of([&] { s.dial("tcp://127.0.0.1:1", EndpointOptions{}.with_wait_connected()); },
                    errc::connection_refused);
  EXPECT_EQ(what.find("host not found"), std::string::npos) << what;
}

TEST(ErrorMessageTest, UnsubscribeOfAnUnknownPrefixNamesIt) {
  Socket sub{sprocket::sub};
  sub.subscribe("weather/");
  auto what = message_of([&] { sub.unsubscribe("sport/"); }, errc::invalid_argument);
  EXPECT_MENTIONS(what, "unsubscribe \"sport/\": no such subscription");
  sub.unsubscribe("weather/");
  what = message_of([&] { sub.unsubscribe("weather/"); }, errc::invalid_argument);
  EXPECT_MENTIONS(what, "unsubscribe \"weather/\": no such subscription");
  // Bytes that are not printable are escaped.
  what = message_of([&] { sub.unsubscribe(std::string_view("\x01\"", 2)); }, errc::invalid_argument);
  EXPECT_MENTIONS(what, "unsubscribe \"\\x01\\\"\"");
}

TEST(ErrorMessageTest, ErrorCodeOverloadsLeaveNoDetailBehind) {
  // The ec overload fails silently; a later throwing call that fails for
  // another reason must not carry the earlier words.
  Socket s{sprocket::pair};
  std::error_code ec;
  s.dial("tcp://127.0.0.1:99999", {}, ec);
  EXPECT_ERRC(ec, errc::invalid_address);
  auto what = message_of([&] { s.dial("carrier-pigeon://coop"); }, errc::unsupported_transport);
  EXPECT_EQ(what.find("99999"), std::string::npos) << what;
}

}  // namespace
}  // namespace sprocket::test
