// The pump: one connection's whole life, written once for every transport
// that carries SP over a byte stream — tcp, ipc, ws, and TLS beneath either.
// A transport supplies the Stream (an asio stream socket, or a TLS stream
// over one, with StreamOps for it) and the Wire: its handshake, how a
// Message is encoded into a WriteBatch, and how bytes are decoded into
// messages (and, for ws, control frames). Everything else is here: the
// handshake timer, the read loop with backpressure, the write loop that
// sends everything queued in one gather write, linger, the close, and the
// lifecycle (pump_state.hpp).
//
// The pump is the producer of the pipe's `in` queue and the consumer of its
// `out` queue. It runs on its own strand, except for the caller write (see
// on_queue_readable): over a plain socket, a message sent to an idle
// connection is written by the sending thread itself; and for the caller
// read (read_while_waiting): a thread about to block for a message reads
// the connection itself. It is kept alive by
// its pending operations and, while open, by itself (a stalled reader with
// an idle writer has nothing pending), until it closes. Every state that waits on
// the peer — handshaking, draining, closing — has a timer, so no peer can
// hold a connection, its descriptor or its queued data for ever.
#pragma once

#include <sched.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/write.hpp>

#include "sprocket/error.hpp"
#include "runtime.hpp"
#include "sprocket/extension/transport.hpp"
#include "transports/stream/caller_pace.hpp"
#include "transports/stream/decoded.hpp"
#include "transports/stream/io_error.hpp"
#include "transports/stream/io_strand.hpp"
#include "transports/stream/low_water.hpp"
#include "transports/stream/on_strand.hpp"
#include "transports/stream/pump_state.hpp"
#include "transports/stream/read_buffer.hpp"
#include "transports/stream/read_now.hpp"
#include "transports/stream/read_turn.hpp"
#include "transports/stream/send_now.hpp"
#include "transports/stream/stream_ops.hpp"
#include "transports/stream/write_batch.hpp"

