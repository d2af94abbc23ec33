// SURVEYOR/RESPONDENT conformance over inproc, ipc and tcp: a survey reaches
// every respondent; responses count until the deadline, after which a
// pending recv gets errc::timed_out and later ones errc::bad_state; a new
// survey discards the old one's responses, and late ones are dropped and
// counted; contexts on both sides; raw headers; a hundred respondents.
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "protocols/common/protocol_test_util.hpp"

namespace sprocket::test {
namespace {

using Kind = PipeEvent::Kind;

/// A surveyor listening on a fresh address of the case's transport, and
/// respondents connected to it before any survey goes out (a surveyor sends
/// only to the pipes it has).
class SurveyTest : public ::testing::TestWithParam<Via> {
 protected:
  void SetUp() override {
    bound_blocking_calls(sv_);
    url_ = listen_fresh(sv_, GetParam());
  }

  /// Connects `n` more respondents (raw ones if `raw`).
  void add_respondents(std::size_t n, bool raw = false) {
    const auto before = sv_events_.count(Kind::added);
    for (std::size_t i = 0; i < n; ++i) {
      respondents_.emplace_back(sprocket::respondent, SocketOptions{.raw = raw});
      bound_blocking_calls(respondents_.back());
      respondent_events_.emplace_back(respondents_.back());
      respondents_.back().dial(url_);
    }
    ASSERT_TRUE(sv_events_.wait_added(before + n)) << sv_events_.summary();
  }

  /// Every respondent receives `survey` and answers "<answer> <index>".
  void answer_all(std::string_view survey, std::string_view answer) {
    for (std::size_t i = 0; i < respondents_.size(); ++i) {
      std::error_code ec;
      Message m = respondents_[i].recv(ec);
      ASSERT_NO_ERROR(ec) << "respondent " << i;
      ASSERT_EQ(m.str(), survey) << "respondent " << i;
      respondents_[i].send(std::string(answer) + " " + std::to_string(i));
    }
  }

  /// The expected answers of answer_all().
  std::multiset<std::string> answers(std::string_view answer) const {
    std::multiset<std::string> out;
    for (std::size_t i = 0; i < respondents_.size(); ++i)
      out.insert(std::string(answer) + " " + std::to_string(i));
    return out;
  }

  /// Receives `n` responses on `s` (a Socket or a Context).
  template <class S>
  static std::multiset<std::string> collect(S& s, std::size_t n) {
    std::multiset<std::string> got;
    for (std::size_t i = 0; i < n; ++i) {
      std::error_code ec;
      Message m = s.recv(ec);
      EXPECT_NO_ERROR(ec) << "response " << i << " of " << n;
      if (ec) break;
      got.insert(std::string(m.str()));
    }
    return got;
  }

