/* Readiness: NN_RCVFD / NN_SNDFD with poll(2), select(2) and epoll, and
 * nn_poll, for plain sockets, REQ, REP and SURVEYOR, over argv[1]'s
 * transport. */
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include "nn_testutil.h"

static enum nt_transport transport;

/* True if `fd` is readable within `ms` (0: right now). */
static int readable(int fd, int ms) {
  struct pollfd p = {fd, POLLIN, 0};
  int rc = poll(&p, 1, ms);
  CHECK(rc >= 0);
  return rc == 1 && (p.revents & POLLIN);
}

static int readable_by_select(int fd, int ms) {
  fd_set set;
  FD_ZERO(&set);
  FD_SET(fd, &set);
  struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
  int rc = select(fd + 1, &set, NULL, NULL, &tv);
  CHECK(rc >= 0);
  return rc == 1;
}

static void pair_of(int* a, int* b) {
  char address[128];
  *a = nt_socket(AF_SP, NN_PAIR);
  *b = nt_socket(AF_SP, NN_PAIR);
  nt_timeouts(*a);
  nt_timeouts(*b);
  nt_bind_fresh(*a, transport, address, sizeof address);
  nt_connect(*b, address);
}

static void test_rcvfd(void) {
  int a, b;
  pair_of(&a, &b);
  int fd = nt_getint(a, NN_SOL_SOCKET, NN_RCVFD);
  CHECK(!readable(fd, 0));
  nt_send(b, "one");
  CHECK(readable(fd, NT_EVENT_TIMEOUT_MS));
  CHECK(readable_by_select(fd, 0)); /* level-triggered: still readable */
  nt_send(b, "two");
  char buf[8];
  CHECK_EQ_INT(nn_recv(a, buf, sizeof buf, NN_DONTWAIT), 3);
  CHECK(readable(fd, NT_EVENT_TIMEOUT_MS)); /* "two" */
  nt_recv(a, "two");
  CHECK(!readable(fd, 0));
  CHECK_ERR(nn_recv(a, buf, sizeof buf, NN_DONTWAIT), EAGAIN);
  /* Blocking receives and timeouts still work once the descriptor is in use. */
  nt_send(b, "three");
  nt_recv(a, "three");
  nt_setint(a, NN_SOL_SOCKET, NN_RCVTIMEO, 30);
  CHECK_ERR(nn_recv(a, buf, sizeof buf, 0), ETIMEDOUT);

  /* epoll, several sockets at once. */
  int c, d;
  pair_of(&c, &d);
  int ep = epoll_create1(0);
  struct epoll_event ev = {EPOLLIN, {.fd = fd}};
  CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
  int fd2 = nt_getint(c, NN_SOL_SOCKET, NN_RCVFD);
  ev.data.fd = fd2;
  CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd2, &ev) == 0);
  nt_send(d, "via epoll");
  struct epoll_event got;
  CHECK_EQ_INT(epoll_wait(ep, &got, 1, NT_EVENT_TIMEOUT_MS), 1);
  CHECK_EQ_INT(got.data.fd, fd2);
  nt_recv(c, "via epoll");
  CHECK_EQ_INT(epoll_wait(ep, &got, 1, 0), 0);
  close(ep);
  nt_close(a);
  nt_close(b);
  nt_close(c);
  nt_close(d);
}

static void test_sndfd(void) {
  int lonely = nt_socket(AF_SP, NN_PAIR);
  int lonely_fd = nt_getint(lonely, NN_SOL_SOCKET, NN_SNDFD);
  /* nanomsg: not writable without a peer; here the send slot is free. */
  NT_DIFFERS(CHECK(readable(lonely_fd, 0)));
  nt_close(lonely);

  int a, b;
  pair_of(&a, &b);
  nt_setint(a, NN_SOL_SOCKET, NN_RCVBUF, 1024);
  nt_setint(b, NN_SOL_SOCKET, NN_SNDBUF, 1024);
  int fd = nt_getint(b, NN_SOL_SOCKET, NN_SNDFD);
  nt_wait_connections(b, 1);
  CHECK(readable(fd, NT_EVENT_TIMEOUT_MS));
  /* Fill the pipe until a send would block: then the descriptor says so.
     Between our EAGAIN and the look at the descriptor the I/O thread may
     move queued messages into the kernel and make room; the descriptor is
     then right to say writable, and the next send succeeds. Once the
     kernel's buffers are full too (the receiver reads nothing) it stays
     full: a descriptor that says writable while sends keep failing would
     loop here until the bound. */
  int sent = 0;
  char chunk[1024];
  memset(chunk, 'f', sizeof chunk);
  for (int rounds = 0;; ++rounds) {
    while (nn_send(b, chunk, sizeof chunk, NN_DONTWAIT) == (int)sizeof chunk) {
      ++sent;
      CHECK(sent < 1000000);
    }
    CHECK_EQ_INT(nn_errno(), EAGAIN);
    if (!readable(fd, 0)) break;
    CHECK(rounds < 10000);
  }
  /* The receiver drains: the descriptor turns readable again. */
  char buf[sizeof chunk];
  for (int i = 0; i < sent; ++i) CHECK_EQ_INT(nn_recv(a, buf, sizeof buf, 0), (int)sizeof chunk);
  CHECK(readable(fd, NT_EVENT_TIMEOUT_MS));
  /* A blocking send waits for room, up to NN_SNDTIMEO. */
  nt_setint(b, NN_SOL_SOCKET, NN_SNDTIMEO, 30);
  while (nn_send(b, chunk, sizeof chunk, 0) == (int)sizeof chunk) ++sent;
  CHECK_EQ_INT(nn_errno(), ETIMEDOUT);
  nt_close(a);
  nt_close(b);
}

