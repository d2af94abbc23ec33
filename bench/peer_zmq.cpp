// ZeroMQ (libzmq) as a peer: a Link over inproc for bench_baselines
// (PUSH/PULL one-way, PAIR and REQ/REP round trips), and an Endpoint over tcp
// and ipc for bench_stream (the same sockets, and PUB/SUB for fanout). Every socket gets sprocket's
// queue depth as its high-water marks and no linger; message size is
// unlimited by default (ZMQ_MAXMSGSIZE -1); tcp always sets TCP_NODELAY.
// fanout's PUB and SUB take Setup::queue_depth as their high-water marks
// instead (0: ZeroMQ's default, 1000). That matters more for ZeroMQ than
// for the others: a publisher sending in a tight loop learns that a
// subscriber's pipe has room again only when it processes its commands,
// which zmq_send does at most about once a millisecond, so each subscriber
// gets at most about one high-water mark of messages per millisecond.
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <string>
#include <system_error>

#include <zmq.h>

#include "driver.hpp"
#include "stream_driver.hpp"

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

/// A context and its sockets, closed in the right order.
class ZmqContext {
 public:
  ZmqContext() : ctx_(zmq_ctx_new()) {
    if (ctx_ == nullptr) fail("zmq_ctx_new");
  }
  ~ZmqContext() {
    for (void* s : sockets_) zmq_close(s);
    zmq_ctx_term(ctx_);
  }
  ZmqContext(const ZmqContext&) = delete;
  ZmqContext& operator=(const ZmqContext&) = delete;

  void* open(int type) {
    void* s = open_socket(ctx_, type);
    sockets_[count_++] = s;
    return s;
  }

  /// A socket of `type` in `ctx`, configured as described above, with
  /// high-water marks `hwm` (0: ZeroMQ's default).
  static void* open_socket(void* ctx, int type, int hwm = bench::kQueueDepth) {
    void* s = zmq_socket(ctx, type);
    if (s == nullptr) fail("zmq_socket");
    const int linger = 0;
    if (hwm > 0 && (zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm) != 0 ||
                    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm) != 0)) {
      fail("ZMQ_SNDHWM/ZMQ_RCVHWM");
    }
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    return s;
  }

 private:
  void* ctx_;
  void* sockets_[2] = {nullptr, nullptr};
  int count_ = 0;
};

void send_msg(void* socket, ZmqMsg& m) {
  while (zmq_msg_send(m.get(), socket, 0) < 0) {
    if (zmq_errno() != EINTR) fail("zmq_msg_send");
  }
}

ZmqMsg recv_msg(void* socket) {
  ZmqMsg m;
  while (zmq_msg_recv(m.get(), socket, 0) < 0) {
    if (zmq_errno() != EINTR) fail("zmq_msg_recv");
  }
  return m;
}

class ZmqLink {
 public:
  using Msg = ZmqMsg;
  static constexpr const char* name = "zeromq";
  static constexpr bool supports(bench::Pattern) { return true; }

  explicit ZmqLink(bench::Pattern pattern) {
    static const int types[][2] = {{ZMQ_PUSH, ZMQ_PULL}, {ZMQ_PAIR, ZMQ_PAIR}, {ZMQ_REQ, ZMQ_REP}};
    const auto& t = types[static_cast<int>(pattern)];
    sockets_[0] = ctx_.open(t[0]);
    sockets_[1] = ctx_.open(t[1]);
    if (zmq_bind(sockets_[1], "inproc://bench") != 0) fail("zmq_bind");
    if (zmq_connect(sockets_[0], "inproc://bench") != 0) fail("zmq_connect");
  }

  Msg make(std::size_t n) { return Msg(n); }
  void send(int side, Msg&& m) { send_msg(sockets_[side], m); }
  Msg recv(int side) { return recv_msg(sockets_[side]); }
  static std::size_t size(const Msg& m) { return m.size(); }

 private:
  ZmqContext ctx_;
  void* sockets_[2] = {nullptr, nullptr};
};

using bench::stream::Pattern;
using bench::stream::Setup;
using bench::stream::Side;
using bench::stream::Transport;

/// The process's one context, shared by its endpoints (connect makes 500:
/// a context each would be an I/O thread each), allowed that many sockets.
void* process_context() {
  static void* ctx = [] {
    void* c = zmq_ctx_new();
    if (c == nullptr) fail("zmq_ctx_new");
    zmq_ctx_set(c, ZMQ_MAX_SOCKETS, 4 * bench::stream::kConnections);
    return c;
  }();
  return ctx;  // never terminated: the process ends after its endpoints
}

class ZmqEndpoint {
 public:
  using Msg = ZmqMsg;
  static bool supports(Pattern, Transport t) {
    return t != Transport::ws && t != Transport::tls;  // ZeroMQ's ws is not SP; it has no TLS
  }

  explicit ZmqEndpoint(const Setup& s) {
    const bool listener = s.side == Side::listener;
    int type = ZMQ_PAIR;
    if (s.pattern == Pattern::push_pull || s.pattern == Pattern::many) type = listener ? ZMQ_PULL : ZMQ_PUSH;
    if (s.pattern == Pattern::req_rep) type = listener ? ZMQ_REP : ZMQ_REQ;
    if (s.pattern == Pattern::pub_sub) type = listener ? ZMQ_PUB : ZMQ_SUB;
    const int hwm = s.pattern == Pattern::pub_sub ? static_cast<int>(s.queue_depth) : bench::kQueueDepth;
    socket_ = ZmqContext::open_socket(process_context(), type, hwm);
    if (type == ZMQ_SUB && zmq_setsockopt(socket_, ZMQ_SUBSCRIBE, "", 0) != 0) fail("ZMQ_SUBSCRIBE");
    if (listener ? zmq_bind(socket_, s.url.c_str()) : zmq_connect(socket_, s.url.c_str())) {
      fail(listener ? "zmq_bind" : "zmq_connect");
    }
  }
  ~ZmqEndpoint() { zmq_close(socket_); }
  ZmqEndpoint(const ZmqEndpoint&) = delete;
  ZmqEndpoint& operator=(const ZmqEndpoint&) = delete;

  Msg make(std::size_t n) { return Msg(n); }
  void send(Msg&& m) { send_msg(socket_, m); }
  Msg recv() { return recv_msg(socket_); }
  static std::byte* data(Msg& m) { return static_cast<std::byte*>(zmq_msg_data(m.get())); }
  static std::size_t size(const Msg& m) { return m.size(); }

 private:
  void* socket_ = nullptr;
};

}  // namespace

void register_zmq_benchmarks() { bench::register_link<ZmqLink>(); }

std::vector<bench::stream::Library> zmq_stream_libraries() {
  return {bench::stream::make_library<ZmqEndpoint>("zeromq")};
}
