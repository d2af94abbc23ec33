// nn_send, nn_recv, nn_sendmsg, nn_recvmsg and the control-data walker.
#include <cstring>
#include <limits>
#include <span>

#include "nanomsg/nn.h"
#include "nanomsg/ws.h"
#include "src/compat/nanomsg/errors.hpp"
#include "src/compat/nanomsg/message_buffers.hpp"
#include "src/compat/nanomsg/socket_table.hpp"

namespace {

using sprocket::Message;
using sprocket::WsFrameType;
using sprocket::nanomsg::fail;
using sprocket::nanomsg::MessageBuffers;
using sprocket::nanomsg::NnSocket;
using sprocket::nanomsg::SocketTable;

constexpr std::size_t kCmsgHeader = NN_CMSG_ALIGN_(sizeof(nn_cmsghdr));

// Sends a message the program allocated with nn_allocmsg (or received with
// NN_MSG), without copying it; on failure the program still owns it.
int send_buffer(NnSocket& s, void* buffer, int flags) {
  if (!buffer) return fail(EFAULT);
  auto m = MessageBuffers::instance().checkout(buffer);
  if (!m) return fail(EFAULT);
  // A received buffer sent on: nanomsg's buffers carry no frame type, the
  // socket's NN_WS_MSG_TYPE decides (as for a copied body).
  m->set_ws_frame_type(WsFrameType::unspecified);
  int rc = s.send(*m, flags);
  if (rc < 0) MessageBuffers::instance().checkin(std::move(m));
  return rc;
}

// The control buffer of `h` as bytes (msg_controllen NN_MSG: msg_control
// points to a buffer pointer).
std::span<unsigned char> control_bytes(const nn_msghdr& h) {
  if (!h.msg_control) return {};
  if (h.msg_controllen != NN_MSG)
    return {static_cast<unsigned char*>(h.msg_control), h.msg_controllen};
  auto* p = *static_cast<unsigned char**>(h.msg_control);
  std::size_t size = 0;
  if (!p || !MessageBuffers::instance().size_of(p, size)) return {};
  return {p, size};
}

// The SP header the program put in the control data (PROTO_SP / SP_HDR:
// a size_t length, then the header bytes); false if malformed.
bool find_sp_header(const nn_msghdr& h, std::span<const std::byte>& header) {
  for (nn_cmsghdr* c = nn_cmsg_nxthdr_(&h, nullptr); c; c = nn_cmsg_nxthdr_(&h, c)) {
    if (c->cmsg_level != PROTO_SP || c->cmsg_type != SP_HDR) continue;
    std::size_t data_len = c->cmsg_len - kCmsgHeader;
    std::size_t n = 0;
    if (c->cmsg_len < kCmsgHeader || data_len < sizeof n) return false;
    std::memcpy(&n, NN_CMSG_DATA(c), sizeof n);
    if (n > data_len - sizeof n) return false;
    header = {reinterpret_cast<const std::byte*>(NN_CMSG_DATA(c)) + sizeof n, n};
    return true;
  }
  return true;
}

// The frame type the program put in the control data (NN_WS /
// NN_WS_MSG_TYPE: one byte, NN_WS_MSG_TYPE_TEXT or _BINARY); unspecified
// when there is none, false if malformed.
bool find_ws_frame_type(const nn_msghdr& h, WsFrameType& type) {
  type = WsFrameType::unspecified;
  for (nn_cmsghdr* c = nn_cmsg_nxthdr_(&h, nullptr); c; c = nn_cmsg_nxthdr_(&h, c)) {
    if (c->cmsg_level != NN_WS || c->cmsg_type != NN_WS_MSG_TYPE) continue;
    if (c->cmsg_len < NN_CMSG_LEN(1)) return false;
    const unsigned char value = *NN_CMSG_DATA(c);
    if (value == NN_WS_MSG_TYPE_TEXT) type = WsFrameType::text;
    else if (value == NN_WS_MSG_TYPE_BINARY) type = WsFrameType::binary;
    else return false;
    return true;
  }
  return true;
}

// The control data of a received message, as nanomsg lays it out: the
// SP_HDR entry, then, for a message that came over ws, the NN_WS /
// NN_WS_MSG_TYPE entry (one byte, the frame's opcode; its cmsg_len, as
// nanomsg writes it, is the entry's whole NN_CMSG_SPACE).
struct ControlData {
  std::span<const std::byte> header;
  WsFrameType ws_type;

