/* Sockets, options, errno values, symbols and message buffers of the
 * nanomsg API, with nanomsg 1.1.5's values and errors. */
#include "nn_testutil.h"

static const int kProtocols[] = {NN_PAIR, NN_PUB,        NN_SUB,        NN_REQ,
                                 NN_REP,  NN_PUSH,       NN_PULL,       NN_SURVEYOR,
                                 NN_RESPONDENT, NN_BUS};
#define PROTOCOL_COUNT ((int)(sizeof kProtocols / sizeof kProtocols[0]))

static void test_socket_creation(void) {
  for (int i = 0; i < PROTOCOL_COUNT; ++i) {
    for (int domain = AF_SP; domain <= AF_SP_RAW; ++domain) {
      int s = nt_socket(domain, kProtocols[i]);
      CHECK_EQ_INT(nt_getint(s, NN_SOL_SOCKET, NN_DOMAIN), domain);
      CHECK_EQ_INT(nt_getint(s, NN_SOL_SOCKET, NN_PROTOCOL), kProtocols[i]);
      nt_close(s);
    }
  }
  CHECK_ERR(nn_socket(0, NN_PAIR), EAFNOSUPPORT);
  CHECK_ERR(nn_socket(99, NN_PAIR), EAFNOSUPPORT);
  CHECK_ERR(nn_socket(AF_SP, 0), EINVAL);
  CHECK_ERR(nn_socket(AF_SP, NN_PAIR + 1), EINVAL);
  CHECK_ERR(nn_socket(AF_SP_RAW, 999), EINVAL);

  /* Descriptors are small integers, the lowest free one first. */
  int a = nt_socket(AF_SP, NN_PAIR);
  int b = nt_socket(AF_SP, NN_PAIR);
  nt_close(a);
  int c = nt_socket(AF_SP, NN_PAIR);
  CHECK_EQ_INT(c, a);
  nt_close(b);
  nt_close(c);
}

static void test_close(void) {
  int s = nt_socket(AF_SP, NN_PAIR);
  nt_close(s);
  CHECK_ERR(nn_close(s), EBADF);
  CHECK_ERR(nn_close(-1), EBADF);
  CHECK_ERR(nn_close(100000), EBADF);
  char buf[4];
  CHECK_ERR(nn_send(s, "x", 1, 0), EBADF);
  CHECK_ERR(nn_recv(s, buf, sizeof buf, 0), EBADF);
  CHECK_ERR(nn_bind(s, "inproc://closed"), EBADF);
  CHECK_ERR(nn_connect(s, "inproc://closed"), EBADF);
  CHECK_ERR(nn_shutdown(s, 1), EBADF);
  int v = 1;
  size_t sz = sizeof v;
  CHECK_ERR(nn_setsockopt(s, NN_SOL_SOCKET, NN_LINGER, &v, sizeof v), EBADF);
  CHECK_ERR(nn_getsockopt(s, NN_SOL_SOCKET, NN_LINGER, &v, &sz), EBADF);
  errno = 0;
  CHECK(nn_get_statistic(s, NN_STAT_MESSAGES_SENT) == (uint64_t)-1 && nn_errno() == EBADF);
}

static void test_emfile(void) {
  enum { SocketLimit = 512 };
  static int fds[SocketLimit];
  int n = 0;
  for (;;) {
    int s = nn_socket(AF_SP, NN_PAIR);
    if (s < 0) {
      CHECK_EQ_INT(nn_errno(), EMFILE);
      break;
    }
    CHECK(n < SocketLimit);
    fds[n++] = s;
  }
  CHECK_EQ_INT(n, SocketLimit); /* nanomsg's limit: 512 sockets */
  for (int i = 0; i < n; ++i) nt_close(fds[i]);
}

