/* Endpoint addresses: nanomsg's syntax (interfaces, relative ipc paths,
 * empty inproc names), endpoint ids, nn_shutdown, and the errno of every
 * kind of bad address. */
#include <limits.h>
#include <poll.h>
#include <sys/stat.h>

#include "nn_testutil.h"

static void test_errors(void) {
  int s = nt_socket(AF_SP, NN_PAIR);
  CHECK_ERR(nn_bind(s, NULL), EINVAL);
  CHECK_ERR(nn_connect(s, NULL), EINVAL);
  CHECK_ERR(nn_bind(s, ""), EINVAL);
  CHECK_ERR(nn_bind(s, "tcp-127.0.0.1:5555"), EINVAL);
  CHECK_ERR(nn_bind(s, "foo://x"), EPROTONOSUPPORT);
  CHECK_ERR(nn_connect(s, "udp://127.0.0.1:5555"), EPROTONOSUPPORT);
  CHECK_ERR(nn_bind(s, "tcp://"), EINVAL);
  CHECK_ERR(nn_bind(s, "tcp://*"), EINVAL);
  CHECK_ERR(nn_bind(s, "tcp://*:0"), EINVAL);
  CHECK_ERR(nn_bind(s, "tcp://*:99999"), EINVAL);
  CHECK_ERR(nn_bind(s, "tcp://127.0.0.1:-1"), EINVAL);
  CHECK_ERR(nn_bind(s, "tcp://127.0.0.1:5x"), EINVAL);
  CHECK_ERR(nn_connect(s, "tcp://localhost"), EINVAL);
  CHECK_ERR(nn_connect(s, "tcp://:5555"), EINVAL);
  CHECK_ERR(nn_connect(s, "tcp://localhost:0"), EINVAL);
  CHECK_ERR(nn_connect(s, "tcp://bad host:5555"), EINVAL);
  NT_DIFFERS(CHECK_ERR(nn_bind(s, "ipc://"), EINVAL)); /* nanomsg binds an unnamed socket */
  /* Interfaces that do not exist. */
  CHECK_ERR(nn_bind(s, "tcp://nn-no-such-if0:5555"), ENODEV);
  CHECK_ERR(nn_bind(s, "tcp://nn-no-such-if0;127.0.0.1:5555"), ENODEV);
  CHECK_ERR(nn_connect(s, "tcp://nn-no-such-if0;127.0.0.1:5555"), ENODEV);
  /* nanomsg takes any address literal here and fails in the background. */
  NT_DIFFERS(CHECK_ERR(nn_connect(s, "tcp://192.0.2.1;127.0.0.1:5555"), EADDRNOTAVAIL));
  CHECK_ERR(nn_bind(s, "ws://nn-no-such-if0:5555"), ENODEV);
  /* A name is no local interface to bind to; an address must be ours. */
  CHECK_ERR(nn_bind(s, "tcp://bogus.host.invalid:5555"), ENODEV);
  CHECK_ERR(nn_bind(s, "tcp://192.0.2.1:5555"), EADDRNOTAVAIL);
  /* NN_IPV4ONLY (on by default) refuses IPv6. */
  CHECK_ERR(nn_connect(s, "tcp://[::1]:5555"), EINVAL);
  CHECK_ERR(nn_bind(s, "tcp://[::1]:5555"), ENODEV);
  /* Addresses up to NN_SOCKADDR_MAX - 1 bytes. */
  char longest[NN_SOCKADDR_MAX + 10];
  memset(longest, 'a', sizeof longest);
  memcpy(longest, "inproc://", 9);
  longest[NN_SOCKADDR_MAX] = '\0';
  CHECK_ERR(nn_bind(s, longest), ENAMETOOLONG);
  longest[NN_SOCKADDR_MAX - 1] = '\0';
  CHECK_OK(nn_bind(s, longest));
  /* ipc: the directory must exist. */
  CHECK_ERR(nn_bind(s, "ipc:///nonexistent-nn-dir/x.sock"), ENOENT);
  CHECK_OK(nn_connect(s, "ipc:///nonexistent-nn-dir/x.sock")); /* connects in the background */
  /* Names resolve in the background: connect succeeds at once. */
  CHECK_OK(nn_connect(s, "tcp://nonexistent.invalid:5555"));
  nt_close(s);
}

