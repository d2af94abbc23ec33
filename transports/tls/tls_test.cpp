// tls+tcp:// between sprocket sockets: exchanges of every size, the address
// forms, the ways to give certificates (per endpoint, socket default, key in
// the certificate file, the system trust store), client certificates, and
// the configuration errors of dial() and listen(), each naming its file.
#include <string>

#include "test_util.hpp"
#include "tls_test_pki.hpp"
#include "transports/stream/stream_test_util.hpp"

namespace sprocket::test {
namespace {

const TestPki& pki() { return TestPki::get(); }

std::string url_of(const std::string& host, const Listener& l) {
  return "tls+tcp://" + host + ":" + std::to_string(l.port());
}

// Listens with `server` settings, dials with `client` ones; true once both
// sides have the pipe.
::testing::AssertionResult pair_up(Socket& a, PipeEventRecorder& ae, Socket& b,
                                   PipeEventRecorder& be, const TlsConfig& server,
                                   const TlsConfig& client, const std::string& host = "localhost") {
  Listener l = a.listen("tls+tcp://127.0.0.1:0", {.tls = server});
  b.dial(url_of(host, l), {.tls = client});
  if (!ae.wait_added()) return ::testing::AssertionFailure() << "listener: " << ae.summary();
  if (!be.wait_added()) return ::testing::AssertionFailure() << "dialer: " << be.summary();
  return ::testing::AssertionSuccess();
}

void expect_exchange(Socket& a, Socket& b, std::size_t size) {
  std::string body(size, 'x');
  for (std::size_t i = 0; i < size; ++i) body[i] = static_cast<char>('a' + i % 26);
  b.send(body);
  EXPECT_EQ(to_string(a.recv()), body) << size << " bytes, dialer to listener";
  a.send(body);
  EXPECT_EQ(to_string(b.recv()), body) << size << " bytes, listener to dialer";
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    (void)pki();
    bound_blocking_calls(a_);
    bound_blocking_calls(b_);
    a_.set_recv_max_size(0);
    b_.set_recv_max_size(0);
  }
  Socket a_{pair};
  Socket b_{pair};
  PipeEventRecorder ae_{a_};
  PipeEventRecorder be_{b_};
};

TEST_F(TlsTest, ExchangesMessagesOfEverySize) {
  ASSERT_TRUE(pair_up(a_, ae_, b_, be_, pki().server(), pki().client()));
  for (std::size_t size : {0u, 1u, 100u, 16'383u, 16'384u, 70'000u, 1u << 20, 4u << 20})
    expect_exchange(a_, b_, size);
  EXPECT_EQ(ae_.events(PipeEvent::Kind::added).at(0).peer_address.rfind("tls+tcp://127.0.0.1:", 0),
            0u);
}

TEST_F(TlsTest, ManyMessagesBothWaysAtOnce) {
  ASSERT_TRUE(pair_up(a_, ae_, b_, be_, pki().server(), pki().client()));
  constexpr int kCount = 2000;
  std::thread sender([&] {
    for (int i = 0; i < kCount; ++i) b_.send(id_message(i));
  });
  for (int i = 0; i < kCount; ++i) a_.send(id_message(i));
  for (int i = 0; i < kCount; ++i) ASSERT_EQ(message_id(a_.recv()), std::uint64_t(i));
  for (int i = 0; i < kCount; ++i) ASSERT_EQ(message_id(b_.recv()), std::uint64_t(i));
  sender.join();
}

TEST_F(TlsTest, DialsByAddressWithTheCertificatesIpEntry) {
  ASSERT_TRUE(pair_up(a_, ae_, b_, be_, pki().server(), pki().client(), "127.0.0.1"));
  expect_exchange(a_, b_, 10);
}

TEST_F(TlsTest, DialsFromALocalAddress) {
  // The local part goes to the socket's bind; the certificate is checked
  // against the host after ';'.
  Listener l = a_.listen("tls+tcp://127.0.0.1:0", {.tls = pki().server()});
  b_.dial("tls+tcp://127.0.0.2;localhost:" + std::to_string(l.port()), {.tls = pki().client()});
  ASSERT_TRUE(ae_.wait_added()) << ae_.summary();
  ASSERT_TRUE(be_.wait_added()) << be_.summary();
  expect_exchange(a_, b_, 10);
  auto peer = ae_.events(PipeEvent::Kind::added).at(0).peer_address;
  EXPECT_EQ(peer.rfind("tls+tcp://127.0.0.2:", 0), 0u) << peer;
}

TEST_F(TlsTest, ListensOnEveryInterfaceAndIpv6) {
  Listener l = a_.listen("tls+tcp://*:0", {.tls = pki().server()});
  b_.dial(url_of("127.0.0.1", l), {.tls = pki().client()});
  ASSERT_TRUE(be_.wait_added()) << be_.summary();
  expect_exchange(a_, b_, 10);
  ASSERT_TRUE(have_ipv6_loopback()) << "this machine has no IPv6 loopback (::1), which the test needs";
  Socket c{pair}, d{pair};
  bound_blocking_calls(c);
  bound_blocking_calls(d);
  PipeEventRecorder de{d};
  Listener l6 = c.listen("tls+tcp://[::1]:0", {.tls = pki().server()});
  d.dial("tls+tcp://[::1]:" + std::to_string(l6.port()), {.tls = pki().client()});
  ASSERT_TRUE(de.wait_added()) << de.summary();
  expect_exchange(c, d, 10);
}

TEST_F(TlsTest, SocketDefaultsServeEndpointsWithoutTheirOwn) {
  a_.set_tls(pki().server());
  b_.set_tls(pki().client());
  ASSERT_TRUE(b_.tls().has_value());
  EXPECT_EQ(b_.tls()->ca_file, pki().file("ca.pem"));
  Listener l = a_.listen("tls+tcp://127.0.0.1:0");
  b_.dial(url_of("localhost", l));
  ASSERT_TRUE(be_.wait_added()) << be_.summary();
  expect_exchange(a_, b_, 100);
  // Other transports ignore the socket's default.
  Socket c{pair};
  c.set_tls(pki().server());
  EXPECT_NO_THROW(c.listen("tcp://127.0.0.1:0"));
}

TEST_F(TlsTest, KeyInsideTheCertificateFile) {
  ASSERT_TRUE(pair_up(a_, ae_, b_, be_, TlsConfig{.cert_file = pki().file("srv-with-key.pem")},
                      pki().client()));
  expect_exchange(a_, b_, 10);
}

TEST_F(TlsTest, SystemTrustStoreWhenNoCaIsGiven) {
  // TestPki points SSL_CERT_FILE (OpenSSL's default trust store) at the CA.
  ASSERT_TRUE(pair_up(a_, ae_, b_, be_, pki().server(), TlsConfig{}));
  expect_exchange(a_, b_, 10);
}

TEST_F(TlsTest, InsecureDialerAcceptsAnyServer) {
  ASSERT_TRUE(pair_up(a_, ae_, b_, be_, TlsConfig{.cert_file = pki().file("wrong-name.pem"),
                                                  .key_file = pki().file("srv.key")},
                      TlsConfig{.ca_file = pki().file("other-ca.pem"), .verify = TlsVerify::none}));
  expect_exchange(a_, b_, 10);
}

TEST_F(TlsTest, ClientCertificateRequiredAndGiven) {
  TlsConfig server = pki().server();
  server.ca_file = pki().file("ca.pem");
  server.verify = TlsVerify::required;
  TlsConfig client = pki().client();
  client.cert_file = pki().file("cli.pem");
  client.key_file = pki().file("cli.key");
  ASSERT_TRUE(pair_up(a_, ae_, b_, be_, server, client));
  expect_exchange(a_, b_, 10);
}

TEST_F(TlsTest, ClientCertificateOptionalMayBeAbsent) {
  TlsConfig server = pki().server();
  server.ca_file = pki().file("ca.pem");
  server.verify = TlsVerify::optional;
  ASSERT_TRUE(pair_up(a_, ae_, b_, be_, server, pki().client()));
  expect_exchange(a_, b_, 10);
}

TEST_F(TlsTest, Tls13Only) {
  TlsConfig server = pki().server();
  server.min_version = TlsVersion::tls1_3;
  TlsConfig client = pki().client();
  client.min_version = TlsVersion::tls1_3;
  ASSERT_TRUE(pair_up(a_, ae_, b_, be_, server, client));
  expect_exchange(a_, b_, 10);
}

// ------------------------------------------------------------ configuration

std::string thrown_message(const std::function<void()>& f, std::error_code& code) {
  try {
    f();
  } catch (const std::system_error& e) {
    code = e.code();
    return e.what();
  }
  return "(nothing thrown)";
}

TEST(TlsConfigTest, ConfigurationErrorsNameTheFile) {
  const auto& p = TestPki::get();
  Socket s{pair};
  struct Case {
    const char* what;
    bool listen;
    TlsConfig config;
    std::string expected;  // in the message
  };
  const std::string missing = p.file("no-such-file.pem");
  const std::vector<Case> cases = {
      {"missing CA file", false, TlsConfig{.ca_file = missing}, missing},
      {"missing CA directory", false, TlsConfig{.ca_dir = missing}, missing},
      {"CA file that holds no certificate", false, TlsConfig{.ca_file = p.file("srv.key")},
       p.file("srv.key")},
      {"missing certificate", true, TlsConfig{.cert_file = missing, .key_file = p.file("srv.key")},
       missing},
      {"missing key", true, TlsConfig{.cert_file = p.file("srv.pem"), .key_file = missing},
       missing},
      {"key of another certificate", true,
       TlsConfig{.cert_file = p.file("srv.pem"), .key_file = p.file("cli.key")},
       "does not match the certificate in " + p.file("srv.pem")},
      {"certificate without its key", true, TlsConfig{.cert_file = p.file("srv.pem")},
       p.file("srv.pem")},
      {"listener without a certificate", true, TlsConfig{}, "cert_file"},
      {"key without a certificate", false, TlsConfig{.key_file = p.file("cli.key")},
       p.file("cli.key")},
  };
  for (const auto& c : cases) {
    std::error_code code;
    const std::string what = thrown_message(
        [&] {
          if (c.listen) {
            s.listen("tls+tcp://127.0.0.1:0", {.tls = c.config});
          } else {
            s.dial("tls+tcp://localhost:1", {.tls = c.config});
          }
        },
        code);
    EXPECT_EQ(code, errc::invalid_argument) << c.what << ": " << what;
    EXPECT_NE(what.find(c.expected), std::string::npos) << c.what << ": " << what;
  }
}

TEST(TlsConfigTest, TlsOptionsOnOtherTransportsAreRefused) {
  (void)TestPki::get();
  Socket s{pair};
  for (const char* url : {"tcp://127.0.0.1:0", "ipc:///tmp/sprocket-tls-refused.sock",
                          "inproc://tls-refused", "ws://127.0.0.1:0/x"}) {
    std::error_code code;
    const std::string what =
        thrown_message([&] { s.listen(url, {.tls = TestPki::get().server()}); }, code);
    EXPECT_EQ(code, errc::invalid_argument) << url << ": " << what;
    EXPECT_NE(what.find("not a TLS transport"), std::string::npos) << what;
  }
}

TEST(TlsConfigTest, BadAddressesAreRefused) {
  Socket s{pair};
  std::error_code ec;
  s.dial("tls+tcp://localhost", {.tls = TestPki::get().client()}, ec);
  EXPECT_EQ(ec, errc::invalid_address);
  s.dial("tls+tcp://:5555", {.tls = TestPki::get().client()}, ec);
  EXPECT_EQ(ec, errc::invalid_address);
  s.listen("tls+tcp://127.0.0.1:99999", {.tls = TestPki::get().server()}, ec);
  EXPECT_EQ(ec, errc::invalid_address);
}

}  // namespace
}  // namespace sprocket::test
