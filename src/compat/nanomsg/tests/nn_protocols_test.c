/* Every protocol through the C API over one transport (argv[1]: inproc,
 * ipc, tcp or ws): PAIR, REQ/REP, PUB/SUB, PUSH/PULL, SURVEYOR/RESPONDENT
 * and BUS, with nanomsg's state errors (EFSM), timeouts and routing. */
#include "nn_testutil.h"

static enum nt_transport transport;

/* A bound socket of `protocol` and the address it listens on. */
static int bound(int protocol, char* address) {
  int s = nt_socket(AF_SP, protocol);
  nt_timeouts(s);
  nt_bind_fresh(s, transport, address, 128);
  return s;
}

static int connected(int protocol, const char* address) {
  int s = nt_socket(AF_SP, protocol);
  nt_timeouts(s);
  nt_connect(s, address);
  return s;
}

static void test_pair(void) {
  char address[128];
  int a = bound(NN_PAIR, address), b = connected(NN_PAIR, address);
  char buf[8];
  CHECK_ERR(nn_recv(a, buf, sizeof buf, NN_DONTWAIT), EAGAIN);
  nt_send(b, "hello");
  nt_recv(a, "hello");
  nt_send(a, "world");
  nt_recv(b, "world");
  nt_send(b, ""); /* empty messages are messages */
  CHECK_EQ_INT(nn_recv(a, buf, sizeof buf, 0), 0);
  nt_setint(a, NN_SOL_SOCKET, NN_RCVTIMEO, 50);
  CHECK_ERR(nn_recv(a, buf, sizeof buf, 0), ETIMEDOUT);
  nt_close(a);
  nt_close(b);
}

static void test_reqrep(void) {
  char address[128];
  int rep = bound(NN_REP, address), req = connected(NN_REQ, address);
  char buf[16];
  CHECK_ERR(nn_send(rep, "early", 5, 0), EFSM);
  CHECK_ERR(nn_recv(req, buf, sizeof buf, 0), EFSM);
  nt_send(req, "question");
  nt_recv(rep, "question");
  nt_send(rep, "answer");
  CHECK_ERR(nn_send(rep, "again", 5, 0), EFSM); /* one reply per request */
  nt_recv(req, "answer");
  CHECK_ERR(nn_recv(req, buf, sizeof buf, 0), EFSM); /* one reply per request */

  /* Two clients: each reply goes back to its own requester. */
  int req2 = connected(NN_REQ, address);
  nt_wait_connections(rep, 2);
  nt_send(req, "from-1");
  nt_send(req2, "from-2");
  for (int i = 0; i < 2; ++i) {
    int n = nn_recv(rep, buf, sizeof buf, 0);
    CHECK(n == 6);
    buf[0] = 'R';
    CHECK_EQ_INT(nn_send(rep, buf, 6, 0), 6);
  }
  nt_recv(req, "Rrom-1");
  nt_recv(req2, "Rrom-2");

  /* A new request abandons the old one: the old reply never arrives. */
  nt_send(req, "old");
  nt_recv(rep, "old");
  nt_send(req, "new");
  nt_send(rep, "reply-to-old");
  nt_recv(rep, "new");
  nt_send(rep, "reply-to-new");
  nt_recv(req, "reply-to-new");

  /* An unanswered request is sent again after NN_REQ_RESEND_IVL. */
  nt_setint(req, NN_REQ, NN_REQ_RESEND_IVL, 100);
  nt_send(req, "resend-me");
  nt_recv(rep, "resend-me");
  nt_recv(rep, "resend-me"); /* the resent copy; this one is answered */
  nt_send(rep, "finally");
  nt_recv(req, "finally");

  /* NN_RCVTIMEO ends a wait for a reply with ETIMEDOUT. */
  nt_setint(req, NN_REQ, NN_REQ_RESEND_IVL, 60000);
  nt_setint(req, NN_SOL_SOCKET, NN_RCVTIMEO, 50);
  nt_send(req, "ignored");
  CHECK_ERR(nn_recv(req, buf, sizeof buf, 0), ETIMEDOUT);
  nt_close(req);
  nt_close(req2);
  nt_close(rep);
}

/* nanomsg's REQ never blocks on send: a request made before any REP
 * exists goes out when one appears. */
