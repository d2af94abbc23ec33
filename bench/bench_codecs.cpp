// The hot wire codecs and the pipe queue, alone: what each message pays for
// framing, headers, masking and the hand-off between layers.
//
// Names: codec/<piece>/<operation>/sprocket/<payload bytes, 0 when none>:
//   sp_header      make, check           the 8-byte SP handshake header
//   sp_frame_prefix write_tcp, write_ipc, read_tcp, read_ipc
//   ws_header      encode_masked, encode_unmasked, decode_masked,
//                  decode_unmasked at 64 B, 1 KiB, 64 KiB payloads (the
//                  three length encodings)
//   ws_mask        apply at 64 B, 1 KiB, 64 KiB
//   backtrace      push_id (a REQ/SURVEYOR stamping its id), unstack_body_1,
//                  unstack_body_4 (an id behind 3 device hops, from the
//                  body, as stream transports deliver it), unstack_header_1
//                  (inproc), final_word
//   message_queue  push_pop (one thread), push_pop_batch (kQueueDepth in, one
//                  pop_batch out), threads (a producer and a consumer thread)
//   priority_list  ready_cycle_<n>_pipes: a fair queue's bookkeeping per
//                  message over n ready pipes (a PULL's or SUB's fair queue)
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "driver.hpp"
#include "protocols/common/backtrace.hpp"
#include "protocols/common/priority_list.hpp"
#include "sprocket/extension/message_queue.hpp"
#include "transports/stream/wire.hpp"
#include "transports/ws/frame.hpp"

namespace {

namespace stream = sprocket::stream;
namespace ws = sprocket::ws;
namespace routing = sprocket::routing;
using sprocket::Message;
using sprocket::MessageQueue;

// Inputs cycle through a few values so the compiler cannot fold the loop.
constexpr std::size_t kVariants = 64;

// ---- SP stream: handshake header and frame prefix ---------------------------

void sp_header_make(benchmark::State& state) {
  std::uint16_t id = 0x10;
  for (auto _ : state) {
    auto h = stream::make_sp_header(id++);
    benchmark::DoNotOptimize(h);
  }
  state.SetItemsProcessed(state.iterations());
}

void sp_header_check(benchmark::State& state) {
  std::vector<stream::SpHeader> headers;
  for (std::uint16_t i = 0; i < kVariants; ++i) headers.push_back(stream::make_sp_header(0x10 + i));
  std::size_t i = 0;
  std::uint16_t peer = 0;
  for (auto _ : state) {
    auto ec = stream::parse_sp_header(headers[i++ % kVariants], peer);
    benchmark::DoNotOptimize(ec);
    benchmark::DoNotOptimize(peer);
  }
  state.SetItemsProcessed(state.iterations());
}

void frame_prefix_write(benchmark::State& state, stream::Framing f) {
  std::array<std::byte, 16> out{};
  std::uint64_t length = 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(stream::write_frame_prefix(f, length, out.data()));
    benchmark::ClobberMemory();
    length = length * 3 + 1;
  }
  state.SetItemsProcessed(state.iterations());
}

void frame_prefix_read(benchmark::State& state, stream::Framing f) {
  std::vector<std::array<std::byte, 16>> prefixes(kVariants);
  for (std::size_t i = 0; i < kVariants; ++i) stream::write_frame_prefix(f, i * 977 + 5, prefixes[i].data());
  std::size_t i = 0;
  std::uint64_t length = 0;
  for (auto _ : state) {
    auto ec = stream::read_frame_prefix(f, prefixes[i++ % kVariants].data(), length);
    benchmark::DoNotOptimize(ec);
    benchmark::DoNotOptimize(length);
  }
  state.SetItemsProcessed(state.iterations());
}

// ---- WebSocket frames --------------------------------------------------------

constexpr std::array<std::byte, 4> kMask{std::byte{0x12}, std::byte{0x34}, std::byte{0x56}, std::byte{0x78}};

void ws_encode(benchmark::State& state, bool masked) {
  const auto length = static_cast<std::uint64_t>(state.range(0));
  std::array<std::byte, 16> out{};
  for (auto _ : state) {
    benchmark::DoNotOptimize(ws::encode_header(out.data(), true, ws::kBinary, length, masked ? &kMask : nullptr));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}

void ws_decode(benchmark::State& state, bool masked) {
  const auto length = static_cast<std::uint64_t>(state.range(0));
  std::array<std::byte, 16> in{};
  const std::size_t n = ws::encode_header(in.data(), true, ws::kBinary, length, masked ? &kMask : nullptr);
  ws::FrameHeader h;
  std::uint16_t close_code = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(in);
    auto r = ws::decode_header(std::span<const std::byte>(in.data(), n), h, close_code);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(h);
  }
  if (h.length != length || h.masked != masked) state.SkipWithError("decoded header differs");
  state.SetItemsProcessed(state.iterations());
}

