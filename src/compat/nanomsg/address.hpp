// nanomsg endpoint addresses -> sprocket URLs, with nanomsg's checks and
// errno values:
//   inproc://name        any name, even empty
//   ipc://path           relative paths resolve against the working directory now
//   tcp://[iface;]host:port   connect: host is a name or an address, iface
//                        (optional) an interface name or local address,
//                        passed on as the URL's local part (the connection
//                        leaves from that address);
//                        bind: host is *, an interface name or a local address
//   ws://host[:port][/path]   as tcp, port 80 by default
// NN_IPV4ONLY (on by default) refuses IPv6 addresses.
#pragma once

#include <string>

namespace sprocket::nanomsg {

struct AddressRequest {
  const char* address;
  bool bind;
  bool ipv4only;
};

/// Fills `url` with the sprocket URL for the request; 0, or the errno:
/// EINVAL (malformed), ENAMETOOLONG, EPROTONOSUPPORT (unknown scheme),
/// ENODEV (unknown interface), EADDRNOTAVAIL (not an address of this
/// machine), ENOENT (ipc directory missing).
int translate_address(const AddressRequest& request, std::string& url);

}  // namespace sprocket::nanomsg
