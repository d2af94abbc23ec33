// nanocat over tls+tcp:// and wss:// with nngcat's TLS flags (--cacert,
// --cert/-E, --key, --insecure/-k), against nngcat 1.5.2 in both roles:
// the "done when" exchange (nngcat REQ with --cacert asking our REP
// that has --cert and --key) and the other way round, -k, and the errors a
// bad TLS command line gets. Certificates come from tests/tls_test_pki.hpp.
#include <gtest/gtest.h>

#include <memory>
#include <string>
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

class NanocatTls : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { ASSERT_TRUE(tool_available(Tool::nng)); }
  /// A fresh URL with the host name the certificate carries.
  std::string url() const {
    const std::string port = std::to_string(unique_port());
    return GetParam() == "tls" ? "tls+tcp://localhost:" + port
                               : "wss://localhost:" + port + "/nanocat";
  }
};

INSTANTIATE_TEST_SUITE_P(Schemes, NanocatTls, ::testing::Values("tls", "wss"),
                         [](const auto& info) { return info.param; });

// nngcat --req0 --dial URL --cacert ca.pem  ->  nanocat --rep --bind URL --cert --key
TEST_P(NanocatTls, NngcatReqGetsAnswersFromOurRep) {
  const std::string u = url();
  Process rep(command(Tool::ours, Args{"--rep", "--bind", u, "-v", "--data", "The answer is 42",
                                       "--quoted"} + server_flags()));
  ASSERT_TRUE(rep.wait_for_stderr("nanocat: listening on", kPatience)) << rep.describe();
  Process req(command(Tool::nng, Args{"--req0", "--dial", u, "--cacert", pki().file("ca.pem"),
                                      "--data", "what is the answer?", "--quoted"}));
  EXPECT_TRUE(req.wait_for_stdout("\"The answer is 42\"", kPatience)) << req.describe();
  EXPECT_TRUE(rep.wait_for_stdout("\"what is the answer?\"", kPatience)) << rep.describe();
}

// nanocat --req --connect URL --cacert ca.pem  ->  nngcat --rep0 --listen URL --cert --key
TEST_P(NanocatTls, OurReqGetsAnswersFromNngcatRep) {
  const std::string u = url();
  Process rep(command(Tool::nng, Args{"--rep0", "--listen", u, "--data", "pong", "--quoted"} +
                                     server_flags()));
  Process req(command(Tool::ours, Args{"--req", "--connect", u, "--cacert", pki().file("ca.pem"),
                                       "--data", "ping", "--quoted", "--recv-timeout", "20"}));
  EXPECT_TRUE(succeeded(req));
  EXPECT_EQ(req.out(), "\"pong\"\n") << req.describe();
  EXPECT_TRUE(rep.wait_for_stdout("\"ping\"", kPatience)) << rep.describe();
}

// -k: a server no trusted CA signed is accepted; without it, refused.
TEST_P(NanocatTls, InsecureSkipsVerification) {
  const std::string u = url();
  Process rep(command(Tool::nng, Args{"--rep0", "--listen", u, "--data", "pong", "--quoted"} +
                                     server_flags()));
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
