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

/// One independent exchange over the connections of a REQ, REP, SURVEYOR or
/// RESPONDENT socket (NNG's contexts): many threads or coroutines, each with
/// its own Context, run their request/reply exchanges or surveys at the same
/// time over one socket, each with its own protocol state (a REQ context's
/// request and its resends, a REP context's pending reply, a SURVEYOR
/// context's survey and deadline).
///
/// A Context starts with its socket's send and receive timeouts and has its
/// own setters. Its members are thread-safe; closing the socket or the
/// context completes its pending operations with errc::closed. A Context
/// keeps the socket's internals alive, but not the Socket object: closing or
/// destroying the Socket closes its contexts.
///
/// Sends take the same forms as Socket's: a Message (moved in), text
/// (`std::string_view`, `std::string`, a string literal) or bytes
/// (`std::span<const std::byte>`); text and bytes are copied into a new
/// Message. The throwing overloads throw std::system_error, the others
/// report through `ec`.
class SPROCKET_API Context {
 public:
  /// Timeouts; a negative duration waits forever.
  using duration = std::chrono::nanoseconds;

  /// Opens a context on `socket`; throws std::system_error with
  /// errc::not_supported for a protocol without contexts (PAIR, PUSH, ...)
  /// or a raw socket, errc::closed for a closed or moved-from socket.
  explicit Context(Socket& socket);
  /// As Context(Socket&), reporting the error in `ec`; on failure the
  /// context is closed (its operations fail with errc::closed).
  Context(Socket& socket, std::error_code& ec);
  /// Closes the context.
  ~Context();
  /// Takes over `other`'s context; `other` is left closed (its operations
  /// fail with errc::closed).
  Context(Context&& other) noexcept;
  /// Closes this context, then takes over `other`'s; `other` is left closed.
  Context& operator=(Context&& other) noexcept;
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  /// Sends `m` as this context's request (REQ: replacing an unanswered one;
  /// SURVEYOR: starting a new survey) or reply (REP, RESPONDENT: to the
  /// request this context received last), waiting up to the send timeout.
  /// On failure the message is left in `m`.
  void send(Message&& m);
  /// As send(Message&&), reporting the error in `ec`.
  void send(Message&& m, std::error_code& ec);
  /// Sends a copy of `text`.
  void send(std::string_view text);
  /// Sends a copy of `text`, reporting the error in `ec`.
  void send(std::string_view text, std::error_code& ec);
  /// Sends a copy of `bytes`.
  void send(std::span<const std::byte> bytes);
  /// Sends a copy of `bytes`, reporting the error in `ec`.
  void send(std::span<const std::byte> bytes, std::error_code& ec);
  /// Receives this context's reply (REQ), next request (REP, RESPONDENT) or
  /// next survey response (SURVEYOR: errc::timed_out at the deadline),
  /// waiting up to the receive timeout.
  Message recv();
  /// As recv(), reporting the error in `ec` (the Message is then empty).
  Message recv(std::error_code& ec);
  /// Sends `m` only if that can be done at once; errc::would_block
  /// otherwise (`m` is left untouched).
  void try_send(Message&& m, std::error_code& ec);
  /// Sends a copy of `text` only if that can be done at once.
  void try_send(std::string_view text, std::error_code& ec);
  /// Sends a copy of `bytes` only if that can be done at once.
  void try_send(std::span<const std::byte> bytes, std::error_code& ec);
  /// Receives only if a message is waiting; errc::would_block otherwise.
  Message try_recv(std::error_code& ec);

  /// As Socket::async_send, on this context: completes with
  /// `void(std::error_code)`, honours the send timeout and asio
  /// per-operation cancellation.
  template <class Token>
  auto async_send(Message m, Token&& token) {
    return asio::async_initiate<Token, void(std::error_code)>(detail::InitiateSend{core_, id_},
                                                              token, std::move(m));
  }
  /// Sends a copy of `text` asynchronously (copied before this returns).
  template <class Token>
  auto async_send(std::string_view text, Token&& token) {
    return async_send(Message(text), std::forward<Token>(token));
  }
  /// Sends a copy of `bytes` asynchronously (copied before this returns).
  template <class Token>
  auto async_send(std::span<const std::byte> bytes, Token&& token) {
    return async_send(Message(bytes), std::forward<Token>(token));
  }
  /// As Socket::async_recv, on this context: completes with
  /// `void(std::error_code, Message)`.
  template <class Token>
  auto async_recv(Token&& token) {
    return asio::async_initiate<Token, void(std::error_code, Message)>(
        detail::InitiateRecv{core_, id_}, token);
  }

  /// Completes pending operations with errc::closed; idempotent.
  void close();

  /// How long a send may wait (a negative duration: forever).
  void set_send_timeout(duration d);
  /// How long a receive may wait (a negative duration: forever).
  void set_recv_timeout(duration d);
  /// The send timeout (-1 ns for a closed context).
  duration send_timeout() const;
  /// The receive timeout (-1 ns for a closed context).
  duration recv_timeout() const;

 private:
  std::shared_ptr<detail::SocketCore> core_;
  std::uint32_t id_ = 0;
};

}  // namespace sprocket
