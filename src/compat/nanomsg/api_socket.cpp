// The C entry points for sockets, endpoints, options and termination.
#include "nanomsg/nn.h"
#include "src/compat/nanomsg/errors.hpp"
#include "src/compat/nanomsg/socket_table.hpp"

using sprocket::nanomsg::SocketTable;

extern "C" {

int nn_socket(int domain, int protocol) { return SocketTable::instance().open(domain, protocol); }

int nn_close(int s) { return SocketTable::instance().close(s); }

int nn_bind(int s, const char* addr) {
  auto sock = SocketTable::instance().find(s);
  return sock ? sock->add_endpoint(addr, true) : -1;
}

int nn_connect(int s, const char* addr) {
  auto sock = SocketTable::instance().find(s);
  return sock ? sock->add_endpoint(addr, false) : -1;
}

int nn_shutdown(int s, int how) {
  auto sock = SocketTable::instance().find(s);
  return sock ? sock->shutdown(how) : -1;
}

int nn_setsockopt(int s, int level, int option, const void* optval, size_t optvallen) {
  auto sock = SocketTable::instance().find(s);
  return sock ? sock->set_option(level, option, optval, optvallen) : -1;
}

int nn_getsockopt(int s, int level, int option, void* optval, size_t* optvallen) {
  auto sock = SocketTable::instance().find(s);
  return sock ? sock->get_option(level, option, optval, optvallen) : -1;
}

void nn_term(void) { SocketTable::instance().terminate(); }

}  // extern "C"
