/* nn_term: calls blocked in nn_recv, nn_send, nn_poll and nn_device fail
 * with ETERM, NN_SNDFD and NN_RCVFD turn readable, every later call but
 * nn_close fails with ETERM, and nn_socket refuses new sockets. */
#include <poll.h>

#include "nn_testutil.h"

/* nanomsg 1.1.5 documents ETERM but fails these calls with EBADF (its
 * sockets are gone after nn_term); this library does what it documents. */
#ifdef NT_REFERENCE
#define TERMINATED EBADF
#else
#define TERMINATED ETERM
#endif

static void* device_blocked(void* arg) {
  struct blocked* b = arg;
  b->rc = nn_device(b->s, b->s2);
  b->err = nn_errno();
  return NULL;
}

int main(void) {
  struct blocked r = {nt_socket(AF_SP, NN_PAIR), -1, 0, 0};
  struct blocked s = {nt_socket(AF_SP, NN_PUSH), -1, 0, 0};
  struct blocked p = {nt_socket(AF_SP, NN_PULL), -1, 0, 0};
  struct blocked d = {nt_socket(AF_SP_RAW, NN_REP), nt_socket(AF_SP_RAW, NN_REQ), 0, 0};
  int w = nt_socket(AF_SP, NN_PAIR); /* only polled */
  int rcv_fd = nt_getint(r.s, NN_SOL_SOCKET, NN_RCVFD);
  int snd_fd = nt_getint(w, NN_SOL_SOCKET, NN_SNDFD);
  pthread_t threads[4] = {nt_thread(recv_blocked, &r), nt_thread(send_blocked, &s),
                          nt_thread(poll_blocked, &p), nt_thread(device_blocked, &d)};
  nt_sleep_ms(50); /* let them block; only nn_term can wake them */
  nn_term();
  for (int i = 0; i < 4; ++i) pthread_join(threads[i], NULL);
  CHECK(r.rc == -1 && r.err == TERMINATED);
  CHECK(s.rc == -1 && s.err == TERMINATED);
  NT_DIFFERS(CHECK(p.rc == -1 && p.err == ETERM)); /* nanomsg's nn_poll returns 0 */
  CHECK(d.rc == -1 && d.err == TERMINATED);

  /* Both descriptors are signalled. */
  struct pollfd fds[2] = {{rcv_fd, POLLIN, 0}, {snd_fd, POLLIN, 0}};
  CHECK_EQ_INT(poll(fds, 2, 0), 2);

  /* Every later call fails with ETERM; nn_close still closes. */
  char buf[4];
  int v = 1;
  size_t sz = sizeof v;
  CHECK_ERR(nn_send(r.s, "a", 1, 0), TERMINATED);
  CHECK_ERR(nn_recv(r.s, buf, sizeof buf, NN_DONTWAIT), TERMINATED);
  CHECK_ERR(nn_bind(r.s, "inproc://after-term"), TERMINATED);
  CHECK_ERR(nn_connect(r.s, "inproc://after-term"), TERMINATED);
  CHECK_ERR(nn_setsockopt(r.s, NN_SOL_SOCKET, NN_LINGER, &v, sizeof v), TERMINATED);
  CHECK_ERR(nn_getsockopt(r.s, NN_SOL_SOCKET, NN_LINGER, &v, &sz), TERMINATED);
  struct nn_pollfd pf = {r.s, NN_POLLIN, 0};
  CHECK_ERR(nn_poll(&pf, 1, 0), TERMINATED);
  CHECK(nn_get_statistic(r.s, NN_STAT_MESSAGES_SENT) == (uint64_t)-1 &&
        nn_errno() == TERMINATED);
  CHECK_ERR(nn_socket(AF_SP, NN_PAIR), ETERM);
  /* nn_close still works (nanomsg: EBADF, its sockets are already gone). */
  NT_DIFFERS(CHECK_OK(nn_close(r.s)));
  CHECK_ERR(nn_close(r.s), EBADF);
  int closing[] = {s.s, p.s, d.s, d.s2, w};
  for (int i = 0; i < 5; ++i) NT_DIFFERS(nt_close(closing[i]));
  CHECK_ERR(nn_socket(AF_SP, NN_PAIR), ETERM); /* for good */
  return 0;
}