static void test_endpoint_ids_and_shutdown(void) {
  int a = nt_socket(AF_SP, NN_PAIR), b = nt_socket(AF_SP, NN_PAIR);
  nt_timeouts(a);
  nt_timeouts(b);
  char address[128];
  snprintf(address, sizeof address, "inproc://ids-%d", (int)getpid());
  int e1 = nn_bind(a, address);
  CHECK_EQ_INT(e1, 1); /* endpoint ids count from 1, per socket */
  CHECK_ERR(nn_bind(a, address), EADDRINUSE);
  CHECK_ERR(nn_bind(b, address), EADDRINUSE);
  int e2 = nn_connect(a, "inproc://elsewhere");
  CHECK_EQ_INT(e2, 2); /* a failed call uses no id */
  CHECK_ERR(nn_shutdown(a, 99), EINVAL);
  CHECK_ERR(nn_shutdown(a, -1), EINVAL);
  CHECK_OK(nn_shutdown(a, e2));
  CHECK_ERR(nn_shutdown(a, e2), EINVAL);
  nt_connect(b, address);
  nt_send(b, "one");
  nt_recv(a, "one");
  /* Shut the listener down: the address is free again. */
  CHECK_OK(nn_shutdown(a, e1));
  int c = nt_socket(AF_SP, NN_PAIR);
  CHECK_OK(nn_bind(c, address));
  nt_close(a);
  nt_close(b);
  nt_close(c);
}

/* A ping and a pong between `a`, already bound, and a socket connected to
 * `connect_address`; closes `a`. */
static void exchange_with(int a, const char* connect_address) {
  int b = nt_socket(AF_SP, NN_PAIR);
  nt_timeouts(b);
  nt_connect(b, connect_address);
  nt_send(b, "ping");
  nt_recv(a, "ping");
  nt_send(a, "pong");
  nt_recv(b, "pong");
  nt_close(a);
  nt_close(b);
}

static void exchange(const char* bind_address, const char* connect_address) {
  int a = nt_socket(AF_SP, NN_PAIR);
  nt_timeouts(a);
  CHECK_OK(nn_bind(a, bind_address));
  exchange_with(a, connect_address);
}

/* exchange() on a free port: the formats take the port (%d). Another
 * process may take the port between the pick and the bind: then another. */
static void exchange_on_free_port(const char* bind_format, const char* connect_format) {
  char bind_address[128], connect_address[128];
  for (int attempt = 0; attempt < 20; ++attempt) {
    int port = nt_free_port();
    snprintf(bind_address, sizeof bind_address, bind_format, port);
    snprintf(connect_address, sizeof connect_address, connect_format, port);
    int a = nt_socket(AF_SP, NN_PAIR);
    nt_timeouts(a);
    if (nn_bind(a, bind_address) >= 0) return exchange_with(a, connect_address);
    if (nn_errno() != EADDRINUSE) NT_FAIL("nn_bind(%s): %s", bind_address, nn_strerror(nn_errno()));
    nt_close(a);
  }
  NT_FAIL("no free port for %s", bind_format);
}

static void test_address_forms(void) {
  char connect_address[128];
  /* The empty inproc name is a name like any other. */
  exchange("inproc://", "inproc://");
  /* A relative ipc path is relative to the working directory. */
  char dir[] = "/tmp/nn-address-XXXXXX", cwd[PATH_MAX];
  CHECK(mkdtemp(dir) != NULL && getcwd(cwd, sizeof cwd) != NULL);
  CHECK(chdir(dir) == 0);
  int a = nt_socket(AF_SP, NN_PAIR), b = nt_socket(AF_SP, NN_PAIR);
  nt_timeouts(a);
  nt_timeouts(b);
  CHECK_OK(nn_bind(a, "ipc://relative.sock"));
  struct stat st;
  CHECK(stat("relative.sock", &st) == 0 && S_ISSOCK(st.st_mode));
  snprintf(connect_address, sizeof connect_address, "ipc://%s/relative.sock", dir);
  nt_connect(b, connect_address);
  nt_send(b, "relative");
  nt_recv(a, "relative");
  nt_close(a);
  nt_close(b);
  CHECK(chdir(cwd) == 0);
  unlink(connect_address + 6);
  CHECK(rmdir(dir) == 0);
  /* tcp: *, an address of this machine, the loopback interface by name,
   * a host name; the connect side's local interface before ';'. */
  exchange_on_free_port("tcp://*:%d", "tcp://localhost:%d");
  /* Debian's nanomsg: ENODEV for lo */
  NT_DIFFERS(exchange_on_free_port("tcp://lo:%d", "tcp://lo;127.0.0.1:%d"));
  exchange_on_free_port("tcp://127.0.0.1:%d", "tcp://127.0.0.1;127.0.0.1:%d");
  /* ws: the port defaults to 80 (not bindable in a test), paths select listeners. */
  exchange_on_free_port("ws://*:%d", "ws://127.0.0.1:%d");
  /* nanomsg: EINVAL binding an address with a path */
  NT_DIFFERS(exchange_on_free_port("ws://127.0.0.1:%d/some/path", "ws://localhost:%d/some/path"));
}

