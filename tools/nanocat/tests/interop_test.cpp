// Every socket type of our nanocat against the peers' own tools, NNG's
// nngcat and nanomsg's nanocat, in both roles of each pattern, over tcp,
// ipc and ws, with our side binding and with it connecting; PAIR v1
// (`--pair1`) against nngcat only, as nanomsg has none. Each case checks
// what both sides printed (in --quoted format) and that ours ended as it
// should.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "e2e_util.hpp"

namespace nanocat::test {
namespace {

// Which side of which pattern our nanocat plays; the peer plays the other.
enum class Pattern {
  push,
  pull,
  pub,
  sub,
  req,
  rep,
  surveyor,
  respondent,
  bus,
  pair,
  pair1,
};

const char* pattern_name(Pattern p) {
  switch (p) {
    case Pattern::push:
      return "push";
    case Pattern::pull:
      return "pull";
    case Pattern::pub:
      return "pub";
    case Pattern::sub:
      return "sub";
    case Pattern::req:
      return "req";
    case Pattern::rep:
      return "rep";
    case Pattern::surveyor:
      return "surveyor";
    case Pattern::respondent:
      return "respondent";
    case Pattern::bus:
      return "bus";
    case Pattern::pair:
      return "pair";
    case Pattern::pair1:
      return "pair1";
  }
  return "?";
}

struct Case {
  Pattern ours;
  Tool peer;
  Transport transport;
  bool ours_binds;
};

std::string case_name(const Case& c) {
  return std::string("ours_") + pattern_name(c.ours) + "_with_" + tool_name(c.peer) + "_" +
         transport_name(c.transport) + (c.ours_binds ? "_ours_binds" : "_ours_connects");
}

void PrintTo(const Case& c, std::ostream* os) {
  *os << case_name(c);
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (Pattern p :
       {Pattern::push, Pattern::pull, Pattern::pub, Pattern::sub, Pattern::req, Pattern::rep,
        Pattern::surveyor, Pattern::respondent, Pattern::bus, Pattern::pair, Pattern::pair1})
    for (Tool t : {Tool::nng, Tool::nanomsg})
      for (Transport tr : {Transport::tcp, Transport::ipc, Transport::ws})
        for (bool binds : {true, false})
          if (p != Pattern::pair1 || t == Tool::nng) cases.push_back({p, t, tr, binds});
  return cases;
}

// nngcat takes whole seconds for --interval; nanocat takes fractions.
std::string peer_interval(Tool t) {
  return t == Tool::nng ? "1" : "0.2";
}
// A peer surveyor's interval: nngcat's next survey must not go out as
// the last one's 1 s survey time ends, where NNG 1.5.2 can deadlock
// (docs/nanocat.md, "Notes on peers").
std::string peer_survey_interval(Tool t) {
  return t == Tool::nng ? "2" : "0.2";
}

class NanocatInterop : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(tool_available(Tool::ours));
    ASSERT_TRUE(tool_available(GetParam().peer));
  }

  // Starts both sides, the one that binds first. Ours runs with -v, so it
  // says when it listens.
  void start(const std::string& ours_type, std::vector<std::string> ours_args,
             const std::string& peer_type, std::vector<std::string> peer_args) {
    const Case& c = GetParam();
    auto ours_cmd = command(
        Tool::ours, std::vector<std::string>{"--" + ours_type, "-v"} +
                        endpoint_flags(Tool::ours, c.ours_binds, address_->url()) + ours_args);
    auto peer_cmd =
        command(c.peer, type_flags(c.peer, peer_type) +
                            endpoint_flags(c.peer, !c.ours_binds, address_->url()) + peer_args);
    if (c.ours_binds) {
      ours_ = std::make_unique<Process>(ours_cmd);
      ASSERT_TRUE(ours_->wait_for_stderr("nanocat: listening on", kPatience)) << ours_->describe();
      peer_ = std::make_unique<Process>(peer_cmd);
    } else {
      peer_ = std::make_unique<Process>(peer_cmd);
      ours_ = std::make_unique<Process>(ours_cmd);
    }
    ASSERT_TRUE(peer_->started()) << peer_->describe();
    ASSERT_TRUE(ours_->started()) << ours_->describe();
  }

  // Ours exits 0 having printed exactly `output`.
  void expect_ours_prints(const std::string& output) {
    EXPECT_TRUE(succeeded(*ours_)) << "peer:\n" << peer_->describe();
    EXPECT_EQ(ours_->out(), output) << both();
  }

  void expect_peer_prints(const std::string& output) {
    EXPECT_TRUE(peer_->wait_for_stdout(output, kPatience)) << both();
  }

  std::string both() {
    ours_->wait_until([](auto&, auto&) { return false; }, std::chrono::milliseconds(10));
    peer_->wait_until([](auto&, auto&) { return false; }, std::chrono::milliseconds(10));
    return "ours:\n" + ours_->describe() + "\npeer" +
           (peer_->running() ? " (running)" : " (exited)") + ":\n" + peer_->describe();
  }

