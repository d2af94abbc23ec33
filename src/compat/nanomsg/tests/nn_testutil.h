/* Helpers for the C tests of libnanomsg (sprocket's nanomsg API). Every
 * check aborts with the file, line, expression and errno on failure; every
 * wait has a generous deadline and never bounds time from above. */
#ifndef NN_TESTUTIL_H
#define NN_TESTUTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

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

/* Checks of documented differences from nanomsg 1.1.5 (docs/nanomsg-api.md).
 * Building a test with -DNT_REFERENCE and linking it with nanomsg's own
 * library leaves them out, so the rest can be confirmed against nanomsg. */
#ifdef NT_REFERENCE
#define NT_DIFFERS(stmt) \
  do {                   \
  } while (0)
#else
#define NT_DIFFERS(stmt) \
  do {                   \
    stmt;                \
  } while (0)
#endif

/* How long a test waits for something that must happen (connections,
 * messages): long enough for a loaded sanitizer build. */
#define NT_EVENT_TIMEOUT_MS 20000

#define NT_FAIL(...)                                 \
  do {                                               \
    fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);  \
    fprintf(stderr, __VA_ARGS__);                    \
    fprintf(stderr, "\n");                           \
    abort();                                         \
  } while (0)

#define CHECK(cond)                                                                     \
  do {                                                                                  \
    if (!(cond)) NT_FAIL("CHECK(%s) failed (errno %d: %s)", #cond, nn_errno(),          \
                         nn_strerror(nn_errno()));                                      \
  } while (0)

/* The call succeeds (returns >= 0). */
#define CHECK_OK(expr)                                                                  \
  do {                                                                                  \
    int nt_rc_ = (int)(expr);                                                           \
    if (nt_rc_ < 0) NT_FAIL("%s failed: errno %d (%s)", #expr, nn_errno(),              \
                            nn_strerror(nn_errno()));                                   \
  } while (0)

/* The call fails with -1 and errno `err`. */
#define CHECK_ERR(expr, err)                                                            \
  do {                                                                                  \
    errno = 0;                                                                          \
    int nt_rc_ = (int)(expr);                                                           \
    int nt_errno_ = nn_errno();                                                         \
    if (nt_rc_ != -1 || nt_errno_ != (err))                                             \
      NT_FAIL("%s: expected -1 with %s (%d), got %d with errno %d (%s)", #expr, #err,  \
              (int)(err), nt_rc_, nt_errno_, nn_strerror(nt_errno_));                   \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                              \
  do {                                                                                  \
    long long nt_a_ = (long long)(a), nt_b_ = (long long)(b);                           \
    if (nt_a_ != nt_b_) NT_FAIL("%s == %s: %lld != %lld", #a, #b, nt_a_, nt_b_);        \
  } while (0)

static inline int64_t nt_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void nt_sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static inline int nt_socket(int domain, int protocol) {
  int s = nn_socket(domain, protocol);
  if (s < 0) NT_FAIL("nn_socket(%d, %d): %s", domain, protocol, nn_strerror(nn_errno()));
  return s;
}

static inline void nt_close(int s) {
  if (nn_close(s) != 0) NT_FAIL("nn_close(%d): %s", s, nn_strerror(nn_errno()));
}

static inline void nt_setint(int s, int level, int option, int value) {
  if (nn_setsockopt(s, level, option, &value, sizeof value) != 0)
    NT_FAIL("nn_setsockopt(%d, %d, %d, %d): %s", s, level, option, value,
            nn_strerror(nn_errno()));
}

static inline int nt_getint(int s, int level, int option) {
  int value = 0;
  size_t size = sizeof value;
  if (nn_getsockopt(s, level, option, &value, &size) != 0)
    NT_FAIL("nn_getsockopt(%d, %d, %d): %s", s, level, option, nn_strerror(nn_errno()));
  if (size != sizeof value) NT_FAIL("option %d has size %zu", option, size);
  return value;
}

/* Generous send/receive timeouts, so a lost message fails instead of hanging. */
static inline void nt_timeouts(int s) {
  nt_setint(s, NN_SOL_SOCKET, NN_SNDTIMEO, NT_EVENT_TIMEOUT_MS);
  nt_setint(s, NN_SOL_SOCKET, NN_RCVTIMEO, NT_EVENT_TIMEOUT_MS);
}

static inline void nt_send(int s, const char* text) {
  size_t n = strlen(text);
  int rc = nn_send(s, text, n, 0);
  if (rc != (int)n) NT_FAIL("nn_send(%d, \"%s\") = %d: %s", s, text, rc, nn_strerror(nn_errno()));
}

static inline void nt_recv(int s, const char* expected) {
  char buf[256];
  int rc = nn_recv(s, buf, sizeof buf, 0);
  if (rc < 0) NT_FAIL("nn_recv(%d) expecting \"%s\": %s", s, expected, nn_strerror(nn_errno()));
  if ((size_t)rc != strlen(expected) || memcmp(buf, expected, (size_t)rc) != 0)
    NT_FAIL("nn_recv(%d): got \"%.*s\", expected \"%s\"", s, rc < 256 ? rc : 256, buf, expected);
}

/* Waits until `s` has at least `n` connections (NN_STAT_CURRENT_CONNECTIONS). */
static inline void nt_wait_connections(int s, int n) {
  int64_t until = nt_now_ms() + NT_EVENT_TIMEOUT_MS;
  while ((int)nn_get_statistic(s, NN_STAT_CURRENT_CONNECTIONS) < n) {
    if (nt_now_ms() > until) NT_FAIL("socket %d never reached %d connections", s, n);
    nt_sleep_ms(5);
  }
}

/* A TCP port that was free a moment ago (nanomsg cannot bind port 0). */
static inline int nt_free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, (struct sockaddr*)&a, sizeof a) != 0 ||
      getsockname(fd, (struct sockaddr*)&a, &len) != 0)
    NT_FAIL("no free port: %s", strerror(errno));
  close(fd);
  return ntohs(a.sin_port);
}

