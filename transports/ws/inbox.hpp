// A ws listener's inbox: where the port's server (server.hpp) hands the
// listener's connections and refusals. It exists from bind() on, but the
// core's callback arrives only with accept(): what comes in between is kept
// and handed over then, as a tcp acceptor's backlog would keep it.
#pragma once

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "sprocket/extension/transport.hpp"

namespace sprocket::ws {

class Inbox {
 public:
  using OnLink = detail::UniqueFunction<void(std::error_code, PeerLink)>;

  Inbox() = default;
  Inbox(const Inbox&) = delete;
  Inbox& operator=(const Inbox&) = delete;
  /// Links never handed over are closed, so that their connections end.
  ~Inbox() {
    for (auto& [ec, link] : early_) {
      if (link.in) link.in->close_consumer();
      if (link.out) link.out->close_producer();
    }
  }

  /// Hands a link (or, with an error, a refusal) to the listener; any thread.
  void deliver(std::error_code ec, PeerLink link) {
    std::shared_ptr<OnLink> on_link;
    {
      std::lock_guard lock(mu_);
      if (!on_link_) {
        early_.emplace_back(ec, std::move(link));
        return;
      }
      on_link = on_link_;
    }
    (*on_link)(ec, std::move(link));  // not under the lock: it runs the core's code
  }

  /// Starts delivering to `on_link`, beginning with what came before.
  void open(OnLink on_link) {
    std::vector<std::pair<std::error_code, PeerLink>> early;
    auto cb = std::make_shared<OnLink>(std::move(on_link));
    {
      std::lock_guard lock(mu_);
      on_link_ = cb;
      early.swap(early_);
    }
    for (auto& [ec, link] : early) (*cb)(ec, std::move(link));
  }

 private:
  std::mutex mu_;
  std::shared_ptr<OnLink> on_link_;
  std::vector<std::pair<std::error_code, PeerLink>> early_;
};

}  // namespace sprocket::ws