  std::size_t sp_space() const { return NN_CMSG_SPACE(sizeof(std::size_t) + header.size()); }
  std::size_t ws_space() const {
    return ws_type == WsFrameType::unspecified ? 0 : NN_CMSG_SPACE(1);
  }

  void write_sp(unsigned char* out) const {
    std::size_t data_len = sizeof(std::size_t) + header.size();
    std::memset(out, 0, sp_space());
    nn_cmsghdr c{NN_CMSG_LEN(data_len), PROTO_SP, SP_HDR};
    std::memcpy(out, &c, sizeof c);
    std::size_t n = header.size();
    std::memcpy(out + kCmsgHeader, &n, sizeof n);
    if (n) std::memcpy(out + kCmsgHeader + sizeof n, header.data(), n);
  }

  void write_ws(unsigned char* out) const {
    std::memset(out, 0, ws_space());
    nn_cmsghdr c{NN_CMSG_SPACE(1), NN_WS, NN_WS_MSG_TYPE};
    std::memcpy(out, &c, sizeof c);
    out[kCmsgHeader] = static_cast<unsigned char>(ws_type);  // the opcode: 1 text, 2 binary
  }
};

// Writes the control data into the program's control buffer (each entry
// only if it fits, in order, as nanomsg does), or into a new NN_MSG buffer.
bool write_control(const nn_msghdr& h, const ControlData& control) {
  const std::size_t need = control.sp_space() + control.ws_space();
  unsigned char* out = nullptr;
  std::size_t room = need;
  if (h.msg_controllen == NN_MSG) {
    out = static_cast<unsigned char*>(MessageBuffers::instance().allocate(need));
    if (!out) return false;
    *static_cast<void**>(h.msg_control) = out;
  } else {
    out = static_cast<unsigned char*>(h.msg_control);
    room = h.msg_controllen;
  }
  if (room < control.sp_space()) return true;
  control.write_sp(out);
  if (room - control.sp_space() >= control.ws_space() && control.ws_space())
    control.write_ws(out + control.sp_space());
  return true;
}

// The early checks of nn_sendmsg/nn_recvmsg; 0 or the errno.
int check_iov(const nn_msghdr* h) {
  if (!h) return EINVAL;
  if (h->msg_iovlen < 0) return EMSGSIZE;
  if (h->msg_iovlen > 0 && !h->msg_iov) return EFAULT;
  for (int i = 0; i < h->msg_iovlen; ++i)
    if (h->msg_iov[i].iov_len == NN_MSG && h->msg_iovlen != 1) return EINVAL;
  return 0;
}

bool single_buffer(const nn_msghdr& h) {
  return h.msg_iovlen == 1 && h.msg_iov[0].iov_len == NN_MSG;
}

// Gathers the scatter array into one message; 0 or the errno.
int gather(const nn_msghdr& h, Message& m) {
  std::size_t total = 0;
  for (int i = 0; i < h.msg_iovlen; ++i) {
    const nn_iovec& v = h.msg_iov[i];
    if (v.iov_len && !v.iov_base) return EFAULT;
    if (v.iov_len > std::numeric_limits<std::size_t>::max() - total) return EINVAL;
    total += v.iov_len;
  }
  m = Message(total);
  std::size_t at = 0;
  for (int i = 0; i < h.msg_iovlen; ++i) {
    const nn_iovec& v = h.msg_iov[i];
    if (v.iov_len) std::memcpy(m.data() + at, v.iov_base, v.iov_len);
    at += v.iov_len;
  }
  return 0;
}

void scatter(const nn_msghdr& h, const Message& m) {
  std::size_t at = 0;
  for (int i = 0; i < h.msg_iovlen && at < m.size(); ++i) {
    const nn_iovec& v = h.msg_iov[i];
    std::size_t n = std::min(v.iov_len, m.size() - at);
    if (n && v.iov_base) std::memcpy(v.iov_base, m.data() + at, n);
    at += n;
  }
}

}  // namespace

