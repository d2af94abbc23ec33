/* A C program written for nanomsg 1.1.5, built with
 * `cc main.c $(pkg-config --cflags --libs nanomsg)` against the installed
 * tree: a REQ asks a REP over ipc, the reply is printed. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>

int main(void) {
  char url[64];
  snprintf(url, sizeof url, "ipc:///tmp/nanomsg-consumer-%d.sock", (int)getpid());
  int rep = nn_socket(AF_SP, NN_REP);
  int req = nn_socket(AF_SP, NN_REQ);
  int timeout = 10000;
  if (rep < 0 || req < 0 || nn_bind(rep, url) < 0 || nn_connect(req, url) < 0 ||
      nn_setsockopt(req, NN_SOL_SOCKET, NN_RCVTIMEO, &timeout, sizeof timeout) < 0 ||
      nn_setsockopt(rep, NN_SOL_SOCKET, NN_RCVTIMEO, &timeout, sizeof timeout) < 0) {
    fprintf(stderr, "setup: %s\n", nn_strerror(nn_errno()));
    return 1;
  }
  char* request = NULL;
  if (nn_send(req, "hello", 5, 0) != 5 || nn_recv(rep, &request, NN_MSG, 0) != 5) {
    fprintf(stderr, "request: %s\n", nn_strerror(nn_errno()));
    return 1;
  }
  /* Echo the request back, zero-copy. */
  if (nn_send(rep, &request, NN_MSG, 0) != 5) {
    fprintf(stderr, "reply: %s\n", nn_strerror(nn_errno()));
    return 1;
  }
  char reply[16];
  int n = nn_recv(req, reply, sizeof reply, 0);
  if (n != 5) {
    fprintf(stderr, "recv: %s\n", nn_strerror(nn_errno()));
    return 1;
  }
  printf("%.*s\n", n, reply);
  nn_close(req);
  nn_close(rep);
  return 0;
}
