#include "faults/netns_lab.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "child_process.hpp"
#include "faults/namespace_registry.hpp"

namespace sprocket::test::faults {
namespace {

using namespace std::chrono_literals;

std::runtime_error failure(const std::string& what) { return std::runtime_error(what); }

std::string join(const std::vector<std::string>& args) {
  std::string s;
  for (const auto& a : args) s += (s.empty() ? "" : " ") + a;
  return s;
}

// ---------------------------------------------------------------- addresses

struct Prefix {
  std::uint32_t address = 0;
  int length = 32;
};

bool parse_prefix(std::string_view text, Prefix& p) {
  unsigned a, b, c, d;
  int length = 32;
  const std::string s(text);
  int got = std::sscanf(s.c_str(), "%u.%u.%u.%u/%d", &a, &b, &c, &d, &length);
  if (got < 4 || a > 255 || b > 255 || c > 255 || d > 255 || length < 0 || length > 32) return false;
  p.address = (a << 24) | (b << 16) | (c << 8) | d;
  p.length = length;
  return true;
}

bool overlap(const Prefix& x, const Prefix& y) {
  const int common = std::min(x.length, y.length);
  const std::uint32_t mask = common == 0 ? 0 : ~std::uint32_t{0} << (32 - common);
  return (x.address & mask) == (y.address & mask);
}

// Every IPv4 prefix the current namespace has as an address or a route
// (the default route aside).
std::vector<Prefix> prefixes_in_use() {
  std::vector<Prefix> used;
  std::istringstream addrs(ip_output({"-4", "-o", "addr", "show"}));
  for (std::string word; addrs >> word;) {
    Prefix p;
    if (word == "inet" && addrs >> word && parse_prefix(word, p)) used.push_back(p);
  }
  std::istringstream routes(ip_output({"-4", "route", "show", "table", "all"}));
  for (std::string line; std::getline(routes, line);) {
    std::istringstream words(line);
    std::string first, second;
    words >> first >> second;
    Prefix p;
    if (parse_prefix(first, p) || parse_prefix(second, p)) used.push_back(p);
  }
  return used;
}

// 10.<pid / 256>.<pid % 256>.0/24, or the next free /24 after it.
std::string choose_subnet() {
  const auto used = prefixes_in_use();
  std::uint32_t index = static_cast<std::uint32_t>(::getpid()) & 0xffff;
  for (int attempt = 0; attempt < 65536; ++attempt, index = (index + 1) & 0xffff) {
    Prefix candidate{(10u << 24) | (index << 8), 24};
    bool free = true;
    for (const auto& u : used) free = free && !overlap(candidate, u);
    if (free) return "10." + std::to_string(index >> 8) + "." + std::to_string(index & 0xff) + ".";
  }
  throw failure("no free /24 in 10.0.0.0/8 for the fault-test hosts");
}

// ---------------------------------------------------------------- the client

struct ProcessNetwork {
  std::string client;
  std::string subnet;  // "10.a.b."
  std::atomic<unsigned> next_host{0};
};

void check_prerequisites() {
  if (::geteuid() != 0)
    throw failure(
        "fault tests must run as root: they create network namespaces and veth pairs with "
        "`ip netns` (tools/test.sh and CI run as root)");
  if (ip_program()[0] == '\0' || ::access(ip_program(), X_OK) != 0)
    throw failure(std::string("fault tests need iproute2's `ip` (apt-get install iproute2; "
                              "tools/test.sh installs it), not found at configure time: '") +
                  ip_program() + "'");
}

// Makes the client namespace and moves the calling thread into it.
void enter_client(ProcessNetwork& net) {
  check_prerequisites();
  install_cleanup_hooks();
  for (const auto& stale : remove_stale_namespaces())
    std::cerr << "fault tests: removed stale namespace " << stale << " of a dead run\n";
  net.subnet = choose_subnet();  // checked against the machine's namespace
  net.client = namespace_name("client");
  run_ip({"netns", "add", net.client});
  track_namespace(net.client);
  const std::string path = std::string(kNetnsDir) + "/" + net.client;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    throw failure("setns(" + path + "): " + why);
  }
  ::close(fd);
  run_ip({"-n", net.client, "link", "set", "lo", "up"});
}

ProcessNetwork& process_network() {
  static ProcessNetwork net;
  static std::once_flag once;
  std::call_once(once, [] { enter_client(net); });  // a throw leaves it for the next try
  return net;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::string value;
  std::getline(in, value);
  return value;
}

// "net:[4026532...]": which network namespace a task is in.
std::string namespace_of(const std::string& task) {
  char buf[64] = {};
  const std::string link = task + "/ns/net";
  return ::readlink(link.c_str(), buf, sizeof buf - 1) > 0 ? std::string(buf) : std::string("?");
}

void write_file(const std::string& path, const std::string& value) {
  std::ofstream out(path);
  out << value << '\n';
  out.flush();
  if (!out) throw failure("cannot write '" + value + "' to " + path);
}

}  // namespace

const char* ip_program() { return SPROCKET_IP_PROGRAM; }
const char* peer_program() { return SPROCKET_FAULT_PEER; }

std::string ip_output(const std::vector<std::string>& args) {
  std::vector<std::string> argv{ip_program()};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess ip(argv);
  if (!ip.running()) throw failure("cannot run " + join(argv) + ": " + ip.error());
  const int code = ip.wait_exit(30s);
  if (code != 0)
    throw failure(join(argv) + " failed (exit " + std::to_string(code) + "): " + ip.errors());
  return ip.output();
}

