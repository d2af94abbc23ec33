// Endpoints: the dialer and listener state machines that turn a URL into
// pipes through a transport. Drawn in docs/architecture.md.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <asio/steady_timer.hpp>

#include "sprocket/extension/transport.hpp"
#include "sprocket/options.hpp"

namespace sprocket::detail {

class SocketCore;

class EndpointBase : public std::enable_shared_from_this<EndpointBase> {
 public:
  EndpointBase(std::weak_ptr<SocketCore> core, Url url, const EndpointOptions& options)
      : core_(std::move(core)), url_(std::move(url)), options_(options) {}
  virtual ~EndpointBase() = default;

  /// Begins connecting or accepting (after the socket has recorded it).
  virtual void start() = 0;
  /// Stops for good and closes the endpoint's pipes. Idempotent, never blocks.
  virtual void close() = 0;
  /// One of this endpoint's pipes left the socket.
  virtual void pipe_removed(std::error_code /*reason*/) {}
  virtual std::uint16_t port() const { return 0; }

  const std::string& url() const noexcept { return url_.text; }
  const EndpointOptions& options() const noexcept { return options_; }

 protected:
  std::weak_ptr<SocketCore> core_;
  const Url url_;
  const EndpointOptions options_;
};

/// Validates the URL, finds its transport and makes the endpoint; errors:
/// invalid_address, unsupported_transport, invalid_argument (options),
/// or what the transport's bind() reports for a listener.
std::shared_ptr<EndpointBase> make_dialer(const std::shared_ptr<SocketCore>& core,
                                          std::string_view url, const EndpointOptions& options,
                                          std::error_code& ec);
std::shared_ptr<EndpointBase> make_listener(const std::shared_ptr<SocketCore>& core,
                                            std::string_view url, const EndpointOptions& options,
                                            std::error_code& ec);

/// Blocks until a dialer made with wait_connected has its first result.
std::error_code wait_first_connection(EndpointBase& dialer, std::chrono::nanoseconds timeout);

}  // namespace sprocket::detail
