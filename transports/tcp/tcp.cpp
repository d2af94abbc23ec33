// tcp://host:port — the SP TCP mapping over the shared stream transport.
//
// Dial: host is a name, an IPv4 address or [IPv6]; names are resolved
// asynchronously and each address is tried in turn. Listen: additionally
// "*" or an empty host for every interface, and port 0 for an ephemeral port.
#include "transports/tcp/tcp_traits.hpp"

namespace sprocket {

namespace detail {
void register_builtin_transport_tcp() {
  register_transport(std::make_shared<stream::StreamTransport<TcpTraits>>("tcp"));
}
}  // namespace detail

}  // namespace sprocket
