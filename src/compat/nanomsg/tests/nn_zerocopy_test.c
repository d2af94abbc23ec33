/* NN_MSG buffers (nn_allocmsg, receiving into library memory), scatter
 * and gather with nn_sendmsg / nn_recvmsg, and the control data that
 * carries the SP header of raw sockets (NN_CMSG_* and nn_cmsg_nxthdr_). */
#include <stddef.h>

#include "nn_testutil.h"

static void pair_of(int* a, int* b) {
  char address[128];
  *a = nt_socket(AF_SP, NN_PAIR);
  *b = nt_socket(AF_SP, NN_PAIR);
  nt_timeouts(*a);
  nt_timeouts(*b);
  nt_bind_fresh(*a, NT_INPROC, address, sizeof address);
  nt_connect(*b, address);
}

static void test_nn_msg(void) {
  int a, b;
  pair_of(&a, &b);
  /* A buffer from nn_allocmsg is handed over, not copied: over inproc the
   * receiver gets the very same memory. */
  size_t size = 100000;
  char* out = nn_allocmsg(size, 0);
  CHECK(out != NULL);
  memset(out, 'z', size);
  void* sent = out;
  CHECK_EQ_INT(nn_send(b, &out, NN_MSG, 0), (int)size);
  void* in = NULL;
  CHECK_EQ_INT(nn_recv(a, &in, NN_MSG, 0), (int)size);
  NT_DIFFERS(CHECK(in == sent)); /* nanomsg copies across inproc */
  CHECK(((char*)in)[size - 1] == 'z');
  /* A received buffer can be resized and sent on. */
  in = nn_reallocmsg(in, 3);
  CHECK(in != NULL);
  memcpy(in, "abc", 3);
  CHECK_EQ_INT(nn_send(a, &in, NN_MSG, 0), 3);
  nt_recv(b, "abc");
  /* Small messages too, and receiving into NN_MSG from ordinary sends. */
  nt_send(b, "tiny");
  char* tiny = NULL;
  CHECK_EQ_INT(nn_recv(a, &tiny, NN_MSG, 0), 4);
  CHECK(memcmp(tiny, "tiny", 4) == 0);
  CHECK_OK(nn_freemsg(tiny));
  /* A failed send leaves the buffer with the caller. */
  int lonely = nt_socket(AF_SP, NN_PAIR);
  char* kept = nn_allocmsg(5, 0);
  memcpy(kept, "kept!", 5);
  CHECK_ERR(nn_send(lonely, &kept, NN_MSG, NN_DONTWAIT), EAGAIN);
  CHECK(memcmp(kept, "kept!", 5) == 0);
  CHECK_EQ_INT(nn_send(b, &kept, NN_MSG, 0), 5);
  nt_recv(a, "kept!");
  nt_close(lonely);
  /* Bad buffers (nanomsg crashes on the first two). */
  void* none = NULL;
  NT_DIFFERS(CHECK_ERR(nn_send(b, &none, NN_MSG, 0), EFAULT));
  NT_DIFFERS(CHECK_ERR(nn_send(b, NULL, NN_MSG, 0), EFAULT));
  CHECK_ERR(nn_send(b, NULL, 3, 0), EFAULT);
  NT_DIFFERS(CHECK_ERR(nn_recv(a, NULL, NN_MSG, NN_DONTWAIT), EFAULT));
  /* Truncation: nn_recv reports the whole size. */
  nt_send(b, "0123456789");
  char four[4];
  CHECK_EQ_INT(nn_recv(a, four, sizeof four, 0), 10);
  CHECK(memcmp(four, "0123", 4) == 0);
  nt_send(b, "xy");
  CHECK_EQ_INT(nn_recv(a, NULL, 0, 0), 2);
  nt_close(a);
  nt_close(b);
}