/* A plain TCP listener on 127.0.0.1 (port chosen by the system); returns
 * its descriptor and stores the port. */
static int raw_listener(int* port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, (struct sockaddr*)&a, sizeof a) != 0 || listen(fd, 8) != 0 ||
      getsockname(fd, (struct sockaddr*)&a, &len) != 0)
    NT_FAIL("raw listener: %s", strerror(errno));
  *port = ntohs(a.sin_port);
  return fd;
}

/* Connects an nn socket to `format` (with the listener's port) and returns
 * the address the listener sees the connection come from. */
static void peer_of_connect(const char* format, char* peer, size_t size) {
  int port = 0;
  int listener = raw_listener(&port);
  char address[128];
  snprintf(address, sizeof address, format, port);
  int s = nt_socket(AF_SP, NN_PAIR);
  CHECK_OK(nn_connect(s, address));
  struct pollfd p = {listener, POLLIN, 0};
  if (poll(&p, 1, NT_EVENT_TIMEOUT_MS) != 1) NT_FAIL("%s: no connection arrived", address);
  struct sockaddr_in from;
  socklen_t len = sizeof from;
  int conn = accept(listener, (struct sockaddr*)&from, &len);
  if (conn < 0) NT_FAIL("accept: %s", strerror(errno));
  inet_ntop(AF_INET, &from.sin_addr, peer, (socklen_t)size);
  close(conn);
  close(listener);
  nt_close(s);
}

/* The local part of a connect address is where the connection leaves from
 * (Linux answers for all of 127.0.0.0/8 on lo, so 127.0.0.2 is ours). */
static void test_connect_local_address(void) {
  char peer[INET_ADDRSTRLEN];
  peer_of_connect("tcp://127.0.0.2;127.0.0.1:%d", peer, sizeof peer);
  if (strcmp(peer, "127.0.0.2") != 0) NT_FAIL("tcp connection came from %s, not 127.0.0.2", peer);
  peer_of_connect("ws://127.0.0.2;127.0.0.1:%d/path", peer, sizeof peer);
  if (strcmp(peer, "127.0.0.2") != 0) NT_FAIL("ws connection came from %s, not 127.0.0.2", peer);
  /* Without one, the routing table chooses (127.0.0.1 on lo). */
  peer_of_connect("tcp://127.0.0.1:%d", peer, sizeof peer);
  if (strcmp(peer, "127.0.0.1") != 0) NT_FAIL("tcp connection came from %s", peer);
  /* An interface name stands for its (first IPv4) address. */
  NT_DIFFERS(peer_of_connect("tcp://lo;127.0.0.1:%d", peer, sizeof peer);
             if (strcmp(peer, "127.0.0.1") != 0) NT_FAIL("lo connection came from %s", peer));
}

static void test_ipv6(void) {
  /* Only where the machine has IPv6 loopback. */
  int probe = socket(AF_INET6, SOCK_STREAM, 0);
  if (probe < 0) return;
  close(probe);
  int a = nt_socket(AF_SP, NN_PAIR), b = nt_socket(AF_SP, NN_PAIR);
  nt_timeouts(a);
  nt_timeouts(b);
  nt_setint(a, NN_SOL_SOCKET, NN_IPV4ONLY, 0);
  nt_setint(b, NN_SOL_SOCKET, NN_IPV4ONLY, 0);
  char bind_address[64], connect_address[64];
  int port = nt_free_port();
  snprintf(bind_address, sizeof bind_address, "tcp://*:%d", port);
  snprintf(connect_address, sizeof connect_address, "tcp://[::1]:%d", port);
  if (nn_bind(a, bind_address) < 0) {
    nt_close(a);
    nt_close(b);
    return; /* no IPv6 on this machine */
  }
  nt_connect(b, connect_address);
  nt_send(b, "six");
  nt_recv(a, "six");
  nt_close(a);
  nt_close(b);
}

static void test_addresses_in_use(void) {
  const enum nt_transport kinds[] = {NT_IPC, NT_TCP, NT_WS};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; ++i) {
    int a = nt_socket(AF_SP, NN_PAIR), b = nt_socket(AF_SP, NN_PAIR);
    char address[128];
    nt_bind_fresh(a, kinds[i], address, sizeof address);
    CHECK_ERR(nn_bind(b, address), EADDRINUSE);
    nt_close(a);
    nt_close(b);
  }
}

int main(void) {
  test_errors();
  test_endpoint_ids_and_shutdown();
  test_address_forms();
  test_connect_local_address();
  test_ipv6();
  test_addresses_in_use();
  return 0;
}
