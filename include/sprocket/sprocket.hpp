// sprocket: scalability-protocol sockets (PAIR, REQ/REP, PUSH/PULL, BUS,
// PUB/SUB, SURVEYOR/RESPONDENT) over inproc, ipc, tcp and ws, speaking the
// SP wire protocols of nanomsg and NNG. Include this one header.
#pragma once

/// @file
/// The one header to include: everything below.

/// sprocket's public API: sockets (Socket, Context), messages (Message),
/// options (SocketOptions, EndpointOptions, RuntimeOptions), errors (errc),
/// devices (device(), async_device()), and the extension seams for new
/// protocols (register_protocol()) and transports (register_transport()).
namespace sprocket {}

#include "sprocket/context.hpp"
#include "sprocket/device.hpp"
#include "sprocket/error.hpp"
#include "sprocket/message.hpp"
#include "sprocket/options.hpp"
#include "sprocket/protocol.hpp"
#include "sprocket/runtime.hpp"
#include "sprocket/socket.hpp"
