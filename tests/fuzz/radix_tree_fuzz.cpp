// SUB's subscription tree (protocols/pubsub/radix_tree.cpp) against a
// model: the set of subscribed prefixes, each with its count of
// subscriptions (a std::map, as the tree counts references). The input is a program of
// subscribe / unsubscribe / match operations; keys come either from a
// four-letter alphabet (so that edges split and merge often) or as raw
// bytes (zero bytes included). Any difference from the model is a crash,
// and so is a tree that keeps more nodes than its prefixes need (at most
// two per distinct prefix, plus the root) or, once every subscription is
// dropped, anything but the bare root.
#include <map>
#include <string>

#include "fuzz_util.hpp"
#include "protocols/pubsub/radix_tree.hpp"

namespace {

using sprocket::fuzz::Input;
using sprocket::pubsub::SubscriptionTree;

std::string key(Input& in) {
  const std::uint8_t spec = in.byte();
  const std::size_t length = spec % 12;
  std::string k;
  if (spec & 0x80) {
    k = std::string(in.take_text(length));
  } else {
    static constexpr char kAlphabet[] = {'a', 'b', '\0', '\xff'};
    for (std::size_t i = 0; i < length; ++i) k.push_back(kAlphabet[in.byte() & 3]);
  }
  return k;
}

using Model = std::map<std::string, unsigned>;  // prefix -> subscriptions

bool model_matches(const Model& model, std::string_view message) {
  for (std::size_t n = 0; n <= message.size(); ++n)
    if (model.count(std::string(message.substr(0, n)))) return true;
  return false;
}

void check_shape(const SubscriptionTree& tree, const Model& model) {
  const std::size_t prefixes = model.size();
  FUZZ_CHECK(tree.size() == prefixes);
  FUZZ_CHECK(tree.node_count() >= 1 && tree.node_count() <= 2 * prefixes + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  SubscriptionTree tree;
  Model model;
  while (!in.empty()) {
    const std::uint8_t op = in.byte() % 3;
    const std::string k = key(in);
    if (op == 0) {
      tree.subscribe(k);
      ++model[k];
    } else if (op == 1) {
      auto it = model.find(k);
      FUZZ_CHECK(tree.unsubscribe(k) == (it != model.end()));
      if (it != model.end() && --it->second == 0) model.erase(it);
    } else {
      FUZZ_CHECK(tree.matches(k) == model_matches(model, k));
    }
    check_shape(tree, model);
  }
  // Dropping every subscription leaves the bare root and matches nothing.
  while (!model.empty()) {
    auto it = model.begin();
    FUZZ_CHECK(tree.unsubscribe(it->first));
    if (--it->second == 0) model.erase(it);
    check_shape(tree, model);
  }
  FUZZ_CHECK(tree.size() == 0 && tree.node_count() == 1);
  FUZZ_CHECK(!tree.matches(std::string_view("a")) && !tree.matches(std::string_view()));
  return 0;
}
