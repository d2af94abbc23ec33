// What a wire's decoder makes of the bytes a connection read: one event at a
// time, so the pump can stop between messages when the socket's queue is
// full. Shared by every wire (SP stream, ws).
#pragma once

#include <cstddef>
#include <system_error>

#include "sprocket/message.hpp"

namespace sprocket::stream {

struct Decoded {
  enum class Kind {
    need_more,    ///< everything usable was consumed; read more
    message,      ///< `message` is complete: deliver it
    large_body,   ///< `message` has its full size and `have` bytes: read the rest into it
    control,      ///< the peer asked for an answer (a ws ping): the writer has output
    peer_closed,  ///< the peer said goodbye (a ws close frame); `error` is the reason to report
    failed,       ///< the peer broke the protocol: `error` says how
  };
  Kind kind = Kind::need_more;
  std::size_t consumed = 0;  ///< input bytes used, whatever the kind
  std::size_t want = 0;      ///< need_more: unparsed bytes needed in all, when known
  Message message;
  std::size_t have = 0;
  std::error_code error;
};

}  // namespace sprocket::stream
