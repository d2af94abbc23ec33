/*
 * nanomsg's C API (version 1.1.x, ABI 5), as implemented by sprocket's
 * libnanomsg: every name, value, structure layout and prototype a program
 * written for nanomsg 1.1.5 uses, so it builds and links unchanged.
 * See docs/nanomsg-api.md for how to switch and what differs.
 */
#ifndef NN_H_INCLUDED
#define NN_H_INCLUDED

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if !defined(NN_EXPORT)
#define NN_EXPORT extern
#endif

/* ---- ABI version: current 5, revision 1, age 0 (libnanomsg.so.5) ---- */
#define NN_VERSION_CURRENT 5
#define NN_VERSION_REVISION 1
#define NN_VERSION_AGE 0

/* ---- Error numbers ----
 * The C library's values where the platform defines the name; otherwise a
 * private range starting at NN_HAUSNUMERO (as nanomsg numbers them). ETERM
 * and EFSM are always private. */
#define NN_HAUSNUMERO 156384712

#ifndef ENOTSUP
#define ENOTSUP (NN_HAUSNUMERO + 1)
#endif
#ifndef EPROTONOSUPPORT
#define EPROTONOSUPPORT (NN_HAUSNUMERO + 2)
#endif
#ifndef ENOBUFS
#define ENOBUFS (NN_HAUSNUMERO + 3)
#endif
#ifndef ENETDOWN
#define ENETDOWN (NN_HAUSNUMERO + 4)
#endif
#ifndef EADDRINUSE
#define EADDRINUSE (NN_HAUSNUMERO + 5)
#endif
#ifndef EADDRNOTAVAIL
#define EADDRNOTAVAIL (NN_HAUSNUMERO + 6)
#endif
#ifndef ECONNREFUSED
#define ECONNREFUSED (NN_HAUSNUMERO + 7)
#endif
#ifndef EINPROGRESS
#define EINPROGRESS (NN_HAUSNUMERO + 8)
#endif
#ifndef ENOTSOCK
#define ENOTSOCK (NN_HAUSNUMERO + 9)
#endif
#ifndef EAFNOSUPPORT
#define EAFNOSUPPORT (NN_HAUSNUMERO + 10)
#endif
#ifndef EPROTO
#define EPROTO (NN_HAUSNUMERO + 11)
#endif
#ifndef EAGAIN
#define EAGAIN (NN_HAUSNUMERO + 12)
#endif
#ifndef EBADF
#define EBADF (NN_HAUSNUMERO + 13)
#endif
#ifndef EINVAL
#define EINVAL (NN_HAUSNUMERO + 14)
#endif
#ifndef EMFILE
#define EMFILE (NN_HAUSNUMERO + 15)
#endif
#ifndef EFAULT
#define EFAULT (NN_HAUSNUMERO + 16)
#endif
#ifndef EACCES
#define EACCES (NN_HAUSNUMERO + 17)
#endif
#ifndef EACCESS
#define EACCESS (EACCES)
#endif
#ifndef ENETRESET
#define ENETRESET (NN_HAUSNUMERO + 18)
#endif
#ifndef ENETUNREACH
#define ENETUNREACH (NN_HAUSNUMERO + 19)
#endif
#ifndef EHOSTUNREACH
#define EHOSTUNREACH (NN_HAUSNUMERO + 20)
#endif
#ifndef ENOTCONN
#define ENOTCONN (NN_HAUSNUMERO + 21)
#endif
#ifndef EMSGSIZE
#define EMSGSIZE (NN_HAUSNUMERO + 22)
#endif
#ifndef ETIMEDOUT
#define ETIMEDOUT (NN_HAUSNUMERO + 23)
#endif
#ifndef ECONNABORTED
#define ECONNABORTED (NN_HAUSNUMERO + 24)
#endif
#ifndef ECONNRESET
#define ECONNRESET (NN_HAUSNUMERO + 25)
#endif
#ifndef ENOPROTOOPT
#define ENOPROTOOPT (NN_HAUSNUMERO + 26)
#endif
#ifndef EISCONN
#define EISCONN (NN_HAUSNUMERO + 27)
#define NN_EISCONN_DEFINED
#endif
#ifndef ESOCKTNOSUPPORT
#define ESOCKTNOSUPPORT (NN_HAUSNUMERO + 28)
#endif

/* The library was terminated by nn_term(). */
#ifndef ETERM
#define ETERM (NN_HAUSNUMERO + 53)
#endif
/* The protocol's state forbids the call now (REP send before recv...). */
#ifndef EFSM
#define EFSM (NN_HAUSNUMERO + 54)
#endif

