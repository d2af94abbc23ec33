// What the PAIR v1 interop tests share: the three network transports the
// peers have (tcp, ipc, ws) with either side listening, and fresh
// addresses of each kind for sprocket, nngcat and libnng to listen on.
#pragma once

#include <string>
#include <vector>

#include "protocols/common/interop_util.hpp"
#include "protocols/pair1/pair1_test_util.hpp"

namespace sprocket::test {

/// A network transport and who listens.
struct NetParam {
  Via via;  // tcp, ipc or ws
  Role role;
};

inline std::string net_param_name(const ::testing::TestParamInfo<NetParam>& i) {
  return std::string(via_name(i.param.via)) + "_" + role_name(i.param.role);
}
inline void PrintTo(const NetParam& p, std::ostream* os) {
  *os << via_name(p.via) << "_" << role_name(p.role);
}

/// tcp, ipc and ws, each with sprocket listening and with sprocket dialing.
inline std::vector<NetParam> all_net_params() {
  std::vector<NetParam> out;
  for (Via v : {Via::tcp, Via::ipc, Via::ws})
    for (Role r : {Role::sprocket_listens, Role::sprocket_dials}) out.push_back({v, r});
  return out;
}

/// An address nobody listens on yet, for a peer that cannot report the
/// port it was given (tcp and ws: a port that was free a moment ago).
inline std::string fixed_url(Via v) {
  switch (v) {
    case Via::ipc:
      return "ipc://" + unique_ipc_path();
    case Via::ws:
      return "ws://127.0.0.1:" + std::to_string(free_tcp_port()) + "/pair1";
    default:
      return "tcp://127.0.0.1:" + std::to_string(free_tcp_port());
  }
}

}  // namespace sprocket::test
