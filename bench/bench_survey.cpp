// SURVEYOR with 100 RESPONDENTs over tcp, sprocket's side (see
// survey_driver.hpp; bench_survey_nng.cpp is NNG's, in its own program).
// The respondents share sprocket's I/O threads: each answers through an
// async_recv -> async_send chain, so none needs a thread of its own.
#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sprocket/sprocket.hpp>

#include "survey_driver.hpp"

namespace {

using namespace std::chrono_literals;

/// Answers every survey on `s` with the survey's own body, until an error
/// (the socket closed) ends the chain; `active` counts running chains.
void answer(sprocket::Socket& s, std::atomic<int>& active) {
  s.async_recv([&s, &active](std::error_code ec, sprocket::Message m) {
    if (ec) {
      active.fetch_sub(1);
      return;
    }
    s.async_send(std::move(m), [&s, &active](std::error_code ec2) {
      if (ec2) {
        active.fetch_sub(1);
        return;
      }
      answer(s, active);
    });
  });
}

class SprocketSurvey {
 public:
  static constexpr const char* name = "sprocket";

  explicit SprocketSurvey(int respondents) : surveyor_(sprocket::surveyor) {
    surveyor_.set_survey_deadline(1s);
    const auto port = surveyor_.listen("tcp://127.0.0.1:0").port();
    const std::string url = "tcp://127.0.0.1:" + std::to_string(port);
    respondents_.reserve(static_cast<std::size_t>(respondents));
    for (int i = 0; i < respondents; ++i) {
      auto& r = respondents_.emplace_back(std::make_unique<sprocket::Socket>(sprocket::respondent));
      r->dial(url, {.wait_connected = true});
      active_.fetch_add(1);
      answer(*r, active_);
    }
    // The dialer's side is up; wait for the surveyor's.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (surveyor_.stats().pipes < static_cast<std::uint64_t>(respondents)) {
      if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("respondents did not connect");
      std::this_thread::sleep_for(1ms);
    }
  }

  ~SprocketSurvey() {
    for (auto& r : respondents_) r->close();
    // The chains end with errc::closed on sprocket's threads; the sockets
    // must outlive them.
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (active_.load() > 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  }

  void send_survey() { surveyor_.send(sprocket::Message(bench::survey::kBodySize)); }

  bool recv_answer() {
    std::error_code ec;
    surveyor_.recv(ec);
    return !ec;
  }

 private:
  std::atomic<int> active_{0};  // first: outlives the sockets
  sprocket::Socket surveyor_;
  std::vector<std::unique_ptr<sprocket::Socket>> respondents_;
};

}  // namespace

int main(int argc, char** argv) {
  bench::survey::register_fixture<SprocketSurvey>();
  return bench::survey::run(argc, argv);
}