  Socket sv_{sprocket::surveyor};
  PipeEventRecorder sv_events_{sv_};
  std::string url_;
  std::vector<Socket> respondents_;
  std::vector<PipeEventRecorder> respondent_events_;  // one per respondent
};

INSTANTIATE_TEST_SUITE_P(Transports, SurveyTest, kAllTransports, ViaName{});

TEST_P(SurveyTest, SurveyReachesEveryRespondent) {
  ASSERT_NO_FATAL_FAILURE(add_respondents(3));
  sv_.set_survey_deadline(kEventTimeout);  // only the delivery is under test
  sv_.send("ping");
  ASSERT_NO_FATAL_FAILURE(answer_all("ping", "pong"));
  EXPECT_EQ(collect(sv_, 3), answers("pong"));
  std::error_code ec;
  (void)sv_.try_recv(ec);
  EXPECT_ERRC(ec, errc::would_block) << "the survey is still running, with nothing queued";
  EXPECT_EQ(sv_.stats().messages_sent, 1u);
  EXPECT_EQ(sv_.stats().drops, 0u);
}

TEST_P(SurveyTest, ResponsesUntilTheDeadlineThenTimedOutThenBadState) {
  ASSERT_NO_FATAL_FAILURE(add_respondents(3));
  sv_.set_survey_deadline(300ms);
  const auto start = Clock::now();
  sv_.send("quick");
  ASSERT_NO_FATAL_FAILURE(answer_all("quick", "answer"));
  EXPECT_EQ(collect(sv_, 3), answers("answer"));

  // Nobody else answers: the recv pending at the deadline times out.
  std::error_code ec;
  (void)sv_.recv(ec);
  const auto elapsed = to_ms(Clock::now() - start);
  EXPECT_ERRC(ec, errc::timed_out);
  EXPECT_GE(elapsed, 250) << "timed out before the deadline";

  // The survey is over: no survey in flight.
  (void)sv_.recv(ec);
  EXPECT_ERRC(ec, errc::bad_state);
  (void)sv_.try_recv(ec);
  EXPECT_ERRC(ec, errc::bad_state);
}

TEST_P(SurveyTest, DeadlineWithNoRespondentTimesOut) {
  sv_.set_survey_deadline(300ms);
  const auto start = Clock::now();
  sv_.send("anyone?");
  RecvCompletion pending;
  sv_.async_recv(pending.handler());
  ASSERT_TRUE(pending.wait());
  EXPECT_ERRC(pending.ec(), errc::timed_out);
  EXPECT_GE(to_ms(Clock::now() - start), 250);
  std::error_code ec;
  (void)sv_.recv(ec);
  EXPECT_ERRC(ec, errc::bad_state);
}

TEST_P(SurveyTest, NewSurveyDiscardsThePreviousOnesResponses) {
  ASSERT_NO_FATAL_FAILURE(add_respondents(1));
  Socket& r = respondents_[0];
  sv_.set_survey_deadline(kEventTimeout);
  sv_.send("first");
  EXPECT_EQ(to_string(r.recv()), "first");
  sv_.send("second");  // replaces "first" before its answer arrives
  r.send("answer to first");
  EXPECT_EQ(to_string(r.recv()), "second");
  r.send("answer to second");
  // Same connection, so the stale answer arrives first and is dropped.
  EXPECT_EQ(to_string(sv_.recv()), "answer to second");
  std::error_code ec;
  (void)sv_.try_recv(ec);
  EXPECT_ERRC(ec, errc::would_block);
  EXPECT_EQ(sv_.stats().drops, 1u) << "the stale answer is counted";
}

TEST_P(SurveyTest, LateResponsesAreDroppedAndCounted) {
  ASSERT_NO_FATAL_FAILURE(add_respondents(1));
  Socket& r = respondents_[0];
  sv_.set_survey_deadline(300ms);
  sv_.send("hurry");
  EXPECT_EQ(to_string(r.recv()), "hurry");
  std::error_code ec;
  (void)sv_.recv(ec);
  ASSERT_ERRC(ec, errc::timed_out);
  r.send("too late");
  (void)sv_.recv(ec);
  EXPECT_ERRC(ec, errc::bad_state) << "a late answer revives no survey";

  sv_.set_survey_deadline(kEventTimeout);
  sv_.send("again");
  EXPECT_EQ(to_string(r.recv()), "again");
  r.send("on time");
  // The late answer came first on the connection and was dropped.
  EXPECT_EQ(to_string(sv_.recv()), "on time");
  EXPECT_EQ(sv_.stats().drops, 1u);
}

// A late answer is counted when it arrives, not when the surveyor next
// reads: stats() says so while nobody calls recv().
TEST_P(SurveyTest, LateResponsesAreCountedAsTheyArrive) {
  ASSERT_NO_FATAL_FAILURE(add_respondents(1));
  Socket& r = respondents_[0];
  sv_.set_survey_deadline(100ms);
  sv_.send("hurry");
  EXPECT_EQ(to_string(r.recv()), "hurry");
  std::error_code ec;
  (void)sv_.recv(ec);
  ASSERT_ERRC(ec, errc::timed_out);
  r.send("too late");
  EXPECT_TRUE(wait_until([&] { return sv_.stats().drops == 1; }))
      << "drops: " << sv_.stats().drops << " (no recv was called)";
}

TEST_P(SurveyTest, RespondentCannotSendWithoutASurvey) {
  ASSERT_NO_FATAL_FAILURE(add_respondents(1));
  Socket& r = respondents_[0];
  std::error_code ec;
  r.send("unasked", ec);
  EXPECT_ERRC(ec, errc::bad_state);
  sv_.set_survey_deadline(kEventTimeout);
  sv_.send("asked");
  EXPECT_EQ(to_string(r.recv()), "asked");
  r.send("one answer", ec);
  EXPECT_NO_ERROR(ec);
  r.send("a second answer", ec);
  EXPECT_ERRC(ec, errc::bad_state) << "one answer per survey received";
  EXPECT_EQ(to_string(sv_.recv()), "one answer");
}

TEST_P(SurveyTest, SurveyorContextsRunOverlappingSurveys) {
  ASSERT_NO_FATAL_FAILURE(add_respondents(3));
  sv_.set_survey_deadline(kEventTimeout);
  Context c1(sv_), c2(sv_);
  c1.send("s1");
  c2.send("s2");  // overlaps: c1's survey is still running
  for (auto& r : respondents_) {
    for (int k = 0; k < 2; ++k) {
      Message m = r.recv();
      r.send("re:" + std::string(m.str()));
    }
  }
  EXPECT_EQ(collect(c1, 3), (std::multiset<std::string>{"re:s1", "re:s1", "re:s1"}));
  EXPECT_EQ(collect(c2, 3), (std::multiset<std::string>{"re:s2", "re:s2", "re:s2"}));
  std::error_code ec;
  (void)c1.try_recv(ec);
  EXPECT_ERRC(ec, errc::would_block);
  (void)c2.try_recv(ec);
  EXPECT_ERRC(ec, errc::would_block);
  (void)sv_.recv(ec);
  EXPECT_ERRC(ec, errc::bad_state) << "the socket itself ran no survey";
}

TEST_P(SurveyTest, ContextDeadlinesAreIndependent) {
  ASSERT_NO_FATAL_FAILURE(add_respondents(1));
  Socket& r = respondents_[0];
  Context short_lived(sv_), long_lived(sv_);
  sv_.set_survey_deadline(300ms);  // read when a survey starts
  short_lived.send("short");
  sv_.set_survey_deadline(kEventTimeout);
  long_lived.send("long");
  std::error_code ec;
  (void)short_lived.recv(ec);
  EXPECT_ERRC(ec, errc::timed_out);
  (void)long_lived.try_recv(ec);
  EXPECT_ERRC(ec, errc::would_block) << "the other context's survey is still running";
  // Both surveys reached r; it answers the second only.
  EXPECT_EQ(to_string(r.recv()), "short");
  EXPECT_EQ(to_string(r.recv()), "long");
  r.send("for long");
  EXPECT_EQ(to_string(long_lived.recv()), "for long");
}

TEST_P(SurveyTest, RespondentContextsAnswerConcurrently) {
  ASSERT_NO_FATAL_FAILURE(add_respondents(1));
  Socket& r = respondents_[0];
  sv_.set_survey_deadline(kEventTimeout);
  constexpr int kWorkers = 4;
  std::vector<Context> surveys;
  for (int i = 0; i < kWorkers; ++i) surveys.emplace_back(sv_);
  for (int i = 0; i < kWorkers; ++i) surveys[i].send("q" + std::to_string(i));

  // Each worker holds one survey until all of them hold one: four
  // exchanges open at once on one respondent socket.
  std::mutex mu;
  std::condition_variable cv;
  int holding = 0;
  int all_held = 0;
  std::vector<std::string> errors(kWorkers);
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      Context ctx(r);
      std::error_code ec;
      Message m = ctx.recv(ec);
      if (ec) {
        errors[w] = "recv: " + describe(ec);
        return;
      }
      {
        std::unique_lock lock(mu);
        ++holding;
        cv.notify_all();
        if (cv.wait_for(lock, kEventTimeout, [&] { return holding == kWorkers; })) ++all_held;
      }
      ctx.send("a:" + std::string(m.str()), ec);
      if (ec) errors[w] = "send: " + describe(ec);
    });
  }
  for (auto& t : workers) t.join();
  for (int w = 0; w < kWorkers; ++w) EXPECT_EQ(errors[w], "") << "worker " << w;
  EXPECT_EQ(all_held, kWorkers) << "the workers never held four surveys at once";
  for (int i = 0; i < kWorkers; ++i) {
    std::error_code ec;
    Message m = surveys[i].recv(ec);
    ASSERT_NO_ERROR(ec) << "survey " << i;
    EXPECT_EQ(m.str(), "a:q" + std::to_string(i)) << "each context gets only its own answer";
  }
}

