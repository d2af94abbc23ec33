#include "session.hpp"

#include <fmt/format.h>

#include <asio/error.hpp>
#include <cstdio>

#include "exit_codes.hpp"

namespace nanocat {
namespace {

void print_pipe_event(const sprocket::PipeEvent& e) {
  using Kind = sprocket::PipeEvent::Kind;
  std::string peer = e.peer_address.empty() ? std::string("peer") : e.peer_address;
  // A peer that closes its end is the normal way to go: no reason then.
  const bool say_why = e.reason && e.reason != asio::error::eof;
  std::string reason = say_why ? fmt::format(": {}", e.reason.message()) : std::string{};
  switch (e.kind) {
    case Kind::added:
      fmt::print(stderr, "nanocat: connected to {} ({})\n", peer, e.url);
      break;
    case Kind::removed:
      fmt::print(stderr, "nanocat: disconnected from {} ({}){}\n", peer, e.url, reason);
      break;
    case Kind::refused:
      fmt::print(stderr, "nanocat: connection failed ({}){}\n", e.url, reason);
      break;
  }
}

}  // namespace

sprocket::Protocol protocol_of(SocketType type) {
  switch (type) {
    case SocketType::push:
      return sprocket::push;
    case SocketType::pull:
      return sprocket::pull;
    case SocketType::pub:
      return sprocket::pub;
    case SocketType::sub:
      return sprocket::sub;
    case SocketType::req:
      return sprocket::req;
    case SocketType::rep:
      return sprocket::rep;
    case SocketType::surveyor:
      return sprocket::surveyor;
    case SocketType::respondent:
      return sprocket::respondent;
    case SocketType::bus:
      return sprocket::bus;
    case SocketType::pair1:
      return sprocket::pair1;
    case SocketType::pair:
    case SocketType::none:
      break;
  }
  return sprocket::pair;  // nanocat's PAIR is PAIR v0
}

// ------------------------------------------------------------------ IoThread

IoThread::IoThread() : work_(io_.get_executor()) {
  thread_ = std::thread([this] {
    io_.run();
    done_.set_value();
  });
}

IoThread::~IoThread() {
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

void IoThread::finish(Millis limit) {
  work_.reset();  // run() returns once no I/O is pending
  if (done_future_.wait_for(limit) != std::future_status::ready) io_.stop();
  if (thread_.joinable()) thread_.join();
}

// ------------------------------------------------------------------ Session

Session::Session(const Options& options)
    : socket_(protocol_of(options.type), {}, io_.executor()), verbose_(options.verbose) {
  try {
    configure(options);
    if (verbose_ > 0) socket_.on_pipe_event(print_pipe_event);
    open_endpoints(options);
  } catch (...) {
    abandon();  // the destructor will not run
    throw;
  }
}

void Session::configure(const Options& o) {
  socket_.set_send_timeout(o.send_timeout);
  socket_.set_recv_timeout(o.recv_timeout);
  if (o.recv_max_size) socket_.set_recv_max_size(*o.recv_max_size);
  if (o.survey_deadline) socket_.set_survey_deadline(*o.survey_deadline);
  if (o.type == SocketType::sub) {
    if (o.subscriptions.empty()) socket_.subscribe("");  // everything, as nanocat does
    for (const auto& prefix : o.subscriptions) socket_.subscribe(prefix);
  }
}

void Session::open_endpoints(const Options& o) {
  for (const Endpoint& e : o.endpoints) {
    sprocket::EndpointOptions eo;
    eo.send_priority = e.send_priority;
    eo.recv_priority = e.recv_priority;
    std::error_code ec;
    const bool bind = e.kind == Endpoint::Kind::bind;
    if (bind) {
      socket_.listen(e.url, eo, ec);
    } else {
      socket_.dial(e.url, eo, ec);
    }
    if (ec) {
      throw Error(
          fmt::format("cannot {} '{}': {}", bind ? "bind to" : "connect to", e.url, ec.message()),
          kExitFailure);
    }
    if (verbose_ > 0)
      fmt::print(stderr, "nanocat: {} {}\n", bind ? "listening on" : "connecting to", e.url);
  }
}

Session::~Session() {
  if (!drained_) abandon();
}

// A connection keeps itself alive until its I/O has wound down: stopping
// the io_context before that would leave it (and its buffers) behind.
void Session::abandon() {
  socket_.set_linger(std::chrono::nanoseconds(0));
  close_and_drain();
}

void Session::close_and_drain() {
  drained_ = true;
  socket_.on_pipe_event({});
  const auto linger = std::chrono::duration_cast<Millis>(socket_.linger());
  socket_.close();
  io_.finish(linger + Millis(100));
}

}  // namespace nanocat