namespace sprocket::stream {

template <class Stream, class Wire>
class Pump final : public QueueListener,
                   public WaitingReader,
                   public std::enable_shared_from_this<Pump<Stream, Wire>> {
  using Ops = StreamOps<Stream>;
  using Kind = Decoded::Kind;
  using State = PumpState;

 public:
  /// Runs `wire`'s handshake over `stream` (bytes the transport read ahead
  /// go in `ahead`), then carries messages. Calls `done` exactly once, on
  /// the pump's strand: with the link, or with why the handshake failed
  /// (timed_out, protocol_error, protocol_mismatch, an I/O error).
  static void start(Stream stream, Wire wire, std::shared_ptr<SocketPort> port,
                    std::string peer_address, LinkHandler done, std::vector<std::byte> ahead = {}) {
    auto p = std::shared_ptr<Pump>(new Pump(std::move(stream), std::move(wire), std::move(port),
                                            std::move(peer_address)));
    asio::co_spawn(p->strand_, p->handshake(std::move(done), std::move(ahead)), asio::detached);
  }

  // QueueListener: any thread.
  void on_queue_readable() override {  // out has messages, or the socket closed the pipe
    if (out_->producer_closed())
      asio::post(strand_, [self = this->shared_from_this()] { self->start_draining(); });
    if (writing_.exchange(true)) return;
    if constexpr (kCallerWrites) {
      if (pace_.idle_for_a_pause() && write_from_caller()) return;
    }
    asio::post(strand_, [self = this->shared_from_this()] { self->write_batch(); });
  }
  void on_queue_writable() override {  // in has room again, or the socket stopped reading
    asio::post(strand_, [self = this->shared_from_this()] { self->resume_reading(); });
  }

 private:
  static constexpr std::size_t kMaxBatch = 256;  // messages per gather write
  // Bytes per gather write: a batch's bodies are freed only when all of it
  // is written, so large messages go a few at a time and their memory
  // returns to the body cache (src/body_cache.hpp) for the next ones.
  static constexpr std::size_t kMaxBatchBytes = 2 * 1024 * 1024;
  static constexpr std::size_t kLowWaterCap = 256 * 1024;  // see read_body()
  // Read after a large body: a frame prefix (tcp 8 B, ipc 9 B, ws 2-14 B)
  // with room to spare; see read_body().
  static constexpr std::size_t kLookahead = 16;
  static constexpr int kCoalescedControl = 16;              // see parse()
  static constexpr std::size_t kMaxArrived = 64;            // messages per publish()

  // The caller write needs a descriptor to send on and an encoder that
  // reads no state the strand changes: a plain socket with the SP wire
  // (TLS and ws keep session state that only the strand may touch).
  static constexpr bool kCallerWrites = requires {
    requires Ops::sends_on_descriptor;
    requires Wire::encode_is_stateless;
  };
  // The caller read needs the same: a descriptor to read, and a decoder
  // that any thread may run (the wire's decode keeps no state; ws's and
  // TLS's sessions do). Over such a connection the strand reads with its
  // own non-blocking receive too (read_on_strand), never with a read asio
  // holds open, so the two readers can take turns.
  static constexpr bool kCallerReads = kCallerWrites;

  Pump(Stream stream, Wire wire, std::shared_ptr<SocketPort> port, std::string peer_address)
      : stream_(std::move(stream)),
        strand_(io_strand_of(Ops::socket(stream_).get_executor())),
        wire_(std::move(wire)),
        port_(std::move(port)),
        peer_address_(std::move(peer_address)),
        timer_(strand_) {}

  // ---------------------------------------------------------------- handshake

  asio::awaitable<void> handshake(LinkHandler done, std::vector<std::byte> ahead) {
    auto self = this->shared_from_this();
    timer_.expires_after(port_->handshake_timeout());
    timer_.async_wait([self](std::error_code ec) {
      if (ec) return;
      self->timed_out_ = true;
      Ops::close(self->stream_);
    });
    std::error_code ec;
    try {
      ec = co_await wire_.handshake(stream_, *port_, ahead);
    } catch (const std::system_error& e) {
      ec = map_io_error(e.code());
    }
    if (timed_out_) ec = errc::timed_out;
    timer_.cancel();
    if (ec) {
      lifecycle_.to(State::closed);
      Ops::close(stream_);
      done(ec, PeerLink{nullptr, nullptr, wire_.peer_protocol(), peer_address_, {}});
      co_return;
    }
    establish(done, ahead);
  }

  void establish(LinkHandler& done, const std::vector<std::byte>& ahead) {
    in_ = std::make_shared<MessageQueue>(port_->recv_buffer(), port_->recv_buffer_bytes());
    out_ = std::make_shared<MessageQueue>(port_->send_buffer(), port_->send_buffer_bytes());
    in_->set_producer(this->weak_from_this());
    out_->set_consumer(this->weak_from_this());
    keep_alive_ = this->shared_from_this();
    // The reading turn is the strand's until its first read finds nothing.
    lifecycle_.to(State::open);
    if constexpr (kCallerWrites) {
      std::lock_guard fd_lock(descriptor_mu_);
      descriptor_ = Ops::socket(stream_).native_handle();
    }
    buffer_.preload(ahead);
    std::weak_ptr<WaitingReader> reader;
    if constexpr (kCallerReads) reader = this->weak_from_this();
    done({}, PeerLink{in_, out_, wire_.peer_protocol(), peer_address_, std::move(reader)});
    parse();        // bytes that came with the handshake, then the read loop
    write_here();   // the socket may have queued output already
  }

  // ---------------------------------------------------------------- reading

  // Reads on in open and draining (a closed pipe's input is read and
  // dropped, so the peer is not answered with a reset), unless the socket's
  // queue is full or a control answer waits for the writer.
  bool reading() const {
    return lifecycle_.is_any(State::open, State::draining) && !stalled_ && !control_blocked_;
  }

  void read_more() {
    low_water_.at_most(stream_, 1);
    auto space = buffer_.space(want_);
    stream_.async_read_some(
        asio::buffer(space.data(), space.size()),
        on_strand(strand_, [self = this->shared_from_this(), asked = space.size()](
                               std::error_code ec, std::size_t n) {
          if (ec) return self->read_failed(ec);
          self->buffer_.filled(n, asked);
          self->parse();
        }));
  }

  // Decodes everything buffered, handing the messages to the socket a
  // batch at a time (publish), then reads on.
  void parse() {
    while (reading()) {
      Decoded d = wire_.decode(buffer_.data(), port_->recv_max_size());
      buffer_.consume(d.consumed);
      want_ = 0;
      switch (d.kind) {
        case Kind::need_more:
          want_ = d.want;
          publish();
          if (stalled_) return;  // resume_reading() goes on
          if constexpr (kCallerReads) {
            if (read_on_strand()) continue;
            return;
          }
          return read_more();
        case Kind::message:
          arrived_.push_back(std::move(d.message));
          if (arrived_.size() >= kMaxArrived) publish();
          break;
        case Kind::large_body:
          publish();
          body_ = std::move(d.message);
          return read_body(d.have);
        case Kind::control:
          // The wire keeps only the latest answer owed (a ws pong), so
          // while the writer is busy newer requests replace older ones; after
          // kCoalescedControl of them reading waits for the writer, so a
          // flood of requests (pings) meets backpressure, not memory growth.
          write_here();
          if (wire_.control_pending() && ++coalesced_control_ >= kCoalescedControl)
            control_blocked_ = true;
          break;
        case Kind::peer_closed:
        case Kind::failed:
          publish();
          return start_closing(d.error);
      }
    }
    // A stall already tried to publish, and resume_reading() goes on from
    // it: publishing again here could take the stall away with no one left
    // to read on.
    if (!stalled_) publish();
  }

  // ---------------------------------------------------------------- reading in turns

  // Over a plain socket (kCallerReads) whoever holds the reading turn
  // (read_turn.hpp) — the strand, or a thread in read_while_waiting — owns
  // everything the read side uses: buffer_, want_, arrived_, stalled_ and
  // the decoding. The strand holds it from the handshake on and lets go
  // only when a read finds the socket empty; a stall, a large body or the
  // connection's end keep it with the strand. A caller hands it back by
  // letting go, or, when it stops at something only the strand handles, by
  // passing it to the strand and posting that there (hand_to_strand), so
  // no one else can read in between.

  // A move by the turn's holder: no one else moves the turn out of a state
  // they do not hold, so failing is a bug.
  void pass_turn(ReadTurn from, ReadTurn to) {
    if (read_turn_.advance(from, to)) return;
    std::fprintf(stderr, "sprocket: reading turn: %s moved it without holding it\n",
                 from == ReadTurn::caller ? "a caller" : "the strand");
    std::abort();
  }

  // On the strand, which holds the reading turn: one non-blocking read. True when
  // it got bytes; otherwise it has reported a failure, or let go of the
  // reading and waits for the socket to become readable.
  bool read_on_strand() {
    low_water_.at_most(stream_, 1);
    auto space = buffer_.space(want_);
    const ReadNow r = read_now(descriptor_, space);
    if (r.got != 0) {
      buffer_.filled(r.got, space.size());
      return true;
    }
    if (r.error) {
      read_failed(r.error);
      return false;
    }
    pass_turn(ReadTurn::strand, ReadTurn::free);
    await_readable();
    return false;
  }

  // One wait at a time: a readable() posted by a caller that let go may
  // run while the last wait is still pending, and each wait completes for
  // every edge, so a second one would double every wake-up from then on.
  // (No edge is lost between the last read and the wait: asio starts a
  // wait with EPOLL_CTL_MOD, which reports a descriptor readable already.)
  void await_readable() {
    if (wait_pending_) return;
    wait_pending_ = true;
    Ops::socket(stream_).async_wait(
        asio::socket_base::wait_read,
        on_strand(strand_, [self = this->shared_from_this()](std::error_code ec) {
          self->wait_pending_ = false;
          if (ec) return self->read_failed(ec);
          self->readable();
        }));
  }

  // On the strand: the socket has bytes.
  void readable() {
    if (!lifecycle_.is_any(State::open, State::draining)) return;
    if (take_turn_for_strand()) parse();
  }

  // True when the strand took the reading turn and reads on. When the
  // strand holds it already (a stall, a large body, a caller's hand-over)
  // that goes on by itself. While a caller reads, the strand neither reads
  // nor waits again: a wait started now would find the bytes the caller
  // has not taken yet and complete at once, over and over (this thread spun
  // until the caller read them, and held the core the caller needed for up
  // to a scheduler tick: round trips of 4 ms). That caller has the bytes
  // that woke us and lets go within microseconds, so the strand waits for
  // it, yielding the core (it may be the caller's), rather than make the
  // caller wake this thread again to hand the turn back. Only a slower
  // caller is left a word, and hands the turn back as it lets go
  // (end_caller_read). The word is written before the last look at the
  // turn, and the caller lets go before it reads the word, so one of the
  // two sees the other (both sequentially consistent).
  bool take_turn_for_strand() {
    std::optional<std::chrono::steady_clock::time_point> give_up;
    for (;;) {
      if (read_turn_.advance(ReadTurn::free, ReadTurn::strand)) return true;
      if (read_turn_.is(ReadTurn::strand)) return false;
      const auto now = std::chrono::steady_clock::now();
      if (!give_up) give_up = now + std::chrono::microseconds(50);
      if (now >= *give_up) break;
      ::sched_yield();
    }
    strand_wants_reading_.store(true);
    return read_turn_.advance(ReadTurn::free, ReadTurn::strand);
  }

 public:
  // WaitingReader: a thread of the socket about to block for a message.
  bool read_while_waiting(std::chrono::steady_clock::time_point until, const Stop& stop) override {
    if constexpr (!kCallerReads) {
      return false;
    } else {
      if (!read_turn_.advance(ReadTurn::free, ReadTurn::caller)) return false;
      int fd;
      std::uint64_t read = 0;
      {
        std::lock_guard fd_lock(descriptor_mu_);
        fd = descriptor_;
        if (fd >= 0) caller_read_ = read = ++caller_reads_;
      }
      // Closed: the turn stays taken, as nothing reads any more.
      if (fd < 0) return false;
      const Turn turn = read_for_caller(fd, until, stop);
      end_caller_read(read, turn);
      return true;
    }
  }

 private:
  enum class Turn { caller_lets_go, strand_goes_on };

  // The caller read itself: reads, delivers, and polls the socket while it
  // has nothing, until `stop`, `until` or the connection's close. A large
  // body it reads straight into its Message, as the strand does.
  Turn read_for_caller(int fd, std::chrono::steady_clock::time_point until, const Stop& stop) {
    for (;;) {
      if (stop.reached() || caller_must_leave_.load(std::memory_order_acquire))
        return leave_caller_read();
      const bool in_body = !body_.empty();
      const std::span<std::byte> into =
          in_body ? std::span(body_.data() + caller_body_at_, body_.size() - caller_body_at_)
                  : buffer_.space(want_);
      const ReadNow r = read_now(fd, into);
      if (r.got != 0) {
        if (in_body) {
          if (!body_for_caller(r.got)) return Turn::strand_goes_on;
        } else {
          buffer_.filled(r.got, into.size());
          if (!deliver_for_caller()) return Turn::strand_goes_on;
        }
        continue;
      }
      if (r.error) {
        hand_to_strand([self = this->shared_from_this(), ec = r.error] { self->read_failed(ec); });
        return Turn::strand_goes_on;
      }
      if (std::chrono::steady_clock::now() >= until) return leave_caller_read();
      wait_readable(fd, until);
    }
  }

  // Passes the turn to the strand with what it is to go on with: the turn
  // first, so the strand holds it when `then` runs.
  template <class F>
  void hand_to_strand(F then) {
    pass_turn(ReadTurn::caller, ReadTurn::strand);
    asio::post(strand_, std::move(then));
  }

  // A caller stopping: a large body it began goes on from the strand.
  Turn leave_caller_read() {
    if (body_.empty()) return Turn::caller_lets_go;
    hand_to_strand(
        [self = this->shared_from_this(), at = caller_body_at_] { self->read_body(at); });
    return Turn::strand_goes_on;
  }

  // `got` more bytes of the large body: when it is whole, it is the next
  // message. False when the strand must go on.
  bool body_for_caller(std::size_t got) {
    wire_.body_arrived(body_, caller_body_at_, got);
    caller_body_at_ += got;
    if (caller_body_at_ < body_.size()) return true;
    Decoded d = wire_.finish_body(std::move(body_));
    body_ = Message();
    if (d.kind != Kind::message) {  // the wire refused it: the strand ends the connection
      hand_to_strand([self = this->shared_from_this(), ec = d.error] {
        self->publish();
        self->start_closing(ec);
      });
      return false;
    }
    arrived_.push_back(std::move(d.message));
    return hand_to_socket();
  }

  // Hands the socket every whole message buffered, as parse() does. False
  // when the strand must go on: the socket's queue is full, or what comes
  // next is for the strand alone (the peer's goodbye, bad input), which it
  // decodes again.
  bool deliver_for_caller() {
    for (;;) {
      Decoded d = wire_.decode(buffer_.data(), port_->recv_max_size());
      if (d.kind == Kind::message) {
        buffer_.consume(d.consumed);
        want_ = 0;
        arrived_.push_back(std::move(d.message));
        if (arrived_.size() >= kMaxArrived && !hand_to_socket()) return false;
        continue;
      }
      if (d.kind == Kind::need_more) {
        buffer_.consume(d.consumed);
        want_ = d.want;
        return hand_to_socket();
      }
      if (d.kind == Kind::large_body) {
        if (!hand_to_socket()) return false;  // (the strand decodes it again)
        buffer_.consume(d.consumed);          // all that was buffered
        want_ = 0;
        body_ = std::move(d.message);
        caller_body_at_ = d.have;
        return true;  // the read loop goes on into the body
      }
      if (hand_to_socket()) hand_to_strand([self = this->shared_from_this()] { self->parse(); });
      return false;
    }
  }

  // publish() for a caller read. A stall begins on the strand only: the
  // room that ends it posts resume_reading() there, which must come after
  // the stall or be lost. So what does not fit goes to the strand, which
  // stalls and publishes it again (false).
  bool hand_to_socket() {
    if (arrived_from_ == arrived_.size() || push_arrived()) return true;
    hand_to_strand([self = this->shared_from_this()] {
      self->stalled_ = true;
      self->resume_reading();
    });
    return false;
  }

  // Leaves the reading as the turn says, and does what a close meanwhile
  // left for after the caller: the descriptor's close and the report. A
  // caller that handed the turn to the strand may find another caller
  // reading already (the strand read, let go, and that one took the turn):
  // what a close leaves for after a caller is then that one's.
  void end_caller_read(std::uint64_t read, Turn turn) {
    std::optional<Ending> close_how;
    bool report = false;
    bool hand_back = false;
    {
      std::lock_guard fd_lock(descriptor_mu_);
      if (caller_read_ != read) return;  // (the turn went on: strand_goes_on)
      caller_read_ = 0;
      close_how = std::exchange(close_after_caller_, std::nullopt);
      report = std::exchange(report_after_caller_, false);
      if (!close_how && turn == Turn::caller_lets_go) {
        pass_turn(ReadTurn::caller, ReadTurn::free);
        // The strand saw the socket readable while we read, and neither
        // read nor waited again (readable()): it reads on from here.
        hand_back = strand_wants_reading_.exchange(false);
      }
    }
    if (close_how || report) {
      asio::post(strand_, [self = this->shared_from_this(), close_how, report] {
        if (close_how) self->close_stream(*close_how);
        if (report) self->report();
      });
    } else if (hand_back) {
      asio::post(strand_, [self = this->shared_from_this()] { self->readable(); });
    }
  }

  // Reads the rest of a large body straight into its Message, from `at`
  // on, and in the same read the first kLookahead bytes after it into the
  // read buffer. When the next message is large too, those bytes hold its
  // frame prefix, so it is read in place as well: a stream of large
  // messages costs one read per message and no copy (a plain buffered read
  // would copy most of the next body out of the buffer). Over tcp the
  // receive low-water mark is raised to what is left (at most
  // kLowWaterCap), so the kernel wakes this reader once per large piece
  // instead of once per loopback segment.
  void read_body(std::size_t at) {
    const std::size_t left = body_.size() - at;
    if (left == 0) {
      Decoded d = wire_.finish_body(std::move(body_));
      body_ = Message();
      if (d.kind == Kind::message) arrived_.push_back(std::move(d.message));
      publish();
      if (d.kind == Kind::failed) return start_closing(d.error);
      return parse();
    }
    low_water_.at_most(stream_, std::min(left, kLowWaterCap));
    // A large body took everything buffered (Decoded::consumed), so what
    // is read ahead comes after it in the buffer, in stream order.
    const auto ahead = buffer_.space(kLookahead).first(kLookahead);
    const std::array<asio::mutable_buffer, 2> into{asio::buffer(body_.data() + at, left),
                                                   asio::buffer(ahead.data(), ahead.size())};
    stream_.async_read_some(into, on_strand(strand_, [self = this->shared_from_this(), at, left](
                                                         std::error_code ec, std::size_t n) {
                              if (ec) return self->read_failed(ec);
                              const std::size_t body_bytes = std::min(n, left);
                              self->wire_.body_arrived(self->body_, at, body_bytes);
                              self->buffer_.filled(n - body_bytes, kLookahead);
                              self->read_body(at + body_bytes);
                            }));
  }

  // Hands what was decoded to the socket with one push_batch (one lock, at
  // most one notification, for up to kMaxArrived messages). What does not
  // fit stays, and reading stops, until on_queue_writable() (resume_reading).
  void publish() {
    if (arrived_from_ == arrived_.size()) return;
    stalled_ = !push_arrived();
  }

  // The push itself; false when `in` was full (the rest stays in the list).
  bool push_arrived() {
    bool notify = false;
    const bool all = in_->push_batch(arrived_, arrived_from_, notify) != MessageQueue::Push::full;
    if (all) {  // all in, or the socket stopped reading (then dropped)
      arrived_.clear();
      arrived_from_ = 0;
    }
    if (notify) in_->notify_consumer();
    return all;
  }

  void resume_reading() {
    if (!stalled_) return;
    publish();
    // A large body still being read goes on by itself (and parses after
    // it): a parse now would start a second read beside it.
    if (!stalled_ && reading() && body_.empty()) parse();
  }

  void read_failed(std::error_code ec) {
    if (lifecycle_.is(State::closed)) return;
    // The peer left while we were still flushing to it, or it hung up.
    fail(ec);
  }

  // ---------------------------------------------------------------- writing

  // Starts the writer from the strand, unless it is running.
  void write_here() {
    if (!writing_.exchange(true)) write_batch();
  }

  // Sends what there is: the wire's control answers first, then (unless the
  // connection is closing) everything queued, as one gather write.
  void write_batch() {
    if (lifecycle_.is(State::closed)) return;
    batch_.clear();
    messages_.clear();
    bool ends = wire_.take_control(batch_);
    coalesced_control_ = 0;
    if (control_blocked_ && !wire_.control_pending()) {
      control_blocked_ = false;
      asio::post(strand_, [self = this->shared_from_this()] { self->parse(); });
    }
    if (!ends && lifecycle_.is_any(State::open, State::draining)) ends = take_queued();
    if (batch_.empty()) return ends ? finish() : writer_idle();  // (the SP goodbye is empty)
    ends_after_write_ = ends;
    write_in_flight_.store(true);
    // A span, not the vector: asio keeps a copy of the buffer sequence for
    // the whole write, and a vector's copy is a heap block per write.
    asio::async_write(
        stream_, std::span<const asio::const_buffer>(batch_.buffers()), AllThatIsLeft{},
        on_strand(strand_, [self = this->shared_from_this()](std::error_code ec, std::size_t n) {
          self->written(ec, n);
        }));
  }

  // Encodes what the socket queued; true when the socket closed the pipe
  // and all of it is written (the wire's goodbye is in the batch).
  bool take_queued() {
    bool notify = false;
    auto r = out_->pop_batch(messages_, kMaxBatch, notify, kMaxBatchBytes);
    if (notify) out_->notify_producer();
    for (const Message& m : messages_) wire_.encode(m, batch_);
    if (r != MessageQueue::Pop::closed) return false;
    start_draining();
    wire_.goodbye(batch_);
    return true;
  }

  // ---------------------------------------------------------------- caller write

  // On the sending thread, which owns the writer (writing_ is ours): sends
  // what is queued with one non-blocking gather send. Hands over to the
  // strand what the socket did not take, so a message sent to an idle
  // connection costs no wake-up of an I/O thread. False when the strand
  // must write instead (the connection is ending, or there is nothing
  // ordinary to send).
  bool write_from_caller() {
    bool notify = false;
    SendNow r;
    {
      // Held over one non-blocking send, so fail() cannot close (and the
      // system reuse) the descriptor under it.
      std::lock_guard fd_lock(descriptor_mu_);
      if (descriptor_ < 0) return false;
      if (out_->pop_batch(messages_, kMaxBatch, notify, kMaxBatchBytes) != MessageQueue::Pop::ok)
        return false;
      batch_.clear();
      for (const Message& m : messages_) wire_.encode(m, batch_);
      r = send_now(descriptor_, batch_.buffers());
      if (r.error || r.sent != batch_.bytes()) write_in_flight_.store(true);
    }
    CallerPace::caller_wrote();
    if (notify) out_->notify_producer();
    if (r.error || r.sent != batch_.bytes()) {
      asio::post(strand_, [self = this->shared_from_this(), r] { self->finish_caller_write(r); });
      return true;
    }
    messages_.clear();  // outside every lock: a body's deleter is user code
    writing_.store(false);
    // A push or the socket's close between our pop and the store saw
    // writing_ set and left the writing to us: look again.
    if ((out_->size() != 0 || out_->drained()) && !writing_.exchange(true))
      asio::post(strand_, [self = this->shared_from_this()] { self->write_batch(); });
    return true;
  }

  // On the strand: the rest of a caller write the socket did not take.
  void finish_caller_write(SendNow r) {
    if (r.error || lifecycle_.is(State::closed))
      return written(r.error ? r.error : std::error_code(errc::closed), r.sent);
    rest_ = buffers_after(batch_.buffers(), r.sent);
    asio::async_write(
        stream_, std::span<const asio::const_buffer>(rest_), AllThatIsLeft{},
        on_strand(strand_, [self = this->shared_from_this(), at = r.sent](
                               std::error_code ec, std::size_t n) { self->written(ec, at + n); }));
  }

  void writer_idle() {
    if (lifecycle_.is(State::closing)) return finish();  // nothing more to say
    writing_.store(false);
    // A push, a close or a control answer between our look and the store saw
    // writing_ set and did not start us: look once more.
    if (out_->size() != 0 || out_->drained() || wire_.control_pending()) write_here();
  }

  void written(std::error_code ec, std::size_t n) {
    write_in_flight_.store(false);
    if (ec || lifecycle_.is(State::closed)) {
      unsent_ = unsent_after(n);
      if (lifecycle_.is(State::closed)) return release_and_report();
      return fail(ec);
    }
    messages_.clear();  // bodies go back as soon as they are written
    if (lifecycle_.is(State::closing)) release_and_report();  // the data write it waited for
    if (ends_after_write_) return finish();
    write_batch();
  }

  // The messages of the batch that did not fully leave in `n` bytes: they
  // never reached the peer, so the socket may send them elsewhere.
  std::vector<Message> unsent_after(std::size_t n) {
    std::vector<Message> unsent;
    for (std::size_t i = batch_.messages_within(n); i < messages_.size(); ++i)
      unsent.push_back(std::move(messages_[i]));
    messages_.clear();
    return unsent;
  }

  // ---------------------------------------------------------------- closing

  // The socket closed the pipe: what it queued may drain for the linger time.
  void start_draining() {
    if (!lifecycle_.advance(State::open, State::draining)) return;
    detail::lingering_started();  // the runtime's stop at exit waits for us
    arm_linger();
  }

  // The peer said goodbye or broke the protocol: report it (once no data
  // write is in flight), read no more, and send the wire's last words (a ws
  // close frame), if any, within the linger time.
  void start_closing(std::error_code reason) {
    if (!lifecycle_.is_any(State::open, State::draining)) return;
    reason_ = reason;
    if (!wire_.control_pending()) return fail(reason);
    if (lifecycle_.is(State::open)) detail::lingering_started();
    lifecycle_.to(State::closing);
    arm_linger();
    if (!write_in_flight_) release_and_report();
    write_here();
  }

  void arm_linger() {
    timer_.expires_after(port_->linger());
    timer_.async_wait([self = this->shared_from_this()](std::error_code ec) {
      // Still waiting on the peer: drop it for good (an RST; a peer that
      // reads nothing must not keep the kernel's buffers either).
      if (!ec) self->fail(errc::closed, Ending::abort);
    });
  }

  // Everything, the goodbye included, is written.
  void finish() {
    Ops::shutdown(stream_);
    fail(errc::closed);
  }

  enum class Ending { close, abort };

  void fail(std::error_code ec, Ending how = Ending::close) {
    if (lifecycle_.is(State::closed)) return;
    if (lifecycle_.is_any(State::draining, State::closing)) detail::lingering_ended();
    lifecycle_.to(State::closed);
    auto self = std::move(keep_alive_);  // released when this call returns
    timer_.cancel();
    bool in_flight;
    {
      // A caller write in progress finishes first; none starts after. A
      // caller read in progress may be polling the descriptor: it is closed
      // once the reader has left (end_caller_read), so that its number is
      // not reused under the poll.
      std::lock_guard fd_lock(descriptor_mu_);
      descriptor_ = -1;
      if (caller_read_ != 0) {
        close_after_caller_ = how;
        caller_must_leave_.store(true, std::memory_order_release);
      } else {
        close_stream(how);
      }
      in_flight = write_in_flight_.load();
    }
    if (!reason_) reason_ = map_io_error(ec);
    // A write still in flight says what it sent when it completes.
    if (!in_flight) release_and_report();
  }

  void close_stream(Ending how) {
    how == Ending::abort ? Ops::abort(stream_) : Ops::close(stream_);
  }

  // Gives back what never left — queued, or in a failed write — and only
  // then tells the socket the pipe is gone, so that when it removes the
  // pipe it finds all of it to send elsewhere (ProtocolHandler::reroute).
  void release_and_report() {
    if (released_) return;
    released_ = true;
    out_->close_consumer(std::move(unsent_));
    if constexpr (kCallerReads) {
      // A caller read may be delivering to `in` still: closing its
      // producer side is that reader's to do, once it has left.
      std::lock_guard fd_lock(descriptor_mu_);
      if (caller_read_ != 0) {
        report_after_caller_ = true;
        return;
      }
    }
    report();
  }

  void report() { in_->close_producer(reason_ == errc::closed ? std::error_code{} : reason_); }

  Stream stream_;
  asio::any_io_executor strand_;  // the socket's own strand (io_strand.hpp)
  Wire wire_;
  std::shared_ptr<SocketPort> port_;
  const std::string peer_address_;
  asio::steady_timer timer_;  // handshake timeout, then linger
  detail::Lifecycle<State> lifecycle_;
  std::shared_ptr<Pump> keep_alive_;
  bool timed_out_ = false;
  std::error_code reason_;  // why the pipe ends, for the socket
  bool released_ = false;   // the queues were let go (release_and_report)

  std::shared_ptr<MessageQueue> in_;
  std::shared_ptr<MessageQueue> out_;

  // Reading. Over a plain socket, whoever holds the reading turn (the
  // strand or a caller read) owns what follows; see "reading in turns".
  detail::AtomicLifecycle<ReadTurn> read_turn_;
  bool wait_pending_ = false;  // the strand's async_wait for readability (its own)
  // A caller held the turn past the strand's wait (take_turn_for_strand).
  std::atomic<bool> strand_wants_reading_{false};
  ReadBuffer buffer_;
  std::size_t want_ = 0;              // bytes the decoder needs buffered, when known
  Message body_;                      // a large body being read in place
  std::size_t caller_body_at_ = 0;    // what a caller read has of it (the strand passes `at`)
  LowWater<Ops> low_water_;
  // Decoded, not yet in `in`: from arrived_from_ on (the ones before it
  // were taken). stalled_: `in` was full, reading waits for room.
  std::vector<Message> arrived_;
  std::size_t arrived_from_ = 0;
  bool stalled_ = false;
  int coalesced_control_ = 0;         // control requests since the writer took the answer
  bool control_blocked_ = false;      // reading waits for the writer to take it

  // Writing. Whoever set writing_ — the strand, or a sending thread in a
  // caller write — owns everything below it until it stores false.
  std::atomic<bool> writing_{false};  // a writer is scheduled or running
  // Set by the writer that started a write, read by fail() (under
  // descriptor_mu_ when a caller write may be the one).
  std::atomic<bool> write_in_flight_{false};
  bool ends_after_write_ = false;     // the batch ends the connection (goodbye, close frame)
  WriteBatch batch_;
  std::vector<Message> messages_;     // the batch's messages, alive until written
  std::vector<Message> unsent_;       // what a failed write did not send
  std::vector<asio::const_buffer> rest_;  // what a caller write left to the strand

  // The caller write: the socket's descriptor while a caller may send on it
  // (-1 before the handshake and from the close on), and which sends it takes.
  std::mutex descriptor_mu_;
  int descriptor_ = -1;
  CallerPace pace_;
  // The caller read, under descriptor_mu_: which one is using the
  // descriptor (0: none; each caller read has its number), and what the
  // close left for after it.
  std::uint64_t caller_read_ = 0;
  std::uint64_t caller_reads_ = 0;
  std::optional<Ending> close_after_caller_;
  bool report_after_caller_ = false;
  std::atomic<bool> caller_must_leave_{false};  // the connection closed under a caller read
};

}  // namespace sprocket::stream
