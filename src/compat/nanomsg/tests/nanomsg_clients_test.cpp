// Third-party programs, unchanged, running on this libnanomsg.so.5:
// nanomsg's own nanocat (nanomsg-utils) and Debian's Perl binding
// NanoMsg::Raw (libnanomsg-raw-perl), both started with LD_LIBRARY_PATH
// pointing at this build's library, exchanging messages with NNG's nngcat,
// sprocket's nanocat and each other over tcp, ipc and ws. Each program is
// checked to have loaded this library, not the system's.
//
// Paths come from CMake; a missing program fails its tests with the
// Debian package to install (tools/test.sh installs them).
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "child_process.hpp"

namespace {

using namespace std::chrono_literals;
using sprocket::test::ChildProcess;

constexpr auto kWait = std::chrono::seconds(30);

const std::string kLibDir = NN_CLIENTS_LIB_DIR;
const std::string kNanocat = NN_CLIENTS_NANOCAT;
const std::string kNngcat = NN_CLIENTS_NNGCAT;
const std::string kSprocketNanocat = NN_CLIENTS_SPROCKET_NANOCAT;
const std::string kPerl = NN_CLIENTS_PERL;
const std::string kPerlScript = NN_CLIENTS_PERL_SCRIPT;
const std::string kPreload = NN_CLIENTS_PRELOAD;  // a sanitizer runtime, in sanitizer builds
// nn_ws_frames.c, built on this library and on nanomsg's own.
const std::string kWsFrames = NN_CLIENTS_WS_FRAMES;
const std::string kWsFramesReal = NN_CLIENTS_WS_FRAMES_REAL;

::testing::AssertionResult installed(const std::string& path, const char* what,
                                     const char* package) {
  if (!path.empty() && std::filesystem::exists(path)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << " not found when CMake configured (path '"
                                       << path << "'): install the Debian package " << package
                                       << " (tools/test.sh does) and re-run CMake";
}

/// argv run with this build's libnanomsg.so.5 (and, in sanitizer builds,
/// the sanitizer runtime the library needs, loaded first).
std::vector<std::string> on_this_library(std::vector<std::string> argv,
                                         std::vector<std::string> env = {}) {
  std::vector<std::string> full{"/usr/bin/env", "LD_LIBRARY_PATH=" + kLibDir};
  if (!kPreload.empty()) {
    full.push_back("LD_PRELOAD=" + kPreload);
    // Leaks of the third-party program are not ours to report.
    full.push_back("ASAN_OPTIONS=detect_leaks=0:halt_on_error=1");
  }
  full.insert(full.end(), env.begin(), env.end());
  full.insert(full.end(), argv.begin(), argv.end());
  return full;
}

std::vector<std::string> nanocat(std::vector<std::string> args) {
  args.insert(args.begin(), kNanocat);
  return on_this_library(std::move(args));
}

std::vector<std::string> perl(std::vector<std::string> args) {
  args.insert(args.begin(), {kPerl, kPerlScript});
  return on_this_library(std::move(args));
}

std::vector<std::string> tool(const std::string& path, std::vector<std::string> args) {
  args.insert(args.begin(), path);
  return args;
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    return -1;
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string fresh_url(const std::string& transport) {
  static std::atomic<int> counter{0};
  if (transport == "ipc")
    return "ipc:///tmp/nn-clients-" + std::to_string(::getpid()) + "-" +
           std::to_string(++counter) + ".sock";
  return transport + "://127.0.0.1:" + std::to_string(free_port());
}

::testing::AssertionResult prints(ChildProcess& p, const std::string& text) {
  if (p.wait_for_output(text, kWait)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected \"" << text << "\"\n" << p.describe();
}

/// Waits for the program to exit by itself (it printed what it had to).
void wait_exit(ChildProcess& p) {
  p.wait_for_output("\x01never printed\x01", 2s);  // reads until EOF or 2 s
}

std::unique_ptr<ChildProcess> start(std::vector<std::string> argv) {
  return std::make_unique<ChildProcess>(std::move(argv));
}

// ---------------------------------------------------------------- checks

TEST(NanomsgClients, NanocatRunsOnThisLibrary) {
  ASSERT_TRUE(installed(kNanocat, "nanocat", "nanomsg-utils"));
  auto url = fresh_url("tcp");
  auto p = start(on_this_library({kNanocat, "--pull", "--bind", url, "--raw"}, {"LD_DEBUG=libs"}));
  ASSERT_TRUE(p->running()) << p->describe();
  // The dynamic loader reports each library it initialises.
  const std::string ours = "calling init: " + kLibDir + "/libnanomsg.so.5";
  auto deadline = ChildProcess::Clock::now() + kWait;
  while (p->errors().find(ours) == std::string::npos && ChildProcess::Clock::now() < deadline) {
    p->wait_for_output("\x01", 50ms);
  }
  EXPECT_NE(p->errors().find(ours), std::string::npos) << p->describe();
  EXPECT_EQ(p->errors().find("calling init: /usr/lib/x86_64-linux-gnu/libnanomsg"),
            std::string::npos)
      << p->describe();
}

TEST(NanomsgClients, PerlRunsOnThisLibrary) {
  ASSERT_TRUE(installed(kPerl, "perl", "perl"));
  auto p = start(perl({"library"}));
  ASSERT_TRUE(prints(*p, "library: " + kLibDir + "/libnanomsg.so.5"))
      << "NanoMsg::Raw comes with the Debian package libnanomsg-raw-perl";
  wait_exit(*p);
  EXPECT_EQ(p->output().find("/usr/lib"), std::string::npos) << p->describe();
}

TEST(NanomsgClients, PerlBindingSelftest) {
  ASSERT_TRUE(installed(kPerl, "perl", "perl"));
  auto p = start(perl({"selftest"}));
  EXPECT_TRUE(prints(*p, "selftest ok")) << "NanoMsg::Raw is libnanomsg-raw-perl";
}

// NN_WS_MSG_TYPE: nanomsg itself tells which frames arrived (its receiver
// attaches the frame type as control data): text is 1, binary 2.
TEST(NanomsgClients, WsFrameTypesReachNanomsg) {
  ASSERT_TRUE(installed(kWsFramesReal, "nn_ws_frames_real", "libnanomsg-dev"));
  auto url = fresh_url("ws");
  auto receiver = start(tool(kWsFramesReal, {"recv", url, "6"}));
  auto text = start(tool(kWsFrames, {"send", url, "text", "in-text"}));
  auto binary = start(tool(kWsFrames, {"send", url, "binary", "in-binary"}));
  EXPECT_TRUE(prints(*receiver, "in-text 1\n")) << text->describe();
  EXPECT_TRUE(prints(*receiver, "in-binary 2\n")) << binary->describe();
}

TEST(NanomsgClients, NanomsgTextFramesAreAccepted) {
  ASSERT_TRUE(installed(kWsFramesReal, "nn_ws_frames_real", "libnanomsg-dev"));
  auto url = fresh_url("ws");
  auto receiver = start(tool(kWsFrames, {"recv", url, "1"}));
  auto sender = start(tool(kWsFramesReal, {"send", url, "text", "text-from-nanomsg"}));
  // The frame type as nanomsg attaches it: NN_WS_MSG_TYPE_TEXT.
  EXPECT_TRUE(prints(*receiver, "text-from-nanomsg 1\n")) << sender->describe();
}

TEST(NanomsgClients, FrameTypePerMessageBothWays) {
  ASSERT_TRUE(installed(kWsFramesReal, "nn_ws_frames_real", "libnanomsg-dev"));
  // This library sends each type as control data names it (the socket
  // option says the other); nanomsg's receiver sees that type.
  auto url = fresh_url("ws");
  auto real = start(tool(kWsFramesReal, {"recv", url, "40"}));
  auto text = start(tool(kWsFrames, {"sendmsg", url, "text", "msg-text"}));
  auto binary = start(tool(kWsFrames, {"sendmsg", url, "binary", "msg-binary"}));
  EXPECT_TRUE(prints(*real, "msg-text 1\n")) << text->describe();
  EXPECT_TRUE(prints(*real, "msg-binary 2\n")) << binary->describe();
  // And the other way: nanomsg's per-message types, as this library reports them.
  auto url2 = fresh_url("ws");
  auto ours = start(tool(kWsFrames, {"recv", url2, "40"}));
  auto real_text = start(tool(kWsFramesReal, {"sendmsg", url2, "text", "real-text"}));
  auto real_binary = start(tool(kWsFramesReal, {"sendmsg", url2, "binary", "real-binary"}));
  EXPECT_TRUE(prints(*ours, "real-text 1\n")) << real_text->describe();
  EXPECT_TRUE(prints(*ours, "real-binary 2\n")) << real_binary->describe();
}

// ------------------------------------------------ exchanges, per transport

class NanomsgClientsOver : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(installed(kNanocat, "nanocat", "nanomsg-utils"));
    ASSERT_TRUE(installed(kNngcat, "nngcat", "nng-utils"));
    ASSERT_TRUE(installed(kSprocketNanocat, "sprocket's nanocat", "(this build)"));
    ASSERT_TRUE(installed(kPerl, "perl", "perl"));
    url_ = fresh_url(GetParam());
  }
  std::string url_;
};

INSTANTIATE_TEST_SUITE_P(Transports, NanomsgClientsOver, ::testing::Values("tcp", "ipc", "ws"));

TEST_P(NanomsgClientsOver, NanocatPushesToNngcat) {
  auto sink = start(tool(kNngcat, {"--pull0", "--listen", url_, "--raw"}));
  auto source = start(nanocat({"--push", "--connect", url_, "--data", "nanocat to nngcat",
                               "--interval", "1"}));
  EXPECT_TRUE(prints(*sink, "nanocat to nngcat")) << source->describe();
}

TEST_P(NanomsgClientsOver, NngcatPushesToNanocat) {
  auto sink = start(nanocat({"--pull", "--bind", url_, "--raw"}));
  // --async: nngcat keeps dialing until nanocat listens.
  auto source = start(tool(kNngcat, {"--push0", "--dial", url_, "--async", "--data",
                                     "nngcat to nanocat", "--interval", "1"}));
  EXPECT_TRUE(prints(*sink, "nngcat to nanocat")) << source->describe();
}

// nngcat asks before nanocat listens and keeps dialing. nanocat comes up
// more than a second later, as it does on a loaded machine: nngcat's
// request waits for it all that time. (With --interval 1, nngcat 1.5.2
// would exit instead, "Cannot set recv timeout: Invalid argument"; its REQ
// resends by itself.)
TEST_P(NanomsgClientsOver, NanocatAnswersNngcat) {
  auto client = start(tool(kNngcat, {"--req0", "--dial", url_, "--async", "--data",
                                     "the question", "--raw"}));
  std::this_thread::sleep_for(1500ms);
  auto server = start(nanocat({"--rep", "--bind", url_, "--data", "the answer", "--raw"}));
  EXPECT_TRUE(prints(*client, "the answer")) << server->describe();
  EXPECT_TRUE(prints(*server, "the question"));
}

TEST_P(NanomsgClientsOver, NanocatAsksSprocketNanocat) {
  auto server =
      start(tool(kSprocketNanocat, {"--rep", "--bind", url_, "--data", "from sprocket", "--raw"}));
  auto client = start(nanocat({"--req", "--connect", url_, "--data", "to sprocket", "--raw",
                               "--interval", "1"}));
  EXPECT_TRUE(prints(*client, "from sprocket")) << server->describe();
  EXPECT_TRUE(prints(*server, "to sprocket"));
}

TEST_P(NanomsgClientsOver, SprocketNanocatPublishesToNanocat) {
  auto publisher = start(tool(kSprocketNanocat, {"--pub", "--bind", url_, "--data", "news",
                                                 "--interval", "1"}));
  auto subscriber = start(nanocat({"--sub", "--connect", url_, "--raw"}));
  EXPECT_TRUE(prints(*subscriber, "news")) << publisher->describe();
}

TEST_P(NanomsgClientsOver, NanocatPairsWithNanocat) {
  auto a = start(nanocat({"--pair", "--bind", url_, "--data", "from a", "--interval", "1",
                          "--raw"}));
  auto b = start(nanocat({"--pair", "--connect", url_, "--data", "from b", "--interval", "1",
                          "--raw"}));
  EXPECT_TRUE(prints(*a, "from b")) << b->describe();
  EXPECT_TRUE(prints(*b, "from a")) << a->describe();
}

TEST_P(NanomsgClientsOver, PerlAsksNngcat) {
  auto server = start(tool(kNngcat, {"--rep0", "--listen", url_, "--data", "perl's answer",
                                     "--raw"}));
  auto client = start(perl({"req", url_, "perl's question"}));
  EXPECT_TRUE(prints(*client, "reply: perl's answer")) << server->describe();
  EXPECT_TRUE(prints(*server, "perl's question"));
}

TEST_P(NanomsgClientsOver, PerlAnswersSprocketNanocat) {
  auto server = start(perl({"rep", url_, "answer from perl"}));
  auto client = start(tool(kSprocketNanocat, {"--req", "--connect", url_, "--data",
                                              "question to perl", "--raw", "--interval", "1"}));
  EXPECT_TRUE(prints(*client, "answer from perl")) << server->describe();
  EXPECT_TRUE(prints(*server, "request: question to perl"));
}

TEST_P(NanomsgClientsOver, PerlPullsFromNanocat) {
  auto sink = start(perl({"pull", url_}));
  auto source = start(nanocat({"--push", "--connect", url_, "--data", "to perl",
                               "--interval", "1"}));
  EXPECT_TRUE(prints(*sink, "message: to perl")) << source->describe();
}

TEST_P(NanomsgClientsOver, PerlSubscribesToSprocketNanocat) {
  auto publisher = start(tool(kSprocketNanocat, {"--pub", "--bind", url_, "--data",
                                                 "perl news", "--interval", "1"}));
  auto subscriber = start(perl({"sub", url_}));
  EXPECT_TRUE(prints(*subscriber, "message: perl news")) << publisher->describe();
}

TEST_P(NanomsgClientsOver, PerlPushesToNngcat) {
  auto sink = start(tool(kNngcat, {"--pull0", "--listen", url_, "--raw"}));
  auto source = start(perl({"push", url_, "from perl"}));
  EXPECT_TRUE(prints(*sink, "from perl")) << source->describe();
}

}  // namespace