static void test_option_defaults(void) {
  int s = nt_socket(AF_SP, NN_PAIR);
  CHECK_EQ_INT(nt_getint(s, NN_SOL_SOCKET, NN_LINGER), 0);
  CHECK_EQ_INT(nt_getint(s, NN_SOL_SOCKET, NN_SNDBUF), 128 * 1024);
  CHECK_EQ_INT(nt_getint(s, NN_SOL_SOCKET, NN_RCVBUF), 128 * 1024);
  CHECK_EQ_INT(nt_getint(s, NN_SOL_SOCKET, NN_RCVMAXSIZE), 1024 * 1024);
  CHECK_EQ_INT(nt_getint(s, NN_SOL_SOCKET, NN_SNDTIMEO), -1);
  CHECK_EQ_INT(nt_getint(s, NN_SOL_SOCKET, NN_RCVTIMEO), -1);
  CHECK_EQ_INT(nt_getint(s, NN_SOL_SOCKET, NN_RECONNECT_IVL), 100);
  CHECK_EQ_INT(nt_getint(s, NN_SOL_SOCKET, NN_RECONNECT_IVL_MAX), 0);
  CHECK_EQ_INT(nt_getint(s, NN_SOL_SOCKET, NN_SNDPRIO), 8);
  CHECK_EQ_INT(nt_getint(s, NN_SOL_SOCKET, NN_RCVPRIO), 8);
  CHECK_EQ_INT(nt_getint(s, NN_SOL_SOCKET, NN_IPV4ONLY), 1);
  CHECK_EQ_INT(nt_getint(s, NN_SOL_SOCKET, NN_MAXTTL), 8);
  CHECK_EQ_INT(nt_getint(s, NN_TCP, NN_TCP_NODELAY), 0);
  CHECK_EQ_INT(nt_getint(s, NN_WS, NN_WS_MSG_TYPE), NN_WS_MSG_TYPE_BINARY);
  CHECK_EQ_INT(nt_getint(s, NN_IPC, NN_IPC_OUTBUFSZ), 4096);
  CHECK_EQ_INT(nt_getint(s, NN_IPC, NN_IPC_INBUFSZ), 4096);
  char name[64];
  size_t sz = sizeof name;
  memset(name, 'x', sizeof name);
  CHECK_OK(nn_getsockopt(s, NN_SOL_SOCKET, NN_SOCKET_NAME, name, &sz));
  char expected[16];
  snprintf(expected, sizeof expected, "%d", s);
  CHECK_EQ_INT(sz, strlen(expected));
  CHECK(memcmp(name, expected, sz) == 0 && name[sz] == '\0');
  nt_close(s);

  int req = nt_socket(AF_SP, NN_REQ);
  CHECK_EQ_INT(nt_getint(req, NN_REQ, NN_REQ_RESEND_IVL), 60000);
  nt_close(req);
  int sv = nt_socket(AF_SP, NN_SURVEYOR);
  CHECK_EQ_INT(nt_getint(sv, NN_SURVEYOR, NN_SURVEYOR_DEADLINE), 1000);
  nt_close(sv);
}

/* Sets `v`, reads it back. */
static void roundtrip(int s, int level, int option, int v) {
  nt_setint(s, level, option, v);
  CHECK_EQ_INT(nt_getint(s, level, option), v);
}