void run_ip(const std::vector<std::string>& args) { ip_output(args); }

long unacknowledged_bytes_to(const std::string& address, std::uint16_t port) {
  // /proc/self/net/tcp: "sl local rem st tx_queue:rx_queue ...", addresses
  // as the kernel's 32-bit word in hex and the port in hex.
  in_addr a{};
  if (::inet_pton(AF_INET, address.c_str(), &a) != 1) return -1;
  char remote[32];
  std::snprintf(remote, sizeof remote, "%08X:%04X", static_cast<unsigned>(a.s_addr),
                static_cast<unsigned>(port));
  std::ifstream table("/proc/self/net/tcp");
  long most = 0;
  std::string line;
  std::getline(table, line);  // the header
  while (std::getline(table, line)) {
    std::istringstream words(line);
    std::string slot, local, rem, state, queues;
    words >> slot >> local >> rem >> state >> queues;
    if (rem != remote || state != "01") continue;  // 01: established
    most = std::max(most, std::stol(queues.substr(0, queues.find(':')), nullptr, 16));
  }
  return most;
}

std::string Host::tcp_url(std::uint16_t port) const {
  return "tcp://" + address + ":" + std::to_string(port);
}

Lab::Lab() { process_network(); }

Lab::~Lab() {
  for (auto& host : hosts_) {
    try {
      if (host.present) remove(host);
    } catch (const std::exception& e) {
      std::cerr << "fault tests: cleaning up host " << host.name << ": " << e.what() << '\n';
    }
  }
  for (const auto& [key, value] : saved_sysctls_) {
    try {
      write_file("/proc/sys/net/" + key, value);
    } catch (const std::exception& e) {
      std::cerr << "fault tests: " << e.what() << '\n';
    }
  }
}

const std::string& Lab::client_namespace() { return process_network().client; }

Host& Lab::add_host(std::string_view name) {
  auto& net = process_network();
  const unsigned n = net.next_host++;
  const unsigned k = n % 64;  // the /30 in the /24
  Host& host = hosts_.emplace_back();
  host.name = std::string(name);
  host.netns = namespace_name(host.name + "-" + std::to_string(n));
  host.link = "f" + std::to_string(n);
  host.client_address = net.subnet + std::to_string(4 * k + 1);
  host.address = net.subnet + std::to_string(4 * k + 2);
  create(host);
  return host;
}

void Lab::create(Host& host) {
  const std::string& client = Lab::client_namespace();
  run_ip({"netns", "add", host.netns});
  track_namespace(host.netns);
  host.present = true;
  run_ip({"link", "add", host.link, "netns", client, "type", "veth", "peer", "name", "eth0",
          "netns", host.netns});
  run_ip({"-n", client, "addr", "add", host.client_address + "/30", "dev", host.link});
  run_ip({"-n", host.netns, "addr", "add", host.address + "/30", "dev", "eth0"});
  run_ip({"-n", host.netns, "link", "set", "lo", "up"});
  run_ip({"-n", host.netns, "link", "set", "eth0", "up"});
  run_ip({"-n", client, "link", "set", host.link, "up"});
  host.link_up = true;
}

void Lab::cut(Host& host) {
  run_ip({"-n", host.netns, "link", "set", "eth0", "down"});
  host.link_up = false;
}

void Lab::heal(Host& host) {
  run_ip({"-n", host.netns, "link", "set", "eth0", "up"});
  host.link_up = true;
}

void Lab::remove(Host& host) {
  // Deleting one end of a veth pair deletes both, at once; the namespace
  // itself is freed by the kernel later, when nothing is left inside.
  host.present = false;
  host.link_up = false;
  std::string errors;
  try {
    run_ip({"-n", Lab::client_namespace(), "link", "del", host.link});
  } catch (const std::exception& e) {
    errors = e.what();
  }
  if (!remove_namespace_name(host.netns)) errors += " (namespace " + host.netns + " was not there)";
  untrack_namespace(host.netns);
  if (!errors.empty()) throw failure("removing host " + host.name + ": " + errors);
}

void Lab::restore(Host& host) { create(host); }

void Lab::set_client_sysctl(const std::string& key, const std::string& value) {
  process_network();
  const std::string path = "/proc/sys/net/" + key;
  if (!saved_sysctls_.count(key)) saved_sysctls_[key] = read_file(path);
  write_file(path, value);
}

std::vector<std::string> Lab::threads_outside_client_namespace() {
  const std::string self = "/proc/self/task/";
  const std::string client_ns = namespace_of(self + std::to_string(::getpid()));
  std::vector<std::string> outside;
  DIR* dir = ::opendir(self.c_str());
  if (!dir) return {"(cannot list " + self + ")"};
  while (const dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    const std::string task = self + e->d_name;
    if (namespace_of(task) != client_ns) outside.push_back(std::string(e->d_name) + " (" + read_file(task + "/comm") + ")");
  }
  ::closedir(dir);
  return outside;
}

std::string Lab::describe() const {
  std::string s;
  try {
    s += "client " + Lab::client_namespace() + ":\n" +
         ip_output({"-n", Lab::client_namespace(), "-br", "addr"});
    for (const auto& host : hosts_) {
      if (!host.present) {
        s += host.name + ": removed\n";
        continue;
      }
      s += host.name + " " + host.netns + ":\n" + ip_output({"-n", host.netns, "-br", "addr"});
    }
  } catch (const std::exception& e) {
    s += std::string("(") + e.what() + ")";
  }
  return s;
}

}  // namespace sprocket::test::faults
