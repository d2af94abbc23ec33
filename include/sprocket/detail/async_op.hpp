// Type erasure between asio completion handlers (templates, in the user's
// code) and the socket core (compiled once, in the library).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <system_error>
#include <utility>

#include <asio/any_io_executor.hpp>
#include <asio/associated_cancellation_slot.hpp>
#include <asio/associated_executor.hpp>
#include <asio/cancellation_type.hpp>
#include <asio/execution/outstanding_work.hpp>
#include <asio/post.hpp>
#include <asio/prefer.hpp>
#include <asio/system_executor.hpp>

#include "sprocket/detail/export.hpp"
#include "sprocket/error.hpp"
#include "sprocket/message.hpp"

namespace sprocket::detail {

class SocketCore;

/// A pending async send or recv, owned by the core until it completes.
class SPROCKET_API AsyncOp {
 public:
  virtual ~AsyncOp() = default;
  /// Hands the result to the user's handler through the handler's
  /// associated executor: posted, never run inside this call.
  virtual void complete(std::error_code ec, Message m) = 0;
};

SPROCKET_API asio::any_io_executor core_executor(const std::shared_ptr<SocketCore>& core);

/// Allocates an id that names one async operation to cancel_async().
SPROCKET_API std::uint64_t next_async_id() noexcept;
/// Cancels the operation `id` if it is still pending (errc::canceled).
SPROCKET_API void cancel_async(const std::weak_ptr<SocketCore>& core, std::uint64_t id);

template <class Handler, bool kWithMessage>
class AsyncOpImpl final : public AsyncOp {
 public:
  AsyncOpImpl(Handler&& h, const asio::any_io_executor& io_ex)
      : handler_(std::move(h)),
        work_(asio::prefer(asio::get_associated_executor(handler_, io_ex),
                           asio::execution::outstanding_work.tracked)) {}

  void complete(std::error_code ec, Message m) override {
    auto slot = asio::get_associated_cancellation_slot(handler_);
    if (slot.is_connected()) slot.clear();
    // The work guard travels with the posted handler, so the executor's
    // context counts the operation until the handler has run. This thread
    // keeps a claim of its own until post() has returned: post() wakes the
    // context's thread after queueing the handler, and that thread may run
    // it, find no work left and let its owner destroy the context while
    // post() is still waking it. The claim goes when this call returns.
    const auto posting = work_;
    auto ex = asio::prefer(work_, asio::execution::outstanding_work.untracked);
    if constexpr (kWithMessage) {
      asio::post(ex, [h = std::move(handler_), ec, m = std::move(m),
                      work = std::move(work_)]() mutable { std::move(h)(ec, std::move(m)); });
    } else {
      asio::post(ex, [h = std::move(handler_), ec, work = std::move(work_)]() mutable {
        std::move(h)(ec);
      });
    }
  }

  /// Connects the handler's cancellation slot (if any) to cancel_async().
  void bind_cancellation(const std::weak_ptr<SocketCore>& core, std::uint64_t id) {
    auto slot = asio::get_associated_cancellation_slot(handler_);
    if (!slot.is_connected()) return;
    slot.assign([core, id](asio::cancellation_type type) {
      if (type != asio::cancellation_type::none) cancel_async(core, id);
    });
  }

 private:
  Handler handler_;
  std::decay_t<decltype(asio::prefer(std::declval<asio::associated_executor_t<
                                         Handler, asio::any_io_executor>>(),
                                     asio::execution::outstanding_work.tracked))>
      work_;
};

/// Start an async send/recv on the socket (ctx 0) or one of its contexts.
SPROCKET_API void start_async_send(const std::shared_ptr<SocketCore>& core, std::uint64_t id, Message m,
                      std::unique_ptr<AsyncOp> op, std::uint32_t ctx = 0);
SPROCKET_API void start_async_recv(const std::shared_ptr<SocketCore>& core, std::uint64_t id,
                      std::unique_ptr<AsyncOp> op, std::uint32_t ctx = 0);

/// The executor an operation on `core` completes on by default: the
/// socket's, or for an object without a core (a moved-from Socket, a closed
/// Context) the system executor, which only ever runs the errc::closed
/// completion.
inline asio::any_io_executor default_executor(const std::shared_ptr<SocketCore>& core) {
  if (core) return core_executor(core);
  return asio::any_io_executor(asio::system_executor());
}

void start_async_wait_for_pipes(const std::shared_ptr<SocketCore>& core, std::size_t n,
                                std::chrono::nanoseconds timeout, std::uint64_t id,
                                std::unique_ptr<AsyncOp> op);

/// Socket::async_wait_for_pipes.
struct InitiateWaitForPipes {
  std::shared_ptr<SocketCore> core;
  template <class Handler>
  void operator()(Handler handler, std::size_t n, std::chrono::nanoseconds timeout) const {
    auto op = std::make_unique<AsyncOpImpl<std::decay_t<Handler>, false>>(std::move(handler),
                                                                         default_executor(core));
    if (!core) return op->complete(make_error_code(errc::closed), {});
    auto id = next_async_id();
    op->bind_cancellation(core, id);
    start_async_wait_for_pipes(core, n, timeout, id, std::move(op));
  }
};

/// The asio initiations shared by Socket and Context.
struct InitiateSend {
  std::shared_ptr<SocketCore> core;
  std::uint32_t ctx;
  template <class Handler>
  void operator()(Handler handler, Message m) const {
    auto op = std::make_unique<AsyncOpImpl<std::decay_t<Handler>, false>>(std::move(handler),
                                                                         default_executor(core));
    if (!core) return op->complete(make_error_code(errc::closed), {});
    auto id = next_async_id();
    op->bind_cancellation(core, id);
    start_async_send(core, id, std::move(m), std::move(op), ctx);
  }
};

struct InitiateRecv {
  std::shared_ptr<SocketCore> core;
  std::uint32_t ctx;
  template <class Handler>
  void operator()(Handler handler) const {
    auto op = std::make_unique<AsyncOpImpl<std::decay_t<Handler>, true>>(std::move(handler),
                                                                        default_executor(core));
    if (!core) return op->complete(make_error_code(errc::closed), {});
    auto id = next_async_id();
    op->bind_cancellation(core, id);
    start_async_recv(core, id, std::move(op), ctx);
  }
};
}  // namespace sprocket::detail
