// One SP connection over a byte stream (tcp or unix socket): the header
// handshake, then a read loop that parses every frame in each chunk and a
// write loop that sends everything queued in one gather write.
//
// The connection is the producer of the pipe's `in` queue and the consumer
// of its `out` queue; it runs on its own strand. It lives as long as an I/O
// operation or a queue notification holds it.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <asio/bind_executor.hpp>
#include <asio/buffer.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "sprocket/error.hpp"
#include "sprocket/extension/transport.hpp"
#include "transports/stream/inbound.hpp"
#include "transports/stream/io_error.hpp"
#include "transports/stream/wire.hpp"

namespace sprocket::stream {

/// What a connection needs to know, fixed when it starts.
struct ConnectionConfig {
  Framing framing;
  std::uint16_t self_protocol;
  std::string peer_address;
  std::chrono::nanoseconds handshake_timeout;
};

template <class Socket>
class Connection final : public QueueListener,
                         public std::enable_shared_from_this<Connection<Socket>> {
 public:
  /// Runs the handshake on `socket`; calls `done` exactly once with the
  /// link for the socket, or the error (protocol_error, protocol_mismatch,
  /// timed_out, or the I/O error).
  static void start(Socket socket, std::shared_ptr<SocketPort> port, ConnectionConfig config,
                    LinkHandler done) {
    auto c = std::shared_ptr<Connection>(
        new Connection(std::move(socket), std::move(port), std::move(config)));
    asio::co_spawn(c->strand_, c->handshake(std::move(done)), asio::detached);
  }

  void on_queue_readable() override {  // out has messages, or the socket closed the pipe
    if (out_ && out_->producer_closed()) {
      // Bound the drain even while a write is stuck on a peer that stopped reading.
      asio::post(strand_, [self = this->shared_from_this()] { self->arm_linger(); });
    }
    if (writing_.exchange(true)) return;
    asio::post(strand_, [self = this->shared_from_this()] { self->write_batch(); });
  }

  void on_queue_writable() override {  // in has room again, or the socket stopped reading
    asio::post(strand_, [self = this->shared_from_this()] { self->resume_reading(); });
  }

 private:
  // The read buffer starts small, so an idle connection costs little (a
  // thousand of them should not hold 64 MiB), and doubles up to
  // kReadChunk while reads keep filling it.
  static constexpr std::size_t kFirstReadChunk = 4 * 1024;
  static constexpr std::size_t kReadChunk = 64 * 1024;
  static constexpr std::uint64_t kAbsurdLength = std::uint64_t{1} << 40;
  static constexpr std::size_t kMaxBatch = 256;           // messages per gather write
  // Bytes per gather write: a batch's bodies are freed only when all of it
  // is written, so large messages go a few at a time, and their memory
  // returns to the body cache (src/body_cache.hpp) for the next ones.
  static constexpr std::size_t kMaxBatchBytes = 2 * 1024 * 1024;
  static constexpr std::size_t kCopyBelow = 16 * 1024;    // smaller bodies are copied into the batch
  static constexpr std::size_t kLowWaterCap = 256 * 1024;  // see read_body()

  Connection(Socket socket, std::shared_ptr<SocketPort> port, ConnectionConfig config)
      : socket_(std::move(socket)),
        strand_(asio::make_strand(socket_.get_executor())),
        port_(std::move(port)),
        config_(std::move(config)),
        timer_(strand_) {}

  // ---------------------------------------------------------------- handshake

  asio::awaitable<void> handshake(LinkHandler done) {
    auto self = this->shared_from_this();
    timer_.expires_after(config_.handshake_timeout);
    timer_.async_wait([self](std::error_code ec) {
      if (!ec) self->timed_out_ = true, self->close_socket();
    });
    std::error_code ec;
    std::uint16_t peer = 0;
    try {
      auto mine = make_sp_header(config_.self_protocol);
      SpHeader theirs;
      co_await asio::async_write(socket_, asio::buffer(mine), asio::use_awaitable);
      co_await asio::async_read(socket_, asio::buffer(theirs), asio::use_awaitable);
      ec = parse_sp_header(theirs, peer);
      if (!ec && !port_->accepts_peer(peer)) ec = errc::protocol_mismatch;
    } catch (const std::system_error& e) {
      ec = timed_out_ ? make_error_code(errc::timed_out) : e.code();
    }
    timer_.cancel();
    if (ec) {
      close_socket();
      done(ec, PeerLink{nullptr, nullptr, peer, config_.peer_address});
      co_return;
    }
    in_ = std::make_shared<MessageQueue>(port_->recv_buffer());
    out_ = std::make_shared<MessageQueue>(port_->send_buffer());
    in_->set_producer(this->weak_from_this());
    out_->set_consumer(this->weak_from_this());
    // Alive until fail(): a stalled reader with an idle writer has no
    // pending operation to hold it.
    keep_alive_ = self;
    done({}, PeerLink{in_, out_, peer, config_.peer_address});
    read_more();
    on_queue_readable();  // the socket may have queued output already
  }

  // ---------------------------------------------------------------- reading

  void read_more() {
    if (begin_ != 0) {  // keep the partial frame at the front
      std::memmove(read_buf_.data(), read_buf_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    // Room for the frame in progress (parse() sends larger ones to
    // read_large), and more when the last read filled what there was.
    std::size_t want = std::max({kFirstReadChunk, want_, end_ + 1});
    if (filled_) want = std::max(want, read_buf_.size() * 2);
    if (read_buf_.size() < want) read_buf_.resize(std::min(kReadChunk, want));
    const std::size_t space = read_buf_.size() - end_;
    socket_.async_read_some(
        asio::buffer(read_buf_.data() + end_, space),
        asio::bind_executor(strand_, [self = this->shared_from_this(), space](std::error_code ec,
                                                                              std::size_t n) {
          if (ec) return self->fail(ec);
          self->end_ += n;
          self->filled_ = n == space;
          self->parse();
        }));
  }

  // Parses every complete frame in the buffer, then reads on (or stops
  // while the socket's receive queue is full).
  void parse() {
    const std::size_t prefix = frame_prefix_size(config_.framing);
    bool notify = false;
    while (inbound_.flowing()) {
      std::size_t avail = end_ - begin_;
      if (avail < prefix) break;
      std::uint64_t length = 0;
      if (auto ec = read_frame_prefix(config_.framing, read_buf_.data() + begin_, length))
        return fail(ec);
      // Read live: the limit may change after the connection is up.
      auto limit = port_->recv_max_size();
      if (limit != 0 && length > limit) return fail(errc::message_too_large);
      // Even "unlimited" has a bound: no one sends a terabyte in one message.
      if (length > kAbsurdLength) return fail(errc::message_too_large);
      if (avail - prefix < length) {
        if (length + prefix > kReadChunk / 2) return read_large(length, prefix, notify);
        want_ = prefix + length;
        break;
      }
      want_ = 0;
      Message m(std::span<const std::byte>(read_buf_.data() + begin_ + prefix, length));
      begin_ += prefix + length;
      inbound_.deliver(*in_, std::move(m), notify);
    }
    if (notify) in_->notify_consumer();
    if (!failed_ && inbound_.flowing()) read_more();
  }

  // A frame larger than half of kReadChunk: read its body straight into the
  // Message, so it is copied once, from the kernel.
  void read_large(std::uint64_t length, std::size_t prefix, bool notify) {
    if (notify) in_->notify_consumer();
    auto have = end_ - begin_ - prefix;
    std::shared_ptr<Message> m;
    try {
      m = std::make_shared<Message>(static_cast<std::size_t>(length));
    } catch (const std::bad_alloc&) {
      return fail(errc::message_too_large);  // a length no memory can hold (no limit set)
    }
    std::memcpy(m->data(), read_buf_.data() + begin_ + prefix, have);
    begin_ = end_ = 0;
    read_body(std::move(m), have);
  }

  // Reads the rest of a large body from `at` on. Over tcp the socket's
  // receive low-water mark is raised to what is left (at most
  // kLowWaterCap), so the kernel wakes this reader once per large piece
  // instead of once per loopback segment: every wake-up costs the sending
  // side a cross-core interrupt, and there were dozens per megabyte.
  void read_body(std::shared_ptr<Message> m, std::size_t at) {
    const std::size_t left = m->size() - at;
    if (left == 0) {
      set_low_water(1);
      bool notify = false;
      inbound_.deliver(*in_, std::move(*m), notify);
      if (notify) in_->notify_consumer();
      if (!failed_ && inbound_.flowing()) read_more();
      return;
    }
    set_low_water(std::min(left, kLowWaterCap));
    std::byte* dest = m->data() + at;
    socket_.async_read_some(
        asio::buffer(dest, left),
        asio::bind_executor(strand_, [self = this->shared_from_this(), m = std::move(m), at](
                                         std::error_code ec, std::size_t n) mutable {
          if (ec) return self->fail(ec);
          self->read_body(std::move(m), at + n);
        }));
  }

  void set_low_water(std::size_t bytes) {
    if constexpr (std::is_same_v<typename Socket::protocol_type, asio::ip::tcp>) {
      if (bytes == low_water_) return;
      std::error_code ignored;  // only an optimisation: without it reads wake more often
      socket_.set_option(asio::socket_base::receive_low_watermark(static_cast<int>(bytes)),
                         ignored);
      low_water_ = bytes;
    }
  }

  void resume_reading() {
    if (inbound_.resume(*in_, failed_)) parse();
  }

  // ---------------------------------------------------------------- writing

  // Sends everything queued: small messages copied into one buffer, large
  // bodies referenced in place, all in one gather write.
  void write_batch() {
    if (failed_) return;
    if (out_->producer_closed()) arm_linger();
    batch_.clear();
    bool notify = false;
    auto r = out_->pop_batch(batch_, kMaxBatch, notify, kMaxBatchBytes);
    if (notify) out_->notify_producer();
    if (r == MessageQueue::Pop::closed) return finish_writing();
    if (r == MessageQueue::Pop::empty) {
      writing_.store(false);
      // A push between our pop and the store saw writing_ set and did not
      // post: look once more.
      if (out_->size() != 0 || out_->drained()) on_queue_readable();
      return;
    }
    build_buffers();
    asio::async_write(socket_, buffers_,
                      asio::bind_executor(strand_, [self = this->shared_from_this()](
                                                       std::error_code ec, std::size_t) {
                        if (ec) return self->fail(ec);
                        self->write_batch();
                      }));
  }

  void build_buffers() {
    // Record offsets first (staging_ may grow while we append), then make
    // the buffers, merging the runs of copied bytes.
    pieces_.clear();
    staging_.clear();
    std::byte prefix[9];
    for (Message& m : batch_) {
      auto n = write_frame_prefix(config_.framing, m.wire_size(), prefix);
      std::size_t at = staging_.size();
      staging_.insert(staging_.end(), prefix, prefix + n);
      staging_.insert(staging_.end(), m.header().begin(), m.header().end());
      bool copy = m.size() < kCopyBelow;
      if (copy) staging_.insert(staging_.end(), m.data(), m.data() + m.size());
      pieces_.push_back({at, staging_.size() - at, nullptr});
      if (!copy) pieces_.push_back({0, m.size(), m.data()});
    }
    buffers_.clear();
    bool merge = false;
    for (const Piece& p : pieces_) {
      if (p.external) {
        buffers_.emplace_back(p.external, p.size);
        merge = false;
      } else if (merge) {
        auto& last = buffers_.back();
        last = asio::const_buffer(last.data(), last.size() + p.size);
      } else {
        buffers_.emplace_back(staging_.data() + p.offset, p.size);
        merge = true;
      }
    }
  }

  // The socket closed the pipe and everything queued is written.
  void finish_writing() {
    std::error_code ignored;
    socket_.shutdown(Socket::shutdown_send, ignored);
    fail(errc::closed);
  }

  // The socket closed the pipe: queued output may drain for the linger time.
  void arm_linger() {
    if (lingering_ || failed_) return;
    lingering_ = true;
    timer_.expires_after(port_->linger());
    timer_.async_wait([self = this->shared_from_this()](std::error_code ec) {
      if (!ec) self->fail(errc::closed);
    });
  }

  // ---------------------------------------------------------------- closing

  void close_socket() {
    std::error_code ignored;
    socket_.close(ignored);
  }

  void fail(std::error_code ec) {
    ec = map_io_error(ec);
    if (failed_) return;
    failed_ = true;
    auto self = std::move(keep_alive_);  // released when this call returns
    timer_.cancel();
    close_socket();
    if (in_) in_->close_producer(ec == errc::closed ? std::error_code{} : ec);
    if (out_) out_->close_consumer();
  }

  Socket socket_;
  asio::strand<asio::any_io_executor> strand_;
  std::shared_ptr<SocketPort> port_;
  const ConnectionConfig config_;
  asio::steady_timer timer_;
  std::shared_ptr<Connection> keep_alive_;
  bool timed_out_ = false;
  bool failed_ = false;
  bool lingering_ = false;

  std::shared_ptr<MessageQueue> in_;
  std::shared_ptr<MessageQueue> out_;

  std::vector<std::byte> read_buf_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::size_t want_ = 0;   // the whole frame in progress, prefix included
  std::size_t low_water_ = 1;  // the socket's SO_RCVLOWAT (tcp)
  bool filled_ = false;    // the last read filled the buffer: grow it
  Inbound inbound_;  // what did not fit in in_ yet, and whether reading stopped

  std::atomic<bool> writing_{false};
  std::vector<Message> batch_;
  std::vector<std::byte> staging_;
  struct Piece { std::size_t offset, size; const std::byte* external; };
  std::vector<Piece> pieces_;
  std::vector<asio::const_buffer> buffers_;
};

}  // namespace sprocket::stream