static void test_option_values(void) {
  int s = nt_socket(AF_SP, NN_PAIR);
  int v = 0;
  /* nanomsg 1.1.5 accepts NN_LINGER but reads back 0. */
  NT_DIFFERS(roundtrip(s, NN_SOL_SOCKET, NN_LINGER, 250));
  NT_DIFFERS(roundtrip(s, NN_SOL_SOCKET, NN_LINGER, -1));
  roundtrip(s, NN_SOL_SOCKET, NN_SNDBUF, 1);
  roundtrip(s, NN_SOL_SOCKET, NN_SNDBUF, 1 << 20);
  roundtrip(s, NN_SOL_SOCKET, NN_RCVBUF, 4096);
  roundtrip(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, -1);
  roundtrip(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, 0);
  roundtrip(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, 4 << 20);
  roundtrip(s, NN_SOL_SOCKET, NN_SNDTIMEO, 10);
  roundtrip(s, NN_SOL_SOCKET, NN_SNDTIMEO, -5);
  roundtrip(s, NN_SOL_SOCKET, NN_RCVTIMEO, 3000);
  roundtrip(s, NN_SOL_SOCKET, NN_RECONNECT_IVL, 0);
  roundtrip(s, NN_SOL_SOCKET, NN_RECONNECT_IVL, 20);
  roundtrip(s, NN_SOL_SOCKET, NN_RECONNECT_IVL_MAX, 5000);
  roundtrip(s, NN_SOL_SOCKET, NN_SNDPRIO, 1);
  roundtrip(s, NN_SOL_SOCKET, NN_SNDPRIO, 16);
  roundtrip(s, NN_SOL_SOCKET, NN_RCVPRIO, 3);
  roundtrip(s, NN_SOL_SOCKET, NN_IPV4ONLY, 0);
  roundtrip(s, NN_SOL_SOCKET, NN_IPV4ONLY, 1);
  roundtrip(s, NN_SOL_SOCKET, NN_MAXTTL, 1);
  roundtrip(s, NN_SOL_SOCKET, NN_MAXTTL, 255);
  roundtrip(s, NN_TCP, NN_TCP_NODELAY, 1);
  roundtrip(s, NN_WS, NN_WS_MSG_TYPE, NN_WS_MSG_TYPE_TEXT);
  roundtrip(s, NN_IPC, NN_IPC_OUTBUFSZ, 8192);
  roundtrip(s, NN_IPC, NN_IPC_INBUFSZ, 0);
  /* Windows security attributes: the value is the structure, kept by address. */
  struct { int dummy; } attributes;
  void* got = NULL;
  size_t sz = sizeof got;
  CHECK_OK(nn_setsockopt(s, NN_IPC, NN_IPC_SEC_ATTR, &attributes, sizeof attributes));
  CHECK_OK(nn_getsockopt(s, NN_IPC, NN_IPC_SEC_ATTR, &got, &sz));
  CHECK(got == (void*)&attributes && sz == sizeof got);

  /* Out of range. */
  const struct { int option, value; } bad[] = {
      {NN_SNDBUF, 0},       {NN_SNDBUF, -1},         {NN_RCVBUF, 0},
      {NN_RCVMAXSIZE, -2},  {NN_RECONNECT_IVL, -1},  {NN_RECONNECT_IVL_MAX, -1},
      {NN_SNDPRIO, 0},      {NN_SNDPRIO, 17},        {NN_RCVPRIO, 0},
      {NN_RCVPRIO, 17},     {NN_IPV4ONLY, 2},        {NN_IPV4ONLY, -1},
      {NN_MAXTTL, 0},       {NN_MAXTTL, 256},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i)
    CHECK_ERR(nn_setsockopt(s, NN_SOL_SOCKET, bad[i].option, &bad[i].value, sizeof(int)), EINVAL);
  v = 2;
  CHECK_ERR(nn_setsockopt(s, NN_TCP, NN_TCP_NODELAY, &v, sizeof v), EINVAL);
  v = 3;
  CHECK_ERR(nn_setsockopt(s, NN_WS, NN_WS_MSG_TYPE, &v, sizeof v), EINVAL);

  /* Sizes, buffers, unknown and read-only options. */
  CHECK_ERR(nn_setsockopt(s, NN_SOL_SOCKET, NN_LINGER, &v, 2), EINVAL);
  CHECK_ERR(nn_setsockopt(s, NN_SOL_SOCKET, NN_LINGER, &v, 8), EINVAL);
  CHECK_ERR(nn_setsockopt(s, NN_SOL_SOCKET, NN_LINGER, NULL, sizeof v), EFAULT);
  CHECK_ERR(nn_setsockopt(s, NN_SOL_SOCKET, 99, &v, sizeof v), ENOPROTOOPT);
  CHECK_ERR(nn_setsockopt(s, 12345, 1, &v, sizeof v), ENOPROTOOPT);
  CHECK_ERR(nn_setsockopt(s, NN_TCP, 99, &v, sizeof v), ENOPROTOOPT);
  CHECK_ERR(nn_setsockopt(s, NN_INPROC, 1, &v, sizeof v), ENOPROTOOPT);
  CHECK_ERR(nn_setsockopt(s, NN_IPC, 9, &v, sizeof v), ENOPROTOOPT);
  CHECK_ERR(nn_setsockopt(s, NN_SOL_SOCKET, NN_SNDFD, &v, sizeof v), ENOPROTOOPT);
  CHECK_ERR(nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVFD, &v, sizeof v), ENOPROTOOPT);
  CHECK_ERR(nn_setsockopt(s, NN_SOL_SOCKET, NN_DOMAIN, &v, sizeof v), ENOPROTOOPT);
  CHECK_ERR(nn_setsockopt(s, NN_SOL_SOCKET, NN_PROTOCOL, &v, sizeof v), ENOPROTOOPT);
  sz = sizeof v;
  CHECK_ERR(nn_getsockopt(s, NN_SOL_SOCKET, 99, &v, &sz), ENOPROTOOPT);
  CHECK_ERR(nn_getsockopt(s, 12345, 1, &v, &sz), ENOPROTOOPT);
  CHECK_ERR(nn_getsockopt(s, NN_SOL_SOCKET, NN_LINGER, NULL, &sz), EFAULT);
  NT_DIFFERS(CHECK_ERR(nn_getsockopt(s, NN_SOL_SOCKET, NN_LINGER, &v, NULL), EFAULT)); /* crashes nanomsg */

  /* A short buffer gets the value truncated and the full size reported. */
  nt_setint(s, NN_SOL_SOCKET, NN_SNDPRIO, 5);
  short little = 0;
  sz = sizeof little;
  CHECK_OK(nn_getsockopt(s, NN_SOL_SOCKET, NN_SNDPRIO, &little, &sz));
  CHECK_EQ_INT(sz, sizeof(int));
  CHECK_EQ_INT(little, 5); /* little-endian: the low half */

  /* NN_SOCKET_NAME: up to 63 bytes; the size read back excludes the NUL. */
  char name[100];
  memset(name, 'a', sizeof name);
  CHECK_ERR(nn_setsockopt(s, NN_SOL_SOCKET, NN_SOCKET_NAME, name, 64), EINVAL);
  CHECK_OK(nn_setsockopt(s, NN_SOL_SOCKET, NN_SOCKET_NAME, name, 63));
  CHECK_OK(nn_setsockopt(s, NN_SOL_SOCKET, NN_SOCKET_NAME, "hello", 5));
  char out[4];
  sz = sizeof out;
  CHECK_OK(nn_getsockopt(s, NN_SOL_SOCKET, NN_SOCKET_NAME, out, &sz));
  CHECK(sz == 5 && memcmp(out, "hell", 4) == 0);
  CHECK_OK(nn_setsockopt(s, NN_SOL_SOCKET, NN_SOCKET_NAME, NULL, 0));
  sz = sizeof name;
  CHECK_OK(nn_getsockopt(s, NN_SOL_SOCKET, NN_SOCKET_NAME, name, &sz));
  CHECK_EQ_INT(sz, 0);
  nt_close(s);
}

