/* WebSocket frame types between this library and nanomsg's own: built
 * twice (nn_ws_frames on this library, nn_ws_frames_real on nanomsg's).
 *   nn_ws_frames send URL text|binary DATA   sends DATA every 100 ms until killed
 *   nn_ws_frames sendmsg URL text|binary DATA   the same, the type given per
 *       message as control data (NN_WS / NN_WS_MSG_TYPE) on a socket whose
 *       own NN_WS_MSG_TYPE is the other one
 *   nn_ws_frames recv URL N                  prints N messages as "DATA TYPE",
 *       TYPE being the NN_WS_MSG_TYPE control entry nanomsg attaches (or "?")
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nanomsg/nn.h>
#include <nanomsg/pipeline.h>
#include <nanomsg/ws.h>

static int die(const char* what) {
  fprintf(stderr, "%s: %s\n", what, nn_strerror(nn_errno()));
  return 1;
}

int main(int argc, char** argv) {
  if (argc != 5 && !(argc == 4 && strcmp(argv[1], "recv") == 0)) {
    fprintf(stderr, "usage: %s send|sendmsg URL text|binary DATA | recv URL N\n", argv[0]);
    return 2;
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  int per_message = strcmp(argv[1], "sendmsg") == 0;
  if (strcmp(argv[1], "send") == 0 || per_message) {
    int s = nn_socket(AF_SP, NN_PUSH);
    int type = strcmp(argv[3], "text") == 0 ? NN_WS_MSG_TYPE_TEXT : NN_WS_MSG_TYPE_BINARY;
    int other = type == NN_WS_MSG_TYPE_TEXT ? NN_WS_MSG_TYPE_BINARY : NN_WS_MSG_TYPE_TEXT;
    int option = per_message ? other : type;
    if (s < 0 || nn_setsockopt(s, NN_WS, NN_WS_MSG_TYPE, &option, sizeof option) < 0)
      return die("socket");
    if (nn_connect(s, argv[2]) < 0) return die("connect");
    for (;;) {
      unsigned char control[NN_CMSG_SPACE(1)];
      struct nn_cmsghdr c = {NN_CMSG_LEN(1), NN_WS, NN_WS_MSG_TYPE};
      memset(control, 0, sizeof control);
      memcpy(control, &c, sizeof c);
      *NN_CMSG_DATA((struct nn_cmsghdr*)control) = (unsigned char)type;
      struct nn_iovec iov = {argv[4], strlen(argv[4])};
      struct nn_msghdr h;
      memset(&h, 0, sizeof h);
      h.msg_iov = &iov;
      h.msg_iovlen = 1;
      h.msg_control = per_message ? control : NULL;
      h.msg_controllen = per_message ? sizeof control : 0;
      if (nn_sendmsg(s, &h, 0) < 0) return die("send");
      usleep(100000);
    }
  }
  int s = nn_socket(AF_SP, NN_PULL);
  if (s < 0 || nn_bind(s, argv[2]) < 0) return die("bind");
  for (int n = atoi(argv[3]); n > 0; --n) {
    char body[256];
    /* The library allocates the control data (NN_MSG): nanomsg's walker
     * stops only at the end of the buffer, so it must hold nothing else. */
    void* control = NULL;
    struct nn_iovec iov = {body, sizeof body - 1};
    struct nn_msghdr h;
    memset(&h, 0, sizeof h);
    h.msg_iov = &iov;
    h.msg_iovlen = 1;
    h.msg_control = &control;
    h.msg_controllen = NN_MSG;
    int rc = nn_recvmsg(s, &h, 0);
    if (rc < 0) return die("recv");
    body[rc < (int)sizeof body - 1 ? rc : (int)sizeof body - 1] = '\0';
    int type = -1;
    for (struct nn_cmsghdr* c = NN_CMSG_FIRSTHDR(&h); c; c = NN_CMSG_NXTHDR(&h, c))
      if (c->cmsg_level == NN_WS && c->cmsg_type == NN_WS_MSG_TYPE) type = *NN_CMSG_DATA(c);
    if (type < 0)
      printf("%s ?\n", body);
    else
      printf("%s %d\n", body, type);
    nn_freemsg(control);
  }
  return 0;
}