static void test_nn_poll(void) {
  int a, b;
  pair_of(&a, &b);
  int pub = nt_socket(AF_SP, NN_PUB), sub = nt_socket(AF_SP, NN_SUB);
  struct nn_pollfd p[2] = {{a, NN_POLLIN, 0}, {b, NN_POLLIN | NN_POLLOUT, 0}};
  nt_wait_connections(b, 1);
  CHECK_EQ_INT(nn_poll(p, 2, NT_EVENT_TIMEOUT_MS), 1); /* b can send */
  CHECK(p[0].revents == 0 && p[1].revents == NN_POLLOUT);
  p[1].events = NN_POLLIN;
  CHECK_EQ_INT(nn_poll(p, 2, 0), 0);
  CHECK_EQ_INT(nn_poll(p, 2, 30), 0); /* a timeout with nothing to report */
  nt_send(b, "wake");
  CHECK_EQ_INT(nn_poll(p, 2, NT_EVENT_TIMEOUT_MS), 1);
  CHECK(p[0].revents == NN_POLLIN && p[1].revents == 0);
  nt_recv(a, "wake");
  p[0].events = 0;
  CHECK_EQ_INT(nn_poll(p, 1, 0), 0);
  CHECK_EQ_INT(nn_poll(NULL, 0, 0), 0);
  NT_DIFFERS(CHECK_ERR(nn_poll(p, -1, 0), EINVAL)); /* nanomsg aborts */
  struct nn_pollfd bad[2] = {{a, NN_POLLIN, 0}, {9999, NN_POLLIN, 0}};
  CHECK_ERR(nn_poll(bad, 2, 0), EBADF);
  struct nn_pollfd wrong[1] = {{pub, NN_POLLIN, 0}};
  CHECK_ERR(nn_poll(wrong, 1, 0), ENOPROTOOPT);
  wrong[0].fd = sub;
  wrong[0].events = NN_POLLOUT;
  CHECK_ERR(nn_poll(wrong, 1, 0), ENOPROTOOPT);
  nt_close(pub);
  nt_close(sub);
  nt_close(a);
  nt_close(b);
}

