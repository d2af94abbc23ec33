// nanocat over tls+tcp:// and wss:// with nngcat's TLS flags (--cacert,
// --cert/-E, --key, --insecure/-k), against nngcat 1.5.2 in both roles:
// the "done when" exchange (nngcat REQ with --cacert asking our REP
// that has --cert and --key) and the other way round, -k, and the errors a
// bad TLS command line gets. Certificates come from tests/tls_test_pki.hpp.
#include <gtest/gtest.h>

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "e2e_util.hpp"
#include "exit_codes.hpp"
#include "options.hpp"
#include "tls_test_pki.hpp"

namespace nanocat::test {
namespace {

using Args = std::vector<std::string>;
using sprocket::test::TestPki;

const TestPki& pki() { return TestPki::get(); }

Args server_flags() { return {"--cert", pki().file("srv.pem"), "--key", pki().file("srv.key")}; }

/// True when something accepts a TCP connection on one of localhost's
/// addresses at `port` (the probe connects and closes at once).
bool accepts_on_localhost(int port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo("localhost", std::to_string(port).c_str(), &hints, &found) != 0) return false;
  bool accepted = false;
  for (addrinfo* a = found; a && !accepted; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    accepted = ::connect(fd, a->ai_addr, a->ai_addrlen) == 0;
    ::close(fd);
  }
  ::freeaddrinfo(found);
  return accepted;
}

bool says_address_in_use(const std::string& err) {
  std::string lower = err;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("address in use") != std::string::npos;
}

class NanocatTls : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { ASSERT_TRUE(tool_available(Tool::nng)); }
  /// A URL on `port` with the host name the certificate carries.
  std::string url(int port) const {
    return GetParam() == "tls" ? "tls+tcp://localhost:" + std::to_string(port)
                               : "wss://localhost:" + std::to_string(port) + "/nanocat";
  }
  /// A listener (`command_for` its URL) that is accepting connections; its
  /// URL goes to `u`. The port was free when picked, but another process
  /// may take it before the listener binds: then the listener says
  /// "address in use" and exits, and another port is tried.
  std::unique_ptr<Process> listening(const std::function<Args(const std::string&)>& command_for,
                                     std::string& u) const {
    std::unique_ptr<Process> p;
    for (int attempt = 0; attempt < 5; ++attempt) {
      const int port = unique_port();
      u = url(port);
      p = std::make_unique<Process>(command_for(u));
      const auto deadline = Process::Clock::now() + kPatience;
      while (p->running() && Process::Clock::now() < deadline) {
        // Still running after its port accepted: it is ours that listens.
        if (accepts_on_localhost(port) && p->running()) return p;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      p->wait_exit(kPatience);
      if (!says_address_in_use(p->err())) return p;  // the test reports it
    }
    return p;
  }
};

INSTANTIATE_TEST_SUITE_P(Schemes, NanocatTls, ::testing::Values("tls", "wss"),
                         [](const auto& info) { return info.param; });

// nngcat --req0 --dial URL --cacert ca.pem  ->  nanocat --rep --bind URL --cert --key
TEST_P(NanocatTls, NngcatReqGetsAnswersFromOurRep) {
  std::string u;
  auto listener = listening(
      [](const std::string& url) {
        return command(Tool::ours, Args{"--rep", "--bind", url, "-v", "--data",
                                        "The answer is 42", "--quoted"} + server_flags());
      },
      u);
  Process& rep = *listener;
  ASSERT_TRUE(rep.wait_for_stderr("nanocat: listening on", kPatience)) << rep.describe();
  Process req(command(Tool::nng, Args{"--req0", "--dial", u, "--cacert", pki().file("ca.pem"),
                                      "--data", "what is the answer?", "--quoted"}));
  EXPECT_TRUE(req.wait_for_stdout("\"The answer is 42\"", kPatience)) << req.describe();
  EXPECT_TRUE(rep.wait_for_stdout("\"what is the answer?\"", kPatience)) << rep.describe();
}

// nanocat --req --connect URL --cacert ca.pem  ->  nngcat --rep0 --listen URL --cert --key
/// nngcat --rep0 --listen URL --cert --key, answering "pong".
Args nngcat_rep(const std::string& url) {
  return command(Tool::nng, Args{"--rep0", "--listen", url, "--data", "pong", "--quoted"} +
                                server_flags());
}

TEST_P(NanocatTls, OurReqGetsAnswersFromNngcatRep) {
  std::string u;
  auto listener = listening(nngcat_rep, u);
  Process& rep = *listener;
  Process req(command(Tool::ours, Args{"--req", "--connect", u, "--cacert", pki().file("ca.pem"),
                                       "--data", "ping", "--quoted", "--recv-timeout", "20"}));
  EXPECT_TRUE(succeeded(req));
  EXPECT_EQ(req.out(), "\"pong\"\n") << req.describe();
  EXPECT_TRUE(rep.wait_for_stdout("\"ping\"", kPatience)) << rep.describe();
}

// -k: a server no trusted CA signed is accepted; without it, refused.
TEST_P(NanocatTls, InsecureSkipsVerification) {
  std::string u;
  auto listener = listening(nngcat_rep, u);
  const Args req_args{"--req", "--connect", u, "--cacert", pki().file("other-ca.pem"), "--data",
                      "ping", "--quoted", "--recv-timeout", "2"};
  Process refused(command(Tool::ours, req_args));
  auto status = refused.wait_exit(kPatience);
  ASSERT_TRUE(status) << refused.describe();
  EXPECT_NE(*status, 0) << refused.describe();
  EXPECT_EQ(refused.out(), "") << refused.describe();
  Process insecure(command(Tool::ours, req_args + Args{"-k"}));
  EXPECT_TRUE(succeeded(insecure));
  EXPECT_EQ(insecure.out(), "\"pong\"\n") << insecure.describe();
}

TEST(NanocatTlsErrors, ListenerWithoutCertificate) {
  Process p(command(Tool::ours, {"--rep", "--bind", "tls+tcp://localhost:0"}));
  ASSERT_TRUE(failed_with_one_line(p, kExitFailure));
  EXPECT_NE(p.err().find("cert_file"), std::string::npos) << p.describe();
}

TEST(NanocatTlsErrors, UnreadableFilesAreNamed) {
  const std::string missing = pki().file("missing.pem");
  Process ca(command(Tool::ours, {"--req", "--connect", "tls+tcp://localhost:1", "--cacert",
                                  missing, "--data", "x"}));
  ASSERT_TRUE(failed_with_one_line(ca, kExitFailure));
  EXPECT_NE(ca.err().find(missing), std::string::npos) << ca.describe();
  Process key(command(Tool::ours, {"--rep", "--bind", "wss://localhost:0/x", "-E",
                                   pki().file("srv.pem"), "--key", missing}));
  ASSERT_TRUE(failed_with_one_line(key, kExitFailure));
  EXPECT_NE(key.err().find(missing), std::string::npos) << key.describe();
}

TEST(NanocatTlsOptions, NngcatSpellingsParse) {
  const char* argv[] = {"nanocat", "--req", "--connect", "tls+tcp://h:1", "--cacert", "ca.pem",
                        "-E",      "c.pem", "--key",     "k.pem",         "-k",       "-D",
                        "x"};
  Options o = parse_command_line(argv);
  EXPECT_EQ(o.tls_cacert, "ca.pem");
  EXPECT_EQ(o.tls_cert, "c.pem");
  EXPECT_EQ(o.tls_key, "k.pem");
  EXPECT_TRUE(o.tls_insecure);
  const char* long_forms[] = {"nanocat", "--rep", "--bind", "wss://h:1/p", "--cert", "c.pem",
                              "--insecure"};
  Options l = parse_command_line(long_forms);
  EXPECT_EQ(l.tls_cert, "c.pem");
  EXPECT_TRUE(l.tls_insecure);
}

}  // namespace
}  // namespace nanocat::test
