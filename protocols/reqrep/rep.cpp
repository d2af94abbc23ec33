// REP (0x31): the shared replier (protocols/common/replier.cpp), which
// RESPONDENT uses too; registered here with REQ.
#include "protocols/common/replier.hpp"
#include "protocols/reqrep/reqrep.hpp"

namespace sprocket::detail {
void register_builtin_protocol_reqrep() {
  register_protocol({0x30, 0x31, "req", "rep", &reqrep::make_req});
  register_protocol({0x31, 0x30, "rep", "req", &routing::make_replier});
}
}  // namespace sprocket::detail