static void test_req_and_rep(void) {
  char address[128];
  int rep = nt_socket(AF_SP, NN_REP);
  nt_timeouts(rep);
  nt_bind_fresh(rep, transport, address, sizeof address);
  int req1 = nt_socket(AF_SP, NN_REQ), req2 = nt_socket(AF_SP, NN_REQ);
  nt_timeouts(req1);
  nt_timeouts(req2);
  /* REQ: always writable (its sends never block), readable once the reply is in. */
  int req_snd = nt_getint(req1, NN_SOL_SOCKET, NN_SNDFD);
  int req_rcv = nt_getint(req1, NN_SOL_SOCKET, NN_RCVFD);
  CHECK(readable(req_snd, 0));
  CHECK(!readable(req_rcv, 0));
  nt_connect(req1, address);
  nt_connect(req2, address);
  int rep_rcv = nt_getint(rep, NN_SOL_SOCKET, NN_RCVFD);
  nt_send(req1, "first");
  CHECK(!readable(req_rcv, 0));
  CHECK(readable(rep_rcv, NT_EVENT_TIMEOUT_MS));
  nt_recv(rep, "first");
  nt_send(rep, "first done");
  CHECK(readable(req_rcv, NT_EVENT_TIMEOUT_MS));
  nt_recv(req1, "first done");
  CHECK(!readable(req_rcv, 0));
  char buf[32];
  CHECK_ERR(nn_recv(req1, buf, sizeof buf, NN_DONTWAIT), EFSM);

  /* REP: a request taken without a reply is forgotten when the next one is
   * taken; the reply goes to the latest; the forgotten client resends. */
  nt_setint(req1, NN_REQ, NN_REQ_RESEND_IVL, 100);
  nt_send(req1, "from one");
  CHECK(readable(rep_rcv, NT_EVENT_TIMEOUT_MS));
  nt_recv(rep, "from one");
  nt_send(req2, "from two");
  CHECK(readable(rep_rcv, NT_EVENT_TIMEOUT_MS));
  nt_recv(rep, "from two");
  nt_send(rep, "to two");
  nt_recv(req2, "to two");
  CHECK(readable(rep_rcv, NT_EVENT_TIMEOUT_MS)); /* req1's resent request */
  nt_recv(rep, "from one");
  nt_send(rep, "to one");
  nt_recv(req1, "to one");
  CHECK_ERR(nn_send(rep, "nobody asked", 12, 0), EFSM);

  /* A REQ whose request waits for a peer. */
  int orphan = nt_socket(AF_SP, NN_REQ);
  int orphan_rcv = nt_getint(orphan, NN_SOL_SOCKET, NN_RCVFD);
  CHECK_EQ_INT(nn_send(orphan, "anyone?", 7, NN_DONTWAIT), 7);
  CHECK(!readable(orphan_rcv, 0));
  nt_setint(orphan, NN_SOL_SOCKET, NN_RCVTIMEO, 30);
  CHECK_ERR(nn_recv(orphan, buf, sizeof buf, 0), ETIMEDOUT);
  nt_close(orphan);
  nt_close(req1);
  nt_close(req2);
  nt_close(rep);
}

static void test_survey(void) {
  char address[128];
  int sv = nt_socket(AF_SP, NN_SURVEYOR);
  nt_timeouts(sv);
  nt_bind_fresh(sv, transport, address, sizeof address);
  int r = nt_socket(AF_SP, NN_RESPONDENT);
  nt_timeouts(r);
  nt_connect(r, address);
  nt_wait_connections(sv, 1);
  int sv_rcv = nt_getint(sv, NN_SOL_SOCKET, NN_RCVFD);
  int r_rcv = nt_getint(r, NN_SOL_SOCKET, NN_RCVFD);
  NT_DIFFERS(CHECK(!readable(sv_rcv, 0))); /* nanomsg: readable while no survey runs */
  nt_setint(sv, NN_SURVEYOR, NN_SURVEYOR_DEADLINE, 200);
  nt_send(sv, "poll?");
  CHECK(readable(r_rcv, NT_EVENT_TIMEOUT_MS));
  nt_recv(r, "poll?");
  nt_send(r, "yes");
  CHECK(readable(sv_rcv, NT_EVENT_TIMEOUT_MS));
  nt_recv(sv, "yes");
  /* The deadline: the socket reports it once, then the survey is over. */
  char buf[8];
  CHECK_ERR(nn_recv(sv, buf, sizeof buf, 0), ETIMEDOUT);
  CHECK_ERR(nn_recv(sv, buf, sizeof buf, NN_DONTWAIT), EFSM);
  NT_DIFFERS(CHECK(!readable(sv_rcv, 0)));
  nt_close(sv);
  nt_close(r);
}

static void test_sub(void) {
  char address[128];
  int pub = nt_socket(AF_SP, NN_PUB), sub = nt_socket(AF_SP, NN_SUB);
  nt_timeouts(sub);
  nt_bind_fresh(pub, transport, address, sizeof address);
  nt_connect(sub, address);
  CHECK_OK(nn_setsockopt(sub, NN_SUB, NN_SUB_SUBSCRIBE, "yes", 3));
  int fd = nt_getint(sub, NN_SOL_SOCKET, NN_RCVFD);
  nt_wait_connections(pub, 1);
  nt_send(pub, "no thanks");
  nt_send(pub, "yes please");
  CHECK(readable(fd, NT_EVENT_TIMEOUT_MS));
  nt_recv(sub, "yes please");
  nt_close(pub);
  nt_close(sub);
}

int main(int argc, char** argv) {
  if (argc != 2) NT_FAIL("usage: %s inproc|ipc|tcp|ws", argv[0]);
  transport = nt_transport_named(argv[1]);
  test_rcvfd();
  test_sndfd();
  test_nn_poll();
  test_req_and_rep();
  test_survey();
  test_sub();
  return 0;
}
