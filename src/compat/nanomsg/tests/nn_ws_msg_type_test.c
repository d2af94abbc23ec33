/* NN_WS_MSG_TYPE per message, as control data: nn_recvmsg attaches the type
 * of each message received over ws (level NN_WS, type NN_WS_MSG_TYPE, one
 * byte: the frame's opcode, NN_WS_MSG_TYPE_TEXT or _BINARY) after the SP
 * header entry, and nn_sendmsg sends a message in the frame type its control
 * data names, whatever the socket's NN_WS_MSG_TYPE; without one the socket
 * option decides. Messages that came over tcp carry no such entry. */
#include "nn_testutil.h"

/* A control entry found in a received message's control data. */
struct found {
  int sp_first; /* the SP_HDR entry came first */
  int ws_type;  /* the NN_WS_MSG_TYPE byte, -1 if there was no entry */
  size_t ws_len;
};

static struct found walk(struct nn_msghdr* h) {
  struct found f = {0, -1, 0};
  int index = 0;
  for (struct nn_cmsghdr* c = NN_CMSG_FIRSTHDR(h); c; c = NN_CMSG_NXTHDR(h, c), ++index) {
    if (c->cmsg_level == PROTO_SP && c->cmsg_type == SP_HDR && index == 0) f.sp_first = 1;
    if (c->cmsg_level == NN_WS && c->cmsg_type == NN_WS_MSG_TYPE) {
      f.ws_type = *NN_CMSG_DATA(c);
      f.ws_len = c->cmsg_len;
    }
  }
  return f;
}

/* Receives one message on `s` with NN_MSG control data; checks the body. */
static struct found recv_with_control(int s, const char* expected) {
  char body[64];
  void* control = NULL;
  struct nn_iovec iov = {body, sizeof body};
  struct nn_msghdr h = nt_msghdr(&iov, &control, NN_MSG);
  int rc = nn_recvmsg(s, &h, 0);
  CHECK(rc == (int)strlen(expected) && memcmp(body, expected, (size_t)rc) == 0);
  struct found f = walk(&h);
  nn_freemsg(control);
  return f;
}

/* Sends `text` on `s` with an NN_WS_MSG_TYPE control entry of `type` (in a
 * caller's buffer, or NN_MSG when `allocated`). */
static int send_typed(int s, const char* text, unsigned char type, int allocated) {
  struct nn_iovec iov = {(void*)text, strlen(text)};
  struct nn_msghdr h = nt_msghdr(&iov, NULL, 0);
  unsigned char buffer[NN_CMSG_SPACE(1)];
  unsigned char* control = buffer;
  if (allocated) control = nn_allocmsg(sizeof buffer, 0);
  CHECK(control != NULL);
  memset(control, 0, sizeof buffer);
  struct nn_cmsghdr c = {NN_CMSG_LEN(1), NN_WS, NN_WS_MSG_TYPE};
  memcpy(control, &c, sizeof c);
  *NN_CMSG_DATA((struct nn_cmsghdr*)control) = type;
  if (allocated) {
    h.msg_control = &control;
    h.msg_controllen = NN_MSG;
  } else {
    h.msg_control = control;
    h.msg_controllen = sizeof buffer;
  }
  int rc = nn_sendmsg(s, &h, 0);
  if (rc < 0 && allocated) nn_freemsg(control);
  return rc;
}

static void pair_over(const char* scheme, int* a, int* b) {
  *a = nt_socket(AF_SP, NN_PAIR);
  *b = nt_socket(AF_SP, NN_PAIR);
  nt_timeouts(*a);
  nt_timeouts(*b);
  char address[128];
  nt_bind_fresh(*a, strcmp(scheme, "ws") == 0 ? NT_WS : NT_TCP, address, sizeof address);
  nt_connect(*b, address);
}

static void expect_type(int s, const char* body, int type) {
  struct found f = recv_with_control(s, body);
  CHECK(f.sp_first);
  if (f.ws_type != type) NT_FAIL("%s: NN_WS_MSG_TYPE %d, expected %d", body, f.ws_type, type);
  /* nanomsg writes the entry's whole space as its length. */
  if (type >= 0) CHECK_EQ_INT(f.ws_len, NN_CMSG_SPACE(1));
}

