// nn_bind / nn_connect / nn_shutdown, and the connection statistics kept
// from sprocket's pipe events.
#include <algorithm>

#include "nanomsg/nn.h"
#include "src/compat/nanomsg/address.hpp"
#include "src/compat/nanomsg/errors.hpp"
#include "src/compat/nanomsg/nn_socket.hpp"

namespace sprocket::nanomsg {

int NnSocket::add_endpoint(const char* address, bool bind) {
  if (closed()) return fail_closed();
  EndpointOptions eo;
  std::string url;
  int eid = 0;
  {
    std::lock_guard lock(mu_);
    if (int err = translate_address({address, bind, options_.ipv4only == 1}, url)) return fail(err);
    eo = endpoint_options(options_);
    eid = next_eid_++;
    endpoints_[eid];  // reserves the id
  }
  {
    // Known before the endpoint exists: its first events find it.
    std::lock_guard lock(stats_mu_);
    endpoint_states_[eid] = EndpointState{bind, url, eo.send_priority};
  }
  std::error_code ec;
  Endpoint made;
  if (bind) {
    made.listener = socket_.listen(url, eo, ec);
  } else {
    made.dialer = socket_.dial(url, eo, ec);  // connects in the background, as nanomsg does
  }
  if (ec) {
    {
      std::lock_guard lock(stats_mu_);
      endpoint_states_.erase(eid);
    }
    std::lock_guard lock(mu_);
    endpoints_.erase(eid);
    if (next_eid_ == eid + 1) --next_eid_;  // a failed call uses no id
    return fail(ec, Action::endpoint);
  }
  std::lock_guard lock(mu_);
  auto it = endpoints_.find(eid);
  if (it == endpoints_.end()) {  // shut down (or the socket closed) meanwhile
    made.dialer.close();
    made.listener.close();
    return closed_ ? fail_closed() : eid;
  }
  it->second = std::move(made);
  return eid;
}

int NnSocket::shutdown(int eid) {
  if (closed()) return fail_closed();
  Endpoint ep;
  {
    std::lock_guard lock(mu_);
    auto it = endpoints_.find(eid);
    if (it == endpoints_.end()) return fail(EINVAL);
    ep = std::move(it->second);
    endpoints_.erase(it);
  }
  {
    std::lock_guard lock(stats_mu_);
    endpoint_states_.erase(eid);
  }
  ep.dialer.close();
  ep.listener.close();
  return 0;
}

// Runs on whatever thread sprocket reports from, possibly at the end of a
// call this class made with mu_ held: it takes stats_mu_ only.
void NnSocket::on_pipe_event(const PipeEvent& e) {
  std::lock_guard lock(stats_mu_);
  EndpointState* ep = nullptr;
  for (auto& [eid, candidate] : endpoint_states_) {
    if (candidate.url == e.url) {
      ep = &candidate;
      break;
    }
  }
  bool listener = ep ? ep->listener : false;
  switch (e.kind) {
    case PipeEvent::Kind::added:
      ++(listener ? counters_.accepted : counters_.established);
      if (ep) {
        ++ep->pipes;
        ep->failing = false;
      }
      return;
    case PipeEvent::Kind::removed:
      ++(listener ? counters_.dropped : counters_.broken);
      if (ep && ep->pipes > 0) --ep->pipes;
      return;
    case PipeEvent::Kind::refused:
      ++(listener ? counters_.accept_errors : counters_.connect_errors);
      if (ep && !listener) ep->failing = true;
      return;
  }
}

std::uint64_t NnSocket::statistic(int which, int& err) {
  Stats s = socket_.stats();
  std::lock_guard lock(stats_mu_);
  err = 0;
  switch (which) {
    case NN_STAT_ESTABLISHED_CONNECTIONS: return counters_.established;
    case NN_STAT_ACCEPTED_CONNECTIONS: return counters_.accepted;
    case NN_STAT_DROPPED_CONNECTIONS: return counters_.dropped;
    case NN_STAT_BROKEN_CONNECTIONS: return counters_.broken;
    case NN_STAT_CONNECT_ERRORS: return counters_.connect_errors;
    // Binding is synchronous: a failure is nn_bind's error, and (as in
    // nanomsg) no background bind ever fails later.
    case NN_STAT_BIND_ERRORS: return counters_.bind_errors;
    case NN_STAT_ACCEPT_ERRORS: return counters_.accept_errors;
    case NN_STAT_CURRENT_CONNECTIONS: return s.pipes;
    case NN_STAT_INPROGRESS_CONNECTIONS:
      return std::count_if(endpoint_states_.begin(), endpoint_states_.end(), [](const auto& e) {
        return !e.second.listener && e.second.pipes == 0 && !e.second.failing;
      });
    case NN_STAT_CURRENT_EP_ERRORS:
      return std::count_if(endpoint_states_.begin(), endpoint_states_.end(), [](const auto& e) {
        return !e.second.listener && e.second.pipes == 0 && e.second.failing;
      });
    case NN_STAT_MESSAGES_SENT: return s.messages_sent;
    case NN_STAT_MESSAGES_RECEIVED: return s.messages_received;
    case NN_STAT_BYTES_SENT: return s.bytes_sent;
    case NN_STAT_BYTES_RECEIVED: return s.bytes_received;
    case NN_STAT_CURRENT_SND_PRIORITY: {
      // The best priority among connected endpoints, for load-balancing
      // sockets (0 when none is connected, or for other protocols).
      if (!traits_.load_balanced) return 0;
      int best = 0;
      for (const auto& [eid, ep] : endpoint_states_)
        if (ep.pipes > 0 && (best == 0 || ep.send_priority < best)) best = ep.send_priority;
      return static_cast<std::uint64_t>(best);
    }
    default:
      err = EINVAL;
      return static_cast<std::uint64_t>(-1);
  }
}

}  // namespace sprocket::nanomsg
