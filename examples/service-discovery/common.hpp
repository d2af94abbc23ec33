// Settings shared by the service-discovery programs, from the environment.
#pragma once

#include <chrono>
#include <cstdlib>
#include <string>

namespace discovery {

inline std::string env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

inline std::chrono::milliseconds env_ms(const char* name, int fallback) {
  return std::chrono::milliseconds(std::atoi(env(name, std::to_string(fallback).c_str()).c_str()));
}

/// Where the daemon surveys (services dial it with a RESPONDENT socket).
inline std::string discovery_addr() { return env("DISCOVERY_ADDR", "tcp://127.0.0.1:5700"); }
/// Where the daemon answers resolve() queries (REQ/REP).
inline std::string resolver_addr() { return env("RESOLVER_ADDR", "tcp://127.0.0.1:5701"); }

}  // namespace discovery