static void test_received_type_and_per_message_type(void) {
  int a, b;
  pair_over("ws", &a, &b);
  /* b sends binary by default: the control entry overrides it. */
  CHECK_OK(send_typed(b, "text by message", NN_WS_MSG_TYPE_TEXT, 0));
  expect_type(a, "text by message", NN_WS_MSG_TYPE_TEXT);
  nt_send(b, "binary by socket");
  expect_type(a, "binary by socket", NN_WS_MSG_TYPE_BINARY);
  CHECK_OK(send_typed(b, "binary by message", NN_WS_MSG_TYPE_BINARY, 1));
  expect_type(a, "binary by message", NN_WS_MSG_TYPE_BINARY);
  /* A text socket: binary by message, text without one. */
  int a2 = nt_socket(AF_SP, NN_PAIR);
  nt_timeouts(a2);
  nt_setint(a2, NN_WS, NN_WS_MSG_TYPE, NN_WS_MSG_TYPE_TEXT);
  char address[128];
  nt_bind_fresh(a2, NT_WS, address, sizeof address);
  int b2 = nt_socket(AF_SP, NN_PAIR);
  nt_timeouts(b2);
  nt_connect(b2, address);
  CHECK_OK(send_typed(a2, "binary on a text socket", NN_WS_MSG_TYPE_BINARY, 0));
  expect_type(b2, "binary on a text socket", NN_WS_MSG_TYPE_BINARY);
  nt_send(a2, "text by socket");
  expect_type(b2, "text by socket", NN_WS_MSG_TYPE_TEXT);
  /* A received NN_MSG buffer sent on with nn_send carries no type (as in
   * nanomsg): the sending socket's option decides. */
  CHECK_OK(send_typed(b2, "relayed", NN_WS_MSG_TYPE_TEXT, 0));
  void* buffer = NULL;
  CHECK_EQ_INT(nn_recv(a2, &buffer, NN_MSG, 0), 7);
  CHECK_OK(nn_send(b2, &buffer, NN_MSG, 0)); /* b2's socket sends binary */
  expect_type(a2, "relayed", NN_WS_MSG_TYPE_BINARY);
  nt_close(a);
  nt_close(b);
  nt_close(a2);
  nt_close(b2);
}

static void test_bad_and_short_control(void) {
  int a, b;
  pair_over("ws", &a, &b);
  /* Neither text nor binary. */
  CHECK_ERR(send_typed(b, "bad", 0x09, 0), EINVAL);
  CHECK_ERR(send_typed(b, "bad", 0, 0), EINVAL);
  /* No data byte. */
  struct nn_cmsghdr c = {NN_CMSG_LEN(0), NN_WS, NN_WS_MSG_TYPE};
  unsigned char control[NN_CMSG_SPACE(1)];
  memset(control, 0, sizeof control);
  memcpy(control, &c, sizeof c);
  struct nn_iovec iov = {"x", 1};
  struct nn_msghdr h = nt_msghdr(&iov, control, sizeof control);
  CHECK_ERR(nn_sendmsg(b, &h, 0), EINVAL);
  /* A caller's control buffer with room for the SP header entry only: that
   * entry alone is written. */
  nt_send(b, "short");
  unsigned char small[NN_CMSG_SPACE(sizeof(size_t))];
  memset(small, 0xAB, sizeof small);
  char body[16];
  struct nn_iovec riov = {body, sizeof body};
  h = nt_msghdr(&riov, small, sizeof small);
  CHECK_EQ_INT(nn_recvmsg(a, &h, 0), 5);
  struct found f = walk(&h);
  CHECK(f.sp_first);
  CHECK_EQ_INT(f.ws_type, -1);
  nt_close(a);
  nt_close(b);
}

static void test_tcp_messages_carry_no_type(void) {
  int a, b;
  pair_over("tcp", &a, &b);
  /* The entry is accepted (nanomsg keeps it) and means nothing over tcp. */
  CHECK_OK(send_typed(b, "over tcp", NN_WS_MSG_TYPE_TEXT, 0));
  expect_type(a, "over tcp", -1);
  nt_close(a);
  nt_close(b);
}

int main(void) {
  test_received_type_and_per_message_type();
  test_bad_and_short_control();
  test_tcp_messages_carry_no_type();
  return 0;
}
