// The strand a connection's (or a listener's) handlers run on, chosen to be
// cheap for asio to copy.
//
// Why it matters: every read, write and timer wait copies the I/O object's
// executor and the handler's (work tracking), and asks them questions
// (blocking, relationship). A strand over asio::any_io_executor is too big
// for any_io_executor's small buffer, so each copy was a heap block, and
// each question to the type-erased executor inside returned its answer in
// a heap block too. Measured by counting operator new on the I/O threads
// (io_allocation_test.cpp): 23 allocations per 64 B round trip before, none
// after; 129 per connection accepted, 15 after. A strand over the
// io_context's own executor type fits the buffer and answers at compile
// time. Sockets made on the runtime's io_context (the usual case) get that
// one; an executor of another type gets the general strand.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/io_context.hpp>
#include <asio/strand.hpp>

namespace sprocket::stream {

/// A new strand over `ex`.
inline asio::any_io_executor make_io_strand(const asio::any_io_executor& ex) {
  if (const auto* io = ex.target<asio::io_context::executor_type>()) return asio::make_strand(*io);
  return asio::make_strand(ex);
}

/// `ex` itself when it is a strand already (a socket opened on
/// make_io_strand()), else a new strand over it: one connection, one strand,
/// so its handlers are not queued through two.
inline asio::any_io_executor io_strand_of(const asio::any_io_executor& ex) {
  using IoContextStrand = asio::strand<asio::io_context::executor_type>;
  using AnyStrand = asio::strand<asio::any_io_executor>;
  if (ex.target<IoContextStrand>() || ex.target<AnyStrand>()) return ex;
  return make_io_strand(ex);
}

}  // namespace sprocket::stream