/* The transports every protocol runs over. */
enum nt_transport { NT_INPROC, NT_IPC, NT_TCP, NT_WS };

static inline enum nt_transport nt_transport_named(const char* name) {
  if (strcmp(name, "inproc") == 0) return NT_INPROC;
  if (strcmp(name, "ipc") == 0) return NT_IPC;
  if (strcmp(name, "tcp") == 0) return NT_TCP;
  if (strcmp(name, "ws") == 0) return NT_WS;
  NT_FAIL("unknown transport %s", name);
  return NT_INPROC;
}

/* A fresh address on transport `t`, unique in this process and machine. */
static inline void nt_address(enum nt_transport t, char* out, size_t size) {
  static int counter = 0;
  int n = ++counter;
  switch (t) {
    case NT_INPROC: snprintf(out, size, "inproc://nt-%d-%d", (int)getpid(), n); break;
    case NT_IPC: snprintf(out, size, "ipc:///tmp/nt-%d-%d.sock", (int)getpid(), n); break;
    case NT_TCP: snprintf(out, size, "tcp://127.0.0.1:%d", nt_free_port()); break;
    case NT_WS: snprintf(out, size, "ws://127.0.0.1:%d", nt_free_port()); break;
  }
}

/* Binds `s` to a fresh address of transport `t` (retrying if another
 * process took the port in between) and stores it in `out`. */
static inline void nt_bind_fresh(int s, enum nt_transport t, char* out, size_t size) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    nt_address(t, out, size);
    if (nn_bind(s, out) >= 0) return;
    if (nn_errno() != EADDRINUSE) NT_FAIL("nn_bind(%s): %s", out, nn_strerror(nn_errno()));
  }
  NT_FAIL("no free address on transport %d", (int)t);
}

/* A message header of one piece `iov` and the control buffer given
 * (NULL and 0 for none; `control` pointing at a void* and NN_MSG to have the
 * library allocate it). */
static inline struct nn_msghdr nt_msghdr(struct nn_iovec* iov, void* control, size_t control_len) {
  struct nn_msghdr h;
  memset(&h, 0, sizeof h);
  h.msg_iov = iov;
  h.msg_iovlen = 1;
  h.msg_control = control;
  h.msg_controllen = control_len;
  return h;
}

static inline void nt_connect(int s, const char* address) {
  if (nn_connect(s, address) < 0) NT_FAIL("nn_connect(%s): %s", address, nn_strerror(nn_errno()));
}

/* Runs fn(arg) on a new thread. */
static inline pthread_t nt_thread(void* (*fn)(void*), void* arg) {
  pthread_t t;
  if (pthread_create(&t, NULL, fn, arg) != 0) NT_FAIL("pthread_create failed");
  return t;
}

/* A call made on its own thread, to be unblocked by another (nn_close,
 * nn_term): the socket (s2: a second one, for nn_device), and what the
 * call returned and left in nn_errno(). */
struct blocked {
  int s, s2, rc, err;
};

static inline void* recv_blocked(void* arg) {
  struct blocked* b = arg;
  char buf[8];
  b->rc = nn_recv(b->s, buf, sizeof buf, 0);
  b->err = nn_errno();
  return NULL;
}

static inline void* send_blocked(void* arg) {
  struct blocked* b = arg;
  b->rc = nn_send(b->s, "x", 1, 0);
  b->err = nn_errno();
  return NULL;
}

static inline void* poll_blocked(void* arg) {
  struct blocked* b = arg;
  struct nn_pollfd p = {b->s, NN_POLLIN, 0};
  b->rc = nn_poll(&p, 1, -1);
  b->err = nn_errno();
  return NULL;
}

#endif /* NN_TESTUTIL_H */
