// The scalability protocols, by their 16-bit SP wire id.
#pragma once

#include <cstdint>

namespace sprocket {

/// A scalability protocol, valued by its SP wire id, so it can be chosen at
/// run time. Ids of protocols added with register_protocol() may be cast in.
enum class Protocol : std::uint16_t {
  pair = 0x10,
  pair1 = 0x11,
  pub = 0x20,
  sub = 0x21,
  req = 0x30,
  rep = 0x31,
  push = 0x50,
  pull = 0x51,
  surveyor = 0x62,
  respondent = 0x63,
  bus = 0x70,
};

inline constexpr Protocol pair = Protocol::pair;
inline constexpr Protocol pair1 = Protocol::pair1;
inline constexpr Protocol pub = Protocol::pub;
inline constexpr Protocol sub = Protocol::sub;
inline constexpr Protocol req = Protocol::req;
inline constexpr Protocol rep = Protocol::rep;
inline constexpr Protocol push = Protocol::push;
inline constexpr Protocol pull = Protocol::pull;
inline constexpr Protocol surveyor = Protocol::surveyor;
inline constexpr Protocol respondent = Protocol::respondent;
inline constexpr Protocol bus = Protocol::bus;

}  // namespace sprocket
