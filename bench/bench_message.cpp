// sprocket::Message: the cost of making one (owned body), of clone() (the
// body is shared, except inline bodies of up to 64 B, which are copied) and
// of wrap() (adopting caller memory without a copy).
#include <cstddef>
#include <vector>

#include <sprocket/sprocket.hpp>

#include "driver.hpp"

namespace {

void create(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    sprocket::Message m(size);
    benchmark::DoNotOptimize(m.data());
  }
  state.SetItemsProcessed(state.iterations());
}

void clone(benchmark::State& state) {
  const sprocket::Message original(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    sprocket::Message copy = original.clone();
    benchmark::DoNotOptimize(copy.data());
  }
  state.SetItemsProcessed(state.iterations());
}

void wrap(benchmark::State& state) {
  std::vector<std::byte> buffer(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto m = sprocket::Message::wrap(buffer.data(), buffer.size(), [](void*) {});
    benchmark::DoNotOptimize(m.data());
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

int main(int argc, char** argv) {
  bench::register_sized("message_create", "sprocket", &create);
  bench::register_sized("message_clone", "sprocket", &clone);
  bench::register_sized("message_wrap", "sprocket", &wrap);
  return bench::run(argc, argv);
}
