/* Threads: calls blocked in nn_recv, nn_send, nn_poll and nn_device while
 * another thread closes the socket (EBADF), sockets shared by many
 * threads, and devices (nn_device) between raw sockets. */
#include <poll.h>

#include "nn_testutil.h"

/* Waits long enough for the thread to be inside the call. Nothing can
 * wake it but the close, so being early only tests less. */
static void let_it_block(void) { nt_sleep_ms(50); }

static void close_while_blocked(int protocol, void* (*fn)(void*)) {
  struct blocked b = {nt_socket(AF_SP, protocol), 0, 0};
  pthread_t t = nt_thread(fn, &b);
  let_it_block();
  nt_close(b.s);
  pthread_join(t, NULL);
  CHECK(b.rc == -1 && b.err == EBADF);
}

static void test_close_unblocks(void) {
  close_while_blocked(NN_PAIR, recv_blocked);
  close_while_blocked(NN_PULL, recv_blocked);
  close_while_blocked(NN_PUSH, send_blocked); /* no peer: the send waits */
  NT_DIFFERS(close_while_blocked(NN_PAIR, poll_blocked)); /* nanomsg's nn_poll returns 0 */
  /* A REQ waiting for its reply. */
  int req = nt_socket(AF_SP, NN_REQ);
  CHECK_EQ_INT(nn_send(req, "q", 1, 0), 1);
  struct blocked b = {req, 0, 0};
  pthread_t t = nt_thread(recv_blocked, &b);
  let_it_block();
  nt_close(req);
  pthread_join(t, NULL);
  CHECK(b.rc == -1 && b.err == EBADF);
  /* A receive blocked on the look-ahead slot (the socket was polled). */
  struct blocked c = {nt_socket(AF_SP, NN_SUB), 0, 0};
  nt_getint(c.s, NN_SOL_SOCKET, NN_RCVFD);
  t = nt_thread(recv_blocked, &c);
  let_it_block();
  nt_close(c.s);
  pthread_join(t, NULL);
  CHECK(c.rc == -1 && c.err == EBADF);
}

/* Many threads on one pair of sockets: every message arrives once. */
enum { kThreads = 4, kPerThread = 2000 };
static int shared_a, shared_b;

static void* sender(void* arg) {
  (void)arg;
  for (int i = 0; i < kPerThread; ++i) CHECK_EQ_INT(nn_send(shared_b, "m", 1, 0), 1);
  return NULL;
}

static void* receiver(void* arg) {
  int* count = arg;
  char buf[4];
  for (int i = 0; i < kPerThread; ++i) {
    CHECK_EQ_INT(nn_recv(shared_a, buf, sizeof buf, 0), 1);
    ++*count;
  }
  return NULL;
}

static void test_shared_sockets(const char* kind) {
  char address[128];
  shared_a = nt_socket(AF_SP, NN_PAIR);
  shared_b = nt_socket(AF_SP, NN_PAIR);
  nt_timeouts(shared_a);
  nt_timeouts(shared_b);
  nt_bind_fresh(shared_a, nt_transport_named(kind), address, sizeof address);
  nt_connect(shared_b, address);
  pthread_t s[kThreads], r[kThreads];
  int counts[kThreads] = {0};
  for (int i = 0; i < kThreads; ++i) {
    s[i] = nt_thread(sender, NULL);
    r[i] = nt_thread(receiver, &counts[i]);
  }
  for (int i = 0; i < kThreads; ++i) {
    pthread_join(s[i], NULL);
    pthread_join(r[i], NULL);
    CHECK_EQ_INT(counts[i], kPerThread);
  }
  /* nanomsg's counters are not thread-safe: under threads it loses counts. */
  NT_DIFFERS(CHECK_EQ_INT(nn_get_statistic(shared_a, NN_STAT_MESSAGES_RECEIVED),
                          kThreads * kPerThread));
  nt_close(shared_a);
  nt_close(shared_b);
}

struct device_args {
  int s1, s2, rc, err;
};

static void* run_device(void* arg) {
  struct device_args* d = arg;
  d->rc = nn_device(d->s1, d->s2);
  d->err = nn_errno();
  return NULL;
}

/* REQ -> raw REP | device | raw REQ -> REP, then closing one side ends it. */
static void test_device(void) {
  char front_address[128], back_address[128];
  int front = nt_socket(AF_SP_RAW, NN_REP), back = nt_socket(AF_SP_RAW, NN_REQ);
  nt_bind_fresh(front, NT_TCP, front_address, sizeof front_address);
  nt_bind_fresh(back, NT_INPROC, back_address, sizeof back_address);
  struct device_args d = {front, back, 0, 0};
  pthread_t t = nt_thread(run_device, &d);
  int req = nt_socket(AF_SP, NN_REQ), rep = nt_socket(AF_SP, NN_REP);
  nt_timeouts(req);
  nt_timeouts(rep);
  nt_connect(req, front_address);
  nt_connect(rep, back_address);
  for (int i = 0; i < 3; ++i) {
    nt_send(req, "through");
    nt_recv(rep, "through");
    nt_send(rep, "and back");
    nt_recv(req, "and back");
  }
  /* Closing the sockets ends the device (this library: the first close;
   * nanomsg: each direction at its socket's close). */
  nt_close(front);
  nt_close(back);
  pthread_join(t, NULL);
  CHECK(d.rc == -1 && d.err == EBADF);
  nt_close(req);
  nt_close(rep);

  /* Bad devices. */
  int cooked = nt_socket(AF_SP, NN_PAIR), raw_pair = nt_socket(AF_SP_RAW, NN_PAIR);
  int raw_pub = nt_socket(AF_SP_RAW, NN_PUB), raw_rep = nt_socket(AF_SP_RAW, NN_REP);
  CHECK_ERR(nn_device(cooked, raw_pair), EINVAL);
  CHECK_ERR(nn_device(raw_rep, raw_pub), EINVAL); /* not partners */
  CHECK_ERR(nn_device(raw_pub, -1), ENOTSUP);     /* a loop needs both directions */
  CHECK_ERR(nn_device(cooked, -1), EINVAL);
  CHECK_ERR(nn_device(9999, raw_pair), EBADF);
  CHECK_ERR(nn_device(-1, -1), EBADF);
  nt_close(cooked);
  nt_close(raw_pair);
  nt_close(raw_pub);
  nt_close(raw_rep);
}

/* nn_device(s, -1): a raw REP that sends every request back as its reply. */
static void test_loopback_device(void) {
  char address[128];
  int echo = nt_socket(AF_SP_RAW, NN_REP);
  nt_bind_fresh(echo, NT_IPC, address, sizeof address);
  struct device_args d = {echo, -1, 0, 0};
  pthread_t t = nt_thread(run_device, &d);
  int req = nt_socket(AF_SP, NN_REQ);
  nt_timeouts(req);
  nt_connect(req, address);
  nt_send(req, "echo?");
  nt_recv(req, "echo?");
  nt_close(echo);
  pthread_join(t, NULL);
  CHECK(d.rc == -1 && d.err == EBADF);
  nt_close(req);
}

int main(void) {
  test_close_unblocks();
  test_shared_sockets("inproc");
  test_shared_sockets("tcp");
  test_device();
  test_loopback_device();
  return 0;
}
