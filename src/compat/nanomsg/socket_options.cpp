// nn_setsockopt / nn_getsockopt on one socket, and the mapping of
// nanomsg's option values onto sprocket's settings.
#include <algorithm>
#include <cstring>

#include "nanomsg/ipc.h"
#include "nanomsg/nn.h"
#include "nanomsg/pubsub.h"
#include "nanomsg/reqrep.h"
#include "nanomsg/survey.h"
#include "nanomsg/tcp.h"
#include "nanomsg/ws.h"
#include "src/compat/nanomsg/errors.hpp"
#include "src/compat/nanomsg/nn_socket.hpp"

namespace sprocket::nanomsg {

std::size_t buffer_messages(int bytes) noexcept {
  if (bytes <= 0) return 1;
  return (static_cast<std::size_t>(bytes) + 1023) / 1024;
}

std::size_t recv_max_bytes(int nn_value) noexcept {
  if (nn_value < 0) return 0;  // unlimited
  // sprocket's 0 means unlimited; nanomsg's 0 admits only empty frames.
  return nn_value == 0 ? 1 : static_cast<std::size_t>(nn_value);
}

std::chrono::nanoseconds millis(int ms) noexcept {
  if (ms < 0) return std::chrono::nanoseconds(-1);
  return std::chrono::milliseconds(ms);
}

EndpointOptions endpoint_options(const SocketOptionValues& v) noexcept {
  EndpointOptions o;
  o.send_priority = v.sndprio;
  o.recv_priority = v.rcvprio;
  // A zero interval would redial in a tight loop; nanomsg's timers round
  // it up the same way.
  o.reconnect_min = std::chrono::milliseconds(std::max(v.reconnect_ivl, 1));
  // NN_RECONNECT_IVL_MAX 0 (or below the interval): no backoff.
  o.reconnect_max = v.reconnect_ivl_max > v.reconnect_ivl
                        ? std::chrono::milliseconds(v.reconnect_ivl_max)
                        : o.reconnect_min;
  // NN_WS_MSG_TYPE picks the frames this endpoint sends; like nanomsg it
  // takes text frames from peers whatever it sends.
  o.ws_send_text = v.ws_msg_type == 0x01;  // NN_WS_MSG_TYPE_TEXT
  o.ws_recv_text = true;
  return o;
}

namespace {

// Reads an int option value: EFAULT for no buffer, EINVAL for a size
// other than sizeof(int).
int read_int(const void* value, std::size_t size, int& out) {
  if (!value) return EFAULT;
  if (size != sizeof(int)) return EINVAL;
  std::memcpy(&out, value, sizeof out);
  return 0;
}

// Copies an option value out, truncating silently to the caller's buffer,
// and reports the value's full size.
int write_value(void* value, std::size_t* size, const void* data, std::size_t n) {
  if (!value || !size) return fail(EFAULT);
  std::memcpy(value, data, std::min(*size, n));
  *size = n;
  return 0;
}

int write_int(void* value, std::size_t* size, int v) {
  return write_value(value, size, &v, sizeof v);
}

bool in_range(int v, int lo, int hi) { return v >= lo && v <= hi; }

// The linger nanomsg calls infinite (negative) is a day here: sprocket
// reads a negative linger as none.
std::chrono::nanoseconds linger_of(int ms) {
  if (ms < 0) return std::chrono::hours(24);
  return std::chrono::milliseconds(ms);
}

}  // namespace

int NnSocket::set_option(int level, int option, const void* value, std::size_t size) {
  if (closed()) return fail_closed();
  std::lock_guard lock(mu_);
  int v = 0;
  auto int_value = [&](int lo, int hi, int& field) {
    if (int err = read_int(value, size, v)) return fail(err);
    if (!in_range(v, lo, hi)) return fail(EINVAL);
    field = v;
    return 0;
  };
  constexpr int kAny = 0x7fffffff;
  switch (level) {
    case NN_SOL_SOCKET:
      return set_socket_level(option, value, size);
    case NN_SUB: {
      if (traits_.nn_protocol != NN_SUB) return fail(ENOPROTOOPT);
      if (option != NN_SUB_SUBSCRIBE && option != NN_SUB_UNSUBSCRIBE) return fail(ENOPROTOOPT);
      if (!value && size) return fail(EFAULT);
      std::string_view topic(static_cast<const char*>(value), value ? size : 0);
      std::error_code ec;
      if (option == NN_SUB_SUBSCRIBE) {
        socket_.subscribe(topic, ec);
        return ec ? fail(ec, Action::option) : 0;
      }
      socket_.unsubscribe(topic, ec);  // an unknown topic is no error in nanomsg
      return 0;
    }
    case NN_REQ:
      if (traits_.nn_protocol != NN_REQ || raw_ || option != NN_REQ_RESEND_IVL)
        return fail(ENOPROTOOPT);
      if (int rc = int_value(-kAny - 1, kAny, options_.req_resend_ivl)) return rc;
      // Negative never resends; 0 is rounded up to 1 ms (not a busy loop).
      socket_.set_resend_interval(v < 0 ? std::chrono::nanoseconds(-1)
                                        : std::chrono::milliseconds(std::max(v, 1)));
      return 0;
    case NN_SURVEYOR:
      if (traits_.nn_protocol != NN_SURVEYOR || raw_ || option != NN_SURVEYOR_DEADLINE)
        return fail(ENOPROTOOPT);
      if (int rc = int_value(-kAny - 1, kAny, options_.surveyor_deadline)) return rc;
      socket_.set_survey_deadline(std::chrono::milliseconds(std::max(v, 0)));
      return 0;
    case NN_TCP:
      if (option != NN_TCP_NODELAY) return fail(ENOPROTOOPT);
      return int_value(0, 1, options_.tcp_nodelay);
    case NN_WS:
      if (option != NN_WS_MSG_TYPE) return fail(ENOPROTOOPT);
      if (int err = read_int(value, size, v)) return fail(err);
      if (v != NN_WS_MSG_TYPE_TEXT && v != NN_WS_MSG_TYPE_BINARY) return fail(EINVAL);
      options_.ws_msg_type = v;
      return 0;
    case NN_IPC:
      if (option == NN_IPC_SEC_ATTR) {
        // Windows security attributes: the option value *is* the structure,
        // remembered by address (as nanomsg does) and unused here.
        if (!value) return fail(EFAULT);
        options_.ipc_sec_attr = value;
        return 0;
      }
      if (option == NN_IPC_OUTBUFSZ) return int_value(-kAny - 1, kAny, options_.ipc_outbufsz);
      if (option == NN_IPC_INBUFSZ) return int_value(-kAny - 1, kAny, options_.ipc_inbufsz);
      return fail(ENOPROTOOPT);
    default:
      return fail(ENOPROTOOPT);
  }
}

int NnSocket::set_socket_level(int option, const void* value, std::size_t size) {
  switch (option) {
    case NN_SOCKET_NAME:
      if (!value && size) return fail(EFAULT);
      if (size > kMaxSocketName) return fail(EINVAL);
      options_.name.assign(static_cast<const char*>(value), value ? size : 0);
      return 0;
    case NN_LINGER:
    case NN_SNDBUF:
    case NN_RCVBUF:
    case NN_RCVMAXSIZE:
    case NN_SNDTIMEO:
    case NN_RCVTIMEO:
    case NN_RECONNECT_IVL:
    case NN_RECONNECT_IVL_MAX:
    case NN_SNDPRIO:
    case NN_RCVPRIO:
    case NN_IPV4ONLY:
    case NN_MAXTTL: {
      int v = 0;
      if (int err = read_int(value, size, v)) return fail(err);
      return apply_int_option(option, v);
    }
    default:  // includes the read-only NN_SNDFD, NN_RCVFD, NN_DOMAIN, NN_PROTOCOL
      return fail(ENOPROTOOPT);
  }
}

int NnSocket::apply_int_option(int option, int v) {
  switch (option) {
    case NN_LINGER:
      options_.linger = v;
      options_.linger_set = true;
      socket_.set_linger(linger_of(v));
      return 0;
    case NN_SNDBUF:
      if (v <= 0) return fail(EINVAL);
      options_.sndbuf = v;
      socket_.set_send_buffer(buffer_messages(v));
      return 0;
    case NN_RCVBUF:
      if (v <= 0) return fail(EINVAL);
      options_.rcvbuf = v;
      socket_.set_recv_buffer(buffer_messages(v));
      return 0;
    case NN_RCVMAXSIZE:
      if (v < -1) return fail(EINVAL);
      options_.rcvmaxsize = v;
      socket_.set_recv_max_size(recv_max_bytes(v));
      return 0;
    case NN_SNDTIMEO:
      options_.sndtimeo = v;
      // In send-slot mode sends wait here, never in sprocket.
      if (!send_slot_) socket_.set_send_timeout(millis(v));
      return 0;
    case NN_RCVTIMEO:
      options_.rcvtimeo = v;
      if (!lookahead_) socket_.set_recv_timeout(millis(v));
      return 0;
    case NN_RECONNECT_IVL:
      if (v < 0) return fail(EINVAL);
      options_.reconnect_ivl = v;
      return 0;
    case NN_RECONNECT_IVL_MAX:
      if (v < 0) return fail(EINVAL);
      options_.reconnect_ivl_max = v;
      return 0;
    case NN_SNDPRIO:
      if (!in_range(v, 1, 16)) return fail(EINVAL);
      options_.sndprio = v;
      return 0;
    case NN_RCVPRIO:
      if (!in_range(v, 1, 16)) return fail(EINVAL);
      options_.rcvprio = v;
      return 0;
    case NN_IPV4ONLY:
      if (!in_range(v, 0, 1)) return fail(EINVAL);
      options_.ipv4only = v;
      return 0;
    case NN_MAXTTL:
      if (!in_range(v, 1, 255)) return fail(EINVAL);
      options_.maxttl = v;
      // A sprocket message carries at most 15 hops (16 header words).
      socket_.set_max_ttl(std::min(v, 15));
      return 0;
  }
  return fail(ENOPROTOOPT);
}

int NnSocket::get_option(int level, int option, void* value, std::size_t* size) {
  if (closed()) return fail_closed();
  if (!value || !size) return fail(EFAULT);
  std::lock_guard lock(mu_);
  switch (level) {
    case NN_SOL_SOCKET:
      return get_socket_level(option, value, size);
    case NN_REQ:
      if (traits_.nn_protocol != NN_REQ || raw_ || option != NN_REQ_RESEND_IVL)
        return fail(ENOPROTOOPT);
      return write_int(value, size, options_.req_resend_ivl);
    case NN_SURVEYOR:
      if (traits_.nn_protocol != NN_SURVEYOR || raw_ || option != NN_SURVEYOR_DEADLINE)
        return fail(ENOPROTOOPT);
      return write_int(value, size, options_.surveyor_deadline);
    case NN_TCP:
      if (option != NN_TCP_NODELAY) return fail(ENOPROTOOPT);
      return write_int(value, size, options_.tcp_nodelay);
    case NN_WS:
      if (option != NN_WS_MSG_TYPE) return fail(ENOPROTOOPT);
      return write_int(value, size, options_.ws_msg_type);
    case NN_IPC:
      if (option == NN_IPC_SEC_ATTR)
        return write_value(value, size, &options_.ipc_sec_attr, sizeof options_.ipc_sec_attr);
      if (option == NN_IPC_OUTBUFSZ) return write_int(value, size, options_.ipc_outbufsz);
      if (option == NN_IPC_INBUFSZ) return write_int(value, size, options_.ipc_inbufsz);
      return fail(ENOPROTOOPT);
    default:  // NN_SUB's options are write-only
      return fail(ENOPROTOOPT);
  }
}

int NnSocket::get_socket_level(int option, void* value, std::size_t* size) {
  switch (option) {
    case NN_DOMAIN: return write_int(value, size, domain_);
    case NN_PROTOCOL: return write_int(value, size, traits_.nn_protocol);
    case NN_LINGER: return write_int(value, size, options_.linger);
    case NN_SNDBUF: return write_int(value, size, options_.sndbuf);
    case NN_RCVBUF: return write_int(value, size, options_.rcvbuf);
    case NN_RCVMAXSIZE: return write_int(value, size, options_.rcvmaxsize);
    case NN_SNDTIMEO: return write_int(value, size, options_.sndtimeo);
    case NN_RCVTIMEO: return write_int(value, size, options_.rcvtimeo);
    case NN_RECONNECT_IVL: return write_int(value, size, options_.reconnect_ivl);
    case NN_RECONNECT_IVL_MAX: return write_int(value, size, options_.reconnect_ivl_max);
    case NN_SNDPRIO: return write_int(value, size, options_.sndprio);
    case NN_RCVPRIO: return write_int(value, size, options_.rcvprio);
    case NN_IPV4ONLY: return write_int(value, size, options_.ipv4only);
    case NN_MAXTTL: return write_int(value, size, options_.maxttl);
    case NN_SOCKET_NAME: {
      // The name and, room permitting, its NUL; the size excludes the NUL.
      std::size_t n = options_.name.size();
      std::memcpy(value, options_.name.c_str(), std::min(*size, n + 1));
      *size = n;
      return 0;
    }
    case NN_RCVFD: {
      if (!traits_.receives) return fail(ENOPROTOOPT);
      int rc = 0, snd = -1;
      if (prepare_poll_locked(NN_POLLIN, rc, snd) < 0) return -1;
      return write_int(value, size, rc);
    }
    case NN_SNDFD: {
      if (!traits_.sends) return fail(ENOPROTOOPT);
      int rcv = -1, sc = 0;
      if (prepare_poll_locked(NN_POLLOUT, rcv, sc) < 0) return -1;
      return write_int(value, size, sc);
    }
    default:
      return fail(ENOPROTOOPT);
  }
}

}  // namespace sprocket::nanomsg
