// Peers that fail TLS against sprocket's tls+tcp listeners and dialers:
// plaintext to TLS and TLS to plaintext, certificates from another CA,
// expired or for another name, a ClientHello dripped a byte at a time, and
// a thousand failed handshakes in a row. Each failure closes that
// connection only, is counted in stats(), and is reported as a refused pipe
// event whose reason carries OpenSSL's words; the listener then still
// serves a good peer.
#include <netinet/in.h>
#include <sys/socket.h>

#include <string>

#include <asio/ssl/error.hpp>

#include "process_usage.hpp"
#include "test_util.hpp"
#include "tls_test_pki.hpp"
#include "transports/stream/stream_test_util.hpp"

namespace sprocket::test {
namespace {

using Kind = PipeEvent::Kind;

const TestPki& pki() { return TestPki::get(); }

std::string tls_url(const std::string& host, const Listener& l) {
  return "tls+tcp://" + host + ":" + std::to_string(l.port());
}

/// A PAIR socket listening on tls+tcp with `server` settings.
struct TlsServer {
  explicit TlsServer(const TlsConfig& server) {
    bound_blocking_calls(socket);
    listener = socket.listen("tls+tcp://127.0.0.1:0", {.tls = server});
  }
  std::string url(const std::string& host = "localhost") const { return tls_url(host, listener); }
  Socket socket{pair};
  PipeEventRecorder events{socket};
  Listener listener;
};

/// A good peer (with `client` settings) connects and exchanges a message:
/// the listener still serves after whatever came before.
void expect_still_serves(TlsServer& server, const TlsConfig& client = pki().client(),
                         const std::string& host = "localhost") {
  const auto added = server.events.count(Kind::added);
  Socket good{pair};
  bound_blocking_calls(good);
  PipeEventRecorder good_events{good};
  good.dial(server.url(host), {.tls = client});
  ASSERT_TRUE(good_events.wait_added()) << good_events.summary();
  ASSERT_TRUE(server.events.wait_added(added + 1)) << server.events.summary();
  good.send("still serving");
  EXPECT_EQ(to_string(server.socket.recv()), "still serving");
  server.socket.send("yes");
  EXPECT_EQ(to_string(good.recv()), "yes");
  const auto removed = server.events.count(Kind::removed);
  good.close();
  ASSERT_TRUE(server.events.wait_removed(removed + 1)) << server.events.summary();
}

/// Dials `url` with `client` settings and returns the first refusal the
/// dialer reports (its reason and the dialer's refused count).
PipeEvent dial_refused(const std::string& url, const TlsConfig& client, std::uint64_t* refused) {
  Socket s{pair};
  PipeEventRecorder events{s};
  s.dial(url, {.reconnect_min = 50ms, .reconnect_max = 200ms, .tls = client});
  EXPECT_TRUE(events.wait_refused()) << events.summary();
  EXPECT_EQ(events.count(Kind::added), 0u) << events.summary();
  if (refused) *refused = s.stats().refused;
  auto all = events.events(Kind::refused);
  return all.empty() ? PipeEvent{} : all.front();
}

std::string reason_text(const PipeEvent& e) { return e.reason.message(); }

TEST(TlsBadInputTest, PlaintextSpHeaderToTlsListener) {
  TlsServer server(pki().server());
  RawStream raw = RawStream::connect_tcp(server.listener.port());
  ASSERT_TRUE(raw.ok());
  ASSERT_TRUE(raw.write_all(std::string_view("\0SP\0\0\x10\0\0", 8)));
  EXPECT_TRUE(raw.wait_closed()) << "the listener kept a plaintext peer";
  ASSERT_TRUE(server.events.wait_refused()) << server.events.summary();
  const auto e = server.events.events(Kind::refused).at(0);
  EXPECT_EQ(e.reason.category(), asio::error::get_ssl_category()) << reason_text(e);
  EXPECT_EQ(e.peer_address.rfind("tls+tcp://127.0.0.1:", 0), 0u) << e.peer_address;
  EXPECT_EQ(server.socket.stats().refused, 1u);
  expect_still_serves(server);
}

TEST(TlsBadInputTest, TlsDialerToPlaintextListener) {
  Socket plain{pair};
  bound_blocking_calls(plain);
  PipeEventRecorder plain_events{plain};
  Listener l = plain.listen("tcp://127.0.0.1:0");
  std::uint64_t refused = 0;
  const auto e = dial_refused("tls+tcp://localhost:" + std::to_string(l.port()), pki().client(),
                              &refused);
  EXPECT_TRUE(e.reason) << "the dialer took a plaintext server for TLS";
  EXPECT_GE(refused, 1u);
  ASSERT_TRUE(plain_events.wait_refused()) << plain_events.summary();
  EXPECT_ERRC(plain_events.events(Kind::refused).at(0).reason, errc::protocol_error);
  // The plaintext listener still serves.
  Socket good{pair};
  bound_blocking_calls(good);
  good.dial("tcp://127.0.0.1:" + std::to_string(l.port()));
  good.send("plain");
  EXPECT_EQ(to_string(plain.recv()), "plain");
}

TEST(TlsBadInputTest, ClientCertificateFromAnotherCaWhenRequired) {
  TlsConfig config = pki().server();
  config.ca_file = pki().file("ca.pem");
  config.verify = TlsVerify::required;
  TlsServer server(config);
  TlsConfig stranger = pki().client();
  stranger.cert_file = pki().file("other-cli.pem");
  stranger.key_file = pki().file("other-cli.key");
  (void)dial_refused(server.url(), stranger, nullptr);
  ASSERT_TRUE(server.events.wait_refused()) << server.events.summary();
  const auto e = server.events.events(Kind::refused).at(0);
  EXPECT_EQ(&e.reason.category(), &tls_verify_category()) << reason_text(e);
  EXPECT_NE(reason_text(e).find("unable to get local issuer certificate"), std::string::npos)
      << reason_text(e);
  EXPECT_GE(server.socket.stats().refused, 1u);
  // No certificate at all is refused too.
  const auto before = server.events.count(Kind::refused);
  (void)dial_refused(server.url(), pki().client(), nullptr);
  ASSERT_TRUE(server.events.wait_refused(before + 1)) << server.events.summary();
  TlsConfig member = pki().client();
  member.cert_file = pki().file("cli.pem");
  member.key_file = pki().file("cli.key");
  expect_still_serves(server, member);
}

TEST(TlsBadInputTest, ServerFromAnotherCa) {
  TlsServer server(pki().server());
  std::uint64_t refused = 0;
  const auto e = dial_refused(server.url(), TlsConfig{.ca_file = pki().file("other-ca.pem")},
                              &refused);
  EXPECT_NE(reason_text(e).find("unable to get local issuer certificate"), std::string::npos)
      << reason_text(e);
  EXPECT_GE(refused, 1u);
  // The listener hears the client's alert.
  ASSERT_TRUE(server.events.wait_refused()) << server.events.summary();
  EXPECT_NE(reason_text(server.events.events(Kind::refused).at(0)).find("unknown ca"),
            std::string::npos)
      << server.events.summary();
  expect_still_serves(server);
}

TEST(TlsBadInputTest, ExpiredCertificate) {
  TlsServer server(TlsConfig{.cert_file = pki().file("expired.pem"), .key_file = pki().file("srv.key")});
  std::uint64_t refused = 0;
  const auto e = dial_refused(server.url(), pki().client(), &refused);
  EXPECT_NE(reason_text(e).find("certificate has expired"), std::string::npos) << reason_text(e);
  EXPECT_GE(refused, 1u);
  ASSERT_TRUE(server.events.wait_refused()) << server.events.summary();
  // A dialer that checks nothing still gets through.
  expect_still_serves(server, TlsConfig{.verify = TlsVerify::none});
}

TEST(TlsBadInputTest, NameMismatch) {
  TlsServer server(TlsConfig{.cert_file = pki().file("wrong-name.pem"), .key_file = pki().file("srv.key")});
  std::uint64_t refused = 0;
  const auto e = dial_refused(server.url(), pki().client(), &refused);
  EXPECT_NE(reason_text(e).find("hostname mismatch"), std::string::npos) << reason_text(e);
  // An address is checked against IP entries, which this certificate lacks.
  const auto by_ip = dial_refused(server.url("127.0.0.1"), pki().client(), nullptr);
  EXPECT_NE(reason_text(by_ip).find("mismatch"), std::string::npos) << reason_text(by_ip);
  // The name the certificate carries, given as server_name, matches.
  TlsConfig named = pki().client();
  named.server_name = "wrong.example";
  expect_still_serves(server, named);
}

// ------------------------------------------------------------ slow and many

/// The first bytes a sprocket dialer sends: its ClientHello, caught by a
/// plain TCP listener of our own.
Bytes capture_client_hello() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(::listen(fd, 1), 0);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  Socket dialer{pair};
  dialer.dial("tls+tcp://localhost:" + std::to_string(ntohs(a.sin_port)), {.tls = pki().client()});
  RawStream listening(fd);
  if (!listening.wait_ready(POLLIN, Clock::now() + kEventTimeout)) return {};
  RawStream conn(::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC));
  auto head = conn.read_exact(5);  // the record header: type, version, length
  if (!head) return {};
  auto body = conn.read_exact((std::size_t((*head)[3]) << 8) | (*head)[4]);
  if (!body) return {};
  Bytes hello = *head;
  hello.insert(hello.end(), body->begin(), body->end());
  return hello;
}