static void test_protocol_options(void) {
  int pair = nt_socket(AF_SP, NN_PAIR);
  int sub = nt_socket(AF_SP, NN_SUB);
  int req = nt_socket(AF_SP, NN_REQ);
  int sv = nt_socket(AF_SP, NN_SURVEYOR);
  int raw_req = nt_socket(AF_SP_RAW, NN_REQ);
  int raw_sv = nt_socket(AF_SP_RAW, NN_SURVEYOR);
  int raw_sub = nt_socket(AF_SP_RAW, NN_SUB);
  int v = 100;
  size_t sz = sizeof v;
  CHECK_OK(nn_setsockopt(sub, NN_SUB, NN_SUB_SUBSCRIBE, "abc", 3));
  CHECK_OK(nn_setsockopt(sub, NN_SUB, NN_SUB_SUBSCRIBE, "", 0));
  CHECK_OK(nn_setsockopt(sub, NN_SUB, NN_SUB_UNSUBSCRIBE, "abc", 3));
  CHECK_OK(nn_setsockopt(sub, NN_SUB, NN_SUB_UNSUBSCRIBE, "never", 5)); /* no error */
  CHECK_OK(nn_setsockopt(raw_sub, NN_SUB, NN_SUB_SUBSCRIBE, "a", 1));
  CHECK_ERR(nn_setsockopt(sub, NN_SUB, 3, "", 0), ENOPROTOOPT);
  CHECK_ERR(nn_getsockopt(sub, NN_SUB, NN_SUB_SUBSCRIBE, &v, &sz), ENOPROTOOPT);
  CHECK_ERR(nn_setsockopt(pair, NN_SUB, NN_SUB_SUBSCRIBE, "abc", 3), ENOPROTOOPT);
  roundtrip(req, NN_REQ, NN_REQ_RESEND_IVL, 250);
  roundtrip(sv, NN_SURVEYOR, NN_SURVEYOR_DEADLINE, 250);
  CHECK_ERR(nn_setsockopt(pair, NN_REQ, NN_REQ_RESEND_IVL, &v, sizeof v), ENOPROTOOPT);
  CHECK_ERR(nn_setsockopt(raw_req, NN_REQ, NN_REQ_RESEND_IVL, &v, sizeof v), ENOPROTOOPT);
  CHECK_ERR(nn_setsockopt(pair, NN_SURVEYOR, NN_SURVEYOR_DEADLINE, &v, sizeof v), ENOPROTOOPT);
  CHECK_ERR(nn_setsockopt(raw_sv, NN_SURVEYOR, NN_SURVEYOR_DEADLINE, &v, sizeof v), ENOPROTOOPT);
  CHECK_ERR(nn_setsockopt(req, NN_REQ, 2, &v, sizeof v), ENOPROTOOPT);
  CHECK_ERR(nn_getsockopt(pair, NN_REQ, NN_REQ_RESEND_IVL, &v, &sz), ENOPROTOOPT);
  CHECK_ERR(nn_setsockopt(pair, NN_PAIR, 1, &v, sizeof v), ENOPROTOOPT);

  /* NN_SNDFD / NN_RCVFD exist only for the directions a socket has. */
  int pub = nt_socket(AF_SP, NN_PUB), push = nt_socket(AF_SP, NN_PUSH);
  int pull = nt_socket(AF_SP, NN_PULL);
  CHECK_ERR(nn_getsockopt(pub, NN_SOL_SOCKET, NN_RCVFD, &v, &sz), ENOPROTOOPT);
  CHECK_ERR(nn_getsockopt(push, NN_SOL_SOCKET, NN_RCVFD, &v, &sz), ENOPROTOOPT);
  CHECK_ERR(nn_getsockopt(sub, NN_SOL_SOCKET, NN_SNDFD, &v, &sz), ENOPROTOOPT);
  CHECK_ERR(nn_getsockopt(pull, NN_SOL_SOCKET, NN_SNDFD, &v, &sz), ENOPROTOOPT);
  int rcv = nt_getint(pair, NN_SOL_SOCKET, NN_RCVFD);
  int snd = nt_getint(pair, NN_SOL_SOCKET, NN_SNDFD);
  CHECK(rcv >= 0 && snd >= 0 && rcv != snd);
  CHECK_EQ_INT(nt_getint(pair, NN_SOL_SOCKET, NN_RCVFD), rcv); /* the same one every time */

  int all[] = {pair, sub, req, sv, raw_req, raw_sv, raw_sub, pub, push, pull};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; ++i) nt_close(all[i]);
}

