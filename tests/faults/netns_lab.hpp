// A small network of "hosts" for fault tests: network namespaces the test
// makes itself, joined to the test process by veth pairs, with addresses
// it assigns. Nothing else is reachable from them.
//
// The test process lives in a namespace of its own too ("the client"),
// entered once, on the first Lab, before the first sprocket socket: the
// library's I/O threads start with that socket and inherit the namespace,
// so every socket the test opens is in it. That also lets a test tune TCP
// (keep-alive, retries) for its own namespace without touching the
// machine's.
//
// Each host gets its own /30 of a /24 chosen per process from its PID
// (10.<pid/256>.<pid%256>.0/24, moved on if the machine already routes it):
// the client end is .4k+1, the host's end ("eth0") .4k+2. The namespaces'
// names carry the PID (namespace_registry.hpp), so concurrent runs never
// collide, and they are removed by ~Lab, or at exit or on a fatal signal.
//
// Every function throws std::runtime_error naming the command and its
// error when the system refuses (not root, no iproute2...): the test fails
// with that message.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sprocket::test::faults {

/// One machine of the lab: a namespace joined to the client by one link.
struct Host {
  std::string name;            ///< the role given to add_host() ("ny")
  std::string netns;           ///< "sprocket-fault-<pid>-ny-<n>"
  std::string link;            ///< the veth end in the client's namespace
  std::string address;         ///< the host's address (its "eth0")
  std::string client_address;  ///< the client's address on the same /30
  bool present = false;        ///< the namespace exists
  bool link_up = false;

  /// "tcp://<address>:<port>".
  std::string tcp_url(std::uint16_t port) const;
};

class Lab {
 public:
  /// Enters the client namespace (the first Lab of the process makes it and
  /// removes stale namespaces of crashed runs first).
  Lab();
  /// Removes the hosts and restores the sysctls set through this Lab.
  ~Lab();
  Lab(const Lab&) = delete;
  Lab& operator=(const Lab&) = delete;

  /// Makes a host: its namespace, a link to the client, addresses, up.
  Host& add_host(std::string_view name);
  /// Partition: the host's end of the link goes down. The client's end
  /// loses carrier; packets are dropped silently, connections stay open.
  void cut(Host& host);
  /// Heals a cut: the host's end goes up again.
  void heal(Host& host);
  /// The host vanishes: its link is deleted (the client's route to it goes
  /// with it), then its namespace. Stop the processes inside first.
  void remove(Host& host);
  /// A removed host comes back with the same name and addresses.
  void restore(Host& host);

  /// Sets /proc/sys/net/<key> ("ipv4/tcp_retries2") in the client's
  /// namespace; ~Lab puts the first value it saw back.
  void set_client_sysctl(const std::string& key, const std::string& value);

  /// The client's namespace name.
  static const std::string& client_namespace();
  /// The threads of this process that are not in the client's namespace,
  /// as "tid (name)"; sprocket's I/O threads must not be among them.
  static std::vector<std::string> threads_outside_client_namespace();
  /// Addresses and link states of the client and every host, for failure
  /// messages.
  std::string describe() const;

 private:
  void create(Host& host);

  std::list<Host> hosts_;  // stable addresses: tests hold references
  std::map<std::string, std::string> saved_sysctls_;
};

/// Bytes sent and not yet acknowledged on this process's established TCP
/// connections to `address`:`port` (the largest, if several): what a cut
/// link holds back.
long unacknowledged_bytes_to(const std::string& address, std::uint16_t port);

/// Runs the `ip` program with `args`; throws with its stderr on failure.
void run_ip(const std::vector<std::string>& args);
/// Same, returning what it printed.
std::string ip_output(const std::vector<std::string>& args);

/// The `ip` program's path ("" when iproute2 was not found at configure time).
const char* ip_program();
/// fault_peer's path.
const char* peer_program();

}  // namespace sprocket::test::faults
