/* Prints every constant of the nanomsg headers, and the layout of their
 * structures. Built twice, against these headers and against nanomsg's own
 * (libnanomsg-dev), by the ABI test, which compares the two outputs. */
#include <stddef.h>
#include <stdio.h>

#include <nanomsg/bus.h>
#include <nanomsg/inproc.h>
#include <nanomsg/ipc.h>
#include <nanomsg/nn.h>
#include <nanomsg/pair.h>
#include <nanomsg/pipeline.h>
#include <nanomsg/pubsub.h>
#include <nanomsg/reqrep.h>
#include <nanomsg/survey.h>
#include <nanomsg/tcp.h>
#include <nanomsg/ws.h>

#define C(name) printf("%s %lld\n", #name, (long long)(name));
#define LAYOUT(type, member) \
  printf("%s.%s %zu %zu\n", #type, #member, offsetof(type, member), sizeof(((type*)0)->member));

int main(void) {
  C(NN_PROTO_BUS) C(NN_BUS) C(NN_INPROC)
  C(NN_IPC) C(NN_IPC_SEC_ATTR) C(NN_IPC_OUTBUFSZ)
  C(NN_IPC_INBUFSZ) C(NN_VERSION_CURRENT) C(NN_VERSION_REVISION)
  C(NN_VERSION_AGE) C(NN_HAUSNUMERO) C(ENOTSUP)
  C(EPROTONOSUPPORT) C(ENOBUFS) C(ENETDOWN)
  C(EADDRINUSE) C(EADDRNOTAVAIL) C(ECONNREFUSED)
  C(EINPROGRESS) C(ENOTSOCK) C(EAFNOSUPPORT)
  C(EPROTO) C(EAGAIN) C(EBADF)
  C(EINVAL) C(EMFILE) C(EFAULT)
  C(EACCES) C(EACCESS) C(ENETRESET)
  C(ENETUNREACH) C(EHOSTUNREACH) C(ENOTCONN)
  C(EMSGSIZE) C(ETIMEDOUT) C(ECONNABORTED)
  C(ECONNRESET) C(ENOPROTOOPT) C(EISCONN)
  C(ESOCKTNOSUPPORT) C(ETERM) C(EFSM)
  C(NN_NS_NAMESPACE) C(NN_NS_VERSION) C(NN_NS_DOMAIN)
  C(NN_NS_TRANSPORT) C(NN_NS_PROTOCOL) C(NN_NS_OPTION_LEVEL)
  C(NN_NS_SOCKET_OPTION) C(NN_NS_TRANSPORT_OPTION) C(NN_NS_OPTION_TYPE)
  C(NN_NS_OPTION_UNIT) C(NN_NS_FLAG) C(NN_NS_ERROR)
  C(NN_NS_LIMIT) C(NN_NS_EVENT) C(NN_NS_STATISTIC)
  C(NN_TYPE_NONE) C(NN_TYPE_INT) C(NN_TYPE_STR)
  C(NN_UNIT_NONE) C(NN_UNIT_BYTES) C(NN_UNIT_MILLISECONDS)
  C(NN_UNIT_PRIORITY) C(NN_UNIT_BOOLEAN) C(NN_UNIT_MESSAGES)
  C(NN_UNIT_COUNTER) C(NN_MSG) C(AF_SP)
  C(AF_SP_RAW) C(NN_SOCKADDR_MAX) C(NN_SOL_SOCKET)
  C(NN_LINGER) C(NN_SNDBUF) C(NN_RCVBUF)
  C(NN_SNDTIMEO) C(NN_RCVTIMEO) C(NN_RECONNECT_IVL)
  C(NN_RECONNECT_IVL_MAX) C(NN_SNDPRIO) C(NN_RCVPRIO)
  C(NN_SNDFD) C(NN_RCVFD) C(NN_DOMAIN)
  C(NN_PROTOCOL) C(NN_IPV4ONLY) C(NN_SOCKET_NAME)
  C(NN_RCVMAXSIZE) C(NN_MAXTTL) C(NN_DONTWAIT)
  C(PROTO_SP) C(SP_HDR) C(NN_POLLIN)
  C(NN_POLLOUT) C(NN_STAT_ESTABLISHED_CONNECTIONS) C(NN_STAT_ACCEPTED_CONNECTIONS)
  C(NN_STAT_DROPPED_CONNECTIONS) C(NN_STAT_BROKEN_CONNECTIONS) C(NN_STAT_CONNECT_ERRORS)
  C(NN_STAT_BIND_ERRORS) C(NN_STAT_ACCEPT_ERRORS) C(NN_STAT_CURRENT_CONNECTIONS)
  C(NN_STAT_INPROGRESS_CONNECTIONS) C(NN_STAT_CURRENT_EP_ERRORS) C(NN_STAT_MESSAGES_SENT)
  C(NN_STAT_MESSAGES_RECEIVED) C(NN_STAT_BYTES_SENT) C(NN_STAT_BYTES_RECEIVED)
  C(NN_STAT_CURRENT_SND_PRIORITY) C(NN_PROTO_PAIR) C(NN_PAIR)
  C(NN_PROTO_PIPELINE) C(NN_PUSH) C(NN_PULL)
  C(NN_PROTO_PUBSUB) C(NN_PUB) C(NN_SUB)
  C(NN_SUB_SUBSCRIBE) C(NN_SUB_UNSUBSCRIBE) C(NN_PROTO_REQREP)
  C(NN_REQ) C(NN_REP) C(NN_REQ_RESEND_IVL)
  C(NN_PROTO_SURVEY) C(NN_SURVEYOR) C(NN_RESPONDENT)
  C(NN_SURVEYOR_DEADLINE) C(NN_TCP) C(NN_TCP_NODELAY)
  C(NN_WS) C(NN_WS_MSG_TYPE) C(NN_WS_MSG_TYPE_TEXT)
  C(NN_WS_MSG_TYPE_BINARY)
  printf("sizeof(struct nn_iovec) %zu\n", sizeof(struct nn_iovec));
  LAYOUT(struct nn_iovec, iov_base) LAYOUT(struct nn_iovec, iov_len)
  printf("sizeof(struct nn_msghdr) %zu\n", sizeof(struct nn_msghdr));
  LAYOUT(struct nn_msghdr, msg_iov) LAYOUT(struct nn_msghdr, msg_iovlen)
  LAYOUT(struct nn_msghdr, msg_control) LAYOUT(struct nn_msghdr, msg_controllen)
  printf("sizeof(struct nn_cmsghdr) %zu\n", sizeof(struct nn_cmsghdr));
  LAYOUT(struct nn_cmsghdr, cmsg_len) LAYOUT(struct nn_cmsghdr, cmsg_level)
  LAYOUT(struct nn_cmsghdr, cmsg_type)
  printf("sizeof(struct nn_pollfd) %zu\n", sizeof(struct nn_pollfd));
  LAYOUT(struct nn_pollfd, fd) LAYOUT(struct nn_pollfd, events) LAYOUT(struct nn_pollfd, revents)
  printf("sizeof(struct nn_symbol_properties) %zu\n", sizeof(struct nn_symbol_properties));
  LAYOUT(struct nn_symbol_properties, value) LAYOUT(struct nn_symbol_properties, name)
  LAYOUT(struct nn_symbol_properties, ns) LAYOUT(struct nn_symbol_properties, type)
  LAYOUT(struct nn_symbol_properties, unit)
  printf("sizeof(nn_req_handle) %zu\n", sizeof(nn_req_handle));
  /* The control-data macros, for a few lengths. */
  for (size_t len = 0; len < 20; len += 3)
    printf("NN_CMSG_SPACE(%zu) %zu NN_CMSG_LEN(%zu) %zu NN_CMSG_ALIGN_(%zu) %zu\n", len,
           NN_CMSG_SPACE(len), len, NN_CMSG_LEN(len), len, NN_CMSG_ALIGN_(len));
  struct nn_cmsghdr c;
  printf("NN_CMSG_DATA offset %td\n", (char*)NN_CMSG_DATA(&c) - (char*)&c);
  return 0;
}