/// A 32-bit big-endian word of `m`'s header.
std::uint32_t header_word(const Message& m, std::size_t i) {
  auto h = m.header();
  if (h.size() < 4 * (i + 1)) return 0;
  const std::byte* p = h.data() + 4 * i;
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 |
         std::uint32_t(p[3]);
}

TEST_P(SurveyTest, RawRespondentSeesPipeIdThenSurveyId) {
  ASSERT_NO_FATAL_FAILURE(add_respondents(1, /*raw=*/true));
  Socket& r = respondents_[0];
  ASSERT_TRUE(respondent_events_[0].wait_added()) << respondent_events_[0].summary();
  const std::uint32_t pipe_id = respondent_events_[0].events(Kind::added).at(0).pipe_id;
  sv_.set_survey_deadline(kEventTimeout);
  sv_.send("q");
  Message m = r.recv();
  EXPECT_EQ(m.str(), "q");
  ASSERT_EQ(m.header().size(), 8u) << "the pipe id, then the survey id";
  EXPECT_EQ(header_word(m, 0), pipe_id) << "the pipe the survey came in on";
  EXPECT_EQ(header_word(m, 0) & 0x80000000u, 0u) << "a pipe id has the top bit clear";
  EXPECT_NE(header_word(m, 1) & 0x80000000u, 0u) << "the survey id has the top bit set";

  // A raw reply carries the route back in its header.
  Message reply("raw answer");
  ASSERT_TRUE(reply.set_header(m.header()));
  r.send(std::move(reply));
  EXPECT_EQ(to_string(sv_.recv()), "raw answer");

  std::error_code ec;
  Context ctx(r, ec);
  EXPECT_ERRC(ec, errc::not_supported) << "raw sockets have no contexts";
}

