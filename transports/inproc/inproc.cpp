// inproc://name — sockets in one process joined by a pair of shared
// MessageQueues: a send moves the Message into the peer's queue, with no
// serialization, no copy of the body and no I/O thread.
//
// A dial before the listen waits in a pending list and connects the moment
// the listener starts accepting, as nanomsg does.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sprocket/error.hpp"
#include "sprocket/extension/transport.hpp"

namespace sprocket {
namespace {

struct Pending {
  std::weak_ptr<SocketPort> socket;
  LinkHandler done;
};

using LinkCallback = std::shared_ptr<detail::UniqueFunction<void(std::error_code, PeerLink)>>;

struct Bound {
  std::weak_ptr<SocketPort> socket;
  LinkCallback on_link;  // set once accepting
};

/// Names bound in this process, and dials waiting for a name.
class Directory {
 public:
  // Never destroyed: sockets (and so their endpoints) may outlive static
  // destruction order.
  static Directory& instance() {
    static auto* d = new Directory;
    return *d;
  }

  std::error_code bind(const std::string& name, const std::shared_ptr<Bound>& b) {
    std::lock_guard lock(mu_);
    if (bound_.count(name)) return errc::address_in_use;
    bound_[name] = b;
    return {};
  }

  void unbind(const std::string& name, const Bound* b) {
    std::lock_guard lock(mu_);
    auto it = bound_.find(name);
    if (it != bound_.end() && it->second.get() == b) bound_.erase(it);
  }

  /// Starts accepting; returns the dials that were waiting for `name`.
  std::vector<std::shared_ptr<Pending>> accept(const std::string& name, const std::shared_ptr<Bound>& b,
                                               LinkCallback cb) {
    std::lock_guard lock(mu_);
    b->on_link = std::move(cb);
    std::vector<std::shared_ptr<Pending>> ready;
    auto [first, last] = pending_.equal_range(name);
    for (auto it = first; it != last; ++it) ready.push_back(it->second);
    pending_.erase(first, last);
    return ready;
  }

  /// The accepting listener for `name`, or nullptr after parking `p`.
  std::shared_ptr<Bound> find_or_park(const std::string& name, const std::shared_ptr<Pending>& p) {
    std::lock_guard lock(mu_);
    auto it = bound_.find(name);
    if (it != bound_.end() && it->second->on_link) return it->second;
    pending_.emplace(name, p);
    return nullptr;
  }

  /// Removes a parked dial; true if it was still parked.
  bool unpark(const std::string& name, const Pending* p) {
    std::lock_guard lock(mu_);
    auto [first, last] = pending_.equal_range(name);
    for (auto it = first; it != last; ++it) {
      if (it->second.get() == p) {
        pending_.erase(it);
        return true;
      }
    }
    return false;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Bound>> bound_;
  std::multimap<std::string, std::shared_ptr<Pending>> pending_;
};

/// The byte bound of the queue from `sender` to `receiver`: both sides'
/// bounds summed, as the depths are, or none when either side set its depth
/// (in messages only: a byte bound there would cut it short).
std::size_t summed_bytes(const SocketPort& sender, const SocketPort& receiver) {
  const std::size_t send = sender.send_buffer_bytes();
  const std::size_t recv = receiver.recv_buffer_bytes();
  return send != 0 && recv != 0 ? send + recv : 0;
}

/// Joins a waiting dial to a listener: makes the two queues and hands one
/// link to each side. Runs with no lock held.
void join(const std::string& url, Pending& dial, const Bound& listener) {
  auto d = dial.socket.lock();
  auto l = listener.socket.lock();
  if (!d || !l) return dial.done(errc::connection_refused, {});
  if (!d->accepts_peer(l->protocol_id()) || !l->accepts_peer(d->protocol_id())) {
    (*listener.on_link)(errc::protocol_mismatch, PeerLink{nullptr, nullptr, d->protocol_id(), url, {}});
    return dial.done(errc::protocol_mismatch, PeerLink{nullptr, nullptr, l->protocol_id(), url, {}});
  }
  // One direction's capacity is the sender's send buffer plus the receiver's
  // receive buffer: the queue is both at once.
  auto to_listener =
      std::make_shared<MessageQueue>(d->send_buffer() + l->recv_buffer(), summed_bytes(*d, *l));
  auto to_dialer =
      std::make_shared<MessageQueue>(l->send_buffer() + d->recv_buffer(), summed_bytes(*l, *d));
  (*listener.on_link)({}, PeerLink{to_listener, to_dialer, d->protocol_id(), url, {}});
  dial.done({}, PeerLink{to_dialer, to_listener, l->protocol_id(), url, {}});
}

class InprocDialer final : public TransportDialer {
 public:
  InprocDialer(Url url, std::shared_ptr<SocketPort> socket)
      : url_(std::move(url)), socket_(std::move(socket)) {}
  ~InprocDialer() override { close(); }

