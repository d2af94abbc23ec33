// NNG (libnng) as a peer: a Link over inproc for bench_baselines (push0/pull0
// one-way, pair0 and req0/rep0 round trips), and an Endpoint over tcp, ipc
// and ws for bench_stream (the same sockets, and pub0/sub0 for fanout). Every socket gets sprocket's queue
// depth as NNG_OPT_SENDBUF/RECVBUF (where the protocol has them) and no limit
// on received messages (NNG_OPT_RECVMAXSZ 0); tcp is TCP_NODELAY by default.
// fanout's pub0 and sub0 take Setup::queue_depth instead, capped at NNG's
// maximum of 8192 (0: NNG's defaults). tls+tcp: the listener serves the
// bench certificate, the dialer does not verify it (NNG_TLS_AUTH_MODE_NONE).
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>

#include <nng/nng.h>
#include <nng/protocol/pair0/pair.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>

#include "driver.hpp"
#include "stream_driver.hpp"
#include "tls_credentials.hpp"

namespace {

void check(int rv, const char* what) {
  if (rv != 0) throw std::runtime_error(std::string(what) + ": " + nng_strerror(rv));
}

/// nng_msg* with move semantics.
class NngMsg {
 public:
  explicit NngMsg(nng_msg* m = nullptr) noexcept : msg_(m) {}
  NngMsg(NngMsg&& o) noexcept : msg_(std::exchange(o.msg_, nullptr)) {}
  NngMsg& operator=(NngMsg&& o) noexcept {
    if (this != &o) {
      if (msg_) nng_msg_free(msg_);
      msg_ = std::exchange(o.msg_, nullptr);
    }
    return *this;
  }
  ~NngMsg() {
    if (msg_) nng_msg_free(msg_);
  }
  nng_msg* get() const noexcept { return msg_; }
  nng_msg* release() noexcept { return std::exchange(msg_, nullptr); }

 private:
  nng_msg* msg_;
};

enum class Kind { push, pull, pair, req, rep, pub, sub };

/// The largest NNG_OPT_SENDBUF / NNG_OPT_RECVBUF NNG accepts.
constexpr std::size_t kMaxBuffer = 8192;

/// An open socket of `kind`, configured as described above, with buffers
/// of `depth` messages (0: NNG's defaults).
nng_socket open_socket(Kind kind, int depth = bench::kQueueDepth) {
  nng_socket s = NNG_SOCKET_INITIALIZER;
  switch (kind) {
    case Kind::push: check(nng_push0_open(&s), "nng_push0_open"); break;
    case Kind::pull: check(nng_pull0_open(&s), "nng_pull0_open"); break;
    case Kind::pair: check(nng_pair0_open(&s), "nng_pair0_open"); break;
    case Kind::req: check(nng_req0_open(&s), "nng_req0_open"); break;
    case Kind::rep: check(nng_rep0_open(&s), "nng_rep0_open"); break;
    case Kind::pub: check(nng_pub0_open(&s), "nng_pub0_open"); break;
    case Kind::sub:
      check(nng_sub0_open(&s), "nng_sub0_open");
      check(nng_socket_set(s, NNG_OPT_SUB_SUBSCRIBE, "", 0), "NNG_OPT_SUB_SUBSCRIBE");  // everything
      break;
  }
  check(nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, 0), "NNG_OPT_RECVMAXSZ");
  if (depth > 0) {
    nng_socket_set_int(s, NNG_OPT_SENDBUF, depth);  // not every protocol has them
    nng_socket_set_int(s, NNG_OPT_RECVBUF, depth);
  }
  return s;
}

NngMsg make_msg(std::size_t n) {
  nng_msg* m = nullptr;
  check(nng_msg_alloc(&m, n), "nng_msg_alloc");
  return NngMsg(m);
}

void send_msg(nng_socket s, NngMsg& m) {
  check(nng_sendmsg(s, m.get(), 0), "nng_sendmsg");
  m.release();  // NNG owns it now
}

NngMsg recv_msg(nng_socket s) {
  nng_msg* m = nullptr;
  check(nng_recvmsg(s, &m, 0), "nng_recvmsg");
  return NngMsg(m);
}

class NngLink {
 public:
  using Msg = NngMsg;
  static constexpr const char* name = "nng";
  static constexpr bool supports(bench::Pattern) { return true; }

