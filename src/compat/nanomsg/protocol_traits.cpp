#include "src/compat/nanomsg/protocol_traits.hpp"

#include <iterator>

#include "nanomsg/bus.h"
#include "nanomsg/pair.h"
#include "nanomsg/pipeline.h"
#include "nanomsg/pubsub.h"
#include "nanomsg/reqrep.h"
#include "nanomsg/survey.h"

namespace sprocket::nanomsg {
namespace {

// Cooked sockets. Raw ones are derived: every raw socket is plain, and a
// raw REQ sends like PUSH (it may wait for a peer).
constexpr ProtocolTraits kCooked[] = {
    // nn          sprocket            role              send   recv   block  lb     req
    {NN_PAIR, Protocol::pair, Role::plain, true, true, true, false, false},
    {NN_PUB, Protocol::pub, Role::plain, true, false, false, false, false},
    {NN_SUB, Protocol::sub, Role::plain, false, true, false, false, false},
    {NN_REQ, Protocol::req, Role::asker, true, true, false, true, true},
    {NN_REP, Protocol::rep, Role::answerer, true, true, false, false, false},
    {NN_PUSH, Protocol::push, Role::plain, true, false, true, true, false},
    {NN_PULL, Protocol::pull, Role::plain, false, true, false, false, false},
    {NN_SURVEYOR, Protocol::surveyor, Role::asker, true, true, false, false, false},
    {NN_RESPONDENT, Protocol::respondent, Role::answerer, true, true, false, false, false},
    {NN_BUS, Protocol::bus, Role::plain, true, true, false, false, false},
};

constexpr ProtocolTraits raw_variant(ProtocolTraits t) {
  t.role = Role::plain;
  if (t.is_req) {
    t.send_may_block = true;
    t.is_req = false;
  }
  return t;
}

constexpr ProtocolTraits kRaw[] = {
    raw_variant(kCooked[0]), raw_variant(kCooked[1]), raw_variant(kCooked[2]),
    raw_variant(kCooked[3]), raw_variant(kCooked[4]), raw_variant(kCooked[5]),
    raw_variant(kCooked[6]), raw_variant(kCooked[7]), raw_variant(kCooked[8]),
    raw_variant(kCooked[9]),
};
static_assert(std::size(kRaw) == std::size(kCooked));

}  // namespace

const ProtocolTraits* find_traits(int nn_protocol, bool raw) {
  for (std::size_t i = 0; i < std::size(kCooked); ++i)
    if (kCooked[i].nn_protocol == nn_protocol) return raw ? &kRaw[i] : &kCooked[i];
  return nullptr;
}

}  // namespace sprocket::nanomsg