  void connect(LinkHandler done) override {
    auto p = std::make_shared<Pending>(Pending{socket_, std::move(done)});
    {
      std::lock_guard lock(mu_);
      if (closed_) return p->done(errc::closed, {});
      parked_ = p;
    }
    if (auto listener = Directory::instance().find_or_park(url_.address, p)) {
      {
        std::lock_guard lock(mu_);
        parked_.reset();
      }
      join(url_.text, *p, *listener);
    }
  }

  void close() override {
    std::shared_ptr<Pending> p;
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      p = std::move(parked_);
    }
    // Only the side that unparks it completes it: accept() may have taken it.
    if (p && Directory::instance().unpark(url_.address, p.get())) p->done(errc::closed, {});
  }

 private:
  Url url_;
  std::weak_ptr<SocketPort> socket_;
  std::mutex mu_;
  bool closed_ = false;
  std::shared_ptr<Pending> parked_;
};

class InprocListener final : public TransportListener {
 public:
  InprocListener(Url url, std::shared_ptr<SocketPort> socket)
      : url_(std::move(url)), bound_(std::make_shared<Bound>(Bound{socket, nullptr})) {}
  ~InprocListener() override { close(); }

  std::error_code bind() override {
    auto ec = Directory::instance().bind(url_.address, bound_);
    bound_ok_ = !ec;
    return ec;
  }

  void accept(detail::UniqueFunction<void(std::error_code, PeerLink)> on_link) override {
    auto cb = std::make_shared<detail::UniqueFunction<void(std::error_code, PeerLink)>>(
        std::move(on_link));
    for (auto& p : Directory::instance().accept(url_.address, bound_, cb)) join(url_.text, *p, *bound_);
  }

  void close() override {
    if (bound_ok_) Directory::instance().unbind(url_.address, bound_.get());
    bound_ok_ = false;
  }

 private:
  Url url_;
  std::shared_ptr<Bound> bound_;
  bool bound_ok_ = false;
};

class InprocTransport final : public Transport {
 public:
  std::string_view scheme() const noexcept override { return "inproc"; }

  std::unique_ptr<TransportDialer> make_dialer(const Url& url, std::shared_ptr<SocketPort> socket,
                                               const EndpointOptions&, std::error_code& ec) override {
    ec.clear();
    return std::make_unique<InprocDialer>(url, std::move(socket));
  }

  std::unique_ptr<TransportListener> make_listener(const Url& url,
                                                   std::shared_ptr<SocketPort> socket,
                                                   const EndpointOptions&,
                                                   std::error_code& ec) override {
    ec.clear();
    return std::make_unique<InprocListener>(url, std::move(socket));
  }
};

}  // namespace

namespace detail {
void register_builtin_transport_inproc() { register_transport(std::make_shared<InprocTransport>()); }
}  // namespace detail

}  // namespace sprocket
