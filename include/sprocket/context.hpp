// sprocket::Context: independent request/survey state on one socket.
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string_view>
#include <system_error>

#include <asio/async_result.hpp>

#include "sprocket/detail/export.hpp"
#include "sprocket/detail/async_op.hpp"
#include "sprocket/message.hpp"
#include "sprocket/socket.hpp"

namespace sprocket {

/// One independent exchange over a REQ or REP socket's connections (NNG's
/// contexts): many threads or coroutines, each with its own Context, run
/// their request/reply exchanges at the same time over one socket. A
/// Context starts with its socket's timeouts and has its own setters. Its
/// members are thread-safe; closing the socket or the context completes its
/// pending operations with errc::closed.
class SPROCKET_API Context {
 public:
  using duration = std::chrono::nanoseconds;

  /// Opens a context on `socket`; throws std::system_error with
  /// errc::not_supported for a protocol without contexts (or a raw socket).
  explicit Context(Socket& socket);
  Context(Socket& socket, std::error_code& ec);
  /// Closes the context.
  ~Context();
  Context(Context&& other) noexcept;
  Context& operator=(Context&& other) noexcept;
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  void send(Message&& m);
  void send(Message&& m, std::error_code& ec);
  void send(std::string_view text);
  void send(std::string_view text, std::error_code& ec);
  void send(std::span<const std::byte> bytes);
  void send(std::span<const std::byte> bytes, std::error_code& ec);
  Message recv();
  Message recv(std::error_code& ec);
  void try_send(Message&& m, std::error_code& ec);
  void try_send(std::string_view text, std::error_code& ec);
  void try_send(std::span<const std::byte> bytes, std::error_code& ec);
  Message try_recv(std::error_code& ec);

  /// As Socket::async_send, on this context.
  template <class Token>
  auto async_send(Message m, Token&& token) {
    return asio::async_initiate<Token, void(std::error_code)>(detail::InitiateSend{core_, id_},
                                                              token, std::move(m));
  }
  template <class Token>
  auto async_send(std::string_view text, Token&& token) {
    return async_send(Message(text), std::forward<Token>(token));
  }
  template <class Token>
  auto async_send(std::span<const std::byte> bytes, Token&& token) {
    return async_send(Message(bytes), std::forward<Token>(token));
  }
  /// As Socket::async_recv, on this context.
  template <class Token>
  auto async_recv(Token&& token) {
    return asio::async_initiate<Token, void(std::error_code, Message)>(
        detail::InitiateRecv{core_, id_}, token);
  }

  /// Completes pending operations with errc::closed; idempotent.
  void close();

  void set_send_timeout(duration d);
  void set_recv_timeout(duration d);
  duration send_timeout() const;
  duration recv_timeout() const;

 private:
  std::shared_ptr<detail::SocketCore> core_;
  std::uint32_t id_ = 0;
};

}  // namespace sprocket