static void test_scatter_gather(void) {
  int a, b;
  pair_of(&a, &b);
  struct nn_iovec out[3] = {{"ab", 2}, {"", 0}, {"cde", 3}};
  struct nn_msghdr h;
  memset(&h, 0, sizeof h);
  h.msg_iov = out;
  h.msg_iovlen = 3;
  CHECK_EQ_INT(nn_sendmsg(b, &h, 0), 5);
  char r1[2], r2[10];
  struct nn_iovec in[2] = {{r1, 2}, {r2, 10}};
  memset(&h, 0, sizeof h);
  h.msg_iov = in;
  h.msg_iovlen = 2;
  CHECK_EQ_INT(nn_recvmsg(a, &h, 0), 5);
  CHECK(memcmp(r1, "ab", 2) == 0 && memcmp(r2, "cde", 3) == 0);
  /* Truncated gather: the size is still the whole message. */
  nt_send(b, "0123456789");
  in[1].iov_len = 3;
  CHECK_EQ_INT(nn_recvmsg(a, &h, 0), 10);
  CHECK(memcmp(r1, "01", 2) == 0 && memcmp(r2, "234", 3) == 0);
  /* NN_MSG in both directions. */
  void* msg = nn_allocmsg(6, 0);
  memcpy(msg, "single", 6);
  struct nn_iovec one = {&msg, NN_MSG};
  memset(&h, 0, sizeof h);
  h.msg_iov = &one;
  h.msg_iovlen = 1;
  CHECK_EQ_INT(nn_sendmsg(b, &h, 0), 6);
  void* got = NULL;
  struct nn_iovec into = {&got, NN_MSG};
  h.msg_iov = &into;
  CHECK_EQ_INT(nn_recvmsg(a, &h, 0), 6);
  CHECK(memcmp(got, "single", 6) == 0);
  CHECK_OK(nn_freemsg(got));
  /* No buffers: an empty message. */
  memset(&h, 0, sizeof h);
  CHECK_EQ_INT(nn_sendmsg(b, &h, 0), 0);
  CHECK_EQ_INT(nn_recv(a, r2, sizeof r2, 0), 0);
  /* The early checks. */
  CHECK_ERR(nn_sendmsg(b, NULL, 0), EINVAL);
  CHECK_ERR(nn_recvmsg(a, NULL, 0), EINVAL);
  h.msg_iovlen = -1;
  CHECK_ERR(nn_sendmsg(b, &h, 0), EMSGSIZE);
  struct nn_iovec mixed[2] = {{NULL, NN_MSG}, {"a", 1}};
  h.msg_iov = mixed;
  h.msg_iovlen = 2;
  CHECK_ERR(nn_sendmsg(b, &h, 0), EINVAL);
  struct nn_iovec null_base = {NULL, 3};
  h.msg_iov = &null_base;
  h.msg_iovlen = 1;
  CHECK_ERR(nn_sendmsg(b, &h, 0), EFAULT);
  memset(&h, 0, sizeof h);
  CHECK_ERR(nn_recvmsg(a, &h, NN_DONTWAIT), EAGAIN);
  nt_close(a);
  nt_close(b);
}

static void test_cmsg_macros(void) {
  CHECK_EQ_INT(sizeof(struct nn_cmsghdr), 16);
  CHECK_EQ_INT(NN_CMSG_SPACE(0), 16);
  CHECK_EQ_INT(NN_CMSG_SPACE(12), 32);
  CHECK_EQ_INT(NN_CMSG_LEN(12), 28);
  /* Walk a buffer holding two entries. */
  unsigned char buf[64];
  memset(buf, 0, sizeof buf);
  struct nn_cmsghdr* first = (struct nn_cmsghdr*)buf;
  first->cmsg_len = NN_CMSG_LEN(3);
  first->cmsg_level = 7;
  struct nn_cmsghdr* second = (struct nn_cmsghdr*)(buf + NN_CMSG_SPACE(3));
  second->cmsg_len = NN_CMSG_LEN(8);
  second->cmsg_level = 9;
  CHECK(NN_CMSG_DATA(first) == buf + 16);
  struct nn_msghdr h;
  memset(&h, 0, sizeof h);
  h.msg_control = buf;
  h.msg_controllen = NN_CMSG_SPACE(3) + NN_CMSG_SPACE(8);
  CHECK(NN_CMSG_FIRSTHDR(&h) == first);
  CHECK(NN_CMSG_NXTHDR(&h, first) == second);
  CHECK(NN_CMSG_NXTHDR(&h, second) == NULL);
  h.msg_controllen = 8; /* too small for a header */
  CHECK(NN_CMSG_FIRSTHDR(&h) == NULL);
  h.msg_control = NULL;
  CHECK(NN_CMSG_FIRSTHDR(&h) == NULL);
}

/* The SP header of the (only) control entry, with its size. */
static size_t sp_header(struct nn_msghdr* h, unsigned char* out) {
  struct nn_cmsghdr* c = NN_CMSG_FIRSTHDR(h);
  CHECK(c != NULL && c->cmsg_level == PROTO_SP && c->cmsg_type == SP_HDR);
  size_t n;
  memcpy(&n, NN_CMSG_DATA(c), sizeof n);
  CHECK(c->cmsg_len == NN_CMSG_LEN(sizeof n + n));
  memcpy(out, NN_CMSG_DATA(c) + sizeof n, n);
  return n;
}

