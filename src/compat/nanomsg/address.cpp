#include "src/compat/nanomsg/address.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>

#include "nanomsg/nn.h"

namespace sprocket::nanomsg {
namespace {

// An inproc name sprocket cannot take (it wants a non-empty address)
// stands for nanomsg's empty one.
constexpr std::string_view kEmptyInprocName = "\x01nanomsg-empty-name";
// sun_path's 108 bytes, less the terminating NUL.
constexpr std::size_t kMaxIpcPath = 107;

enum class Family { v4, v6 };

struct IpLiteral {
  Family family;
  std::string text;  // without brackets
};

// "1.2.3.4" or "[::1]" (brackets required for IPv6, as in URLs).
std::optional<IpLiteral> parse_ip(std::string_view host) {
  std::string text(host);
  in_addr v4;
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) return IpLiteral{Family::v4, text};
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    std::string inner(host.substr(1, host.size() - 2));
    in6_addr v6;
    if (::inet_pton(AF_INET6, inner.c_str(), &v6) == 1) return IpLiteral{Family::v6, inner};
  }
  return std::nullopt;
}

std::string url_host(const IpLiteral& ip) {
  return ip.family == Family::v6 ? "[" + ip.text + "]" : ip.text;
}

// A DNS name: labels of letters, digits and hyphens.
bool is_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return false;
  return true;
}

// "port" as 1..65535 (nanomsg refuses port 0).
bool parse_port(std::string_view text, int& port) {
  if (text.empty() || text.size() > 5) return false;
  auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), port);
  return err == std::errc{} && end == text.data() + text.size() && port >= 1 && port <= 65535;
}

struct IfaddrsDeleter {
  void operator()(ifaddrs* p) const { ::freeifaddrs(p); }
};

std::unique_ptr<ifaddrs, IfaddrsDeleter> interfaces() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return nullptr;
  return std::unique_ptr<ifaddrs, IfaddrsDeleter>(list);
}

std::string address_text(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET)
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  else
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  return buf;
}

// The first address of interface `name` (IPv4 first; IPv6 too unless
// ipv4only), or nullopt when there is no such interface with an address.
std::optional<IpLiteral> interface_address(std::string_view name, bool ipv4only) {
  auto list = interfaces();
  std::optional<IpLiteral> v6;
  for (ifaddrs* i = list.get(); i; i = i->ifa_next) {
    if (!i->ifa_addr || name != i->ifa_name) continue;
    if (i->ifa_addr->sa_family == AF_INET) return IpLiteral{Family::v4, address_text(i->ifa_addr)};
    if (i->ifa_addr->sa_family == AF_INET6 && !ipv4only && !v6)
      v6 = IpLiteral{Family::v6, address_text(i->ifa_addr)};
  }
  return v6;
}

// An address of this machine: one a socket can bind to. (A bind test
// rather than a look through the interfaces: Linux answers for all of
// 127.0.0.0/8 on lo, and so binds 127.0.0.2, which no interface lists.)
bool is_local_address(const IpLiteral& ip) {
  sockaddr_storage storage{};
  socklen_t size = 0;
  if (ip.family == Family::v4) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
    sin->sin_family = AF_INET;
    ::inet_pton(AF_INET, ip.text.c_str(), &sin->sin_addr);
    size = sizeof *sin;
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
    sin6->sin6_family = AF_INET6;
    ::inet_pton(AF_INET6, ip.text.c_str(), &sin6->sin6_addr);
    size = sizeof *sin6;
  }
  int fd = ::socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return true;  // cannot tell: let the transport's bind decide
  bool foreign = ::bind(fd, reinterpret_cast<sockaddr*>(&storage), size) != 0 &&
                 errno == EADDRNOTAVAIL;
  ::close(fd);
  return !foreign;
}

// A local interface spec (bind host, or the part before ';' on connect):
// "*", an address of this machine, or an interface name.
int resolve_local(std::string_view spec, bool ipv4only, std::string& host) {
  if (spec == "*") {
    host = ipv4only ? "*" : "[::]";
    return 0;
  }
  if (auto ip = parse_ip(spec)) {
    if (ip->family == Family::v6 && ipv4only) return ENODEV;
    if (!is_local_address(*ip)) return EADDRNOTAVAIL;
    host = url_host(*ip);
    return 0;
  }
  auto ip = interface_address(spec, ipv4only);
  if (!ip) return ENODEV;
  host = url_host(*ip);
  return 0;
}