  explicit NngLink(bench::Pattern pattern) {
    static const Kind kinds[][2] = {{Kind::push, Kind::pull}, {Kind::pair, Kind::pair}, {Kind::req, Kind::rep}};
    static std::atomic<int> links{0};
    const std::string url = "inproc://bench-nng-" + std::to_string(links++);
    for (int side : {0, 1}) sockets_[side] = open_socket(kinds[static_cast<int>(pattern)][side]);
    check(nng_listen(sockets_[1], url.c_str(), nullptr, 0), "nng_listen");
    check(nng_dial(sockets_[0], url.c_str(), nullptr, 0), "nng_dial");
  }
  ~NngLink() {
    for (auto s : sockets_) nng_close(s);
  }
  NngLink(const NngLink&) = delete;
  NngLink& operator=(const NngLink&) = delete;

  Msg make(std::size_t n) { return make_msg(n); }
  void send(int side, Msg&& m) { send_msg(sockets_[side], m); }
  Msg recv(int side) { return recv_msg(sockets_[side]); }
  static std::size_t size(const Msg& m) { return nng_msg_len(m.get()); }

 private:
  nng_socket sockets_[2] = {NNG_SOCKET_INITIALIZER, NNG_SOCKET_INITIALIZER};
};

using bench::stream::Pattern;
using bench::stream::Setup;
using bench::stream::Side;
using bench::stream::Transport;

class NngEndpoint {
 public:
  using Msg = NngMsg;
  static bool supports(Pattern, Transport) { return true; }

  explicit NngEndpoint(const Setup& s) {
    const bool listener = s.side == Side::listener;
    switch (s.pattern) {
      case Pattern::push_pull: socket_ = open_socket(listener ? Kind::pull : Kind::push); break;
      case Pattern::pair: socket_ = open_socket(Kind::pair); break;
      case Pattern::req_rep: socket_ = open_socket(listener ? Kind::rep : Kind::req); break;
      case Pattern::pub_sub:
        socket_ = open_socket(listener ? Kind::pub : Kind::sub,
                              static_cast<int>(std::min<std::size_t>(s.queue_depth, kMaxBuffer)));
        break;
      case Pattern::many: socket_ = open_socket(listener ? Kind::pull : Kind::push); break;
    }
    if (s.transport == Transport::tls) {
      start_tls(s);
    } else if (listener) {
      check(nng_listen(socket_, s.url.c_str(), nullptr, 0), "nng_listen");
    } else {
      // Connected on return, except for connect's thousand dials, made in
      // the background at once (the first send waits for the connection).
      const int flags = s.pattern == Pattern::many ? NNG_FLAG_NONBLOCK : 0;
      check(nng_dial(socket_, s.url.c_str(), nullptr, flags), "nng_dial");
    }
  }
  ~NngEndpoint() {
    nng_close(socket_);
    if (tls_) nng_tls_config_free(tls_);
  }
  NngEndpoint(const NngEndpoint&) = delete;
  NngEndpoint& operator=(const NngEndpoint&) = delete;

  Msg make(std::size_t n) { return make_msg(n); }
  void send(Msg&& m) { send_msg(socket_, m); }
  Msg recv() { return recv_msg(socket_); }
  static std::byte* data(Msg& m) { return static_cast<std::byte*>(nng_msg_body(m.get())); }
  static std::size_t size(const Msg& m) { return nng_msg_len(m.get()); }

 private:
  /// tls+tcp: the endpoint made with a TLS configuration, then started
  /// (a dialer connected on return).
  void start_tls(const Setup& s) {
    const bool listener = s.side == Side::listener;
    check(nng_tls_config_alloc(&tls_, listener ? NNG_TLS_MODE_SERVER : NNG_TLS_MODE_CLIENT), "nng_tls_config_alloc");
    if (listener) {
      check(nng_tls_config_cert_key_file(tls_, bench::stream::tls_pem_file().c_str(), nullptr),
            "nng_tls_config_cert_key_file");
      nng_listener l = NNG_LISTENER_INITIALIZER;
      check(nng_listener_create(&l, socket_, s.url.c_str()), "nng_listener_create");
      check(nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, tls_), "NNG_OPT_TLS_CONFIG");
      check(nng_listener_start(l, 0), "nng_listener_start");
    } else {
      check(nng_tls_config_auth_mode(tls_, NNG_TLS_AUTH_MODE_NONE), "nng_tls_config_auth_mode");
      nng_dialer d = NNG_DIALER_INITIALIZER;
      check(nng_dialer_create(&d, socket_, s.url.c_str()), "nng_dialer_create");
      check(nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, tls_), "NNG_OPT_TLS_CONFIG");
      check(nng_dialer_start(d, 0), "nng_dialer_start");
    }
  }

  nng_socket socket_ = NNG_SOCKET_INITIALIZER;
  nng_tls_config* tls_ = nullptr;
};

}  // namespace

void register_nng_benchmarks() { bench::register_link<NngLink>(); }

std::vector<bench::stream::Library> nng_stream_libraries() {
  return {bench::stream::make_library<NngEndpoint>("nng")};
}