static void test_request_before_server(void) {
  char address[128];
  nt_address(transport, address, sizeof address);
  int req = nt_socket(AF_SP, NN_REQ);
  nt_timeouts(req);
  nt_setint(req, NN_SOL_SOCKET, NN_RECONNECT_IVL, 10);
  nt_connect(req, address);
  CHECK_EQ_INT(nn_send(req, "early", 5, NN_DONTWAIT), 5);
  char buf[16];
  CHECK_ERR(nn_recv(req, buf, sizeof buf, NN_DONTWAIT), EAGAIN);
  int rep = nt_socket(AF_SP, NN_REP);
  nt_timeouts(rep);
  CHECK_OK(nn_bind(rep, address));
  nt_recv(rep, "early");
  nt_send(rep, "late answer");
  nt_recv(req, "late answer");
  nt_close(rep);
  nt_close(req);
}

static void test_pubsub(void) {
  char address[128];
  int pub = bound(NN_PUB, address);
  int sub1 = connected(NN_SUB, address), sub2 = connected(NN_SUB, address);
  CHECK_OK(nn_setsockopt(sub1, NN_SUB, NN_SUB_SUBSCRIBE, "a", 1));
  CHECK_OK(nn_setsockopt(sub2, NN_SUB, NN_SUB_SUBSCRIBE, "", 0));
  nt_wait_connections(pub, 2);
  char buf[16];
  CHECK_ERR(nn_send(sub1, "x", 1, 0), ENOTSUP);
  CHECK_ERR(nn_recv(pub, buf, sizeof buf, 0), ENOTSUP);
  nt_send(pub, "banana");
  nt_send(pub, "apple");
  nt_recv(sub1, "apple"); /* the banana was filtered out */
  nt_recv(sub2, "banana");
  nt_recv(sub2, "apple");
  CHECK_OK(nn_setsockopt(sub1, NN_SUB, NN_SUB_UNSUBSCRIBE, "a", 1));
  CHECK_OK(nn_setsockopt(sub1, NN_SUB, NN_SUB_SUBSCRIBE, "c", 1));
  nt_send(pub, "avocado");
  nt_send(pub, "cherry");
  nt_recv(sub1, "cherry");
  nt_recv(sub2, "avocado");
  nt_recv(sub2, "cherry");
  /* PUB never blocks, even with nobody listening. */
  int lonely = nt_socket(AF_SP, NN_PUB);
  CHECK_EQ_INT(nn_send(lonely, "void", 4, NN_DONTWAIT), 4);
  nt_close(lonely);
  nt_close(pub);
  nt_close(sub1);
  nt_close(sub2);
}

static void test_pipeline(void) {
  char address[128];
  int push = bound(NN_PUSH, address);
  int pull1 = connected(NN_PULL, address), pull2 = connected(NN_PULL, address);
  nt_wait_connections(push, 2);
  char buf[16];
  CHECK_ERR(nn_recv(push, buf, sizeof buf, 0), ENOTSUP);
  CHECK_ERR(nn_send(pull1, "x", 1, 0), ENOTSUP);
  for (int i = 0; i < 10; ++i) nt_send(push, "job");
  int got1 = 0, got2 = 0;
  nt_setint(pull1, NN_SOL_SOCKET, NN_RCVTIMEO, 200);
  nt_setint(pull2, NN_SOL_SOCKET, NN_RCVTIMEO, 200);
  while (got1 + got2 < 10) {
    int before = got1 + got2;
    if (nn_recv(pull1, buf, sizeof buf, NN_DONTWAIT) == 3) ++got1;
    if (nn_recv(pull2, buf, sizeof buf, NN_DONTWAIT) == 3) ++got2;
    if (got1 + got2 == before) nt_sleep_ms(1);
  }
  CHECK(got1 > 0 && got2 > 0); /* load-balanced */
  nt_close(pull1);
  nt_close(pull2);
  nt_close(push);

  /* NN_SNDPRIO: while the priority-1 peer takes messages, the
   * priority-2 one gets none. */
  int first = bound(NN_PULL, address);
  char second_address[128];
  int second = bound(NN_PULL, second_address);
  push = nt_socket(AF_SP, NN_PUSH);
  nt_timeouts(push);
  nt_setint(push, NN_SOL_SOCKET, NN_SNDPRIO, 2);
  nt_connect(push, second_address);
  nt_setint(push, NN_SOL_SOCKET, NN_SNDPRIO, 1);
  nt_connect(push, address);
  nt_wait_connections(push, 2);
  for (int i = 0; i < 5; ++i) nt_send(push, "prio");
  for (int i = 0; i < 5; ++i) nt_recv(first, "prio");
  CHECK_ERR(nn_recv(second, buf, sizeof buf, NN_DONTWAIT), EAGAIN);
  nt_close(push);
  nt_close(first);
  nt_close(second);
}

