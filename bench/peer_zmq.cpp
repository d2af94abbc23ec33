// ZeroMQ (libzmq) over inproc, as a peer in bench_baselines: PUSH/PULL for
// one-way throughput, PAIR for round-trip latency. Each link has its own
// context; both sockets get sprocket's queue depth as their high-water marks.
#include <cerrno>
#include <cstddef>
#include <system_error>

#include <zmq.h>

#include "driver.hpp"

namespace {

[[noreturn]] void fail(const char* what) {
  throw std::system_error(zmq_errno(), std::generic_category(), what);
}

/// zmq_msg_t with move semantics.
class ZmqMsg {
 public:
  ZmqMsg() noexcept { zmq_msg_init(&msg_); }
  explicit ZmqMsg(std::size_t size) {
    if (zmq_msg_init_size(&msg_, size) != 0) fail("zmq_msg_init_size");
  }
  ZmqMsg(ZmqMsg&& other) noexcept : ZmqMsg() { zmq_msg_move(&msg_, &other.msg_); }
  ZmqMsg& operator=(ZmqMsg&& other) noexcept {
    if (this != &other) zmq_msg_move(&msg_, &other.msg_);  // releases what msg_ held
    return *this;
  }
  ~ZmqMsg() { zmq_msg_close(&msg_); }

  zmq_msg_t* get() noexcept { return &msg_; }
  std::size_t size() const noexcept { return zmq_msg_size(const_cast<zmq_msg_t*>(&msg_)); }

 private:
  zmq_msg_t msg_;
};

class ZmqLink {
 public:
  using Msg = ZmqMsg;
  static constexpr const char* name = "zeromq";

  explicit ZmqLink(bench::Pattern pattern) : ctx_(zmq_ctx_new()) {
    if (ctx_ == nullptr) fail("zmq_ctx_new");
    const bool one_way = pattern == bench::Pattern::one_way;
    sockets_[0] = open(one_way ? ZMQ_PUSH : ZMQ_PAIR);
    sockets_[1] = open(one_way ? ZMQ_PULL : ZMQ_PAIR);
    if (zmq_bind(sockets_[1], "inproc://bench") != 0) fail("zmq_bind");
    if (zmq_connect(sockets_[0], "inproc://bench") != 0) fail("zmq_connect");
  }
  ~ZmqLink() {
    for (void* s : sockets_) zmq_close(s);
    zmq_ctx_term(ctx_);
  }
  ZmqLink(const ZmqLink&) = delete;
  ZmqLink& operator=(const ZmqLink&) = delete;

  Msg make(std::size_t n) { return Msg(n); }
  void send(int side, Msg&& m) {
    while (zmq_msg_send(m.get(), sockets_[side], 0) < 0) {
      if (zmq_errno() != EINTR) fail("zmq_msg_send");
    }
  }
  Msg recv(int side) {
    Msg m;
    while (zmq_msg_recv(m.get(), sockets_[side], 0) < 0) {
      if (zmq_errno() != EINTR) fail("zmq_msg_recv");
    }
    return m;
  }
  static std::size_t size(const Msg& m) { return m.size(); }

 private:
  void* open(int type) {
    void* s = zmq_socket(ctx_, type);
    if (s == nullptr) fail("zmq_socket");
    const int hwm = bench::kQueueDepth, linger = 0;
    zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    return s;
  }

  void* ctx_;
  void* sockets_[2] = {nullptr, nullptr};
};

}  // namespace

void register_zmq_benchmarks() { bench::register_link<ZmqLink>(); }