void ws_mask(benchmark::State& state) {
  std::vector<std::byte> payload(static_cast<std::size_t>(state.range(0)), std::byte{0x5a});
  for (auto _ : state) {
    ws::apply_mask(payload.data(), payload.size(), kMask, 0);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

// ---- backtrace ---------------------------------------------------------------

void backtrace_push_id(benchmark::State& state) {
  Message m(64);
  std::uint32_t id = 0x1234;
  for (auto _ : state) {
    m.clear_header();
    benchmark::DoNotOptimize(m.push_header_word(routing::kIdBit | id++));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}

/// A 64-byte body behind `hops` pipe-id words and the id word, in the body
/// (as tcp/ipc/ws deliver it) or in the header (as inproc does).
Message with_backtrace(int hops, bool in_header) {
  Message m(in_header ? 64 : 64 + 4 * static_cast<std::size_t>(hops + 1));
  std::byte* p = m.data();
  for (int w = 0; w <= hops; ++w) {
    std::uint32_t word = w == hops ? routing::kIdBit | 0x4242u : 0x100u + static_cast<std::uint32_t>(w);
    if (in_header) {
      m.push_header_word(word);
      continue;
    }
    for (int b = 0; b < 4; ++b) *p++ = std::byte(word >> (24 - 8 * b));
  }
  return m;
}

/// Time per unstack: each batch of messages is built untimed.
void backtrace_unstack(benchmark::State& state, int hops, bool in_header) {
  constexpr std::size_t kBatch = 256;
  std::vector<Message> batch(kBatch);
  while (state.KeepRunningBatch(kBatch)) {
    for (auto& m : batch) m = with_backtrace(hops, in_header);
    const auto t0 = std::chrono::steady_clock::now();
    for (auto& m : batch) benchmark::DoNotOptimize(routing::unstack(m, 8));
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  if (routing::final_word(batch[0]) != (routing::kIdBit | 0x4242u)) state.SkipWithError("wrong id word");
  state.SetItemsProcessed(state.iterations());
}

void backtrace_final_word(benchmark::State& state) {
  Message m = with_backtrace(3, true);
  for (auto _ : state) {
    benchmark::DoNotOptimize(routing::final_word(m));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}

// ---- MessageQueue ------------------------------------------------------------

/// One message moved in and out again, on one thread: the lock and ring
/// cost of a hand-off with no contention.
void queue_push_pop(benchmark::State& state) {
  MessageQueue q(bench::kQueueDepth);
  Message m(static_cast<std::size_t>(state.range(0)));
  bool notify = false;
  for (auto _ : state) {
    if (q.push(m, notify) != MessageQueue::Push::ok || q.pop(m, notify) != MessageQueue::Pop::ok) {
      state.SkipWithError("queue refused");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

/// A full queue's worth pushed one by one, then taken with one pop_batch
/// (how a connection's writer drains it): time per message.
void queue_push_pop_batch(benchmark::State& state) {
  const auto depth = static_cast<std::size_t>(bench::kQueueDepth);
  MessageQueue q(depth);
  std::vector<Message> in(depth), out;
  for (auto& m : in) m = Message(static_cast<std::size_t>(state.range(0)));
  out.reserve(depth);
  bool notify = false;
  while (state.KeepRunningBatch(static_cast<benchmark::IterationCount>(depth))) {
    for (auto& m : in) q.push(m, notify);
    q.pop_batch(out, depth, notify);
    for (std::size_t i = 0; i < depth; ++i) in[i] = std::move(out[i]);
    out.clear();
  }
  state.SetItemsProcessed(state.iterations());
}

/// Spins a little, then yields: the machine may have fewer free cores than
/// threads.
void backoff(int& spins) {
  if (++spins < 64) return;
  std::this_thread::yield();
  spins = 0;
}

/// A producer (this thread, making each message as an application would)
/// and a consumer thread that polls; time per message, measured over
/// batches that end when the consumer has the last message.
void queue_threads(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  constexpr std::int64_t kBatch = 4096;
  MessageQueue q(bench::kQueueDepth);
  std::atomic<std::int64_t> consumed{0};
  std::thread consumer([&] {
    Message m;
    bool notify = false;
    int spins = 0;
    for (std::int64_t n = 0;;) {
      auto r = q.pop(m, notify);
      if (r == MessageQueue::Pop::ok) {
        consumed.store(++n, std::memory_order_release);
        spins = 0;
      } else if (r == MessageQueue::Pop::closed) {
        return;
      } else {
        backoff(spins);
      }
    }
  });
  std::int64_t pushed = 0;
  bool notify = false;
  while (state.KeepRunningBatch(kBatch)) {
    for (std::int64_t i = 0; i < kBatch; ++i) {
      Message m(size);
      for (int spins = 0; q.push(m, notify) == MessageQueue::Push::full;) backoff(spins);
    }
    pushed += kBatch;
    for (int spins = 0; consumed.load(std::memory_order_acquire) < pushed;) backoff(spins);
  }
  q.close_producer();
  consumer.join();
  state.SetItemsProcessed(state.iterations());
}

// ---- PriorityList ------------------------------------------------------------

class BenchPipe final : public sprocket::Pipe {
 public:
  explicit BenchPipe(std::uint32_t id) : Pipe(id, 8, 8, 0x30) {}
  Io send(Message&) override { return Io::ok; }
  Io recv(Message&) override { return Io::would_block; }
};

/// What a fair queue does per message with `pipes` peers all sending: the
/// next pipe is served, comes back empty (not ready), and its next
/// message's notice makes it ready again.
void priority_list_ready_cycle(benchmark::State& state, int pipes) {
  std::vector<std::unique_ptr<BenchPipe>> all;
  routing::PriorityList list;
  for (int i = 0; i < pipes; ++i) {
    all.push_back(std::make_unique<BenchPipe>(static_cast<std::uint32_t>(i + 1)));
    list.add(*all.back(), 8, true);
  }
  for (auto _ : state) {
    sprocket::Pipe* p = list.next();
    list.set_ready(*p, false);
    list.set_ready(*p, true);
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
}

// ---- registration ------------------------------------------------------------

template <class Fn, class... Args>
benchmark::internal::Benchmark* add(const std::string& piece, const std::string& op, Fn fn, Args... args) {
  auto* b = benchmark::RegisterBenchmark(("codec/" + piece + "/" + op + "/sprocket").c_str(), fn, args...);
  return b->Unit(benchmark::kNanosecond);
}

void payload_sizes(benchmark::internal::Benchmark* b) { b->Arg(64)->Arg(1024)->Arg(64 * 1024); }

}  // namespace

int main(int argc, char** argv) {
  add("sp_header", "make", sp_header_make)->Arg(0);
  add("sp_header", "check", sp_header_check)->Arg(0);
  add("sp_frame_prefix", "write_tcp", frame_prefix_write, stream::Framing::tcp)->Arg(0);
  add("sp_frame_prefix", "write_ipc", frame_prefix_write, stream::Framing::ipc)->Arg(0);
  add("sp_frame_prefix", "read_tcp", frame_prefix_read, stream::Framing::tcp)->Arg(0);
  add("sp_frame_prefix", "read_ipc", frame_prefix_read, stream::Framing::ipc)->Arg(0);
  payload_sizes(add("ws_header", "encode_masked", ws_encode, true));
  payload_sizes(add("ws_header", "encode_unmasked", ws_encode, false));
  payload_sizes(add("ws_header", "decode_masked", ws_decode, true));
  payload_sizes(add("ws_header", "decode_unmasked", ws_decode, false));
  payload_sizes(add("ws_mask", "apply", ws_mask));
  add("backtrace", "push_id", backtrace_push_id)->Arg(0);
  add("backtrace", "unstack_body_1", backtrace_unstack, 0, false)->Arg(0)->UseManualTime();
  add("backtrace", "unstack_body_4", backtrace_unstack, 3, false)->Arg(0)->UseManualTime();
  add("backtrace", "unstack_header_1", backtrace_unstack, 0, true)->Arg(0)->UseManualTime();
  add("backtrace", "final_word", backtrace_final_word)->Arg(0);
  add("message_queue", "push_pop", queue_push_pop)->Arg(64)->Arg(1024);
  add("message_queue", "push_pop_batch", queue_push_pop_batch)->Arg(64)->Arg(1024);
  add("message_queue", "threads", queue_threads)->Arg(64)->Arg(1024)->UseRealTime();
  for (int pipes : {16, 1000, 10000})
    add("priority_list", "ready_cycle_" + std::to_string(pipes) + "_pipes", priority_list_ready_cycle,
        pipes)
        ->Arg(0);
  return bench::run(argc, argv);
}
