// bench_stream's measurements with more than two processes (see
// stream_multi.cpp and, for what each child does, stream_roles.hpp).
#pragma once

#include <string>
#include <vector>

#include "stream_parent.hpp"

namespace bench::stream {

/// fanout: one PUB and kFanoutSubscribers SUB processes; `hint` is the URL
/// to listen on (tcp: port 0, the child picks one).
Outcome run_fanout(const Cell& c, const Options& o, const std::string& hint);

/// connect: one PULL and kConnectDialers processes of PUSH sockets.
Outcome run_connect(const Cell& c, const Options& o, const std::string& hint);

/// idle: every cell's two processes at once (an idle connection needs no
/// core of its own, and one at a time would take o.idle seconds each);
/// one Outcome per cell, in order.
std::vector<Outcome> run_idle(const std::vector<Cell>& cells, const Options& o);

}  // namespace bench::stream