/* The calling thread's last error (errno). */
NN_EXPORT int nn_errno(void);
/* Text for an error number, including ETERM and EFSM. */
NN_EXPORT const char* nn_strerror(int errnum);

/* ---- Symbols: every constant above and below, by index ---- */

/* Name of the i-th symbol and its value in *value; NULL (errno EINVAL)
 * past the last one. */
NN_EXPORT const char* nn_symbol(int i, int* value);

/* Namespaces of the symbols (nn_symbol_properties.ns). */
#define NN_NS_NAMESPACE 0
#define NN_NS_VERSION 1
#define NN_NS_DOMAIN 2
#define NN_NS_TRANSPORT 3
#define NN_NS_PROTOCOL 4
#define NN_NS_OPTION_LEVEL 5
#define NN_NS_SOCKET_OPTION 6
#define NN_NS_TRANSPORT_OPTION 7
#define NN_NS_OPTION_TYPE 8
#define NN_NS_OPTION_UNIT 9
#define NN_NS_FLAG 10
#define NN_NS_ERROR 11
#define NN_NS_LIMIT 12
#define NN_NS_EVENT 13
#define NN_NS_STATISTIC 14

/* Option value types (nn_symbol_properties.type). */
#define NN_TYPE_NONE 0
#define NN_TYPE_INT 1
#define NN_TYPE_STR 2

/* Option units (nn_symbol_properties.unit). */
#define NN_UNIT_NONE 0
#define NN_UNIT_BYTES 1
#define NN_UNIT_MILLISECONDS 2
#define NN_UNIT_PRIORITY 3
#define NN_UNIT_BOOLEAN 4
#define NN_UNIT_MESSAGES 5
#define NN_UNIT_COUNTER 6

/* One symbol, as nn_symbol_info() describes it. */
struct nn_symbol_properties {
  int value;        /* the constant's value */
  const char* name; /* its name, "NN_PAIR"... */
  int ns;           /* NN_NS_*: its namespace (0 for the namespaces themselves) */
  int type;         /* NN_TYPE_*: for options, the value's type */
  int unit;         /* NN_UNIT_*: for options, the value's unit */
};

/* Copies up to buflen bytes of the i-th symbol's properties into *buf and
 * returns how many; 0 past the last symbol. */
NN_EXPORT int nn_symbol_info(int i, struct nn_symbol_properties* buf, int buflen);

/* ---- Termination ---- */

/* Unblocks every blocked call (they fail with ETERM), signals every
 * NN_SNDFD/NN_RCVFD, and makes later calls fail. Never blocks. */
NN_EXPORT void nn_term(void);

/* ---- Zero-copy messages ---- */

/* As a length: the buffer argument points to a message pointer (from
 * nn_allocmsg, or filled in by a receive). */
#define NN_MSG ((size_t)-1)

/* A message buffer of `size` bytes; `type` must be 0. NULL with errno
 * EINVAL (bad type) or ENOMEM. */
NN_EXPORT void* nn_allocmsg(size_t size, int type);
/* Resizes a message buffer; the old pointer is invalid afterwards. */
NN_EXPORT void* nn_reallocmsg(void* msg, size_t size);
/* Frees a message buffer that was allocated or received and not sent. */
NN_EXPORT int nn_freemsg(void* msg);

/* ---- Scatter/gather and control data ---- */

struct nn_iovec {
  void* iov_base;
  size_t iov_len;
};

struct nn_msghdr {
  struct nn_iovec* msg_iov;
  int msg_iovlen;
  void* msg_control;
  size_t msg_controllen;
};

struct nn_cmsghdr {
  size_t cmsg_len; /* header plus data, unaligned */
  int cmsg_level;
  int cmsg_type;
};

/* The walker behind NN_CMSG_FIRSTHDR/NN_CMSG_NXTHDR (cmsg NULL: the first
 * header). Not for direct use. */
NN_EXPORT struct nn_cmsghdr* nn_cmsg_nxthdr_(const struct nn_msghdr* mhdr,
                                             const struct nn_cmsghdr* cmsg);

/* Control data entries are aligned to size_t. */
#define NN_CMSG_ALIGN_(len) (((len) + sizeof(size_t) - 1) & (size_t) ~(sizeof(size_t) - 1))

#define NN_CMSG_FIRSTHDR(mhdr) nn_cmsg_nxthdr_((struct nn_msghdr*)(mhdr), NULL)
#define NN_CMSG_NXTHDR(mhdr, cmsg) \
  nn_cmsg_nxthdr_((struct nn_msghdr*)(mhdr), (struct nn_cmsghdr*)(cmsg))
