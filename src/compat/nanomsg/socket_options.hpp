// The nanomsg-visible option values of one socket, as the program set
// them (getsockopt reports these), and how they become sprocket settings.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "sprocket/options.hpp"

namespace sprocket::nanomsg {

struct SocketOptionValues {
  // NN_SOL_SOCKET
  int linger = 0;  // nanomsg 1.1.5 reports 0 until set (it does not implement linger)
  bool linger_set = false;
  int sndbuf = 128 * 1024;
  int rcvbuf = 128 * 1024;
  int rcvmaxsize = 1024 * 1024;
  int sndtimeo = -1;
  int rcvtimeo = -1;
  int reconnect_ivl = 100;
  int reconnect_ivl_max = 0;
  int sndprio = 8;
  int rcvprio = 8;
  int ipv4only = 1;
  int maxttl = 8;
  std::string name;  // NN_SOCKET_NAME; the socket number by default
  // Protocol levels
  int req_resend_ivl = 60'000;
  int surveyor_deadline = 1'000;
  // Transport levels. The NN_IPC ones size Windows named pipes: kept and
  // reported, with no effect on UNIX domain sockets (as in nanomsg).
  int tcp_nodelay = 0;
  int ws_msg_type = 0x02;  // NN_WS_MSG_TYPE_BINARY
  int ipc_outbufsz = 4096;
  int ipc_inbufsz = 4096;
  const void* ipc_sec_attr = nullptr;
};

/// Longest NN_SOCKET_NAME, in bytes.
inline constexpr std::size_t kMaxSocketName = 63;

/// nanomsg sizes buffers in bytes, sprocket in messages: a buffer of B
/// bytes holds ceil(B / 1 KiB) messages, so nanomsg's default 128 kB is
/// 128 messages.
std::size_t buffer_messages(int bytes) noexcept;

/// NN_RCVMAXSIZE (negative: unlimited) as sprocket's recv_max_size (0: unlimited).
std::size_t recv_max_bytes(int nn_value) noexcept;

/// A nanomsg timeout or linger in ms (negative: forever) as a duration
/// (negative: forever).
std::chrono::nanoseconds millis(int ms) noexcept;

/// The endpoint options a new bind/connect gets from the socket's values.
EndpointOptions endpoint_options(const SocketOptionValues& v) noexcept;

}  // namespace sprocket::nanomsg
