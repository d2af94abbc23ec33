// nanocat as a Unix tool: exit statuses with exactly one "nanocat: ..."
// line on stderr, timeouts, --count, --stdin, topic filtering, surveys
// answered by several respondents, priorities per address, --recv-maxsz,
// and every output format compared byte for byte with nanomsg's nanocat.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "e2e_util.hpp"
#include "exit_codes.hpp"
#include "options.hpp"

namespace nanocat::test {
namespace {

using Args = std::vector<std::string>;

std::unique_ptr<Process> ours(Args args, ProcessOptions o = {}) {
  return std::make_unique<Process>(command(Tool::ours, std::move(args)), o);
}

// Starts ours binding `url` with -v and waits until it listens.
std::unique_ptr<Process> ours_listening(const std::string& url, Args args, ProcessOptions o = {}) {
  auto p = ours(Args{"--bind", url, "-v"} + args, o);
  EXPECT_TRUE(p->wait_for_stderr("nanocat: listening on", kPatience)) << p->describe();
  return p;
}

class TempDir {
 public:
  TempDir() {
    path_ =
        std::filesystem::temp_directory_path() / ("nanocat-cli-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name, const std::string& contents) const {
    auto p = path_ / name;
    std::ofstream(p, std::ios::binary) << contents;
    return p.string();
  }
  std::filesystem::path path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// ------------------------------------------------------------ as a Unix tool

TEST(NanocatCli, HelpGoesToStdoutAndExitsZero) {
  for (const char* flag : {"--help", "-h"}) {
    auto p = ours({flag});
    EXPECT_EQ(p->wait_exit(kPatience), 0) << p->describe();
    EXPECT_EQ(p->out(), help_text());
    EXPECT_EQ(p->err(), "");
  }
  auto v = ours({"--version"});
  EXPECT_EQ(v->wait_exit(kPatience), 0) << v->describe();
  EXPECT_TRUE(v->out().starts_with("nanocat (sprocket) ")) << v->describe();
}

TEST(NanocatCli, BadCommandLinesExitOneWithOneLine) {
  for (const Args& args :
       {Args{}, Args{"--foo"}, Args{"-z"}, Args{"--re"}, Args{"--pub", "--sub", "-L", "1"},
        Args{"--push", "-L", "1"}, Args{"--pull"}, Args{"--pull", "-L", "1", "extra"},
        Args{"--pull", "-L", "1", "--recv-timeout", "soon"},
        Args{"--pull", "-L", "1", "--format", "x"},
        Args{"--pull", "-L", "1", "--send-timeout", "1"},
        Args{"--pull", "-L", "1", "--subscribe", "a"},
        Args{"--bus", "-L", "1", "--send-priority", "0"}, Args{"--help=1"},
        Args{"--push", "-L", "1", "-D", "a", "-F", "/dev/null"}}) {
    auto p = ours(args);
    EXPECT_TRUE(failed_with_one_line(*p, kExitUsage)) << ::testing::PrintToString(args);
  }
}

TEST(NanocatCli, UnreadableFileExitsTwo) {
  auto p = ours({"--push", "-L", "1", "-F", "/nonexistent/nanocat-data"});
  EXPECT_TRUE(failed_with_one_line(*p, kExitFile));
}

TEST(NanocatCli, BadAddressesExitThreeNamingTheAddress) {
  const std::string port = std::to_string(unique_port());
  for (const Args& args :
       {Args{"--pull", "--connect", "foo"}, Args{"--pull", "--bind", "tcp://127.0.0.1:99999"},
        Args{"--pull", "--bind", "nosuch://x"}, Args{"--pull", "-L", "port"},
        Args{"--pull", "-X", "/nonexistent-dir/nanocat.ipc"},
        Args{"--pull", "--connect", "tcp://"}}) {
    auto p = ours(args);
    ASSERT_TRUE(failed_with_one_line(*p, kExitFailure)) << ::testing::PrintToString(args);
    EXPECT_NE(p->err().find("'"), std::string::npos) << p->describe();
  }
}

TEST(NanocatCli, RefusedBindExitsThree) {
  Address a(Transport::tcp);
  auto first = ours_listening(a.url(), {"--pull"});
  auto second = ours({"--pull", "--bind", a.url()});
  ASSERT_TRUE(failed_with_one_line(*second, kExitFailure));
  EXPECT_NE(second->err().find("cannot bind to '" + a.url() + "': "), std::string::npos)
      << second->describe();
  EXPECT_NE(second->err().find(" in use"), std::string::npos) << second->describe();
  EXPECT_TRUE(first->running());
}

// ------------------------------------------------------------ timeouts

TEST(NanocatCli, HealthCheckOfAReplier) {
  Address a(Transport::tcp);
  auto rep = ours_listening(a.url(), {"--rep", "--data", "pong"});
  auto check = ours({"--req", "--connect", a.url(), "--data", "ping", "--recv-timeout", "5", "-A"});
  EXPECT_TRUE(succeeded(*check));
  EXPECT_EQ(check->out(), "pong\n");
  rep->kill();
  // Nobody answers now: status 4 within about a second, one line.
  auto down = ours({"--req", "--connect", a.url(), "--data", "ping", "--recv-timeout", "1", "-A"});
  ASSERT_TRUE(failed_with_one_line(*down, kExitTimeout));
  EXPECT_NE(down->err().find("no reply received within 1 s"), std::string::npos)
      << down->describe();
}

TEST(NanocatCli, HealthCheckOfAReplierThatDoesNotAnswer) {
  Address a(Transport::ipc);
  auto mute = ours_listening(a.url(), {"--rep", "-A"});  // no --data: it only prints
  auto check = ours({"--req", "--connect", a.url(), "--data", "ping", "--recv-timeout", "2"});
  ASSERT_TRUE(failed_with_one_line(*check, kExitTimeout));
  EXPECT_EQ(check->err(), "nanocat: no reply received within 2 s (--recv-timeout)\n");
  EXPECT_TRUE(mute->wait_for_stdout("ping\n", kPatience)) << mute->describe();
}

TEST(NanocatCli, HealthCheckAgainstNanomsgsReplier) {
  ASSERT_TRUE(tool_available(Tool::nanomsg));
  Address a(Transport::ipc);
  Process rep(command(Tool::nanomsg, {"--rep", "--bind", a.url(), "--data", "pong", "-A"}));
  auto check =
      ours({"--req", "--connect", a.url(), "--data", "ping", "--recv-timeout", "10", "-Q"});
  EXPECT_TRUE(succeeded(*check));
  EXPECT_EQ(check->out(), "\"pong\"\n");
  EXPECT_TRUE(rep.wait_for_stdout("ping\n", kPatience)) << rep.describe();
}

TEST(NanocatCli, ReceiveTimeoutsExitFour) {
  Address a(Transport::tcp);
  auto pull = ours({"--pull", "--bind", a.url(), "--recv-timeout", "0.3"});
  EXPECT_TRUE(failed_with_one_line(*pull, kExitTimeout));
  Address b(Transport::ipc);
  auto rep = ours({"--rep", "--bind", b.url(), "--data", "x", "--recv-timeout", "0.3"});
  EXPECT_TRUE(failed_with_one_line(*rep, kExitTimeout));
  Address c(Transport::tcp);
  auto pair = ours({"--pair", "--bind", c.url(), "--data", "x", "--recv-timeout", "0.3"});
  ASSERT_TRUE(failed_with_one_line(*pair, kExitTimeout));  // nobody connects: PAIR cannot even send
  EXPECT_NE(pair->err().find("no peer took the message within 0.3 s"), std::string::npos)
      << pair->describe();
}

// nanomsg's nanocat ends a collecting receiver at --recv-timeout with
// status 0, and scripts rely on it: after messages have arrived, silence
// ends the stream; silence from the start stays a timeout (above).
TEST(NanocatCli, ReceiveTimeoutAfterMessagesEndsTheStream) {
  Address a(Transport::tcp);
  auto pull = ours_listening(a.url(), {"--pull", "-A", "--recv-timeout", "0.5"});
  auto push = ours({"--push", "--connect", a.url(), "--data", "tick", "-C", "2"});
  EXPECT_TRUE(succeeded(*push)) << push->describe();
  EXPECT_TRUE(succeeded(*pull)) << pull->describe();
  EXPECT_EQ(pull->out(), "tick\ntick\n");
  EXPECT_EQ(pull->err().find("no message received"), std::string::npos) << pull->describe();

  // With --count, stopping short of it is still a timeout.
  Address b(Transport::ipc);
  auto counted = ours_listening(b.url(), {"--pull", "-A", "-C", "3", "--recv-timeout", "0.5"});
  auto one = ours({"--push", "--connect", b.url(), "--data", "tock"});
  EXPECT_TRUE(succeeded(*one)) << one->describe();
  const auto status = counted->wait_exit(kPatience);
  ASSERT_TRUE(status) << counted->describe();
  EXPECT_EQ(*status, kExitTimeout) << counted->describe();
  EXPECT_EQ(counted->out(), "tock\n");
  EXPECT_NE(counted->err().find("no message received within 0.5 s"), std::string::npos)
      << counted->describe();
}

TEST(NanocatCli, SendTimeoutExitsFour) {
  Address a(Transport::tcp);
  auto push = ours({"--push", "--bind", a.url(), "--data", "x", "--send-timeout", "0.3"});
  ASSERT_TRUE(failed_with_one_line(*push, kExitTimeout));
  EXPECT_NE(push->err().find("--send-timeout"), std::string::npos) << push->describe();
}

TEST(NanocatCli, SurveyEndsAtItsDeadline) {
  Address a(Transport::tcp);
  auto sv = ours(
      {"--surveyor", "--bind", a.url(), "--data", "anyone?", "--survey-deadline", "0.2", "-A"});
  EXPECT_TRUE(succeeded(*sv));  // no respondent: an empty survey is not a failure
  EXPECT_EQ(sv->out(), "");
}

// ------------------------------------------------------------ what is sent and received

TEST(NanocatCli, CountStopsReceiversAndSenders) {
  Address a(Transport::tcp);
  auto pull = ours_listening(a.url(), {"--pull", "-A", "--count", "3", "--recv-timeout", "20"});
  auto push = ours({"--push", "--connect", a.url(), "--data", "tick", "--interval", "0.05"});
  EXPECT_TRUE(succeeded(*pull));
  EXPECT_EQ(pull->out(), "tick\ntick\ntick\n");
  push->kill();

  Address b(Transport::ipc);
  auto pull2 = ours_listening(b.url(), {"--pull", "-A", "--count", "4", "--recv-timeout", "20"});
  auto push2 = ours({"--push", "--connect", b.url(), "--data", "tock", "-C", "4"});  // back to back
  EXPECT_TRUE(succeeded(*push2));
  EXPECT_TRUE(succeeded(*pull2));
  EXPECT_EQ(pull2->out(), "tock\ntock\ntock\ntock\n");
}

TEST(NanocatCli, StdinLinesAreMessages) {
  Address a(Transport::tcp);
  auto pull = ours_listening(a.url(), {"--pull", "-Q", "-C", "4", "--recv-timeout", "20"});
  auto push = ours({"--push", "--connect", a.url(), "--stdin"}, {.stdin_pipe = true});
  ASSERT_TRUE(push->write_stdin("first\n\nthird line\nlast, without newline"));
  push->close_stdin();
  EXPECT_TRUE(succeeded(*push));  // exits at the end of its input
  EXPECT_TRUE(succeeded(*pull));
  EXPECT_EQ(pull->out(), "\"first\"\n\"\"\n\"third line\"\n\"last, without newline\"\n");
}

TEST(NanocatCli, RequestsFromStdin) {
  Address a(Transport::ipc);
  auto rep = ours_listening(a.url(), {"--rep", "--data", "ok", "-A"});
  auto req = ours({"--req", "--connect", a.url(), "--stdin", "-A", "--recv-timeout", "20"},
                  {.stdin_pipe = true});
  ASSERT_TRUE(req->write_stdin("one\ntwo\n"));
  req->close_stdin();
  EXPECT_TRUE(succeeded(*req));
  EXPECT_EQ(req->out(), "ok\nok\n");
  EXPECT_TRUE(rep->wait_for_stdout("one\ntwo\n", kPatience)) << rep->describe();
}

TEST(NanocatCli, PairChatsOverStdin) {
  Address a(Transport::tcp);
  auto left = ours_listening(a.url(), {"--pair", "--stdin", "-Q"}, {.stdin_pipe = true});
  auto right = ours(
      {"--pair", "--connect", a.url(), "--data", "hello", "-Q", "-C", "1", "--recv-timeout", "20"});
  EXPECT_TRUE(left->wait_for_stdout("\"hello\"\n", kPatience)) << left->describe();
  ASSERT_TRUE(left->write_stdin("hi there\n"));
  EXPECT_TRUE(succeeded(*right));
  EXPECT_EQ(right->out(), "\"hi there\"\n");
  left->close_stdin();
  EXPECT_TRUE(succeeded(*left));  // ends with its input
}

TEST(NanocatCli, SubscriberFiltersTopics) {
  Address a(Transport::tcp);
  auto sub = ours_listening(a.url(), {"--sub", "--subscribe", "foo", "--subscribe", "bar", "-A",
                                      "-C", "3", "--recv-timeout", "20"});
  auto pub = ours({"--pub", "--connect", a.url(), "--stdin", "-v"}, {.stdin_pipe = true});
  // Publish only once both ends have the connection: PUB drops what it
  // sends before a subscriber is there.
  ASSERT_TRUE(pub->wait_for_stderr("nanocat: connected to", kPatience)) << pub->describe();
  ASSERT_TRUE(sub->wait_for_stderr("nanocat: connected to", kPatience)) << sub->describe();
  ASSERT_TRUE(pub->write_stdin("foo1\nbar2\nbaz3\nfo4\nxfoo5\nfoobar6\n"));
  pub->close_stdin();
  EXPECT_TRUE(succeeded(*pub));
  EXPECT_TRUE(succeeded(*sub));
  EXPECT_EQ(sub->out(), "foo1\nbar2\nfoobar6\n");
}

TEST(NanocatCli, SubscriberFiltersNanomsgPublishers) {
  ASSERT_TRUE(tool_available(Tool::nanomsg));
  Address a(Transport::ipc);
  auto sub = ours_listening(
      a.url(), {"--sub", "--subscribe", "weather/", "-A", "-C", "3", "--recv-timeout", "20"});
  Process noise(
      command(Tool::nanomsg, {"--pub", "--connect", a.url(), "-D", "sports/goal", "-i", "0.05"}));
  Process weather(
      command(Tool::nanomsg, {"--pub", "--connect", a.url(), "-D", "weather/rain", "-i", "0.1"}));
  EXPECT_TRUE(succeeded(*sub));
  EXPECT_EQ(sub->out(), "weather/rain\nweather/rain\nweather/rain\n");
}

TEST(NanocatCli, SurveyCollectsEveryRespondent) {
  ASSERT_TRUE(tool_available(Tool::nanomsg));
  ASSERT_TRUE(tool_available(Tool::nng));
  Address a(Transport::tcp);
  auto sv = ours_listening(
      a.url(), {"--surveyor", "--data", "who?", "-A", "-i", "0.5", "--survey-deadline", "0.4"});
  auto r1 = ours({"--respondent", "--connect", a.url(), "--data", "sprocket"});
  Process r2(command(Tool::nanomsg, {"--respondent", "--connect", a.url(), "--data", "nanomsg"}));
  Process r3(command(Tool::nng, {"--respondent0", "--async", "--dial", a.url(), "--data", "nng"}));
  // Once all three are connected, every survey gets three answers.
  ASSERT_TRUE(sv->wait_for_stderr_count("nanocat: connected to", 3, kPatience)) << sv->describe();
  const std::size_t from = sv->out().size();
  EXPECT_TRUE(sv->wait_until(
      [from](const std::string& out, const std::string&) {
        std::string later = out.substr(from);
        return later.find("sprocket\n") != later.npos && later.find("nanomsg\n") != later.npos &&
               later.find("nng\n") != later.npos;
      },
      kPatience))
      << sv->describe();
  EXPECT_TRUE(r1->running() && r2.running() && r3.running());
}

TEST(NanocatCli, RespondentsAnswerANanomsgSurveyor) {
  ASSERT_TRUE(tool_available(Tool::nanomsg));
  Address a(Transport::ipc);
  Process sv(command(Tool::nanomsg,
                     {"--surveyor", "--bind", a.url(), "--data", "who?", "-A", "-i", "0.3"}));
  auto r1 = ours({"--respondent", "--connect", a.url(), "--data", "one", "-A", "-C", "2",
                  "--recv-timeout", "20"});
  auto r2 = ours({"--respondent", "--connect", a.url(), "--data", "two", "-A", "-C", "2",
                  "--recv-timeout", "20"});
  EXPECT_TRUE(succeeded(*r1));
  EXPECT_TRUE(succeeded(*r2));
  EXPECT_EQ(r1->out(), "who?\nwho?\n");
  EXPECT_TRUE(sv.wait_until(
      [](const std::string& out, const std::string&) {
        return out.find("one\n") != out.npos && out.find("two\n") != out.npos;
      },
      kPatience))
      << sv.describe();
}

// --send-priority 1 before one address and 2 before the other: PUSH sends
// everything to the first while it can take it.
void check_priority(Tool puller, bool first_preferred) {
  Address a(Transport::tcp), b(Transport::ipc);
  auto pull = [puller](const std::string& url) {
    return std::make_unique<Process>(command(
        puller, type_flags(puller, "pull") + endpoint_flags(puller, true, url) + Args{"-Q"}));
  };
  auto pa = pull(a.url());
  auto pb = pull(b.url());
  auto push =
      ours({"--push", "-v", "--stdin", "--send-priority", first_preferred ? "1" : "2", "--connect",
            a.url(), "--send-priority", first_preferred ? "2" : "1", "--connect", b.url()},
           {.stdin_pipe = true});
  ASSERT_TRUE(push->wait_for_stderr_count("nanocat: connected to", 2, kPatience))
      << push->describe();
  ASSERT_TRUE(push->write_stdin("m1\nm2\nm3\nm4\nm5\n"));
  push->close_stdin();
  EXPECT_TRUE(succeeded(*push));
  Process& preferred = first_preferred ? *pa : *pb;
  Process& other = first_preferred ? *pb : *pa;
  EXPECT_TRUE(preferred.wait_for_stdout("\"m5\"\n", kPatience)) << preferred.describe();
  EXPECT_EQ(preferred.out(), "\"m1\"\n\"m2\"\n\"m3\"\n\"m4\"\n\"m5\"\n");
  other.wait_until([](auto&, auto&) { return false; }, std::chrono::milliseconds(10));
  EXPECT_EQ(other.out(), "") << other.describe();
}

TEST(NanocatCli, SendPriorityAppliesToTheAddressesThatFollow) {
  check_priority(Tool::ours, true);
  check_priority(Tool::ours, false);
}

TEST(NanocatCli, SendPriorityWithNanomsgPullers) {
  ASSERT_TRUE(tool_available(Tool::nanomsg));
  check_priority(Tool::nanomsg, true);
  check_priority(Tool::nanomsg, false);
}

TEST(NanocatCli, RecvMaxSizeDropsLargerMessages) {
  Address a(Transport::tcp);
  auto pull =
      ours_listening(a.url(), {"--pull", "-Z", "5", "-Q", "-C", "2", "--recv-timeout", "20"});
  for (const char* m : {"12345", "123456", "abc"}) {
    auto push = ours({"--push", "--connect", a.url(), "--data", m});
    EXPECT_TRUE(succeeded(*push));
  }
  EXPECT_TRUE(succeeded(*pull));
  EXPECT_EQ(pull->out(), "\"12345\"\n\"abc\"\n");
}

TEST(NanocatCli, ProgramNamedLikeANanocatSymlink) {
  TempDir dir;
  auto link = dir.path() / "nn_pull";
  std::filesystem::create_symlink(tool_path(Tool::ours), link);
  Address a(Transport::tcp);
  Process pull({link.string(), "--bind", a.url(), "-v", "-A", "-C", "1", "--recv-timeout", "20"});
  ASSERT_TRUE(pull.wait_for_stderr("nanocat: listening on", kPatience)) << pull.describe();
  auto push = ours({"--push", "--connect", a.url(), "--data", "via nn_pull"});
  EXPECT_TRUE(succeeded(*push));
  EXPECT_TRUE(succeeded(pull));
  EXPECT_EQ(pull.out(), "via nn_pull\n");
}

// ------------------------------------------------------------ formats, against nanomsg

std::string all_bytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
  return s + "\n\"\\ tail";
}

// What `tool` prints, as a PULL in `format`, for each message in `files`.
std::string printed_by(Tool tool, const std::string& format,
                       const std::vector<std::string>& files) {
  Address a(Transport::tcp);
  Args args = Args{"--pull", "--bind", a.url(), "--format", format};
  auto pull = std::make_unique<Process>(command(tool, args));
  for (const auto& f : files) {
    auto push = ours({"--push", "--connect", a.url(), "-F", f});  // retries until the PULL listens
    EXPECT_TRUE(succeeded(*push));
  }
  // The last message is "end": printed in every format but "no".
  auto end = ours({"--push", "--connect", a.url(), "--data", "end"});
  EXPECT_TRUE(succeeded(*end));
  if (format != "no") {
    std::string tail = format == "hex" ? "\\x65\\x6e\\x64\"\n" : "end";
    EXPECT_TRUE(pull->wait_for_stdout(tail, kPatience)) << pull->describe();
  }
  pull->kill();
  return pull->out();
}

TEST(NanocatCli, EveryFormatIsByteExactWithNanomsgNanocat) {
  ASSERT_TRUE(tool_available(Tool::nanomsg));
  TempDir dir;
  std::vector<std::string> files{dir.file("all", all_bytes()), dir.file("empty", ""),
                                 dir.file("300", std::string(300, 'x')),
                                 dir.file("70000", std::string(70000, '\xfe'))};
  for (const char* format : {"raw", "ascii", "quoted", "msgpack", "hex"}) {
    std::string theirs = printed_by(Tool::nanomsg, format, files);
    std::string mine = printed_by(Tool::ours, format, files);
    EXPECT_FALSE(theirs.empty()) << format;
    EXPECT_TRUE(mine == theirs) << format << ": outputs differ (" << mine.size() << " vs "
                                << theirs.size() << " bytes)";
  }
}

TEST(NanocatCli, OutputIsFlushedPerMessage) {
  // Each message reaches a pipe while nanocat is still running.
  Address a(Transport::tcp);
  auto pull = ours_listening(a.url(), {"--pull", "-A"});
  auto push = ours({"--push", "--connect", a.url(), "--data", "one"});
  EXPECT_TRUE(pull->wait_for_stdout("one\n", kPatience)) << pull->describe();
  EXPECT_TRUE(pull->running());
}

}  // namespace
}  // namespace nanocat::test