TEST(TlsBadInputTest, DrippedClientHelloMeetsTheHandshakeTimeout) {
  const Bytes hello = capture_client_hello();
  ASSERT_GT(hello.size(), 50u);
  EXPECT_EQ(hello[0], 0x16) << "not a TLS handshake record";
  TlsServer server(pki().server());
  server.socket.set_handshake_timeout(500ms);
  RawStream raw = RawStream::connect_tcp(server.listener.port());
  ASSERT_TRUE(raw.ok());
  EXPECT_TRUE(raw.drip_until_closed(hello)) << "the dripping peer was never dropped";
  ASSERT_TRUE(server.events.wait_refused()) << server.events.summary();
  EXPECT_ERRC(server.events.events(Kind::refused).at(0).reason, errc::timed_out);
  EXPECT_EQ(server.socket.stats().refused, 1u);
  server.socket.set_handshake_timeout(10s);
  expect_still_serves(server);
}

TEST(TlsBadInputTest, ThousandFailedHandshakesLeaveNothingBehind) {
  TlsServer server(pki().server());
  // Plaintext where a ClientHello belongs, and peers that leave at once or
  // half-way: each fails its handshake.
  auto cycle = [&](int i) {
    RawStream s = RawStream::connect_tcp(server.listener.port());
    ASSERT_TRUE(s.ok()) << "connect " << i;
    if (i % 3 == 0) s.write_all(std::string_view("GET / HTTP/1.1\r\n\r\n"));
    if (i % 3 == 1) s.write_all(std::string_view("\x16\x03\x01\x00", 4));
    if (i % 2 == 0) s.abort();
  };
  constexpr int kWarmup = 100, kRun = 1000;
  for (int i = 0; i < kWarmup; ++i) ASSERT_NO_FATAL_FAILURE(cycle(i));
  ASSERT_TRUE(server.events.wait_for(Kind::refused, kWarmup, 60s)) << server.socket.stats().refused;
  const std::size_t fds_before = open_fds();
  const std::size_t heap_before = heap_in_use();
  for (int i = 0; i < kRun; ++i) ASSERT_NO_FATAL_FAILURE(cycle(i));
  ASSERT_TRUE(server.events.wait_for(Kind::refused, kWarmup + kRun, 60s))
      << "refused " << server.socket.stats().refused << " of " << kWarmup + kRun;
  EXPECT_EQ(server.socket.stats().refused, std::uint64_t(kWarmup + kRun));
  EXPECT_EQ(server.socket.stats().pipes_added, 0u);
  EXPECT_TRUE(wait_until([&] { return open_fds() <= fds_before + 2; }))
      << "descriptors: " << fds_before << " before, " << open_fds() << " after";
  // The heap in use (not RSS: freed TLS sessions, tens of KiB each, stay
  // resident in allocator caches and ASan's quarantine).
  const double growth_mib = (double(heap_in_use()) - double(heap_before)) / (1024.0 * 1024.0);
  RecordProperty("heap_growth_kib", static_cast<int>(growth_mib * 1024));
  EXPECT_LT(growth_mib, 16.0) << "the heap in use grew by " << growth_mib << " MiB";
  expect_still_serves(server);
}

}  // namespace
}  // namespace sprocket::test