// The remote host of a connect: an address or a name.
int resolve_remote(std::string_view spec, bool ipv4only, std::string& host) {
  if (auto ip = parse_ip(spec)) {
    if (ip->family == Family::v6 && ipv4only) return EINVAL;
    host = url_host(*ip);
    return 0;
  }
  if (!is_host_name(spec)) return EINVAL;
  host = std::string(spec);
  return 0;
}

// host:port of tcp (port required) or ws (port optional, default 80),
// with an optional "local;" prefix: an interface name or an address of this
// machine (ENODEV, EADDRNOTAVAIL otherwise). A connect passes its address
// on as the local part of sprocket's URL ("address;host:port"), so the
// connection leaves from it; a bind checks it and binds to the host.
int translate_host_port(std::string_view text, const AddressRequest& r, bool port_required,
                        std::string& out) {
  std::string_view local;
  if (auto semi = text.find(';'); semi != std::string_view::npos) {
    local = text.substr(0, semi);
    text = text.substr(semi + 1);
  }
  std::string_view host_part = text;
  int port = 80;
  auto colon = text.rfind(':');
  bool has_port = colon != std::string_view::npos && text.find(']', colon) == std::string_view::npos;
  if (has_port) {
    host_part = text.substr(0, colon);
    if (!parse_port(text.substr(colon + 1), port)) return EINVAL;
  } else if (port_required) {
    return EINVAL;
  }
  if (host_part.empty()) return EINVAL;
  std::string local_host;
  if (!local.empty()) {
    if (int err = resolve_local(local, r.ipv4only, local_host)) return err;
    if (r.bind || local == "*") local_host.clear();  // "*": any address, the routing table
  }
  std::string host;
  int err = r.bind ? resolve_local(host_part, r.ipv4only, host)
                   : resolve_remote(host_part, r.ipv4only, host);
  if (err) return err;
  out = (local_host.empty() ? "" : local_host + ";") + host + ":" + std::to_string(port);
  return 0;
}

int translate_ipc(std::string_view path, bool bind, std::string& url) {
  if (path.empty() || path.find('\0') != std::string_view::npos) return EINVAL;
  std::string full(path);
  if (full.front() != '/') {
    char cwd[4096];
    if (!::getcwd(cwd, sizeof cwd)) return errno;
    full = std::string(cwd) + "/" + full;
  }
  if (full.size() > kMaxIpcPath) return ENAMETOOLONG;
  if (bind) {
    auto slash = full.rfind('/');
    std::string dir = slash == 0 ? "/" : full.substr(0, slash);
    struct stat st;
    if (::stat(dir.c_str(), &st) != 0) return errno;
    if (!S_ISDIR(st.st_mode)) return ENOTDIR;
  }
  url = "ipc://" + full;
  return 0;
}

}  // namespace

int translate_address(const AddressRequest& r, std::string& url) {
  if (!r.address) return EINVAL;
  std::string_view text(r.address);
  if (text.size() >= NN_SOCKADDR_MAX) return ENAMETOOLONG;
  auto sep = text.find("://");
  if (sep == std::string_view::npos) return EINVAL;
  std::string_view scheme = text.substr(0, sep);
  std::string_view rest = text.substr(sep + 3);
  if (scheme == "inproc") {
    url = "inproc://" + std::string(rest.empty() ? kEmptyInprocName : rest);
    return 0;
  }
  if (scheme == "ipc") return translate_ipc(rest, r.bind, url);
  if (scheme == "tcp") {
    std::string host_port;
    if (int err = translate_host_port(rest, r, true, host_port)) return err;
    url = "tcp://" + host_port;
    return 0;
  }
  if (scheme == "ws") {
    auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    std::string host_port;
    if (int err = translate_host_port(authority, r, false, host_port)) return err;
    url = "ws://" + host_port + path;
    return 0;
  }
  return EPROTONOSUPPORT;
}

}  // namespace sprocket::nanomsg
