#include "sprocket/error.hpp"

namespace sprocket {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "sprocket"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok: return "success";
      case errc::closed: return "object closed";
      case errc::timed_out: return "timed out";
      case errc::would_block: return "operation would block";
      case errc::bad_state: return "operation not allowed in the current protocol state";
      case errc::not_supported: return "operation not supported by this protocol";
      case errc::invalid_argument: return "invalid argument";
      case errc::unsupported_transport: return "unsupported transport";
      case errc::invalid_address: return "invalid address";
      case errc::address_in_use: return "address in use";
      case errc::connection_refused: return "connection refused";
      case errc::connection_reset: return "connection reset by peer";
      case errc::protocol_mismatch: return "peer protocol is not a valid partner";
      case errc::message_too_large: return "message too large";
      case errc::canceled: return "operation canceled";
      case errc::protocol_error: return "wire protocol error";
      case errc::unknown_protocol: return "unknown protocol";
      case errc::peer_limit: return "protocol accepts no more peers";
    }
    return "unknown sprocket error";
  }

  // Lets callers compare against portable conditions (std::errc::timed_out...).
  std::error_condition default_error_condition(int value) const noexcept override {
    switch (static_cast<errc>(value)) {
      case errc::timed_out: return std::errc::timed_out;
      case errc::would_block: return std::errc::operation_would_block;
      case errc::not_supported: return std::errc::operation_not_supported;
      case errc::invalid_argument: return std::errc::invalid_argument;
      case errc::address_in_use: return std::errc::address_in_use;
      case errc::connection_refused: return std::errc::connection_refused;
      case errc::connection_reset: return std::errc::connection_reset;
      case errc::message_too_large: return std::errc::message_size;
      case errc::canceled: return std::errc::operation_canceled;
      case errc::protocol_error: return std::errc::protocol_error;
      default: return {value, *this};
    }
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  // Never destroyed: I/O threads may still compare codes during static
  // destruction at exit.
  static const Category* category = new Category;
  return *category;
}

void throw_if(const std::error_code& ec, const char* what) {
  if (ec) throw std::system_error(ec, what);
}

}  // namespace sprocket
