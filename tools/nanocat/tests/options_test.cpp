// The command line: every option, nanocat's parsing rules (abbreviations,
// clusters, --opt=value, conflicts, required options), the additions, and
// the errors: one line each, with the exit status nanocat would use.
#include "options.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include "exit_codes.hpp"

namespace nanocat {
namespace {

using namespace std::chrono_literals;

Options parse_as(const char* program, std::initializer_list<const char*> args) {
  std::vector<const char*> argv{program};
  argv.insert(argv.end(), args.begin(), args.end());
  return parse_command_line(argv);
}

Options parse(std::initializer_list<const char*> args) {
  return parse_as("nanocat", args);
}

struct Failure {
  int code = -1;
  std::string message;
};

Failure parse_failure(std::initializer_list<const char*> args, const char* program = "nanocat") {
  try {
    parse_as(program, args);
  } catch (const Error& e) {
    return {e.exit_code(), e.what()};
  }
  return {};
}

// A usage error whose one-line message contains every one of `parts`.
::testing::AssertionResult usage_error(std::initializer_list<const char*> args,
                                       std::initializer_list<std::string_view> parts) {
  Failure f = parse_failure(args);
  if (f.code != kExitUsage)
    return ::testing::AssertionFailure() << "exit code " << f.code << ": " << f.message;
  if (f.message.find('\n') != std::string::npos)
    return ::testing::AssertionFailure() << "message is not one line: " << f.message;
  for (auto p : parts)
    if (f.message.find(p) == std::string::npos)
      return ::testing::AssertionFailure() << "'" << f.message << "' lacks '" << p << "'";
  return ::testing::AssertionSuccess() << f.message;
}

TEST(NanocatOptions, EverySocketType) {
  struct Case {
    const char* flag;
    SocketType type;
  };
  for (auto c : {Case{"--push", SocketType::push}, Case{"--pub", SocketType::pub},
                 Case{"--req", SocketType::req}, Case{"--surveyor", SocketType::surveyor}}) {
    EXPECT_EQ(parse({c.flag, "--bind", "tcp://127.0.0.1:1", "--data", "x"}).type, c.type) << c.flag;
  }
  for (auto c : {Case{"--pull", SocketType::pull}, Case{"--sub", SocketType::sub},
                 Case{"--rep", SocketType::rep}, Case{"--respondent", SocketType::respondent},
                 Case{"--bus", SocketType::bus}, Case{"--pair", SocketType::pair},
                 Case{"--pair1", SocketType::pair1}}) {
    EXPECT_EQ(parse({c.flag, "--bind", "tcp://127.0.0.1:1"}).type, c.type) << c.flag;
  }
}

TEST(NanocatOptions, NngcatProtocolAndAddressSpellings) {
  Options o = parse({"--req0", "--dial", "tcp://a:1", "--listen", "tcp://b:2", "-D", "x"});
  EXPECT_EQ(o.type, SocketType::req);
  ASSERT_EQ(o.endpoints.size(), 2u);
  EXPECT_EQ(o.endpoints[0].kind, Endpoint::Kind::connect);
  EXPECT_EQ(o.endpoints[1].kind, Endpoint::Kind::bind);
  EXPECT_EQ(parse({"--pair0", "-L", "1"}).type, SocketType::pair);
  EXPECT_EQ(parse({"--pair1", "-L", "1", "-D", "x"}).type, SocketType::pair1);
  EXPECT_TRUE(usage_error({"--pair", "--pair1", "-L", "1"}, {"--pair1", "conflicts with --pair"}));
  EXPECT_EQ(parse({"--sub0", "-L", "1"}).type, SocketType::sub);
  EXPECT_TRUE(
      usage_error({"--req", "--req0", "-L", "1", "-D", "x"}, {"--req0", "conflicts with --req"}));
}

TEST(NanocatOptions, ProgramNameImpliesTheSocketType) {
  EXPECT_EQ(parse_as("nn_sub", {"-L", "5555"}).type, SocketType::sub);
  EXPECT_EQ(parse_as("/usr/local/bin/nn_req", {"-l", "5555", "-D", "x"}).type, SocketType::req);
  EXPECT_EQ(parse_as("/opt/nanocat", {"--pull", "-L", "1"}).type, SocketType::pull);
  Failure f = parse_failure({"--sub", "-L", "1"}, "nn_sub");
  EXPECT_EQ(f.code, kExitUsage) << f.message;
  f = parse_failure({"-L", "1"}, "nn_push");  // PUSH still needs something to send
  EXPECT_NE(f.message.find("--push needs --data, --file or --stdin"), std::string::npos)
      << f.message;
}

TEST(NanocatOptions, AddressesKeepTheirOrderAndShortcutsExpand) {
  Options o =
      parse({"--pull", "--bind", "tcp://*:1", "-X", "/tmp/a.ipc", "--connect=ws://h:2/p", "-x",
             "rel.ipc", "-L", "5555", "-l5556", "--bind-local=7", "--connect-ipc=/b"});
  std::vector<std::pair<Endpoint::Kind, std::string>> got;
  for (const auto& e : o.endpoints) got.emplace_back(e.kind, e.url);
  using K = Endpoint::Kind;
  std::vector<std::pair<Endpoint::Kind, std::string>> want{{K::bind, "tcp://*:1"},
                                                           {K::bind, "ipc:///tmp/a.ipc"},
                                                           {K::connect, "ws://h:2/p"},
                                                           {K::connect, "ipc://rel.ipc"},
                                                           {K::bind, "tcp://127.0.0.1:5555"},
                                                           {K::connect, "tcp://127.0.0.1:5556"},
                                                           {K::bind, "tcp://127.0.0.1:7"},
                                                           {K::connect, "ipc:///b"}};
  EXPECT_EQ(got, want);
  for (const auto& e : o.endpoints) {
    EXPECT_EQ(e.send_priority, 8);
    EXPECT_EQ(e.recv_priority, 8);
  }
}

TEST(NanocatOptions, PrioritiesAreKeptPerAddress) {
  Options o = parse({"--bus", "--connect", "tcp://a:1", "--send-priority", "1", "--connect",
                     "tcp://b:1", "--recv-priority=3", "--send-priority", "16", "--connect",
                     "tcp://c:1", "--bind", "tcp://d:1"});
  ASSERT_EQ(o.endpoints.size(), 4u);
  EXPECT_EQ(o.endpoints[0].send_priority, 8);
  EXPECT_EQ(o.endpoints[0].recv_priority, 8);
  EXPECT_EQ(o.endpoints[1].send_priority, 1);
  EXPECT_EQ(o.endpoints[1].recv_priority, 8);
  EXPECT_EQ(o.endpoints[2].send_priority, 16);
  EXPECT_EQ(o.endpoints[2].recv_priority, 3);
  EXPECT_EQ(o.endpoints[3].send_priority, 16);
  EXPECT_EQ(o.endpoints[3].recv_priority, 3);
}

TEST(NanocatOptions, BadPriorities) {
  for (const char* v : {"0", "17", "-1", "x", "", "1.5", "99999999999999999999"})
    EXPECT_TRUE(
        usage_error({"--bus", "--send-priority", v, "-L", "1"}, {"--send-priority", "1", "16"}))
        << v;
  EXPECT_TRUE(usage_error({"--bus", "-L", "1", "--send-priority", "2"},
                          {"--send-priority", "applies to the addresses that follow"}));
  EXPECT_TRUE(usage_error({"--pull", "--send-priority", "2", "-L", "1"},
                          {"--send-priority needs a socket type that sends"}));
  EXPECT_TRUE(usage_error({"--push", "-D", "x", "--recv-priority", "2", "-L", "1"},
                          {"--recv-priority needs a socket type that receives"}));
}

TEST(NanocatOptions, Timeouts) {
  Options o =
      parse({"--req", "-L", "1", "-D", "x", "--recv-timeout", "1.5", "--send-timeout=0.25"});
  EXPECT_EQ(o.recv_timeout, 1500ms);
  EXPECT_EQ(o.send_timeout, 250ms);
  o = parse({"--req", "-L", "1", "-D", "x"});
  EXPECT_LT(o.recv_timeout.count(), 0);  // none, the default
  EXPECT_LT(o.send_timeout.count(), 0);
  EXPECT_EQ(parse({"--pull", "-L", "1", "--recv-timeout", "-1"}).recv_timeout.count(), -1);
  EXPECT_EQ(parse({"--pull", "-L", "1", "--recv-timeout", "1e-1"}).recv_timeout, 100ms);
  EXPECT_EQ(parse({"--pull", "-L", "1", "--recv-timeout", "0"}).recv_timeout, 0ms);
  EXPECT_EQ(parse({"--pull", "-L", "1", "--recv-timeout", "0.0005"}).recv_timeout,
            0ms);  // truncated, as nanocat
  for (const char* v : {"abc", "", "1s", "nan", " ", "1e12", "inf"})
    EXPECT_TRUE(usage_error({"--pull", "-L", "1", "--recv-timeout", v}, {"--recv-timeout"})) << v;
  EXPECT_TRUE(usage_error({"--pull", "-L", "1", "--send-timeout", "1"},
                          {"--send-timeout needs a socket type that sends", "--push"}));
  EXPECT_TRUE(usage_error({"--push", "-D", "x", "-L", "1", "--recv-timeout", "1"},
                          {"--recv-timeout needs a socket type that receives", "--pull"}));
}

TEST(NanocatOptions, SocketNameIsAccepted) {
  EXPECT_EQ(parse({"--pull", "-L", "1", "--socket-name", "probe"}).socket_name, "probe");
}

TEST(NanocatOptions, Subscriptions) {
  Options o = parse({"--sub", "-L", "1", "--subscribe", "a", "--subscribe=", "--subscribe", "b c"});
  EXPECT_EQ(o.subscriptions, (std::vector<std::string>{"a", "", "b c"}));
  EXPECT_TRUE(parse({"--sub", "-L", "1"}).subscriptions.empty());
  EXPECT_TRUE(usage_error({"--pull", "-L", "1", "--subscribe", "a"}, {"--subscribe needs --sub"}));
  EXPECT_TRUE(usage_error({"--sub", "-L", "1", "--subscribe"}, {"--subscribe needs an argument"}));
}

TEST(NanocatOptions, SurveyDeadline) {
  EXPECT_EQ(parse({"--surveyor", "-L", "1", "-D", "x", "--survey-deadline", "0.5"}).survey_deadline,
            500ms);
  EXPECT_FALSE(parse({"--surveyor", "-L", "1", "-D", "x"}).survey_deadline);
  EXPECT_TRUE(usage_error({"--req", "-L", "1", "-D", "x", "--survey-deadline", "1"},
                          {"--survey-deadline needs --surveyor"}));
  EXPECT_TRUE(usage_error({"--surveyor", "-L", "1", "-D", "x", "--survey-deadline", "-1"},
                          {"--survey-deadline"}));
}

TEST(NanocatOptions, RecvMaxSize) {
  EXPECT_EQ(parse({"--pull", "-L", "1", "--recv-maxsz", "5"}).recv_max_size, 5u);
  EXPECT_EQ(parse({"--pull", "-L", "1", "-Z0"}).recv_max_size, 0u);
  EXPECT_FALSE(parse({"--pull", "-L", "1"}).recv_max_size);
  for (const char* v : {"-1", "x", "", "5k", "99999999999999999999999"})
    EXPECT_TRUE(usage_error({"--pull", "-L", "1", "-Z", v}, {"--recv-maxsz"})) << v;
  EXPECT_TRUE(usage_error({"--push", "-L", "1", "-D", "x", "-Z", "5"}, {"--recv-maxsz needs"}));
}

TEST(NanocatOptions, Formats) {
  struct Case {
    std::initializer_list<const char*> flags;
    Format format;
  };
  for (const auto& c :
       {Case{{"--raw"}, Format::raw}, Case{{"--ascii"}, Format::ascii}, Case{{"-A"}, Format::ascii},
        Case{{"--quoted"}, Format::quoted}, Case{{"-Q"}, Format::quoted},
        Case{{"--msgpack"}, Format::msgpack}, Case{{"--hex"}, Format::hex},
        Case{{"--format", "no"}, Format::no}, Case{{"--format=raw"}, Format::raw},
        Case{{"--format", "ascii"}, Format::ascii}, Case{{"--format", "quoted"}, Format::quoted},
        Case{{"--format", "msgpack"}, Format::msgpack}, Case{{"--format", "hex"}, Format::hex},
        Case{{"-A", "--hex"}, Format::hex}, Case{{"--hex", "-Q"}, Format::quoted}}) {
    std::vector<const char*> argv{"nanocat", "--pull", "-L", "1"};
    argv.insert(argv.end(), c.flags.begin(), c.flags.end());
    EXPECT_EQ(parse_command_line(argv).format, c.format) << *c.flags.begin();
  }
  EXPECT_EQ(parse({"--pull", "-L", "1"}).format, Format::no);  // nanocat prints nothing by default
  EXPECT_TRUE(usage_error({"--pull", "-L", "1", "--format", "bogus"},
                          {"'bogus'", "no, raw, ascii, quoted, msgpack, hex"}));
  EXPECT_TRUE(usage_error({"--push", "-L", "1", "-D", "x", "-A"},
                          {"--ascii needs a socket type that receives"}));
  EXPECT_TRUE(usage_error({"--pub", "-L", "1", "-D", "x", "--format", "raw"}, {"--format needs"}));
}

TEST(NanocatOptions, SendingOptions) {
  Options o = parse(
      {"--pub", "-L", "1", "-D", "hello", "-i", "0.5", "-d2", "--count", "3", "--sleep", "0.1"});
  EXPECT_EQ(o.data, "hello");
  EXPECT_EQ(o.interval, 500ms);
  EXPECT_EQ(o.delay, 2000ms);
  EXPECT_EQ(o.count, 3u);
  EXPECT_EQ(o.sleep, 100ms);
  o = parse({"--pub", "-L", "1", "--data="});
  EXPECT_EQ(o.data, "");
  EXPECT_LT(o.interval.count(), 0);
  EXPECT_EQ(o.delay, 0ms);
  EXPECT_EQ(o.sleep, 200ms);
  EXPECT_EQ(o.count, 0u);
  EXPECT_EQ(parse({"--pub", "-L", "1", "-Dping"}).data, "ping");
  EXPECT_EQ(parse({"--pub", "-L", "1", "--data", "-x"}).data,
            "-x");  // the next word, even with a dash
  EXPECT_EQ(parse({"--pub", "-L", "1", "-D", "x", "-i", "-1"}).interval.count(), -1);
  EXPECT_TRUE(parse({"--push", "-L", "1", "--stdin"}).stdin_lines);
  EXPECT_TRUE(
      usage_error({"--pull", "-L", "1", "-i", "1"}, {"--interval needs a socket type that sends"}));
  EXPECT_TRUE(
      usage_error({"--pull", "-L", "1", "-D", "x"}, {"--data needs a socket type that sends"}));
  EXPECT_TRUE(usage_error({"--sub", "-L", "1", "--stdin"}, {"--stdin needs"}));
  EXPECT_TRUE(usage_error({"--pull", "-L", "1", "--sleep", "1"}, {"--sleep needs"}));
  EXPECT_TRUE(
      usage_error({"--push", "-L", "1", "-D", "a", "-D", "b"}, {"--data may be given only once"}));
  EXPECT_TRUE(
      usage_error({"--push", "-L", "1", "-D", "a", "--stdin"}, {"--stdin conflicts with --data"}));
  EXPECT_TRUE(usage_error({"--push", "-L", "1", "--stdin", "-F", "/dev/null"},
                          {"--file conflicts with --stdin"}));
  for (const char* v : {"-1", "x", "1.5", ""})
    EXPECT_TRUE(usage_error({"--pull", "-L", "1", "--count", v}, {"--count"})) << v;
  EXPECT_EQ(parse({"--pull", "-L", "1", "-C", "7"}).count, 7u);
}

TEST(NanocatOptions, ProtocolsThatSendNeedSomethingToSend) {
  for (const char* type : {"--push", "--pub", "--req", "--surveyor"})
    EXPECT_TRUE(usage_error({type, "-L", "1"}, {type, "needs --data, --file or --stdin"})) << type;
  for (const char* type : {"--rep", "--respondent", "--bus", "--pair"})
    EXPECT_FALSE(parse({type, "-L", "1"}).data) << type;  // they just print, then
}

class TempFile {
 public:
  explicit TempFile(const std::string& contents) {
    path_ = std::filesystem::temp_directory_path() /
            ("nanocat-options-test-" + std::to_string(::getpid()) + ".bin");
    std::ofstream(path_, std::ios::binary) << contents;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

TEST(NanocatOptions, FileIsReadWhole) {
  const std::string contents("line 1\nline 2\n\0\xff binary", 23);
  TempFile f(contents);
  EXPECT_EQ(parse({"--push", "-L", "1", "--file", f.path().c_str()}).data, contents);
  EXPECT_EQ(parse({"--push", "-L", "1", ("-F" + f.path()).c_str()}).data, contents);
  EXPECT_TRUE(usage_error({"--push", "-L", "1", "-F", f.path().c_str(), "-D", "x"},
                          {"--data conflicts with --file"}));
  Failure missing = parse_failure({"--push", "-L", "1", "-F", "/nonexistent/nanocat-file"});
  EXPECT_EQ(missing.code, kExitFile);
  EXPECT_NE(missing.message.find("'/nonexistent/nanocat-file'"), std::string::npos)
      << missing.message;
  Failure dir = parse_failure({"--push", "-L", "1", "-F", "/"});
  EXPECT_EQ(dir.code, kExitFile) << dir.message;
}

// The fuzz target passes its own reader so that no file is touched; the
// reader's failure ends parsing like a file that cannot be read.
TEST(NanocatOptions, FileGoesThroughTheGivenReader) {
  std::vector<std::string> asked;
  auto reader = [&](const std::string& path) {
    asked.push_back(path);
    if (path == "bad") throw Error("cannot open file 'bad'", kExitFile);
    return "contents of " + path;
  };
  std::vector<const char*> argv{"nanocat", "--push", "-L", "1", "--file", "x.txt"};
  EXPECT_EQ(parse_command_line(argv, reader).data, "contents of x.txt");
  argv.back() = "bad";
  try {
    parse_command_line(argv, reader);
    ADD_FAILURE() << "a failing reader must fail the parse";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), kExitFile);
  }
  EXPECT_EQ(asked, (std::vector<std::string>{"x.txt", "bad"}));
}

TEST(NanocatOptions, Verbosity) {
  EXPECT_EQ(parse({"--pull", "-L", "1", "-v"}).verbose, 1);
  EXPECT_EQ(parse({"--pull", "-L", "1", "-vv", "--verbose", "-q"}).verbose, 2);
  EXPECT_EQ(parse({"--pull", "-L", "1", "--silent"}).verbose, -1);
}

TEST(NanocatOptions, HelpAndVersionStopParsing) {
  EXPECT_TRUE(parse({"--help"}).help);
  EXPECT_TRUE(parse({"-h"}).help);
  EXPECT_TRUE(parse({"--pull", "-h", "--no-such-option"}).help);
  EXPECT_TRUE(parse({"-vh"}).help);
  EXPECT_TRUE(parse({"--version"}).version);
  EXPECT_TRUE(parse({"-V"}).version);
  EXPECT_TRUE(usage_error({"--no-such-option", "--help"}, {"unknown option '--no-such-option'"}));
  EXPECT_TRUE(usage_error({"--help=x"}, {"--help does not take an argument"}));
}

TEST(NanocatOptions, ClustersAndAttachedValues) {
  Options o = parse({"--rep", "-vAQ", "-L1", "-Dpong", "-vi0.5"});
  EXPECT_EQ(o.verbose, 2);
  EXPECT_EQ(o.format, Format::quoted);
  EXPECT_EQ(o.data, "pong");
  EXPECT_EQ(o.interval, 500ms);  // -i took the rest of its word
  EXPECT_EQ(o.endpoints.at(0).url, "tcp://127.0.0.1:1");
  EXPECT_TRUE(usage_error({"--rep", "-L", "1", "-D"}, {"--data needs an argument"}));
  EXPECT_TRUE(usage_error({"--rep", "-L"}, {"--bind-local needs an argument"}));
}

TEST(NanocatOptions, Abbreviations) {
  EXPECT_EQ(parse({"--pul", "--bind", "tcp://a:1"}).type, SocketType::pull);
  EXPECT_TRUE(usage_error({"--pull", "--bin", "tcp://a:1"}, {"ambiguous", "--bind-ipc"}));
  EXPECT_EQ(parse({"--pull", "--bind-l", "1", "--for=hex"}).format, Format::hex);
  EXPECT_EQ(parse({"--sub", "-L", "1", "--subs", "a"}).subscriptions.size(), 1u);
  EXPECT_EQ(parse({"--sub", "-L", "1"}).type, SocketType::sub);    // exact name beats --subscribe
  EXPECT_EQ(parse({"--pair", "-L", "1"}).type, SocketType::pair);  // exact name beats --pair0
  // Abbreviations nanocat accepted still mean what they meant, though
  // options were added that share the prefix:
  EXPECT_EQ(parse({"--surv", "-L", "1", "-D", "x"}).type,
            SocketType::surveyor);  // not --survey-deadline
  EXPECT_EQ(parse({"--req", "-L", "1", "-D", "x", "--send", "2"}).send_timeout,
            2000ms);                                              // not --send-priority
  EXPECT_EQ(parse({"--pai", "-L", "1"}).type, SocketType::pair);  // not --pair0
  // New options abbreviate too, when that is unambiguous.
  EXPECT_EQ(parse({"--pub", "-L", "1", "-D", "x", "--sl", "2"}).sleep, 2000ms);
  EXPECT_EQ(parse({"--pull", "--lis", "tcp://a:1"}).endpoints.at(0).kind, Endpoint::Kind::bind);
  EXPECT_EQ(parse({"--pull", "-L", "1", "--recv-m", "9"}).recv_max_size, 9u);
  EXPECT_TRUE(usage_error(
      {"--re"}, {"ambiguous option '--re'", "--req", "--rep", "--respondent", "--recv-timeout"}));
  EXPECT_TRUE(
      usage_error({"--conn", "x"}, {"ambiguous", "--connect", "--connect-ipc", "--connect-local"}));
  EXPECT_EQ(parse({"--pull", "-L", "1", "--recv-=1"}).recv_timeout,
            1000ms);                                           // nanocat's only --recv-*
  EXPECT_EQ(parse({"--pull", "-L", "1", "--ve"}).verbose, 1);  // --verbose, not --version
}

TEST(NanocatOptions, UnknownAndStrayWords) {
  EXPECT_TRUE(usage_error({"--foo"}, {"unknown option '--foo'", "--help"}));
  EXPECT_TRUE(usage_error({"--foo=bar"}, {"unknown option '--foo=bar'"}));
  EXPECT_TRUE(usage_error({"--=x"}, {"unknown option"}));
  EXPECT_TRUE(usage_error({"-z"}, {"unknown option '-z'"}));
  EXPECT_TRUE(usage_error({"--pull", "-vz"}, {"unknown option '-z'"}));
  EXPECT_TRUE(usage_error({"--pull", "-L", "1", "extra"}, {"unexpected argument 'extra'"}));
  EXPECT_TRUE(usage_error({"--pull", "-L", "1", ""}, {"unexpected argument ''"}));
  // nanocat ignores "--" and a lone "-".
  EXPECT_EQ(parse({"--", "--pull", "-", "-L", "1"}).type, SocketType::pull);
}

TEST(NanocatOptions, ConflictsAndRequiredOptions) {
  EXPECT_TRUE(usage_error({"--pub", "--sub", "-L", "1"}, {"option --sub conflicts with --pub"}));
  EXPECT_TRUE(usage_error({"--sub", "--sub", "-L", "1"}, {"--sub may be given only once"}));
  EXPECT_TRUE(usage_error({}, {"no socket type given", "--push", "--pair"}));
  EXPECT_TRUE(usage_error({"--pull"}, {"no address given", "--bind", "--connect-local"}));
  EXPECT_TRUE(usage_error({"-L", "1"}, {"no socket type given"}));
  // nanocat reports an option's missing partner before the missing address.
  EXPECT_TRUE(usage_error({"--push"}, {"--push needs --data, --file or --stdin"}));
}

}  // namespace
}  // namespace nanocat
