#include "faults/namespace_registry.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SPROCKET_FAULTS_SANITIZER 1
// From <sanitizer/common_interface_defs.h>, which not every GCC ships.
extern "C" void __sanitizer_set_death_callback(void (*callback)(void));
#endif

namespace sprocket::test::faults {
namespace {

// A fixed table a signal handler can walk without allocating or locking:
// a slot is claimed (free -> writing), filled, then published (-> used).
constexpr std::size_t kSlots = 64;
constexpr std::size_t kNameMax = 96;
enum SlotState : int { kFree, kWriting, kUsed };

struct Slot {
  std::atomic<int> state{kFree};
  char name[kNameMax] = {};
};
std::array<Slot, kSlots> slots;

// Async-signal-safe: umount2 and unlink only, the path built on the stack.
bool remove_name_raw(const char* name) {
  char path[sizeof "/run/netns/" + kNameMax];
  const std::size_t dir = std::strlen(kNetnsDir);
  const std::size_t len = std::strlen(name);
  if (len == 0 || dir + 1 + len >= sizeof path) return false;
  std::memcpy(path, kNetnsDir, dir);
  path[dir] = '/';
  std::memcpy(path + dir + 1, name, len + 1);
  ::umount2(path, MNT_DETACH);  // fails harmlessly if not mounted
  return ::unlink(path) == 0;
}

void remove_tracked() {
  for (auto& slot : slots) {
    int expected = kUsed;
    if (slot.state.compare_exchange_strong(expected, kWriting)) {
      remove_name_raw(slot.name);
      slot.state.store(kFree);
    }
  }
}

// Fatal signals: remove the namespaces, then let the previous disposition
// (the default, or a sanitizer's report) handle the signal.
constexpr std::array kFatalSignals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT,
                                      SIGSEGV, SIGBUS, SIGFPE, SIGILL};
std::array<struct sigaction, 32> previous{};

void on_fatal_signal(int sig) {
  const int saved_errno = errno;
  remove_tracked();
  ::sigaction(sig, &previous[static_cast<std::size_t>(sig)], nullptr);
  errno = saved_errno;
  // A fault re-executes the faulting instruction on return and reaches the
  // previous handler that way; other signals are raised again.
  if (sig != SIGSEGV && sig != SIGBUS && sig != SIGFPE && sig != SIGILL) ::raise(sig);
}

bool alive(pid_t pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

// The owner's PID in "sprocket-fault-<pid>-...", or 0 if it has none.
pid_t owner_of(std::string_view name) {
  if (name.substr(0, kNamespacePrefix.size()) != kNamespacePrefix) return 0;
  name.remove_prefix(kNamespacePrefix.size());
  pid_t pid = 0;
  std::size_t i = 0;
  for (; i < name.size() && name[i] >= '0' && name[i] <= '9' && i < 9; ++i)
    pid = pid * 10 + (name[i] - '0');
  if (i == 0 || i >= name.size() || name[i] != '-') return 0;
  return pid;
}

}  // namespace

std::string namespace_name(std::string_view role) {
  return std::string(kNamespacePrefix) + std::to_string(::getpid()) + "-" + std::string(role);
}

void track_namespace(std::string_view name) {
  if (name.size() >= kNameMax) throw std::length_error("namespace name too long: " + std::string(name));
  for (auto& slot : slots) {
    int expected = kFree;
    if (!slot.state.compare_exchange_strong(expected, kWriting)) continue;
    std::memcpy(slot.name, name.data(), name.size());
    slot.name[name.size()] = '\0';
    slot.state.store(kUsed);
    return;
  }
  throw std::length_error("more than 64 network namespaces tracked at once");
}

void untrack_namespace(std::string_view name) {
  for (auto& slot : slots) {
    int expected = kUsed;
    if (!slot.state.compare_exchange_strong(expected, kWriting)) continue;
    if (name == slot.name) {
      slot.state.store(kFree);
      return;
    }
    slot.state.store(kUsed);
  }
}

void install_cleanup_hooks() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::atexit(remove_tracked);
    for (int sig : kFatalSignals) {
      struct sigaction action {};
      action.sa_handler = on_fatal_signal;
      sigemptyset(&action.sa_mask);
      ::sigaction(sig, &action, &previous[static_cast<std::size_t>(sig)]);
    }
#ifdef SPROCKET_FAULTS_SANITIZER
    // A sanitizer report ends the process with _exit, past atexit.
    __sanitizer_set_death_callback(remove_tracked);
#endif
  });
}

std::vector<std::string> remove_stale_namespaces() {
  std::vector<std::string> removed;
  DIR* dir = ::opendir(kNetnsDir);
  if (!dir) return removed;  // no namespaces at all yet
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(dir)) names.emplace_back(entry->d_name);
  ::closedir(dir);
  for (const auto& name : names) {
    const pid_t owner = owner_of(name);
    if (owner == 0 || owner == ::getpid() || alive(owner)) continue;
    if (remove_namespace_name(name)) removed.push_back(name);
  }
  return removed;
}

bool remove_namespace_name(std::string_view name) {
  return remove_name_raw(std::string(name).c_str());
}

}  // namespace sprocket::test::faults
