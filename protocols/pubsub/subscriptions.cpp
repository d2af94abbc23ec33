#include "protocols/pubsub/subscriptions.hpp"

namespace sprocket::pubsub {

/// One connection's arrival filter: matches on the connection's thread
/// under its own lock, and counts what it refuses.
class Subscriptions::ArrivalFilter final : public MessageFilter {
 public:
  explicit ArrivalFilter(std::shared_ptr<Subscriptions> subs) : subs_(std::move(subs)) {
    subs_->add_reader(this);
  }
  ~ArrivalFilter() override { subs_->remove_reader(this); }
  ArrivalFilter(const ArrivalFilter&) = delete;
  ArrivalFilter& operator=(const ArrivalFilter&) = delete;

  bool admit(const Message& m) noexcept override {
    std::lock_guard lock(mu_);
    if (subs_->tree_.matches(m.body())) return true;
    ++filtered_;
    return false;
  }

  std::uint64_t filtered() {
    std::lock_guard lock(mu_);
    return filtered_;
  }

  // Taken by a writer (WriteLock) to change the tree.
  detail::SpinMutex& lock() noexcept { return mu_; }

 private:
  const std::shared_ptr<Subscriptions> subs_;
  // The reader's lock and what it guards, on a line of their own: the
  // connection's thread writes it for every message.
  alignas(64) detail::SpinMutex mu_;
  std::uint64_t filtered_ = 0;
};

class Subscriptions::WriteLock {
 public:
  explicit WriteLock(Subscriptions& s) : s_(s), list_(s.readers_mu_) {
    for (ArrivalFilter* f : s_.readers_) f->lock().lock();
  }
  ~WriteLock() {
    for (ArrivalFilter* f : s_.readers_) f->lock().unlock();
  }
  WriteLock(const WriteLock&) = delete;
  WriteLock& operator=(const WriteLock&) = delete;

 private:
  Subscriptions& s_;
  std::lock_guard<std::mutex> list_;
};

void Subscriptions::subscribe(std::string_view prefix) {
  WriteLock lock(*this);
  tree_.subscribe(prefix);  // on a throw the tree is unchanged and the locks released
}

bool Subscriptions::unsubscribe(std::string_view prefix) {
  WriteLock lock(*this);
  return tree_.unsubscribe(prefix);
}

std::uint64_t Subscriptions::filtered() const {
  std::lock_guard lock(readers_mu_);
  std::uint64_t n = filtered_at_recv_ + gone_filtered_;
  for (ArrivalFilter* f : readers_) n += f->filtered();
  return n;
}

std::shared_ptr<MessageFilter> Subscriptions::make_filter() {
  return std::make_shared<ArrivalFilter>(shared_from_this());
}

void Subscriptions::add_reader(ArrivalFilter* f) {
  std::lock_guard lock(readers_mu_);
  readers_.push_back(f);
}

void Subscriptions::remove_reader(ArrivalFilter* f) noexcept {
  std::lock_guard lock(readers_mu_);
  gone_filtered_ += f->filtered();
  std::erase(readers_, f);
}

}  // namespace sprocket::pubsub
