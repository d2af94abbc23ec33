// SURVEYOR/RESPONDENT interop with NNG and nanomsg, over tcp and ipc, with
// sprocket listening and with sprocket dialing, in both roles:
// - sprocket SURVEYOR -> `nngcat --respondent0` / `nanocat --respondent`,
//   which answer every survey with --data;
// - `nngcat --surveyor0` / `nanocat --surveyor` (a survey every 2 s / 1 s)
//   -> sprocket RESPONDENT, whose answer the tool prints;
// - libnng surveyor0 and respondent0 against sprocket, and one sprocket
//   survey answered by a sprocket, an NNG and a nanomsg respondent at once.
#include <set>

#include "protocols/common/cli_scenarios.hpp"
#include "protocols/common/interop_util.hpp"

#ifdef SPROCKET_HAVE_NNG
#include <nng/protocol/survey0/respond.h>
#include <nng/protocol/survey0/survey.h>
#endif
#ifdef SPROCKET_HAVE_NANOMSG
#include <nanomsg/survey.h>
#endif

namespace sprocket::test {
namespace {

using Kind = PipeEvent::Kind;

// ------------------------------------------------------------------ command-line peers

class SurveyCli : public ::testing::TestWithParam<CliParam> {
 protected:
  void SetUp() override { ASSERT_TRUE(tool_available(GetParam().tool)); }

  /// Starts the tool as `nng_flag`/`nano_flag` with `extra` arguments and
  /// connects it to `sock`; waits until sprocket has the connection.
  void start(Socket& sock, PipeEventRecorder& events, const char* nng_flag, const char* nano_flag,
             std::vector<std::string> extra) {
    const CliParam& c = GetParam();
    const std::string url = meeting_url(sock, c.transport, c.role);
    start_connected_tool(peer_, sock, events, c.tool, c.tool == Tool::nngcat ? nng_flag : nano_flag,
                         c.role, url, std::move(extra));
  }