static void test_errors_and_symbols(void) {
  CHECK(strcmp(nn_strerror(ETERM), "Nanomsg library was terminated") == 0);
  CHECK(strcmp(nn_strerror(EFSM), "Operation cannot be performed in this state") == 0);
  CHECK(strcmp(nn_strerror(EINVAL), strerror(EINVAL)) == 0);
  CHECK_EQ_INT(ETERM, NN_HAUSNUMERO + 53);
  CHECK_EQ_INT(EFSM, NN_HAUSNUMERO + 54);
  errno = EMSGSIZE;
  CHECK_EQ_INT(nn_errno(), EMSGSIZE);

  int value = 0, count = 0, found_pair = 0, found_efsm = 0;
  const char* name;
  for (int i = 0; (name = nn_symbol(i, &value)) != NULL; ++i) {
    ++count;
    if (strcmp(name, "NN_PAIR") == 0) found_pair = value == NN_PAIR;
    if (strcmp(name, "EFSM") == 0) found_efsm = value == EFSM;
  }
  CHECK_EQ_INT(count, 121);
  CHECK(found_pair && found_efsm);
  CHECK(nn_symbol(count, &value) == NULL && nn_errno() == EINVAL);
  CHECK(nn_symbol(-1, &value) == NULL && nn_errno() == EINVAL);

  struct nn_symbol_properties p;
  int infos = 0, linger_ok = 0;
  for (int i = 0; nn_symbol_info(i, &p, sizeof p) > 0; ++i) {
    ++infos;
    if (strcmp(p.name, "NN_LINGER") == 0)
      linger_ok = p.value == NN_LINGER && p.ns == NN_NS_SOCKET_OPTION && p.type == NN_TYPE_INT &&
                  p.unit == NN_UNIT_MILLISECONDS;
  }
  CHECK(infos == count && linger_ok);
  CHECK_EQ_INT(nn_symbol_info(0, &p, sizeof p), (int)sizeof p);
  CHECK_EQ_INT(nn_symbol_info(0, &p, 4), 4);
  CHECK_EQ_INT(nn_symbol_info(count, &p, sizeof p), 0);
}

static void test_message_buffers(void) {
  CHECK(nn_allocmsg(10, 1) == NULL && nn_errno() == EINVAL);
  char* m = nn_allocmsg(5, 0);
  CHECK(m != NULL);
  memcpy(m, "hello", 5);
  m = nn_reallocmsg(m, 100000);
  CHECK(m != NULL && memcmp(m, "hello", 5) == 0);
  m[99999] = 'z';
  m = nn_reallocmsg(m, 3);
  CHECK(m != NULL && memcmp(m, "hel", 3) == 0);
  CHECK_OK(nn_freemsg(m));
  /* nanomsg crashes on pointers that are not message buffers. */
  char local;
  NT_DIFFERS(CHECK_ERR(nn_freemsg(NULL), EFAULT));
  NT_DIFFERS(CHECK_ERR(nn_freemsg(&local), EFAULT));
  NT_DIFFERS(CHECK(nn_reallocmsg(&local, 4) == NULL && nn_errno() == EFAULT));
  void* empty = nn_allocmsg(0, 0);
  CHECK(empty != NULL);
  CHECK_OK(nn_freemsg(empty));
}

