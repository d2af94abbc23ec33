// Both ends of an ipc connection ask the kernel for a larger send buffer
// (transports/ipc/send_buffer.hpp): the default held only three 64 KiB
// messages, and a stream of large messages paid for it in wake-ups.
// Checked on the connection's own sockets, found among this process's
// descriptors: connected unix stream sockets.
#include <dirent.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "transports/ipc/send_buffer.hpp"
#include "transports/stream/stream_test_util.hpp"

namespace sprocket::test {
namespace {

int int_option(int fd, int option) {
  int value = -1;
  socklen_t size = sizeof value;
  if (::getsockopt(fd, SOL_SOCKET, option, &value, &size) != 0) return -1;
  return value;
}

// The send buffer of a new unix stream socket, after `request` (if any)
// was asked for: the kernel doubles and caps requests.
int send_buffer_of_new_socket(std::optional<int> request) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (request) ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &*request, sizeof *request);
  const int value = int_option(fd, SO_SNDBUF);
  ::close(fd);
  return value;
}

// The send buffers of this process's connected unix stream sockets.
std::vector<int> connected_unix_send_buffers() {
  std::vector<int> found;
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return found;
  while (const dirent* entry = ::readdir(dir)) {
    const int fd = std::atoi(entry->d_name);
    struct stat st {};
    if (entry->d_name[0] == '.' || ::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    if (int_option(fd, SO_DOMAIN) != AF_UNIX || int_option(fd, SO_TYPE) != SOCK_STREAM ||
        int_option(fd, SO_ACCEPTCONN) != 0)
      continue;
    sockaddr_un peer{};
    socklen_t size = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &size) != 0) continue;
    found.push_back(int_option(fd, SO_SNDBUF));
  }
  ::closedir(dir);
  return found;
}

TEST(IpcSendBufferTest, BothEndsOfAConnectionHaveTheLargerSendBuffer) {
  const int fresh = send_buffer_of_new_socket(std::nullopt);
  const int asked = send_buffer_of_new_socket(ipc::kSendBufferRequest);
  ASSERT_GT(asked, fresh) << "this kernel caps SO_SNDBUF (net.core.wmem_max) at or below the "
                             "default, so no ipc socket can have a larger send buffer here";
  ASSERT_TRUE(connected_unix_send_buffers().empty())
      << "a unix connection was open before the test";

  Socket server{sprocket::pair};
  Socket client{sprocket::pair};
  bound_blocking_calls(server);
  bound_blocking_calls(client);
  const std::string url = "ipc://" + unique_ipc_path();
  server.listen(url);
  client.dial(url);
  client.send("ping");
  EXPECT_EQ(to_string(server.recv()), "ping");

  const auto buffers = connected_unix_send_buffers();
  ASSERT_EQ(buffers.size(), 2u) << "the dialed and the accepted end";
  for (int b : buffers) EXPECT_EQ(b, asked) << "the default is " << fresh;
}

}  // namespace
}  // namespace sprocket::test