  std::unique_ptr<ChildProcess> peer_;
};

INSTANTIATE_TEST_SUITE_P(Peers, SurveyCli, ::testing::ValuesIn(all_cli_params()), CliParamName{});

TEST_P(SurveyCli, SprocketSurveysThePeer) {
  Socket sv{sprocket::surveyor};
  bound_blocking_calls(sv);
  sv.set_survey_deadline(kEventTimeout);
  PipeEventRecorder events(sv);
  const Tool tool = GetParam().tool;
  ASSERT_NO_FATAL_FAILURE(start(sv, events, "--respondent0", "--respondent",
                                cli_scenario::respondent_tool_args(tool)));
  cli_scenario::surveyor_asks_respondent_tool(sv, tool, *peer_);
}

TEST_P(SurveyCli, PeerSurveysSprocket) {
  Socket r{sprocket::respondent};
  bound_blocking_calls(r);
  PipeEventRecorder events(r);
  const Tool tool = GetParam().tool;
  ASSERT_NO_FATAL_FAILURE(start(r, events, "--surveyor0", "--surveyor",
                                cli_scenario::surveyor_tool_args(tool)));
  cli_scenario::respondent_answers_surveyor_tool(r, tool, *peer_);
}

// ------------------------------------------------------------------ libnng

#ifndef SPROCKET_HAVE_NNG

class NngSurvey : public ::testing::TestWithParam<PeerParam> {};
INSTANTIATE_TEST_SUITE_P(Nng, NngSurvey, kAllPeerParams, peer_param_name);
TEST_P(NngSurvey, LibnngIsInstalled) {
  FAIL() << kNoLibnng;
}

#else

class NngSurvey : public NngPeerTest {};

INSTANTIATE_TEST_SUITE_P(Nng, NngSurvey, kAllPeerParams, peer_param_name);

TEST_P(NngSurvey, SprocketSurveyorNngRespondent) {
  Socket sv{sprocket::surveyor};
  bound_blocking_calls(sv);
  sv.set_survey_deadline(kEventTimeout);
  PipeEventRecorder events(sv);
  NngSocket r;
  ASSERT_NO_FATAL_FAILURE(r.open(nng_respondent0_open));
  ASSERT_NO_FATAL_FAILURE(connect(sv, events, r));
  for (int round = 0; round < 3; ++round) {  // each survey has a new id
    const std::string q = "survey " + std::to_string(round);
    sv.send(q);
    int rv = 0;
    auto got = r.recv(rv);
    ASSERT_TRUE(got) << nng_strerror(rv);
    EXPECT_EQ(*got, q);
    ASSERT_NO_FATAL_FAILURE(r.send("answer " + std::to_string(round)));
    EXPECT_EQ(to_string(sv.recv()), "answer " + std::to_string(round));
  }
}

TEST_P(NngSurvey, NngSurveyorSprocketRespondent) {
  Socket r{sprocket::respondent};
  bound_blocking_calls(r);
  PipeEventRecorder events(r);
  NngSocket sv;
  ASSERT_NO_FATAL_FAILURE(sv.open(nng_surveyor0_open));
  ASSERT_NNG_OK(nng_socket_set_ms(sv.get(), NNG_OPT_SURVEYOR_SURVEYTIME, kEventTimeout.count()));
  ASSERT_NO_FATAL_FAILURE(connect(r, events, sv));
  for (int round = 0; round < 3; ++round) {
    const std::string q = "nng survey " + std::to_string(round);
    ASSERT_NO_FATAL_FAILURE(sv.send(q));
    EXPECT_EQ(to_string(r.recv()), q);
    r.send("sprocket answer " + std::to_string(round));
    int rv = 0;
    auto got = sv.recv(rv);
    ASSERT_TRUE(got) << nng_strerror(rv);
    EXPECT_EQ(*got, "sprocket answer " + std::to_string(round));
  }
}

TEST_P(NngSurvey, NngSurveyorDropsAnswersAfterItsDeadline) {
  // NNG, like sprocket, discards an answer to a survey that has ended.
  Socket r{sprocket::respondent};
  bound_blocking_calls(r);
  PipeEventRecorder events(r);
  NngSocket sv;
  ASSERT_NO_FATAL_FAILURE(sv.open(nng_surveyor0_open));
  ASSERT_NNG_OK(nng_socket_set_ms(sv.get(), NNG_OPT_SURVEYOR_SURVEYTIME, 200));
  ASSERT_NO_FATAL_FAILURE(connect(r, events, sv));
  ASSERT_NO_FATAL_FAILURE(sv.send("short survey"));
  EXPECT_EQ(to_string(r.recv()), "short survey");
  int rv = 0;
  EXPECT_FALSE(sv.recv(rv));
  EXPECT_EQ(rv, NNG_ETIMEDOUT) << nng_strerror(rv);
  r.send("too late");
  ASSERT_NNG_OK(nng_socket_set_ms(sv.get(), NNG_OPT_SURVEYOR_SURVEYTIME, kEventTimeout.count()));
  ASSERT_NO_FATAL_FAILURE(sv.send("second survey"));
  EXPECT_EQ(to_string(r.recv()), "second survey");
  r.send("in time");
  auto got = sv.recv(rv);
  ASSERT_TRUE(got) << nng_strerror(rv);
  EXPECT_EQ(*got, "in time");
}

#endif  // SPROCKET_HAVE_NNG

// ------------------------------------------------------------------ three implementations

#if defined(SPROCKET_HAVE_NNG) && defined(SPROCKET_HAVE_NANOMSG)

class MixedRespondents : public ::testing::TestWithParam<Transport> {};
INSTANTIATE_TEST_SUITE_P(Transports, MixedRespondents,
                         ::testing::Values(Transport::tcp, Transport::ipc), TransportName{});

TEST_P(MixedRespondents, OneSurveyAnsweredBySprocketNngAndNanomsg) {
  Socket sv{sprocket::surveyor};
  bound_blocking_calls(sv);
  sv.set_survey_deadline(kEventTimeout);
  PipeEventRecorder events(sv);
  const std::string url = meeting_url(sv, GetParam(), Role::sprocket_listens);
  Socket mine{sprocket::respondent};
  bound_blocking_calls(mine);
  mine.dial(url);
  NngSocket nng;
  ASSERT_NO_FATAL_FAILURE(nng.open(nng_respondent0_open));
  ASSERT_NO_FATAL_FAILURE(nng.dial(url));
  NnSocket nano;
  ASSERT_NO_FATAL_FAILURE(nano.open(NN_RESPONDENT));
  ASSERT_NO_FATAL_FAILURE(nano.connect(url));
  ASSERT_TRUE(events.wait_for(Kind::added, 3)) << events.summary();

  sv.send("roll call");
  EXPECT_EQ(to_string(mine.recv()), "roll call");
  mine.send("sprocket");
  int rv = 0;
  auto q = nng.recv(rv);
  ASSERT_TRUE(q) << nng_strerror(rv);
  EXPECT_EQ(*q, "roll call");
  ASSERT_NO_FATAL_FAILURE(nng.send("nng"));
  int err = 0;
  auto q2 = nano.recv(err);
  ASSERT_TRUE(q2) << nn_strerror(err);
  EXPECT_EQ(*q2, "roll call");
  ASSERT_NO_FATAL_FAILURE(nano.send("nanomsg"));

  std::multiset<std::string> got;
  for (int i = 0; i < 3; ++i) got.insert(to_string(sv.recv()));
  EXPECT_EQ(got, (std::multiset<std::string>{"nanomsg", "nng", "sprocket"}));
}

#endif

}  // namespace
}  // namespace sprocket::test