TEST_P(SurveyTest, RawSurveyorKeepsItsOwnSurveyIds) {
  Socket raw{sprocket::surveyor, {.raw = true}};
  bound_blocking_calls(raw);
  PipeEventRecorder raw_events(raw);
  const std::string url = listen_fresh(raw, GetParam());
  Socket r{sprocket::respondent};
  bound_blocking_calls(r);
  r.dial(url);
  ASSERT_TRUE(raw_events.wait_added());

  Message survey("raw survey");
  const std::vector<std::byte> id{std::byte{0x80}, std::byte{0}, std::byte{0}, std::byte{0x42}};
  ASSERT_TRUE(survey.set_header(id));
  raw.send(std::move(survey));
  EXPECT_EQ(to_string(r.recv()), "raw survey");
  r.send("raw response");
  Message m = raw.recv();
  EXPECT_EQ(m.str(), "raw response");
  EXPECT_EQ(header_word(m, 0), 0x80000042u);
  // No deadline and no survey state in raw mode: nothing queued is all.
  std::error_code ec;
  (void)raw.try_recv(ec);
  EXPECT_ERRC(ec, errc::would_block);
  Context ctx(raw, ec);
  EXPECT_ERRC(ec, errc::not_supported);
}

TEST_P(SurveyTest, SurveyThroughADevice) {
  // surveyor -> [raw respondent | device | raw surveyor] -> respondents:
  // the device pushes a hop on the way out and pops it on the way back.
  Socket front{sprocket::respondent, {.raw = true}};
  Socket back{sprocket::surveyor, {.raw = true}};
  PipeEventRecorder back_events(back);
  front.dial(url_);
  ASSERT_TRUE(sv_events_.wait_added()) << sv_events_.summary();
  const std::string back_url = listen_fresh(back, GetParam());
  std::vector<Socket> far;
  for (int i = 0; i < 2; ++i) {
    far.emplace_back(sprocket::respondent);
    bound_blocking_calls(far.back());
    far.back().dial(back_url);
  }
  ASSERT_TRUE(back_events.wait_added(2)) << back_events.summary();
  SendCompletion device_done;
  async_device(front, back, device_done.handler());

  sv_.set_survey_deadline(kEventTimeout);
  sv_.send("via the device");
  for (std::size_t i = 0; i < far.size(); ++i) {
    EXPECT_EQ(to_string(far[i].recv()), "via the device");
    far[i].send("far " + std::to_string(i));
  }
  EXPECT_EQ(collect(sv_, 2), (std::multiset<std::string>{"far 0", "far 1"}));
  front.close();
  ASSERT_TRUE(device_done.wait());
  EXPECT_NO_ERROR(device_done.ec());
}

