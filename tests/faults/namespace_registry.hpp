// The network namespaces a fault-test process has made, tracked so that
// they are removed however the process ends: by their owners' destructors
// normally, and by this registry at exit, on a fatal signal and on a
// sanitizer's death. A run killed outright (SIGKILL: a CTest timeout)
// leaves its namespaces behind; the next run removes those of dead
// processes (remove_stale_namespaces).
//
// Every name starts with kNamespacePrefix and the owner's PID:
// "sprocket-fault-<pid>-<role>". Removing a named namespace is what
// `ip netns del` does: detach the bind mount /run/netns/<name> and unlink
// it. Those are two system calls, safe in a signal handler; the kernel
// frees the namespace (and the veth ends in it) once no process is left
// inside, and the peers inside die with the test (PR_SET_PDEATHSIG).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sprocket::test::faults {

inline constexpr std::string_view kNamespacePrefix = "sprocket-fault-";
inline constexpr const char* kNetnsDir = "/run/netns";

/// "sprocket-fault-<this process's pid>-<role>".
std::string namespace_name(std::string_view role);

/// Remembers `name` for removal at exit or on a fatal signal. At most 64
/// names are tracked at once; more is a programming error (throws).
void track_namespace(std::string_view name);
/// Forgets `name` (its owner removed it).
void untrack_namespace(std::string_view name);

/// Installs the exit and signal hooks that remove tracked namespaces
/// (once per process; later calls do nothing).
void install_cleanup_hooks();

/// Removes the namespaces with kNamespacePrefix whose owner process is no
/// longer alive (left by a crashed earlier run); namespaces of live
/// processes (a concurrent run) are left alone. Returns the names removed.
std::vector<std::string> remove_stale_namespaces();

/// Removes the named namespace's mount and file, as `ip netns del` does.
/// True if it was there and is gone.
bool remove_namespace_name(std::string_view name);

}  // namespace sprocket::test::faults
