#include "src/compat/nanomsg/socket_table.hpp"

#include <atomic>
#include <vector>

#include "nanomsg/nn.h"
#include "src/compat/nanomsg/errors.hpp"

namespace sprocket::nanomsg {
namespace {

std::atomic<bool> terminated{false};

}  // namespace

bool terminating() noexcept { return terminated.load(std::memory_order_acquire); }

SocketTable& SocketTable::instance() {
  static auto* table = new SocketTable;  // leaked on purpose: see the header
  return *table;
}

int SocketTable::open(int domain, int protocol) {
  if (domain != AF_SP && domain != AF_SP_RAW) return fail(EAFNOSUPPORT);
  const ProtocolTraits* traits = find_traits(protocol, domain == AF_SP_RAW);
  if (!traits) return fail(EINVAL);
  std::lock_guard lock(mu_);
  if (terminating()) return fail(ETERM);
  int fd = 0;
  while (fd < kMaxSockets && sockets_[fd]) ++fd;
  if (fd == kMaxSockets) return fail(EMFILE);
  try {
    auto s = std::make_shared<NnSocket>(fd, domain, *traits);
    s->start();
    sockets_[fd] = std::move(s);
  } catch (const std::bad_alloc&) {
    return fail(ENOMEM);
  } catch (const std::system_error& e) {
    return fail(errno_for(e.code(), Action::endpoint));
  }
  return fd;
}

std::shared_ptr<NnSocket> SocketTable::find(int fd) {
  if (fd >= 0 && fd < kMaxSockets) {
    std::lock_guard lock(mu_);
    if (sockets_[fd]) return sockets_[fd];
  }
  errno = EBADF;
  return nullptr;
}

int SocketTable::close(int fd) {
  std::shared_ptr<NnSocket> s;
  if (fd >= 0 && fd < kMaxSockets) {
    std::lock_guard lock(mu_);
    s = std::move(sockets_[fd]);
  }
  if (!s) return fail(EBADF);
  s->close();
  return 0;
}

void SocketTable::terminate() {
  std::vector<std::shared_ptr<NnSocket>> open;
  {
    std::lock_guard lock(mu_);
    terminated.store(true, std::memory_order_release);
    for (auto& s : sockets_)
      if (s) open.push_back(s);
  }
  for (auto& s : open) s->close();
}

}  // namespace sprocket::nanomsg
