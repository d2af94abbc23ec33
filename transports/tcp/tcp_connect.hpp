// Dialing a tcp address: resolve the host (and the local address, when the
// URL names one before ';'; an address literal is taken as it is), then try
// each of the host's addresses in turn.
// asio's range async_connect closes and reopens the socket for every
// address, which would lose a bind made beforehand; this loop opens the
// socket itself, binds it to the local address of the same family (port 0)
// and connects, moving to the next address on failure.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/ip/tcp.hpp>

#include "error_detail.hpp"
#include "sprocket/detail/unique_function.hpp"
#include "transports/stream/io_error.hpp"
#include "transports/tcp/tcp_address.hpp"

namespace sprocket::tcp {

/// When `local` is an address literal, checks that it is one of this
/// machine's by binding a throwaway socket to it (port 0): a dialer given
/// a foreign address fails in dial() instead of at every attempt. Names
/// are left to the attempts (they resolve asynchronously).
/// errc::invalid_address, naming the address, when bind() says it is not
/// ours; other bind errors (no IPv6, no descriptors) are left to the
/// attempts too.
inline void check_local_address(const std::string& local, std::error_code& ec) {
  std::error_code parse_ec;
  auto address = asio::ip::make_address(local, parse_ec);
  if (parse_ec) return;
  asio::ip::tcp::endpoint endpoint(address, 0);
  int fd = ::socket(endpoint.protocol().family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  bool foreign = ::bind(fd, endpoint.data(), static_cast<socklen_t>(endpoint.size())) != 0 &&
                 errno == EADDRNOTAVAIL;
  ::close(fd);
  if (foreign) {
    detail::set_error_detail("local address " + local + " is not an address of this machine");
    ec = errc::invalid_address;
  }
}

/// One dial attempt (see the top of this file). Kept alive by its own
/// handlers; `socket` must outlive it (the stream dialer keeps it in the
/// completion handler).
class ConnectAttempt : public std::enable_shared_from_this<ConnectAttempt> {
 public:
  using Handler = detail::UniqueFunction<void(std::error_code)>;
  using Endpoint = asio::ip::tcp::endpoint;

  ConnectAttempt(asio::ip::tcp::socket& socket, const TcpAddress& a, Handler done)
      : socket_(socket), resolver_(socket.get_executor()), address_(a), done_(std::move(done)) {}

  void start() {
    if (address_.local.empty()) return resolve_host();
    if (auto literal = literal_endpoint(address_.local, 0)) {
      locals_.push_back(*literal);
      return resolve_host();
    }
    resolver_.async_resolve(address_.local, "0", asio::ip::tcp::resolver::numeric_service,
                            [self = shared_from_this()](std::error_code ec, auto results) {
                              if (ec || results.empty())
                                return self->finish(errc::invalid_address,
                                                    "local host not found: " + self->address_.local);
                              for (const auto& r : results) self->locals_.push_back(r.endpoint());
                              self->resolve_host();
                            });
  }

 private:
  void resolve_host() {
    if (auto literal = literal_endpoint(address_.host, address_.port)) {
      remotes_.push_back(*literal);
      return try_next();
    }
    resolver_.async_resolve(address_.host, std::to_string(address_.port),
                            asio::ip::tcp::resolver::numeric_service,
                            [self = shared_from_this()](std::error_code ec, auto results) {
                              if (ec || results.empty())
                                return self->finish(errc::invalid_address,
                                                    "host not found: " + self->address_.host);
                              for (const auto& r : results) self->remotes_.push_back(r.endpoint());
                              self->try_next();
                            });
  }

  // Connects to remotes_[next_], or reports the last failure when none is left.
  void try_next() {
    while (next_ < remotes_.size()) {
      const Endpoint remote = remotes_[next_++];
      std::error_code ec;
      socket_.close(ec);
      socket_.open(remote.protocol(), ec);
      if (!ec && !address_.local.empty() && !bind_local(remote)) continue;
      if (ec) {
        record(stream::map_io_error(ec), {});
        continue;
      }
      socket_.async_connect(remote, [self = shared_from_this()](std::error_code ec) {
        self->connected(ec);
      });
      return;
    }
    finish(last_error_, last_detail_);
  }

  // Binds the open socket to the local address of `remote`'s family; false
  // (the failure recorded) when there is none or bind() fails.
  bool bind_local(const Endpoint& remote) {
    for (const auto& local : locals_) {
      if (local.protocol() != remote.protocol()) continue;
      std::error_code ec;
      socket_.bind(local, ec);
      if (!ec) return true;
      if (ec.value() == EADDRNOTAVAIL) {  // (asio 1.22 names no such error)
        record(errc::invalid_address, "local address " + describe(local) +
                                          " is not an address of this machine");
      } else {
        record(stream::map_io_error(ec),
               "cannot bind to local address " + describe(local) + ": " + ec.message());
      }
      return false;
    }
    // Only when no attempt has failed otherwise: a refused connection on
    // the other family says more.
    if (!last_error_)
      record(errc::invalid_address, "local address " + address_.local + " has no " +
                                        (remote.protocol() == asio::ip::tcp::v4() ? "IPv4" : "IPv6") +
                                        " address for " + describe(remote));
    return false;
  }

  void connected(std::error_code ec) {
    if (!ec) return finish({}, {});
    // Closed by the dialer meanwhile: stop (as asio's range connect does).
    if (!socket_.is_open()) return finish(errc::closed, {});
    record(ec, {});
    try_next();
  }

  void record(std::error_code ec, std::string detail) {
    last_error_ = ec;
    last_detail_ = std::move(detail);
  }

  // The detail is read by the dialer on this thread, within this call
  // (src/endpoint.cpp), so it is set only now.
  void finish(std::error_code ec, const std::string& detail) {
    if (ec && !detail.empty()) detail::set_error_detail(detail);
    auto done = std::move(done_);
    done(ec);
  }

  // An address literal needs no lookup. asio's resolver would hand it to
  // its own thread for getaddrinfo() to return unchanged: two thread
  // wake-ups per dial. Anything else (names, "127.1") goes to the resolver.
  static std::optional<Endpoint> literal_endpoint(const std::string& host, std::uint16_t port) {
    std::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) return std::nullopt;
    return Endpoint(address, port);
  }

  static std::string describe(const Endpoint& e) {
    auto ip = e.address().to_string();
    return e.address().is_v6() ? "[" + ip + "]" : ip;
  }

  asio::ip::tcp::socket& socket_;
  asio::ip::tcp::resolver resolver_;
  const TcpAddress address_;
  Handler done_;
  std::vector<Endpoint> locals_;
  std::vector<Endpoint> remotes_;
  std::size_t next_ = 0;
  std::error_code last_error_;
  std::string last_detail_;
};

}  // namespace sprocket::tcp