  std::optional<Address> address_{std::in_place, GetParam().transport, GetParam().peer};
  std::unique_ptr<Process> ours_;
  std::unique_ptr<Process> peer_;
};

TEST_P(NanocatInterop, Exchange) {
  const Case& c = GetParam();
  const std::string every = peer_interval(c.peer);
  const std::vector<std::string> wait{"--recv-timeout", "20"};
  switch (c.ours) {
    case Pattern::push:  // ours sends once and exits when it is written
      ASSERT_NO_FATAL_FAILURE(start("push", {"--data", "hello"}, "pull", {"-Q"}));
      EXPECT_TRUE(succeeded(*ours_));
      expect_peer_prints("\"hello\"\n");
      break;
    case Pattern::pull:
      ASSERT_NO_FATAL_FAILURE(start("pull", std::vector<std::string>{"-Q", "--count", "1"} + wait,
                                    "push", {"--data", "hello", "-i", every}));
      expect_ours_prints("\"hello\"\n");
      break;
    case Pattern::pub:  // repeated: a subscriber only gets what is sent after it joined
      ASSERT_NO_FATAL_FAILURE(
          start("pub", {"--data", "hello", "-i", "0.1"}, "sub", {"--subscribe", "hel", "-Q"}));
      expect_peer_prints("\"hello\"\n");
      EXPECT_TRUE(ours_->running()) << ours_->describe();
      break;
    case Pattern::sub:
      ASSERT_NO_FATAL_FAILURE(
          start("sub", std::vector<std::string>{"--subscribe", "hel", "-Q", "-C", "2"} + wait,
                "pub", {"--data", "hello", "-i", every}));
      expect_ours_prints("\"hello\"\n\"hello\"\n");
      break;
    case Pattern::req:
      ASSERT_NO_FATAL_FAILURE(start("req", std::vector<std::string>{"--data", "ping", "-Q"} + wait,
                                    "rep", {"--data", "pong", "-Q"}));
      expect_ours_prints("\"pong\"\n");
      expect_peer_prints("\"ping\"\n");
      break;
    case Pattern::rep:
      ASSERT_NO_FATAL_FAILURE(
          start("rep", std::vector<std::string>{"--data", "pong", "-Q", "-C", "1"} + wait, "req",
                {"--data", "ping", "-Q"}));
      expect_ours_prints("\"ping\"\n");
      expect_peer_prints("\"pong\"\n");
      break;
    case Pattern::surveyor:  // surveys repeat until a respondent has joined and answered
      ASSERT_NO_FATAL_FAILURE(start(
          "surveyor", {"--data", "who", "-Q", "-i", "0.3", "--survey-deadline", "0.25", "-C", "1"},
          "respondent", {"--data", "me", "-Q"}));
      expect_ours_prints("\"me\"\n");
      expect_peer_prints("\"who\"\n");
      break;
    case Pattern::respondent:
      ASSERT_NO_FATAL_FAILURE(
          start("respondent", std::vector<std::string>{"--data", "me", "-Q", "-C", "1"} + wait,
                "surveyor", {"--data", "who", "-Q", "-i", peer_survey_interval(c.peer)}));
      expect_ours_prints("\"who\"\n");
      expect_peer_prints("\"me\"\n");
      break;
    case Pattern::bus:
    case Pattern::pair:
    case Pattern::pair1: {
      // One direction at a time, the sender repeating (BUS drops what it
      // sends before a peer joins). nngcat with --interval exits ("Cannot
      // set recv timeout: Invalid argument") when a message reaches it as
      // an interval ends, or when its PAIR send waited for the peer longer
      // than the interval; so nngcat receives nothing here, and its PAIR
      // sends once and stays up.
      const std::string type = pattern_name(c.ours);
      ASSERT_NO_FATAL_FAILURE(start(type, {"--data", "fromus", "-i", "0.2"}, type, {"-Q"}));
      expect_peer_prints("\"fromus\"\n");
      EXPECT_TRUE(ours_->running()) << ours_->describe();
      ours_.reset();
      peer_.reset();
      address_.emplace(c.transport, c.peer);
      const bool peer_repeats = c.peer != Tool::nng || c.ours == Pattern::bus;
      const std::vector<std::string> repeat =
          peer_repeats ? std::vector<std::string>{"-i", every} : std::vector<std::string>{};
      const int copies = peer_repeats ? 2 : 1;
      ASSERT_NO_FATAL_FAILURE(
          start(type, std::vector<std::string>{"-Q", "-C", std::to_string(copies)} + wait, type,
                std::vector<std::string>{"--data", "frompeer"} + repeat));
      std::string expected;
      for (int i = 0; i < copies; ++i) expected += "\"frompeer\"\n";
      expect_ours_prints(expected);
      break;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllPatterns, NanocatInterop, ::testing::ValuesIn(all_cases()),
                         [](const auto& info) { return case_name(info.param); });

}  // namespace
}  // namespace nanocat::test
