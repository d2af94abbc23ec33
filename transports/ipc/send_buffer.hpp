// The kernel's send buffer of an ipc connection.
//
// A unix stream socket keeps what it sent, and the reader has not taken
// yet, in the sender's send buffer; unlike tcp's, that buffer does not grow
// with the traffic. At the default (net.core.wmem_default, 208 KiB) it
// holds three 64 KiB messages or a fifth of a 1 MiB one, so a stream of
// large messages has the writer and the reader wake each other about ten
// times per MiB. Asking for more halves that at least: the kernel doubles
// the request, after capping it at net.core.wmem_max (208 KiB on a stock
// kernel, so 416 KiB there; 1 MiB where wmem_max allows 512 KiB).
#pragma once

#include <asio/local/stream_protocol.hpp>
#include <system_error>

namespace sprocket::ipc {

/// What each end of an ipc connection asks for (SO_SNDBUF).
inline constexpr int kSendBufferRequest = 512 * 1024;

/// Asks for kSendBufferRequest; the kernel's cap is not an error.
inline void enlarge_send_buffer(asio::local::stream_protocol::socket& socket) {
  std::error_code ignored;
  socket.set_option(asio::socket_base::send_buffer_size(kSendBufferRequest), ignored);
}

}  // namespace sprocket::ipc