TEST_P(SurveyTest, HundredRespondentsAllAnswerWithinTheDeadline) {
  ASSERT_NO_FATAL_FAILURE(add_respondents(100));
  sv_.set_survey_deadline(5s);
  sv_.send("census");
  ASSERT_NO_FATAL_FAILURE(answer_all("census", "here"));
  EXPECT_EQ(collect(sv_, 100), answers("here"));
  EXPECT_EQ(sv_.stats().drops, 0u);
}

// ------------------------------------------------------------------ without a transport

TEST(SurveyApiTest, RecvWithoutSurveyIsBadState) {
  Socket sv{sprocket::surveyor};
  EXPECT_EQ(sv.survey_deadline(), std::chrono::seconds(1)) << "the default, as nanomsg and NNG";
  std::error_code ec;
  (void)sv.recv(ec);
  EXPECT_ERRC(ec, errc::bad_state);
  (void)sv.try_recv(ec);
  EXPECT_ERRC(ec, errc::bad_state);
  RecvCompletion r;
  sv.async_recv(r.handler());
  ASSERT_TRUE(r.wait());
  EXPECT_ERRC(r.ec(), errc::bad_state);
  Context ctx(sv);
  (void)ctx.recv(ec);
  EXPECT_ERRC(ec, errc::bad_state);
}

TEST(SurveyApiTest, RespondentSendWithoutSurveyIsBadState) {
  Socket r{sprocket::respondent};
  std::error_code ec;
  r.send("unasked", ec);
  EXPECT_ERRC(ec, errc::bad_state);
  EXPECT_ERRC(thrown_code([&] { r.send("unasked"); }), errc::bad_state);
  Context ctx(r);
  ctx.send("unasked", ec);
  EXPECT_ERRC(ec, errc::bad_state);
}

TEST(SurveyApiTest, CloseCompletesAPendingRecvWithClosed) {
  Socket sv{sprocket::surveyor};
  sv.set_survey_deadline(kEventTimeout);
  sv.send("nobody");
  RecvCompletion r;
  sv.async_recv(r.handler());
  EXPECT_FALSE(r.done());
  sv.close();
  ASSERT_TRUE(r.wait());
  EXPECT_ERRC(r.ec(), errc::closed);
}

}  // namespace
}  // namespace sprocket::test
