// The process's nanomsg sockets, by descriptor (the int nn_socket returns),
// and the library's terminated state (nn_term).
#pragma once

#include <array>
#include <memory>
#include <mutex>

#include "src/compat/nanomsg/nn_socket.hpp"

namespace sprocket::nanomsg {

class SocketTable {
 public:
  /// nanomsg's limit on open sockets: nn_socket fails with EMFILE beyond it.
  static constexpr int kMaxSockets = 512;

  /// The process-wide table (never destroyed: sockets may be used until exit).
  static SocketTable& instance();

  /// nn_socket: the new descriptor (the lowest free one), or -1 with errno.
  int open(int domain, int protocol);
  /// The socket for `fd`, or nullptr with errno EBADF.
  std::shared_ptr<NnSocket> find(int fd);
  /// nn_close: 0, or -1 with errno EBADF.
  int close(int fd);
  /// nn_term: closes every socket; they stay in the table (calls on them
  /// fail with ETERM) until nn_close, and nn_socket fails from now on.
  void terminate();

 private:
  std::mutex mu_;
  std::array<std::shared_ptr<NnSocket>, kMaxSockets> sockets_;
};

}  // namespace sprocket::nanomsg
