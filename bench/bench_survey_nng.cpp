// SURVEYOR with 100 RESPONDENTs over tcp, NNG's side (see survey_driver.hpp):
// surveyor0 and respondent0, the respondents answering through an aio
// callback chain on NNG's own threads. Its own program: libnng also exports
// nanomsg's nn_* symbols, so no other library shares the process.
#include <nng/nng.h>
#include <nng/protocol/survey0/respond.h>
#include <nng/protocol/survey0/survey.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "survey_driver.hpp"

namespace {

void check(int rv, const char* what) {
  if (rv != 0) throw std::runtime_error(std::string(what) + ": " + nng_strerror(rv));
}

/// One respondent: receive a survey, send it back, receive the next.
struct Respondent {
  nng_socket sock{};
  nng_aio* aio = nullptr;
  bool sending = false;

  static void on_done(void* arg) {
    auto* r = static_cast<Respondent*>(arg);
    if (nng_aio_result(r->aio) != 0) {
      if (r->sending) nng_msg_free(nng_aio_get_msg(r->aio));
      return;  // closed or stopped: the chain ends
    }
    r->sending = !r->sending;
    if (r->sending) {
      nng_send_aio(r->sock, r->aio);  // the received message, as the answer
    } else {
      nng_recv_aio(r->sock, r->aio);
    }
  }
};

class NngSurvey {
 public:
  static constexpr const char* name = "nng";

  explicit NngSurvey(int respondents) {
    check(nng_surveyor0_open(&surveyor_), "nng_surveyor0_open");
    check(nng_socket_set_ms(surveyor_, NNG_OPT_SURVEYOR_SURVEYTIME, 1000), "survey time");
    check(nng_socket_set_int(surveyor_, NNG_OPT_RECVBUF, 2 * respondents), "recv buffer");
    check(nng_pipe_notify(surveyor_, NNG_PIPE_EV_ADD_POST, &NngSurvey::on_pipe, this), "nng_pipe_notify");
    nng_listener l;
    check(nng_listen(surveyor_, "tcp://127.0.0.1:0", &l, 0), "nng_listen");
    int port = 0;
    check(nng_listener_get_int(l, NNG_OPT_TCP_BOUND_PORT, &port), "bound port");
    const std::string url = "tcp://127.0.0.1:" + std::to_string(port);
    for (int i = 0; i < respondents; ++i) {
      auto& r = respondents_.emplace_back(std::make_unique<Respondent>());
      check(nng_respondent0_open(&r->sock), "nng_respondent0_open");
      check(nng_aio_alloc(&r->aio, &Respondent::on_done, r.get()), "nng_aio_alloc");
      check(nng_dial(r->sock, url.c_str(), nullptr, 0), "nng_dial");
      nng_recv_aio(r->sock, r->aio);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (pipes_.load() < respondents) {
      if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("respondents did not connect");
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  ~NngSurvey() {
    for (auto& r : respondents_) nng_aio_stop(r->aio);  // waits for the callback
    for (auto& r : respondents_) {
      nng_close(r->sock);
      nng_aio_free(r->aio);
    }
    nng_close(surveyor_);
  }

  void send_survey() {
    nng_msg* m = nullptr;
    check(nng_msg_alloc(&m, bench::survey::kBodySize), "nng_msg_alloc");
    const int rv = nng_sendmsg(surveyor_, m, 0);
    if (rv != 0) nng_msg_free(m);
    check(rv, "nng_sendmsg");
  }

  bool recv_answer() {
    nng_msg* m = nullptr;
    if (nng_recvmsg(surveyor_, &m, 0) != 0) return false;
    nng_msg_free(m);
    return true;
  }

 private:
  static void on_pipe(nng_pipe, nng_pipe_ev, void* arg) { static_cast<NngSurvey*>(arg)->pipes_.fetch_add(1); }

  nng_socket surveyor_{};
  std::atomic<int> pipes_{0};
  std::vector<std::unique_ptr<Respondent>> respondents_;
};

}  // namespace

int main(int argc, char** argv) {
  bench::survey::register_fixture<NngSurvey>();
  return bench::survey::run(argc, argv);
}
