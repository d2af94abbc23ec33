// The transport and protocol registries. Built-ins are added on first use,
// through the same public calls a user's plug-in takes.
#include <map>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "registry_builtins.hpp"
#include "sprocket/error.hpp"
#include "sprocket/extension/protocol.hpp"
#include "sprocket/extension/transport.hpp"

namespace sprocket {
namespace {

struct Registry {
  std::shared_mutex mu;
  std::map<std::string, std::shared_ptr<Transport>, std::less<>> transports;
  std::map<std::uint16_t, ProtocolInfo> protocols;
};

// Never destroyed: a socket destroyed during static destruction may still
// look a protocol up.
Registry& registry() {
  static auto* r = new Registry;
  return *r;
}

}  // namespace

namespace detail {

void require_transport(const char* scheme) {
  auto& r = registry();
  std::shared_lock lock(r.mu);
  if (!r.transports.count(std::string_view(scheme)))
    throw std::logic_error(fmt::format("sprocket: built-in transport '{}' did not register", scheme));
}

void ensure_builtins() {
  static std::once_flag once;
  std::call_once(once, register_builtins);
}

}  // namespace detail

void register_transport(std::shared_ptr<Transport> transport) {
  if (!transport) return;
  auto& r = registry();
  std::unique_lock lock(r.mu);
  r.transports[std::string(transport->scheme())] = std::move(transport);
}

std::shared_ptr<Transport> find_transport(std::string_view scheme) {
  detail::ensure_builtins();
  auto& r = registry();
  std::shared_lock lock(r.mu);
  auto it = r.transports.find(scheme);
  return it == r.transports.end() ? nullptr : it->second;
}

std::error_code ProtocolHandler::errc_not_supported() { return errc::not_supported; }

void register_protocol(ProtocolInfo info) {
  auto& r = registry();
  std::unique_lock lock(r.mu);
  auto id = info.id;
  r.protocols.insert_or_assign(id, std::move(info));
}

const ProtocolInfo* find_protocol(std::uint16_t id) {
  detail::ensure_builtins();
  auto& r = registry();
  std::shared_lock lock(r.mu);
  auto it = r.protocols.find(id);
  // Entries are never erased, only replaced before use, so the pointer stays valid.
  return it == r.protocols.end() ? nullptr : &it->second;
}

}  // namespace sprocket