/* A raw REP shows the request's header in the control data and routes the
 * reply by the header given back with nn_sendmsg. */
static void test_raw_headers(void) {
  char address[128];
  int rep = nt_socket(AF_SP_RAW, NN_REP), req = nt_socket(AF_SP, NN_REQ);
  nt_timeouts(rep);
  nt_timeouts(req);
  nt_bind_fresh(rep, NT_INPROC, address, sizeof address);
  nt_connect(req, address);
  nt_send(req, "hello");
  char body[16];
  unsigned char control[64], header[64];
  struct nn_iovec iov = {body, sizeof body};
  struct nn_msghdr h = nt_msghdr(&iov, control, sizeof control);
  CHECK_EQ_INT(nn_recvmsg(rep, &h, 0), 5);
  size_t n = sp_header(&h, header);
  CHECK_EQ_INT(n, 8); /* the pipe word and the request id */
  CHECK(header[4] & 0x80);
  /* Reply with the same header. */
  memcpy(body, "hi back", 7);
  iov.iov_len = 7;
  CHECK_EQ_INT(nn_sendmsg(rep, &h, 0), 7);
  nt_recv(req, "hi back");

  /* The control buffer allocated by the library (NN_MSG), freed by sending it. */
  nt_send(req, "again");
  void* ctl = NULL;
  h.msg_control = &ctl;
  h.msg_controllen = NN_MSG;
  iov.iov_len = sizeof body;
  CHECK_EQ_INT(nn_recvmsg(rep, &h, 0), 5);
  CHECK(ctl != NULL);
  CHECK_EQ_INT(sp_header(&h, header), 8);
  iov.iov_len = 2;
  CHECK_EQ_INT(nn_sendmsg(rep, &h, 0), 2);
  nt_recv(req, "ag");

  /* A control buffer too small for the entry receives nothing. */
  nt_send(req, "third");
  unsigned char small[20];
  memset(small, 0xee, sizeof small);
  h.msg_control = small;
  h.msg_controllen = sizeof small;
  iov.iov_len = sizeof body;
  CHECK_EQ_INT(nn_recvmsg(rep, &h, 0), 5);
  for (size_t i = 0; i < sizeof small; ++i) CHECK(small[i] == 0xee);
  /* A raw REP drops a message with no route, as nanomsg's does. */
  CHECK_EQ_INT(nn_send(rep, "lost", 4, 0), 4);
  nt_close(rep);
  nt_close(req);

  /* A cooked socket's control data holds an empty SP header. */
  int a, b;
  pair_of(&a, &b);
  nt_send(b, "plain");
  memset(control, 0xee, sizeof control);
  h.msg_control = control;
  h.msg_controllen = sizeof control;
  CHECK_EQ_INT(nn_recvmsg(a, &h, 0), 5);
  CHECK_EQ_INT(sp_header(&h, header), 0);
  nt_close(a);
  nt_close(b);
}

/* NN_MSG buffers are aligned as malloc's memory is (programs cast them to
 * their own structures): nn_allocmsg's, received ones of every size, and
 * control buffers (their nn_cmsghdr holds a size_t). */
static int max_aligned(const void* p) { return (uintptr_t)p % _Alignof(max_align_t) == 0; }

static void test_alignment(void) {
  static const size_t sizes[] = {0, 1, 7, 63, 64, 65, 1000, 70000};
  int a, b;
  pair_of(&a, &b);
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; ++i) {
    void* p = nn_allocmsg(sizes[i], 0);
    CHECK(p != NULL && max_aligned(p));
    p = nn_reallocmsg(p, sizes[i] + 3);
    CHECK(p != NULL && max_aligned(p));
    CHECK_OK(nn_freemsg(p));
    /* Received: from a plain send (the library's own buffer) and from an
     * NN_MSG one. */
    char body[70000] = {0};
    CHECK_EQ_INT(nn_send(b, body, sizes[i], 0), (int)sizes[i]);
    void* in = NULL;
    CHECK_EQ_INT(nn_recv(a, &in, NN_MSG, 0), (int)sizes[i]);
    CHECK(max_aligned(in));
    CHECK_EQ_INT(nn_send(a, &in, NN_MSG, 0), (int)sizes[i]);
    CHECK_EQ_INT(nn_recv(b, &in, NN_MSG, 0), (int)sizes[i]);
    CHECK(max_aligned(in));
    CHECK_OK(nn_freemsg(in));
  }
  nt_close(a);
  nt_close(b);
}

int main(void) {
  test_alignment();
  test_nn_msg();
  test_scatter_gather();
  test_cmsg_macros();
  test_raw_headers();
  return 0;
}