static void test_survey(void) {
  char address[128];
  int sv = bound(NN_SURVEYOR, address);
  int r1 = connected(NN_RESPONDENT, address), r2 = connected(NN_RESPONDENT, address);
  nt_wait_connections(sv, 2);
  char buf[16];
  CHECK_ERR(nn_recv(sv, buf, sizeof buf, 0), EFSM);
  CHECK_ERR(nn_send(r1, "x", 1, 0), EFSM);
  nt_setint(sv, NN_SURVEYOR, NN_SURVEYOR_DEADLINE, NT_EVENT_TIMEOUT_MS);
  nt_send(sv, "who?");
  nt_recv(r1, "who?");
  nt_recv(r2, "who?");
  nt_send(r1, "me");
  nt_send(r2, "me");
  nt_recv(sv, "me");
  nt_recv(sv, "me");
  /* A survey nobody answers ends at its deadline: ETIMEDOUT once, then EFSM. */
  nt_setint(sv, NN_SURVEYOR, NN_SURVEYOR_DEADLINE, 100);
  nt_send(sv, "anyone?");
  nt_recv(r1, "anyone?");
  CHECK_ERR(nn_recv(sv, buf, sizeof buf, 0), ETIMEDOUT);
  CHECK_ERR(nn_recv(sv, buf, sizeof buf, 0), EFSM);
  nt_send(r1, "too late"); /* dropped by the surveyor */
  nt_close(sv);
  nt_close(r1);
  nt_close(r2);
}

static void test_bus(void) {
  char address[128];
  int a = bound(NN_BUS, address);
  int b = connected(NN_BUS, address), c = connected(NN_BUS, address);
  nt_wait_connections(a, 2);
  nt_send(a, "to all");
  nt_recv(b, "to all");
  nt_recv(c, "to all");
  nt_send(b, "from b");
  nt_recv(a, "from b");
  /* Not forwarded: c's next message is a's, not b's. */
  nt_send(a, "next");
  nt_recv(c, "next");
  char buf[16];
  CHECK_ERR(nn_recv(a, buf, sizeof buf, NN_DONTWAIT), EAGAIN); /* never its own */
  nt_close(a);
  nt_close(b);
  nt_close(c);
}

/* Large messages pass; NN_RCVMAXSIZE refuses bigger ones. */
static void test_sizes(void) {
  char address[128];
  int a = bound(NN_PAIR, address), b = connected(NN_PAIR, address);
  size_t big = 1000 * 1000;
  char* out = malloc(big);
  char* in = malloc(big);
  CHECK(out && in);
  for (size_t i = 0; i < big; ++i) out[i] = (char)(i * 7);
  CHECK_EQ_INT(nn_send(b, out, big, 0), (int)big);
  CHECK_EQ_INT(nn_recv(a, in, big, 0), (int)big);
  CHECK(memcmp(in, out, big) == 0);
  if (transport != NT_INPROC) { /* inproc moves messages, it never frames them */
    nt_setint(a, NN_SOL_SOCKET, NN_RCVMAXSIZE, 1000);
    nt_close(b);
    b = connected(NN_PAIR, address);
    nt_wait_connections(a, 1);
    CHECK_EQ_INT(nn_send(b, out, 2000, 0), 2000);
    nt_setint(a, NN_SOL_SOCKET, NN_RCVTIMEO, 300);
    CHECK_ERR(nn_recv(a, in, big, 0), ETIMEDOUT);
  }
  free(out);
  free(in);
  nt_close(a);
  nt_close(b);
}

int main(int argc, char** argv) {
  if (argc != 2) NT_FAIL("usage: %s inproc|ipc|tcp|ws", argv[0]);
  transport = nt_transport_named(argv[1]);
  test_pair();
  test_reqrep();
  test_request_before_server();
  test_pubsub();
  test_pipeline();
  test_survey();
  test_bus();
  test_sizes();
  return 0;
}