#define NN_CMSG_DATA(cmsg) ((unsigned char*)(((struct nn_cmsghdr*)(cmsg)) + 1))
/* Bytes an entry with `len` bytes of data occupies. */
#define NN_CMSG_SPACE(len) (NN_CMSG_ALIGN_(len) + NN_CMSG_ALIGN_(sizeof(struct nn_cmsghdr)))
/* The cmsg_len of an entry with `len` bytes of data. */
#define NN_CMSG_LEN(len) (NN_CMSG_ALIGN_(sizeof(struct nn_cmsghdr)) + (len))

/* ---- Sockets ---- */

/* Domains: full (cooked) sockets and raw ones (devices). */
#define AF_SP 1
#define AF_SP_RAW 2

/* Longest address accepted, including the terminating NUL. */
#define NN_SOCKADDR_MAX 128

/* Level of the generic socket options. */
#define NN_SOL_SOCKET 0

/* Generic socket options (level NN_SOL_SOCKET). */
#define NN_LINGER 1
#define NN_SNDBUF 2
#define NN_RCVBUF 3
#define NN_SNDTIMEO 4
#define NN_RCVTIMEO 5
#define NN_RECONNECT_IVL 6
#define NN_RECONNECT_IVL_MAX 7
#define NN_SNDPRIO 8
#define NN_RCVPRIO 9
#define NN_SNDFD 10
#define NN_RCVFD 11
#define NN_DOMAIN 12
#define NN_PROTOCOL 13
#define NN_IPV4ONLY 14
#define NN_SOCKET_NAME 15
#define NN_RCVMAXSIZE 16
#define NN_MAXTTL 17

/* Send/receive flags. */
#define NN_DONTWAIT 1

/* Control data carrying the SP header (raw sockets). */
#define PROTO_SP 1
#define SP_HDR 1

NN_EXPORT int nn_socket(int domain, int protocol);
NN_EXPORT int nn_close(int s);
NN_EXPORT int nn_setsockopt(int s, int level, int option, const void* optval, size_t optvallen);
NN_EXPORT int nn_getsockopt(int s, int level, int option, void* optval, size_t* optvallen);
NN_EXPORT int nn_bind(int s, const char* addr);
NN_EXPORT int nn_connect(int s, const char* addr);
NN_EXPORT int nn_shutdown(int s, int how);
NN_EXPORT int nn_send(int s, const void* buf, size_t len, int flags);
NN_EXPORT int nn_recv(int s, void* buf, size_t len, int flags);
NN_EXPORT int nn_sendmsg(int s, const struct nn_msghdr* msghdr, int flags);
NN_EXPORT int nn_recvmsg(int s, struct nn_msghdr* msghdr, int flags);

/* ---- Polling ---- */

#define NN_POLLIN 1
#define NN_POLLOUT 2

struct nn_pollfd {
  int fd;
  short events;
  short revents;
};

/* Waits up to `timeout` ms (negative: forever) until one of the sockets
 * can receive (NN_POLLIN) or send (NN_POLLOUT); returns how many can. */
NN_EXPORT int nn_poll(struct nn_pollfd* fds, int nfds, int timeout);

/* ---- Devices ---- */

/* Forwards between two raw sockets (or back into one, s2 < 0) until a
 * socket closes or nn_term() is called; always returns -1. */
NN_EXPORT int nn_device(int s1, int s2);

/* ---- Statistics (nn_get_statistic) ---- */

/* Counters of events since the socket was made. */
#define NN_STAT_ESTABLISHED_CONNECTIONS 101
#define NN_STAT_ACCEPTED_CONNECTIONS 102
#define NN_STAT_DROPPED_CONNECTIONS 103
#define NN_STAT_BROKEN_CONNECTIONS 104
#define NN_STAT_CONNECT_ERRORS 105
#define NN_STAT_BIND_ERRORS 106
#define NN_STAT_ACCEPT_ERRORS 107

/* Current levels. */
#define NN_STAT_CURRENT_CONNECTIONS 201
#define NN_STAT_INPROGRESS_CONNECTIONS 202
#define NN_STAT_CURRENT_EP_ERRORS 203

/* Traffic. */
#define NN_STAT_MESSAGES_SENT 301
#define NN_STAT_MESSAGES_RECEIVED 302
#define NN_STAT_BYTES_SENT 303
#define NN_STAT_BYTES_RECEIVED 304

/* The priority outbound messages go to now. */
#define NN_STAT_CURRENT_SND_PRIORITY 401

/* The statistic's value; (uint64_t)-1 with errno EBADF or EINVAL. */
NN_EXPORT uint64_t nn_get_statistic(int s, int stat);

#ifdef __cplusplus
}
#endif

#endif /* NN_H_INCLUDED */