extern "C" {

int nn_send(int s, const void* buf, size_t len, int flags) {
  auto sock = SocketTable::instance().find(s);
  if (!sock) return -1;
  if (len == NN_MSG) return buf ? send_buffer(*sock, *static_cast<void* const*>(buf), flags)
                                : fail(EFAULT);
  if (!buf && len) return fail(EFAULT);
  Message m(std::span(static_cast<const std::byte*>(buf), len));
  return sock->send(m, flags);
}

int nn_recv(int s, void* buf, size_t len, int flags) {
  auto sock = SocketTable::instance().find(s);
  if (!sock) return -1;
  if (!buf && len) return fail(EFAULT);
  Message m;
  int rc = sock->recv(m, flags);
  if (rc < 0) return rc;
  if (len == NN_MSG) {
    void* p = MessageBuffers::instance().adopt(std::move(m));
    if (!p) return fail(ENOMEM);
    *static_cast<void**>(buf) = p;
    return rc;
  }
  if (len && m.size()) std::memcpy(buf, m.data(), std::min(len, m.size()));
  return rc;
}

int nn_sendmsg(int s, const struct nn_msghdr* msghdr, int flags) {
  if (int err = check_iov(msghdr)) return fail(err);
  auto sock = SocketTable::instance().find(s);
  if (!sock) return -1;
  std::span<const std::byte> header;
  if (msghdr->msg_control && !find_sp_header(*msghdr, header)) return fail(EINVAL);
  WsFrameType ws_type = WsFrameType::unspecified;
  if (msghdr->msg_control && !find_ws_frame_type(*msghdr, ws_type)) return fail(EINVAL);
  std::unique_ptr<Message> owned;
  Message gathered;
  if (single_buffer(*msghdr)) {
    void* base = msghdr->msg_iov[0].iov_base;
    void* p = base ? *static_cast<void**>(base) : nullptr;
    owned = p ? MessageBuffers::instance().checkout(p) : nullptr;
    if (!owned) return fail(EFAULT);
  } else if (int err = gather(*msghdr, gathered)) {
    return fail(err);
  }
  Message& m = owned ? *owned : gathered;
  m.set_ws_frame_type(ws_type);  // unspecified: the socket's NN_WS_MSG_TYPE decides
  // Only raw sockets take the program's header; cooked ones write their own.
  if (sock->raw() && !header.empty() && !m.set_header(header)) {
    if (owned) MessageBuffers::instance().checkin(std::move(owned));
    return fail(EINVAL);
  }
  int rc = sock->send(m, flags);
  if (rc < 0) {
    if (owned) MessageBuffers::instance().checkin(std::move(owned));
    return rc;
  }
  if (msghdr->msg_control && msghdr->msg_controllen == NN_MSG)
    nn_freemsg(*static_cast<void**>(msghdr->msg_control));  // sent: the control buffer too
  return rc;
}

int nn_recvmsg(int s, struct nn_msghdr* msghdr, int flags) {
  if (int err = check_iov(msghdr)) return fail(err);
  auto sock = SocketTable::instance().find(s);
  if (!sock) return -1;
  bool one = single_buffer(*msghdr);
  if (one && !msghdr->msg_iov[0].iov_base) return fail(EFAULT);
  Message m;
  int rc = sock->recv(m, flags);
  if (rc < 0) return rc;
  if (msghdr->msg_control && !write_control(*msghdr, {m.header(), m.ws_frame_type()}))
    return fail(ENOMEM);
  if (one) {
    void* p = MessageBuffers::instance().adopt(std::move(m));
    if (!p) return fail(ENOMEM);
    *static_cast<void**>(msghdr->msg_iov[0].iov_base) = p;
  } else {
    scatter(*msghdr, m);
  }
  return rc;
}

struct nn_cmsghdr* nn_cmsg_nxthdr_(const struct nn_msghdr* mhdr, const struct nn_cmsghdr* cmsg) {
  if (!mhdr) return nullptr;
  auto bytes = control_bytes(*mhdr);
  if (bytes.empty()) return nullptr;
  std::size_t offset = 0;
  if (cmsg) {
    auto at = reinterpret_cast<const unsigned char*>(cmsg);
    if (at < bytes.data() || at >= bytes.data() + bytes.size()) return nullptr;
    if (cmsg->cmsg_len < sizeof(nn_cmsghdr) || cmsg->cmsg_len > bytes.size()) return nullptr;
    offset = static_cast<std::size_t>(at - bytes.data()) + NN_CMSG_ALIGN_(cmsg->cmsg_len);
  }
  if (offset + sizeof(nn_cmsghdr) > bytes.size()) return nullptr;
  auto* next = reinterpret_cast<nn_cmsghdr*>(bytes.data() + offset);
  // Past the first entry, a length that does not fit ends the walk (the
  // rest of the buffer is not control data).
  if (cmsg && (next->cmsg_len < sizeof(nn_cmsghdr) || next->cmsg_len > bytes.size() - offset))
    return nullptr;
  return next;
}

}  // extern "C"
