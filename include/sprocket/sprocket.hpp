// sprocket: scalability-protocol sockets (PAIR, REQ/REP, PUSH/PULL, BUS,
// PUB/SUB, SURVEYOR/RESPONDENT) over inproc, ipc, tcp and ws, speaking the
// SP wire protocols of nanomsg and NNG. Include this one header.
#pragma once

#include "sprocket/context.hpp"
#include "sprocket/device.hpp"
#include "sprocket/error.hpp"
#include "sprocket/message.hpp"
#include "sprocket/options.hpp"
#include "sprocket/protocol.hpp"
#include "sprocket/runtime.hpp"
#include "sprocket/socket.hpp"
