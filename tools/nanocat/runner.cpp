#include "runner.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "exit_codes.hpp"
#include "input.hpp"
#include "printer.hpp"
#include "session.hpp"

namespace nanocat {
namespace {

using Clock = std::chrono::steady_clock;
using TimePoint = std::optional<Clock::time_point>;

std::string seconds(Millis m) {
  return fmt::format("{:g}", static_cast<double>(m.count()) / 1000);
}

[[noreturn]] void timed_out(std::string message) {
  throw Error(std::move(message), kExitTimeout);
}

// `start + d`, or none for a negative (absent) duration.
TimePoint after(Clock::time_point start, Millis d) {
  return d.count() < 0 ? TimePoint{} : TimePoint{start + d};
}

TimePoint earliest(TimePoint a, TimePoint b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

// The timeout that ends at `t` (at least 0), or -1 (none).
Millis until(TimePoint t) {
  if (!t) return Millis(-1);
  auto left = std::chrono::ceil<Millis>(*t - Clock::now());
  return std::max(Millis(0), left);
}

// What to send: the --data/--file body, again and again, or the lines of
// standard input (--stdin) until it ends.
class Source {
 public:
  explicit Source(const Options& o) : data_(o.data) {
    if (o.stdin_lines) lines_ = std::make_unique<LineReader>(STDIN_FILENO);
  }

  bool empty() const { return !data_ && !lines_; }
  bool from_stdin() const { return lines_ != nullptr; }

  /// The next message, or nullopt once standard input has ended (or
  /// *stop became true).
  std::optional<sprocket::Message> next(const std::atomic<bool>* stop = nullptr) {
    if (!lines_) return sprocket::Message(std::string_view(*data_));
    auto line = lines_->next(stop);
    if (!line) return std::nullopt;
    return sprocket::Message(std::string_view(*line));
  }

 private:
  std::optional<std::string> data_;
  std::unique_ptr<LineReader> lines_;
};

// Sends the lines of standard input from a thread of its own (BUS and PAIR
// with --stdin), so that receiving goes on meanwhile.
class LineSender {
 public:
  LineSender(Source& source, sprocket::Socket& socket, Millis send_timeout,
             std::function<void()> on_sent)
      : source_(source),
        socket_(socket),
        send_timeout_(send_timeout),
        on_sent_(std::move(on_sent)) {
    thread_ = std::thread([this] { run(); });
  }

  /// Stops the thread, unblocking a send by closing the socket (what was
  /// queued before still drains), and joins it.
  ~LineSender() {
    stop_ = true;
    if (!finished_) socket_.close();
    thread_.join();
  }

  /// True once the input has ended or a send failed.
  bool finished() const { return finished_; }

  /// Throws what made the thread stop, if something did.
  void rethrow_failure() const {
    if (finished_ && failure_) std::rethrow_exception(failure_);
  }

 private:
  void run() {
    try {
      while (auto m = source_.next(&stop_)) {
        std::error_code ec;
        socket_.send(std::move(*m), ec);  // the socket's send timeout: --send-timeout
        if (ec == sprocket::errc::closed && stop_) break;
        if (ec == sprocket::errc::timed_out) {
          throw Error(
              fmt::format("could not send within {} s (--send-timeout)", seconds(send_timeout_)),
              kExitTimeout);
        }
        if (ec) throw Error(fmt::format("cannot send: {}", ec.message()), kExitFailure);
        on_sent_();
      }
    } catch (...) {
      failure_ = std::current_exception();
    }
    finished_ = true;
  }

  Source& source_;
  sprocket::Socket& socket_;
  const Millis send_timeout_;
  std::function<void()> on_sent_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> finished_{false};
  std::exception_ptr failure_;  // written before finished_ is set
  std::thread thread_;
};

class Runner {
 public:
  Runner(const Options& o, sprocket::Socket& socket)
      : o_(o), socket_(socket), printer_(o.format, stdout), source_(o) {}

  /// When the last message was sent, if any was.
  TimePoint last_send() const {
    auto t = last_send_.load();
    return t == Clock::duration::zero() ? TimePoint{} : TimePoint{Clock::time_point(t)};
  }

  void run() {
    switch (o_.type) {
      case SocketType::push:
      case SocketType::pub:
        return send_loop();
      case SocketType::req:
        return request_loop();
      case SocketType::surveyor:
        return survey_loop();
      case SocketType::rep:
      case SocketType::respondent:
        return source_.empty() ? recv_loop() : reply_loop();
      case SocketType::bus:
      case SocketType::pair:
      case SocketType::pair1:
        if (source_.empty()) return recv_loop();
        return source_.from_stdin() ? chat_stdin_loop() : chat_loop();
      default:
        return recv_loop();
    }
  }

 private:
  // PUB, PUSH: send, and repeat with --interval, --count or --stdin.
  void send_loop() {
    for (std::uint64_t sent = 0;;) {
      const auto start = Clock::now();
      auto m = source_.next();
      if (!m) return;
      if (!send(std::move(*m), o_.send_timeout)) send_timed_out();
      if (o_.count && ++sent >= o_.count) return;
      if (!source_.from_stdin() && o_.interval.count() < 0 && o_.count == 0) return;
      if (o_.interval.count() >= 0) std::this_thread::sleep_until(start + o_.interval);
    }
  }

  // Receivers: print every message until --count, or until --recv-timeout
  // passes without one.
  void recv_loop() {
    while (!done()) {
      auto m = recv(o_.recv_timeout);
      if (!m) {
        if (stream_ended()) return;
        timed_out(fmt::format("no message received within {} s (--recv-timeout)",
                              seconds(o_.recv_timeout)));
      }
      got(*m);
    }
  }

  // REP, RESPONDENT: print each request and answer it.
  void reply_loop() {
    for (;;) {
      auto request = recv(o_.recv_timeout);
      if (!request) {
        if (stream_ended()) return;
        timed_out(fmt::format("no request received within {} s (--recv-timeout)",
                              seconds(o_.recv_timeout)));
      }
      got(*request);
      auto reply = source_.next();
      if (!reply) return;
      if (!send(std::move(*reply), o_.send_timeout)) send_timed_out();
      if (done()) return;
    }
  }

  // REQ: one request, one reply; rounds repeat with --interval, --count or
  // --stdin. --recv-timeout bounds the whole exchange, including waiting
  // for a peer to take the request.
  void request_loop() {
    for (;;) {
      const auto start = Clock::now();
      auto m = source_.next();
      if (!m) return;
      const TimePoint tick = after(start, o_.interval);
      const TimePoint deadline = after(start, o_.recv_timeout);
      const TimePoint send_limit =
          o_.send_timeout.count() >= 0 ? after(start, o_.send_timeout) : deadline;
      if (send(std::move(*m), until(earliest(send_limit, tick)))) {
        auto reply = recv(until(earliest(deadline, tick)));
        if (reply) got(*reply);
        if (reply && done()) return;
        if (!reply && !tick) no_reply();
      } else if (!tick) {
        if (o_.send_timeout.count() >= 0) send_timed_out();
        no_reply(": no peer took the request");
      }
      if (tick) {
        std::this_thread::sleep_until(*tick);
      } else if (!source_.from_stdin() && o_.count == 0) {
        return;
      }
    }
  }

  // SURVEYOR: send the survey and print responses until its deadline (or
  // --recv-timeout passes without one); repeat with --interval or --stdin.
  void survey_loop() {
    for (;;) {
      const auto start = Clock::now();
      auto m = source_.next();
      if (!m) return;
      const TimePoint tick = after(start, o_.interval);
      if (send(std::move(*m), until(earliest(after(start, o_.send_timeout), tick)))) {
        while (auto response = recv(until(earliest(after(Clock::now(), o_.recv_timeout), tick)))) {
          got(*response);
          if (done()) return;
        }
      } else if (!tick) {
        send_timed_out();
      }
      if (tick) {
        std::this_thread::sleep_until(*tick);
      } else if (!source_.from_stdin()) {
        return;
      }
    }
  }

  // BUS, PAIR with --data or --file: send (every --interval) and print what
  // arrives meanwhile. Without --send-timeout, --recv-timeout also bounds
  // the wait for a peer to take the message (PAIR waits for one).
  void chat_loop() {
    TimePoint tick;
    for (bool first = true;; first = false) {
      if (first || (tick && Clock::now() >= *tick)) {
        const auto start = Clock::now();
        tick = after(start, o_.interval);
        const Millis limit = o_.send_timeout.count() >= 0 ? o_.send_timeout : o_.recv_timeout;
        if (!send(*source_.next(), until(earliest(after(start, limit), tick))) && !tick) {
          if (o_.send_timeout.count() >= 0) send_timed_out();
          timed_out(fmt::format("no peer took the message within {} s (--recv-timeout)",
                                seconds(o_.recv_timeout)));
        }
      }
      auto m = recv(until(earliest(after(Clock::now(), o_.recv_timeout), tick)));
      if (m) {
        got(*m);
        if (done()) return;
      } else if (!tick) {
        if (stream_ended() || chat_sent()) return;
        timed_out(fmt::format("no message received within {} s (--recv-timeout)",
                              seconds(o_.recv_timeout)));
      }
    }
  }

  void chat_stdin_loop();

  // Sends, waiting up to `timeout` (negative: forever). False on timeout.
  bool send(sprocket::Message&& m, Millis timeout) {
    std::error_code ec;
    socket_.set_send_timeout(timeout);
    socket_.send(std::move(m), ec);
    if (ec == sprocket::errc::timed_out) return false;
    if (ec) throw Error(fmt::format("cannot send: {}", ec.message()), kExitFailure);
    sent();
    return true;
  }

  void sent() { last_send_ = Clock::now().time_since_epoch(); }

  // Receives, waiting up to `timeout` (negative: forever). Nullopt on
  // timeout, and when no survey is running any more (SURVEYOR).
  std::optional<sprocket::Message> recv(Millis timeout) {
    std::error_code ec;
    socket_.set_recv_timeout(timeout);
    sprocket::Message m = socket_.recv(ec);
    if (!ec) return m;
    if (ec == sprocket::errc::timed_out || ec == sprocket::errc::bad_state) return std::nullopt;
    throw Error(fmt::format("cannot receive: {}", ec.message()), kExitFailure);
  }

  void got(const sprocket::Message& m) {
    printer_.print(m);
    ++received_;
  }

  bool done() const { return o_.count != 0 && received_ >= o_.count; }

  // --recv-timeout passing in silence after messages arrived, with no
  // --count to reach, is how a nanomsg nanocat script ends a feed it
  // collects: success, as nanocat has it. Silence from the start (nothing
  // arrived at all), or fewer than --count messages, is a timeout.
  bool stream_ended() const { return received_ > 0 && o_.count == 0; }
  // BUS and PAIR with data are senders first ("send DATA and quit", says
  // nanocat's help): once a peer took the message, silence afterwards ends
  // the run without an error, unless --count asked for replies.
  bool chat_sent() const { return last_send().has_value() && o_.count == 0; }

  [[noreturn]] void send_timed_out() const {
    timed_out(fmt::format("could not send within {} s (--send-timeout)", seconds(o_.send_timeout)));
  }

  [[noreturn]] void no_reply(std::string_view why = {}) const {
    timed_out(fmt::format("no reply received within {} s (--recv-timeout){}",
                          seconds(o_.recv_timeout), why));
  }

  const Options& o_;
  sprocket::Socket& socket_;
  Printer printer_;
  Source source_;
  std::uint64_t received_ = 0;
  std::atomic<Clock::duration> last_send_{Clock::duration::zero()};  // set by the sender thread too
};

// BUS, PAIR with --stdin: a thread sends the lines as they come while this
// one prints what arrives, until standard input ends (or --count, or
// --recv-timeout without a message: see stream_ended()).
void Runner::chat_stdin_loop() {
  LineSender sender(source_, socket_, o_.send_timeout, [this] { sent(); });
  constexpr Millis kSlice{100};  // how often to look whether the input has ended
  auto last = Clock::now();
  while (!sender.finished() && !done()) {
    const TimePoint deadline = after(last, o_.recv_timeout);
    if (deadline && Clock::now() >= *deadline) {
      if (stream_ended() || chat_sent()) break;
      timed_out(fmt::format("no message received within {} s (--recv-timeout)",
                            seconds(o_.recv_timeout)));
    }
    auto m = recv(std::min(kSlice, until(earliest(deadline, Clock::now() + kSlice))));
    if (!m) continue;
    got(*m);
    last = Clock::now();
  }
  sender.rethrow_failure();
}

}  // namespace

int run(const Options& options) {
  Session session(options);
  if (options.delay.count() > 0) std::this_thread::sleep_for(options.delay);
  Runner runner(options, session.socket());
  runner.run();
  // nanomsg drops a message still in flight when its connection closes:
  // give the last one time to arrive before closing (nngcat waits 200 ms).
  if (auto t = runner.last_send();
      t && options.type != SocketType::req && options.type != SocketType::surveyor) {
    std::this_thread::sleep_until(*t + options.sleep);
  }
  session.close_and_drain();
  return kExitOk;
}

}  // namespace nanocat
