// The device: two forwarding loops (a→b, b→a) over the sockets' async
// operations, so it needs no thread of its own. When one loop meets a
// closed socket it cancels the other's pending operation; the device
// completes when both have stopped.
#include "sprocket/device.hpp"

#include <future>
#include <mutex>

#include <asio/post.hpp>

#include "socket_access.hpp"

namespace sprocket::detail {
namespace {

// An AsyncOp that runs a callback on the runtime's executor: posted, so a
// busy loop of immediate completions does not grow the stack.
class CallbackOp final : public AsyncOp {
 public:
  using Fn = UniqueFunction<void(std::error_code, Message)>;
  CallbackOp(asio::any_io_executor ex, Fn fn) : ex_(std::move(ex)), fn_(std::move(fn)) {}
  void complete(std::error_code ec, Message m) override {
    asio::post(ex_, [fn = std::move(fn_), ec, m = std::move(m)]() mutable { fn(ec, std::move(m)); });
  }

 private:
  asio::any_io_executor ex_;
  Fn fn_;
};

class Device : public std::enable_shared_from_this<Device> {
 public:
  Device(std::shared_ptr<SocketCore> a, std::shared_ptr<SocketCore> b, std::unique_ptr<AsyncOp> done)
      : sides_{std::move(a), std::move(b)}, done_(std::move(done)) {}

  void start() {
    pump(0);
    pump(1);
  }

 private:
  // Receives on side `from`, sends on the other, and goes round again.
  void pump(int from) {
    auto self = shared_from_this();
    auto& core = sides_[from];
    auto id = begin_op(from);
    if (!id) return;
    core->start_async(false, id, Message{},
                      std::make_unique<CallbackOp>(core->executor(), [self, from](std::error_code ec,
                                                                                   Message m) {
                        if (!self->keeps_going(from, ec)) return;
                        // A receive that failed (a timeout) has nothing to forward.
                        if (ec) return self->pump(from);
                        self->forward(from, std::move(m));
                      }));
  }

  void forward(int from, Message m) {
    auto self = shared_from_this();
    auto& to = sides_[1 - from];
    auto id = begin_op(from);
    if (!id) return;
    to->start_async(true, id, std::move(m),
                    std::make_unique<CallbackOp>(to->executor(), [self, from](std::error_code ec,
                                                                               Message) {
                      if (self->keeps_going(from, ec)) self->pump(from);
                    }));
  }

  // Names the next operation of loop `from`, so the other loop can cancel it.
  std::uint64_t begin_op(int from) {
    std::lock_guard lock(mu_);
    if (stopping_) {
      finish_loop_locked();
      return 0;
    }
    return pending_[from] = next_async_id();
  }

  // Decides after each operation: a closed socket or a cancellation stops
  // the device; anything else (a message a socket refused, a timeout) only
  // costs that message.
  bool keeps_going(int from, std::error_code ec) {
    if (ec == errc::not_supported) {
      // A one-way side (PUSH, PUB...) has nothing to receive: only this
      // loop ends; the device goes on forwarding the other way.
      std::lock_guard lock(mu_);
      finish_loop_locked();
      return false;
    }
    if (!ec || (ec != errc::closed && ec != errc::canceled)) return true;
    std::uint64_t other = 0;
    {
      std::lock_guard lock(mu_);
      if (!stopping_) {
        stopping_ = true;
        other = pending_[1 - from];
      }
      finish_loop_locked();
    }
    if (other) {
      cancel_async(sides_[1 - from], other);
      cancel_async(sides_[from], other);  // the other loop may be sending on our side
    }
    return false;
  }

  void finish_loop_locked() {
    if (++stopped_ == 2 && done_) std::exchange(done_, nullptr)->complete({}, Message{});
  }

  std::shared_ptr<SocketCore> sides_[2];
  std::unique_ptr<AsyncOp> done_;
  std::mutex mu_;
  bool stopping_ = false;
  int stopped_ = 0;
  std::uint64_t pending_[2] = {0, 0};
};

bool partners(const SocketCore& a, const SocketCore& b) {
  return a.protocol_info().peer_id == b.protocol_info().id &&
         b.protocol_info().peer_id == a.protocol_info().id;
}

}  // namespace

void start_device(Socket& a, Socket& b, std::unique_ptr<AsyncOp> op) {
  const auto& ca = SocketAccess::core(a);
  const auto& cb = SocketAccess::core(b);
  if (!a.raw() || !b.raw() || !partners(*ca, *cb)) {
    op->complete(errc::invalid_argument, Message{});
    return;
  }
  std::make_shared<Device>(ca, cb, std::move(op))->start();
}

}  // namespace sprocket::detail

namespace sprocket {
namespace {

class PromiseOp final : public detail::AsyncOp {
 public:
  explicit PromiseOp(std::promise<std::error_code>& p) : promise_(p) {}
  void complete(std::error_code ec, Message) override { promise_.set_value(ec); }

 private:
  std::promise<std::error_code>& promise_;
};

}  // namespace

void device(Socket& a, Socket& b, std::error_code& ec) {
  std::promise<std::error_code> done;
  auto result = done.get_future();
  detail::start_device(a, b, std::make_unique<PromiseOp>(done));
  ec = result.get();
}

void device(Socket& a, Socket& b) {
  std::error_code ec;
  device(a, b, ec);
  if (ec) throw std::system_error(ec, "device: both sockets must be raw and protocol partners");
}

}  // namespace sprocket
