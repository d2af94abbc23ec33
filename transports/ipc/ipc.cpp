// ipc://path — the SP IPC mapping (a unix-domain stream socket, each frame
// led by a 0x01 type byte) over the shared stream transport.
//
// Listening replaces a stale socket file left by a dead process (nobody
// answers on it) and refuses a live one with errc::address_in_use.
#include <string>  // before asio: see src/runtime.hpp

#include <sys/stat.h>
#include <unistd.h>

#include <asio/local/stream_protocol.hpp>
#include <fmt/format.h>

#include "transports/ipc/ipc_address.hpp"
#include "transports/ipc/send_buffer.hpp"
#include "transports/stream/endpoints.hpp"

namespace sprocket {
namespace {

using Unix = asio::local::stream_protocol;

bool is_socket_file(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

struct IpcTraits {
  using protocol_type = Unix;
  using Address = IpcAddress;
  static constexpr stream::Framing framing = stream::Framing::ipc;

  static Address parse(const Url& url, bool, std::error_code& ec) {
    return parse_ipc_address(url.address, ec);
  }

  static void connect(Unix::socket& socket, const Address& a,
                      detail::UniqueFunction<void(std::error_code)> done) {
    auto handler = std::make_shared<decltype(done)>(std::move(done));
    socket.async_connect(Unix::endpoint(a.path), [handler](std::error_code ec) {
      // Nobody has bound the path (yet): as refused as a closed tcp port.
      if (ec.value() == ENOENT) ec = errc::connection_refused;
      (*handler)(stream::map_io_error(ec));
    });
  }

  static std::error_code bind(Unix::acceptor& acceptor, const Address& a) {
    if (exists(a.path)) {
      if (!is_socket_file(a.path)) return errc::address_in_use;  // never delete other files
      Unix::socket probe(acceptor.get_executor());
      std::error_code ec;
      probe.connect(Unix::endpoint(a.path), ec);
      if (!ec) return errc::address_in_use;  // somebody is serving there
      ::unlink(a.path.c_str());               // stale: its owner died
    }
    std::error_code ec;
    acceptor.open(Unix(), ec);
    if (!ec) acceptor.bind(Unix::endpoint(a.path), ec);
    if (!ec) acceptor.listen(4096, ec);
    if (ec.value() == ENOENT) {
      detail::set_error_detail("the directory of " + a.path + " does not exist");
      return errc::invalid_address;
    }
    return stream::map_io_error(ec);
  }

  static void unbind(const Address& a) {
    if (is_socket_file(a.path)) ::unlink(a.path.c_str());
  }

  static void configure(Unix::socket& socket, const EndpointOptions&) {
    ipc::enlarge_send_buffer(socket);
  }

  static void start_connection(Unix::socket socket, std::shared_ptr<SocketPort> port, std::string,
                               const Address& a, bool, LinkHandler done) {
    // Unix sockets have no useful peer name: both ends are the path.
    stream::start_sp_connection(std::move(socket), framing, std::move(port), "ipc://" + a.path,
                                std::move(done));
  }

  static std::string describe(const Unix::socket& socket) {
    std::error_code ec;
    auto local = socket.local_endpoint(ec);
    return "ipc://" + (ec ? std::string("?") : local.path());
  }
};

}  // namespace

namespace detail {
void register_builtin_transport_ipc() {
  register_transport(std::make_shared<stream::StreamTransport<IpcTraits>>("ipc"));
}
}  // namespace detail

}  // namespace sprocket