static void test_statistics(void) {
  int a = nt_socket(AF_SP, NN_PAIR), b = nt_socket(AF_SP, NN_PAIR);
  nt_timeouts(a);
  nt_timeouts(b);
  char address[128];
  nt_bind_fresh(a, NT_TCP, address, sizeof address);
  nt_connect(b, address);
  nt_wait_connections(a, 1);
  nt_wait_connections(b, 1);
  nt_send(b, "hello");
  nt_send(b, "abc");
  nt_recv(a, "hello");
  nt_recv(a, "abc");
  CHECK_EQ_INT(nn_get_statistic(b, NN_STAT_MESSAGES_SENT), 2);
  CHECK_EQ_INT(nn_get_statistic(b, NN_STAT_BYTES_SENT), 8);
  CHECK_EQ_INT(nn_get_statistic(a, NN_STAT_MESSAGES_RECEIVED), 2);
  CHECK_EQ_INT(nn_get_statistic(a, NN_STAT_BYTES_RECEIVED), 8);
  CHECK_EQ_INT(nn_get_statistic(b, NN_STAT_ESTABLISHED_CONNECTIONS), 1);
  CHECK_EQ_INT(nn_get_statistic(a, NN_STAT_ACCEPTED_CONNECTIONS), 1);
  CHECK_EQ_INT(nn_get_statistic(a, NN_STAT_CURRENT_CONNECTIONS), 1);
  CHECK_EQ_INT(nn_get_statistic(b, NN_STAT_INPROGRESS_CONNECTIONS), 0);
  CHECK_EQ_INT(nn_get_statistic(b, NN_STAT_CURRENT_SND_PRIORITY), 0); /* PAIR: not load-balanced */
  errno = 0;
  CHECK(nn_get_statistic(a, 999) == (uint64_t)-1 && nn_errno() == EINVAL);
  CHECK(nn_get_statistic(-1, NN_STAT_MESSAGES_SENT) == (uint64_t)-1 && nn_errno() == EBADF);

  /* The peer goes away: a broken connection for the dialer, which then
   * fails to reconnect (connect errors, an endpoint in error). */
  nt_close(a);
  int64_t until = nt_now_ms() + NT_EVENT_TIMEOUT_MS;
  while (nn_get_statistic(b, NN_STAT_BROKEN_CONNECTIONS) < 1 ||
         nn_get_statistic(b, NN_STAT_CONNECT_ERRORS) < 1 ||
         nn_get_statistic(b, NN_STAT_CURRENT_EP_ERRORS) < 1) {
    CHECK(nt_now_ms() < until);
    nt_sleep_ms(5);
  }
  CHECK_EQ_INT(nn_get_statistic(b, NN_STAT_CURRENT_CONNECTIONS), 0);
  nt_close(b);

  /* Load-balancing sockets report the priority their messages go to. */
  int push = nt_socket(AF_SP, NN_PUSH), pull = nt_socket(AF_SP, NN_PULL);
  CHECK_EQ_INT(nn_get_statistic(push, NN_STAT_CURRENT_SND_PRIORITY), 0);
  nt_setint(push, NN_SOL_SOCKET, NN_SNDPRIO, 3);
  nt_bind_fresh(pull, NT_INPROC, address, sizeof address);
  nt_connect(push, address);
  nt_wait_connections(push, 1);
  CHECK_EQ_INT(nn_get_statistic(push, NN_STAT_CURRENT_SND_PRIORITY), 3);
  CHECK_ERR(nn_bind(pull, "tcp://*:0"), EINVAL);
  CHECK_EQ_INT(nn_get_statistic(pull, NN_STAT_BIND_ERRORS), 0); /* nn_bind reported it */
  nt_close(push);
  nt_close(pull);
}

int main(void) {
  test_socket_creation();
  test_close();
  test_emfile();
  test_option_defaults();
  test_option_values();
  test_protocol_options();
  test_errors_and_symbols();
  test_message_buffers();
  test_statistics();
  return 0;
}
