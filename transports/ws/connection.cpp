#include "transports/ws/connection.hpp"

#include <algorithm>
#include <cstring>
#include <random>

#include <openssl/crypto.h>

#include <asio/bind_executor.hpp>
#include <asio/buffer.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/read_until.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "sprocket/error.hpp"
#include "runtime.hpp"
#include "sprocket/extension/protocol.hpp"
#include "transports/ws/handshake.hpp"

namespace sprocket::ws {
namespace {

constexpr std::size_t kFirstReadChunk = 4 * 1024;
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kMaxFrame = 64 * 1024;  // NNG 1.5.2 refuses frames over 1 MiB
constexpr std::size_t kMaxBatch = 256;
// Bytes per write: bodies are freed only when their batch is written, so
// large messages go a few at a time and recycle through the body cache.
constexpr std::size_t kMaxBatchBytes = 2 * 1024 * 1024;

std::array<std::byte, 4> random_mask() {
  thread_local std::mt19937 rng{std::random_device{}()};
  auto v = rng();
  return {std::byte(v), std::byte(v >> 8), std::byte(v >> 16), std::byte(v >> 24)};
}

}  // namespace

WsConfig make_config(const SocketPort& port, bool client, std::string host, std::string path,
                     std::string peer_address, std::error_code& ec) {
  // SHA-1 leaves OpenSSL per-thread state on the I/O threads: free it as they end.
  detail::at_io_thread_exit(&OPENSSL_thread_stop);
  const ProtocolInfo* info = find_protocol(port.protocol_id());
  if (!info) {
    ec = errc::unknown_protocol;
    return {};
  }
  return WsConfig{client,
                  std::move(host),
                  std::move(path),
                  subprotocol(info->name),
                  subprotocol(info->peer_name),
                  info->peer_id,
                  std::move(peer_address),
                  port.handshake_timeout()};
}

void WsConnection::start(asio::ip::tcp::socket socket, std::shared_ptr<SocketPort> port,
                         WsConfig config, LinkHandler done, std::string received) {
  auto c = std::shared_ptr<WsConnection>(new WsConnection(
      std::move(socket), std::move(port), std::move(config), std::move(received)));
  asio::co_spawn(c->strand_, c->handshake(std::move(done)), asio::detached);
}

WsConnection::WsConnection(asio::ip::tcp::socket socket, std::shared_ptr<SocketPort> port,
                           WsConfig config, std::string received)
    : socket_(std::move(socket)),
      strand_(asio::make_strand(socket_.get_executor())),
      port_(std::move(port)),
      config_(std::move(config)),
      timer_(strand_),
      received_(std::move(received)) {}

// ---------------------------------------------------------------- upgrade

asio::awaitable<void> WsConnection::handshake(LinkHandler done) {
  auto self = shared_from_this();
  timer_.expires_after(config_.handshake_timeout);
  timer_.async_wait([self](std::error_code ec) {
    if (ec) return;
    self->timed_out_ = true;
    std::error_code ignored;
    self->socket_.close(ignored);
  });
  std::error_code ec;
  // No temporaries or conditionals inside co_await: GCC 12 miscompiles some
  // of them (destroying a temporary twice).
  try {
    if (config_.client) {
      ec = co_await client_upgrade();
    } else {
      ec = co_await server_upgrade();
    }
  } catch (const std::system_error& e) {
    ec = e.code();
  }
  if (timed_out_) ec = errc::timed_out;
  timer_.cancel();
  if (ec) {
    std::error_code ignored;
    socket_.close(ignored);
    done(ec, PeerLink{nullptr, nullptr, config_.peer_id, config_.peer_address});
    co_return;
  }
  established(done);
}

asio::awaitable<std::error_code> WsConnection::client_upgrade() {
  auto key = make_key();
  auto request = make_request(config_.host, config_.path, key, config_.peer_protocol);
  co_await asio::async_write(socket_, asio::buffer(request), asio::use_awaitable);
  std::string head;
  // The status line first: a refusal is final at once (nanomsg sends one
  // without ending its head, and keeps the connection open).
  auto line = co_await asio::async_read_until(socket_, asio::dynamic_buffer(head, kMaxHeader),
                                              "\r\n", asio::use_awaitable);
  std::string_view status = std::string_view(head).substr(0, line);
  if (status.rfind("HTTP/1.1 101", 0) != 0) {
    // 400 is how SP servers refuse a subprotocol; anything else is not SP over ws.
    bool refused = status.rfind("HTTP/1.1 400", 0) == 0 || status.rfind("HTTP/1.0 400", 0) == 0;
    co_return make_error_code(refused ? errc::protocol_mismatch : errc::protocol_error);
  }
  auto n = co_await asio::async_read_until(socket_, asio::dynamic_buffer(head, kMaxHeader),
                                           "\r\n\r\n", asio::use_awaitable);
  auto why = check_response(std::string_view(head).substr(0, n), key, config_.peer_protocol);
  read_buf_.assign(reinterpret_cast<const std::byte*>(head.data()) + n,
                   reinterpret_cast<const std::byte*>(head.data()) + head.size());
  if (why.empty()) co_return std::error_code{};
  co_return make_error_code(why == "wrong subprotocol" ? errc::protocol_mismatch
                                                       : errc::protocol_error);
}

// The port's server read the head (within the size limit) and routed it
// here by its path: check the rest and answer.
asio::awaitable<std::error_code> WsConnection::server_upgrade() {
  const std::size_t n = received_.find("\r\n\r\n") + 4;
  auto request = check_request(std::string_view(received_).substr(0, n), config_.path,
                               config_.own_protocol);
  if (!request.error.empty()) {
    const std::string refusal = make_refusal(request.error);
    co_await asio::async_write(socket_, asio::buffer(refusal), asio::use_awaitable);
    co_return make_error_code(request.wrong_protocol ? errc::protocol_mismatch
                                                     : errc::protocol_error);
  }
  auto response = make_accept_response(request.key, config_.own_protocol);
  co_await asio::async_write(socket_, asio::buffer(response), asio::use_awaitable);
  read_buf_.assign(reinterpret_cast<const std::byte*>(received_.data()) + n,
                   reinterpret_cast<const std::byte*>(received_.data()) + received_.size());
  received_ = std::string();
  co_return std::error_code{};
}

void WsConnection::established(LinkHandler& done) {
  in_ = std::make_shared<MessageQueue>(port_->recv_buffer());
  out_ = std::make_shared<MessageQueue>(port_->send_buffer());
  in_->set_producer(weak_from_this());
  out_->set_consumer(weak_from_this());
  keep_alive_ = shared_from_this();  // alive until fail()
  end_ = read_buf_.size();
  done({}, PeerLink{in_, out_, config_.peer_id, config_.peer_address});
  parse();  // bytes that came with the upgrade
  on_queue_readable();
}

// ---------------------------------------------------------------- reading

void WsConnection::read_more() {
  if (begin_ == end_) begin_ = end_ = 0;
  if (begin_ != 0) {
    std::memmove(read_buf_.data(), read_buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  // Small while the connection is quiet (a thousand idle connections should
  // not hold 64 MiB), doubling up to kReadChunk while reads fill it.
  std::size_t want = std::max(kFirstReadChunk, read_buf_.size());
  if (filled_ && want < kReadChunk) want *= 2;
  if (end_ == want) want *= 2;  // a header split oddly
  if (read_buf_.size() < want) read_buf_.resize(want);
  const std::size_t space = read_buf_.size() - end_;
  socket_.async_read_some(asio::buffer(read_buf_.data() + end_, space),
                          asio::bind_executor(strand_, [self = shared_from_this(), space](
                                                           std::error_code ec, std::size_t n) {
                            if (ec) return self->fail(ec);
                            self->end_ += n;
                            self->filled_ = n == space;
                            self->parse();
                          }));
}

// Consumes every complete piece of frame in the buffer: payloads are
// unmasked into the message (or control) buffer as they arrive, so a frame
// larger than the read buffer streams through it.
void WsConnection::parse() {
  bool notify = false;
  while (!failed_ && inbound_.flowing()) {
    if (!in_frame_ && !take_header()) break;
    if (failed_) return;
    auto want = frame_.length - frame_done_;
    auto take = static_cast<std::size_t>(std::min<std::uint64_t>(want, end_ - begin_));
    bool control = frame_.opcode & 0x8;
    auto& dest = control ? control_ : message_;
    auto at = dest.size();
    dest.insert(dest.end(), read_buf_.begin() + begin_, read_buf_.begin() + begin_ + take);
    if (frame_.masked) apply_mask(dest.data() + at, take, frame_.mask, frame_done_);
    begin_ += take;
    frame_done_ += take;
    if (frame_done_ < frame_.length) break;  // the rest is still on the wire
    in_frame_ = false;
    if (!control && frame_.fin) {
      Message m{std::span<const std::byte>(message_)};
      message_.clear();
      assembling_ = false;
      inbound_.deliver(*in_, std::move(m), notify);
    } else {
      end_of_frame();
    }
  }
  if (notify) in_->notify_consumer();
  if (!failed_ && inbound_.flowing()) read_more();
}

// Decodes and checks the next frame header; false when more bytes are needed.
bool WsConnection::take_header() {
  std::uint16_t code = kCloseProtocolError;
  auto d = decode_header(std::span(read_buf_.data() + begin_, end_ - begin_), frame_, code);
  if (d == Decode::need_more) return false;
  if (d == Decode::error) return close_with(code, errc::protocol_error), false;
  // Clients must mask, servers must not (RFC 6455 section 5.1).
  if (frame_.masked == config_.client) return close_with(kCloseProtocolError, errc::protocol_error), false;
  if (frame_.opcode == kText) return close_with(kCloseUnsupportedData, errc::protocol_error), false;
  bool data = frame_.opcode == kBinary || frame_.opcode == kContinuation;
  if (data) {
    // A binary frame opens a message, a continuation needs an open one.
    if ((frame_.opcode == kBinary) == assembling_)
      return close_with(kCloseProtocolError, errc::protocol_error), false;
    auto limit = port_->recv_max_size();
    if (limit != 0 && message_.size() + frame_.length > limit)
      return close_with(kCloseTooBig, errc::message_too_large), false;
    assembling_ = true;
  } else {
    control_.clear();
  }
  begin_ += frame_.size;
  in_frame_ = true;
  frame_done_ = 0;
  return true;
}

void WsConnection::end_of_frame() {
  switch (frame_.opcode) {
    case kPing:
      queue_control(kPong, control_);
      break;
    case kClose:
      // Echo the close (its code, if any) and stop reading; the writer
      // closes the socket after sending it.
      queue_control(kClose, std::vector<std::byte>(control_.begin(),
                                                   control_.begin() + std::min<std::size_t>(2, control_.size())));
      close_after_write_ = make_error_code(errc::connection_reset);
      inbound_.stop();
      break;
    default:
      break;  // a pong, or the end of a non-final data frame
  }
}

void WsConnection::resume_reading() {
  if (inbound_.resume(*in_, failed_)) parse();
}

void WsConnection::on_queue_writable() {
  asio::post(strand_, [self = shared_from_this()] { self->resume_reading(); });
}

// ---------------------------------------------------------------- writing

void WsConnection::on_queue_readable() {
  if (writing_.exchange(true)) return;
  asio::post(strand_, [self = shared_from_this()] { self->write_batch(); });
}

void WsConnection::queue_control(std::uint8_t opcode, std::vector<std::byte> payload) {
  std::vector<std::byte> frame;  // not staging_: a write may be sending from it
  append_frame(frame, opcode, payload.data(), payload.size(), true);
  control_out_.push_back(std::move(frame));
  on_queue_readable();
}

void WsConnection::append_frame(std::vector<std::byte>& out, std::uint8_t opcode,
                                const std::byte* data, std::size_t n, bool fin) {
  std::byte head[14];
  auto mask = random_mask();
  auto h = encode_header(head, fin, opcode, n, config_.client ? &mask : nullptr);
  out.insert(out.end(), head, head + h);
  auto at = out.size();
  out.insert(out.end(), data, data + n);
  if (config_.client) apply_mask(out.data() + at, n, mask, 0);
}

// One binary message per SP message, split into frames of at most kMaxFrame.
void WsConnection::append_message(const Message& m) {
  std::vector<std::byte> payload(m.header().begin(), m.header().end());
  payload.insert(payload.end(), m.data(), m.data() + m.size());
  std::size_t at = 0;
  do {
    auto n = std::min(kMaxFrame, payload.size() - at);
    append_frame(staging_, at == 0 ? kBinary : kContinuation, payload.data() + at, n,
                 at + n == payload.size());
    at += n;
  } while (at < payload.size());
}

void WsConnection::write_batch() {
  if (failed_) return;
  staging_.clear();
  for (auto& frame : control_out_) staging_.insert(staging_.end(), frame.begin(), frame.end());
  control_out_.clear();
  batch_.clear();
  if (!close_after_write_) {
    if (out_->producer_closed()) arm_linger();
    bool notify = false;
    auto r = out_->pop_batch(batch_, kMaxBatch, notify, kMaxBatchBytes);
    if (notify) out_->notify_producer();
    if (r == MessageQueue::Pop::closed) {
      // The socket dropped the pipe and all is written: close politely.
      std::byte code[2] = {std::byte(kCloseNormal >> 8), std::byte(kCloseNormal & 0xff)};
      append_frame(staging_, kClose, code, 2, true);
      close_after_write_ = make_error_code(errc::closed);
    }
  }
  for (const Message& m : batch_) append_message(m);
  if (staging_.empty()) {
    writing_.store(false);
    if (out_->size() != 0 || !control_out_.empty()) on_queue_readable();
    return;
  }
  asio::async_write(socket_, asio::buffer(staging_),
                    asio::bind_executor(strand_, [self = shared_from_this()](std::error_code ec,
                                                                            std::size_t) {
                      if (ec) return self->fail(ec);
                      if (self->close_after_write_) return self->fail(*self->close_after_write_);
                      self->write_batch();
                    }));
}

// ---------------------------------------------------------------- closing

// The socket dropped the pipe: queued output may drain for the linger time.
void WsConnection::arm_linger() {
  if (lingering_) return;
  lingering_ = true;
  timer_.expires_after(port_->linger());
  timer_.async_wait([self = shared_from_this()](std::error_code ec) {
    if (!ec) self->fail(errc::closed);
  });
}

// Sends a close frame with `code`, then drops the connection.
void WsConnection::close_with(std::uint16_t code, std::error_code reason) {
  inbound_.stop();
  if (close_after_write_) return;
  std::vector<std::byte> payload{std::byte(code >> 8), std::byte(code & 0xff)};
  queue_control(kClose, std::move(payload));
  close_after_write_ = reason;
  // Report the reason now: the pipe ends with it whether or not the close frame gets out.
  if (in_) in_->close_producer(reason);
}

void WsConnection::fail(std::error_code ec) {
  if (failed_) return;
  failed_ = true;
  auto self = std::move(keep_alive_);
  timer_.cancel();
  std::error_code ignored;
  socket_.close(ignored);
  if (in_) in_->close_producer(ec == errc::closed ? std::error_code{} : ec);
  if (out_) out_->close_consumer();
}

}  // namespace sprocket::ws
