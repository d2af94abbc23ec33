// nanomsg (libnanomsg) as a peer in bench_stream, over tcp, ipc and ws:
// NN_PUSH/NN_PULL one-way, NN_PAIR and NN_REQ/NN_REP round trips, NN_PUB/
// NN_SUB fanout. Messages are
// nanomsg's own zero-copy chunks (nn_allocmsg, NN_MSG); no limit on received
// messages (NN_RCVMAXSIZE -1); TCP_NODELAY set (NN_TCP_NODELAY; nanomsg's
// default is off, unlike every other library here). Buffers are left at
// nanomsg's defaults (NN_SNDBUF/NN_RCVBUF 128 KiB): it counts bytes, not
// messages; fanout's PUB and SUB get Setup::queue_depth × the message size
// (0: the defaults).
#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>

#include <nanomsg/nn.h>
#include <nanomsg/pair.h>
#include <nanomsg/pipeline.h>
#include <nanomsg/pubsub.h>
#include <nanomsg/reqrep.h>
#include <nanomsg/tcp.h>

#include "stream_driver.hpp"

namespace {

using bench::stream::Pattern;
using bench::stream::Setup;
using bench::stream::Side;
using bench::stream::Transport;

[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string(what) + ": " + nn_strerror(nn_errno()));
}

/// A nanomsg message chunk with move semantics.
class NnMsg {
 public:
  NnMsg(void* p, std::size_t n) noexcept : data_(p), size_(n) {}
  NnMsg(NnMsg&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(o.size_) {}
  NnMsg& operator=(NnMsg&& o) noexcept {
    if (this != &o) {
      if (data_) nn_freemsg(data_);
      data_ = std::exchange(o.data_, nullptr);
      size_ = o.size_;
    }
    return *this;
  }
  ~NnMsg() {
    if (data_) nn_freemsg(data_);
  }
  void*& chunk() noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }

 private:
  void* data_;
  std::size_t size_;
};

class NanomsgEndpoint {
 public:
  using Msg = NnMsg;
  static bool supports(Pattern, Transport t) { return t != Transport::tls; }  // nanomsg has no TLS

  explicit NanomsgEndpoint(const Setup& s) {
    const bool listener = s.side == Side::listener;
    int protocol = NN_PAIR;
    if (s.pattern == Pattern::push_pull || s.pattern == Pattern::many) protocol = listener ? NN_PULL : NN_PUSH;
    if (s.pattern == Pattern::req_rep) protocol = listener ? NN_REP : NN_REQ;
    if (s.pattern == Pattern::pub_sub) protocol = listener ? NN_PUB : NN_SUB;
    socket_ = nn_socket(AF_SP, protocol);
    if (socket_ < 0) fail("nn_socket");
    const int unlimited = -1, one = 1;
    if (nn_setsockopt(socket_, NN_SOL_SOCKET, NN_RCVMAXSIZE, &unlimited, sizeof unlimited) != 0) {
      fail("NN_RCVMAXSIZE");
    }
    if (s.transport == Transport::tcp && nn_setsockopt(socket_, NN_TCP, NN_TCP_NODELAY, &one, sizeof one) != 0) {
      fail("NN_TCP_NODELAY");
    }
    if (s.pattern == Pattern::pub_sub && s.queue_depth > 0) {
      const int bytes = static_cast<int>(s.queue_depth * std::max<std::size_t>(s.size, 1));
      if (nn_setsockopt(socket_, NN_SOL_SOCKET, NN_SNDBUF, &bytes, sizeof bytes) != 0 ||
          nn_setsockopt(socket_, NN_SOL_SOCKET, NN_RCVBUF, &bytes, sizeof bytes) != 0) {
        fail("NN_SNDBUF/NN_RCVBUF");
      }
    }
    if (protocol == NN_SUB && nn_setsockopt(socket_, NN_SUB, NN_SUB_SUBSCRIBE, "", 0) != 0) {
      fail("NN_SUB_SUBSCRIBE");
    }
    // nanomsg refuses to bind a ws URL with a path (EINVAL) but serves every
    // path: it listens on ws://host:port and the dialer asks for /bench.
    std::string url = s.url;
    if (listener && s.transport == Transport::ws) url = url.substr(0, url.find('/', sizeof "ws://" - 1));
    // nn_connect() connects in the background; the first send waits for it.
    if ((listener ? nn_bind(socket_, url.c_str()) : nn_connect(socket_, url.c_str())) < 0) {
      fail(listener ? "nn_bind" : "nn_connect");
    }
  }
  ~NanomsgEndpoint() { nn_close(socket_); }
  NanomsgEndpoint(const NanomsgEndpoint&) = delete;
  NanomsgEndpoint& operator=(const NanomsgEndpoint&) = delete;

  Msg make(std::size_t n) {
    void* p = nn_allocmsg(n, 0);
    if (p == nullptr) fail("nn_allocmsg");
    return {p, n};
  }
  void send(Msg&& m) {
    while (nn_send(socket_, &m.chunk(), NN_MSG, 0) < 0) {
      if (nn_errno() != EINTR) fail("nn_send");
    }
    m.chunk() = nullptr;  // nanomsg owns it now
  }
  Msg recv() {
    void* p = nullptr;
    int n;
    while ((n = nn_recv(socket_, &p, NN_MSG, 0)) < 0) {
      if (nn_errno() != EINTR) fail("nn_recv");
    }
    return {p, static_cast<std::size_t>(n)};
  }
  static std::byte* data(Msg& m) { return static_cast<std::byte*>(m.chunk()); }
  static std::size_t size(const Msg& m) { return m.size(); }

 private:
  int socket_ = -1;
};

}  // namespace

std::vector<bench::stream::Library> nanomsg_stream_libraries() {
  return {bench::stream::make_library<NanomsgEndpoint>("nanomsg")};
}
