// The scalability protocols, by their 16-bit SP wire id.
#pragma once

#include <cstdint>

namespace sprocket {

/// A scalability protocol, valued by its SP wire id, so it can be chosen at
/// run time. Ids of protocols added with register_protocol() may be cast in.
enum class Protocol : std::uint16_t {
  pair = 0x10,        ///< PAIR v0: one peer at a time, both ways
  pair1 = 0x11,       ///< PAIR v1 (NNG's): hop count header, optional polyamorous mode
  pub = 0x20,         ///< PUB: sends to every subscriber
  sub = 0x21,         ///< SUB: receives what matches its subscriptions
  req = 0x30,         ///< REQ: sends requests, receives their replies
  rep = 0x31,         ///< REP: receives requests, sends replies
  push = 0x50,        ///< PUSH: sends to one puller, load-balanced by priority
  pull = 0x51,        ///< PULL: receives from every pusher, fair-queued
  surveyor = 0x62,    ///< SURVEYOR: asks every respondent, collects answers until a deadline
  respondent = 0x63,  ///< RESPONDENT: receives surveys, answers them
  bus = 0x70,         ///< BUS: every message to every directly connected peer
};

/// Protocol tags, so a socket reads `Socket{sprocket::req}`.
inline constexpr Protocol pair = Protocol::pair;
/// PAIR v1 (see Protocol::pair1).
inline constexpr Protocol pair1 = Protocol::pair1;
/// PUB (see Protocol::pub).
inline constexpr Protocol pub = Protocol::pub;
/// SUB (see Protocol::sub).
inline constexpr Protocol sub = Protocol::sub;
/// REQ (see Protocol::req).
inline constexpr Protocol req = Protocol::req;
/// REP (see Protocol::rep).
inline constexpr Protocol rep = Protocol::rep;
/// PUSH (see Protocol::push).
inline constexpr Protocol push = Protocol::push;
/// PULL (see Protocol::pull).
inline constexpr Protocol pull = Protocol::pull;
/// SURVEYOR (see Protocol::surveyor).
inline constexpr Protocol surveyor = Protocol::surveyor;
/// RESPONDENT (see Protocol::respondent).
inline constexpr Protocol respondent = Protocol::respondent;
/// BUS (see Protocol::bus).
inline constexpr Protocol bus = Protocol::bus;

}  // namespace sprocket
