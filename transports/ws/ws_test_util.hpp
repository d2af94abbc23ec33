// WebSocket wire pieces for the ws tests that play a peer by hand (hostile
// clients in ws_bad_input_test.cpp, hostile servers in
// ws_bad_server_test.cpp): upgrade requests built line by line, frames built
// byte by byte, and a tiny reader for the frames and HTTP heads that come
// back. Independent of the code under test, so it can judge it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "transports/stream/stream_test_util.hpp"

namespace sprocket::test {

inline constexpr std::size_t KiB = 1024, MiB = 1024 * KiB;

// RFC 6455 section 1.3's example key and the accept value it must produce:
// a server's SHA-1 is checked against the RFC, not against itself.
inline const std::string kKey = "dGhlIHNhbXBsZSBub25jZQ==";
inline const std::string kAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

// ------------------------------------------------------------------ requests

/// The header lines of a valid upgrade request asking for `protocol`.
inline std::vector<std::string> valid_headers(std::string_view protocol = "pair.sp.nanomsg.org") {
  return {"Host: 127.0.0.1",
          "Upgrade: websocket",
          "Connection: Upgrade",
          "Sec-WebSocket-Key: " + kKey,
          "Sec-WebSocket-Version: 13",
          "Sec-WebSocket-Protocol: " + std::string(protocol)};
}

/// `headers` with the line of header `name` replaced by `line` (dropped if empty).
inline std::vector<std::string> with(std::vector<std::string> headers, std::string_view name,
                                     std::string line) {
  for (auto it = headers.begin(); it != headers.end(); ++it)
    if (it->rfind(std::string(name) + ":", 0) == 0) {
      if (line.empty()) headers.erase(it);
      else *it = std::move(line);
      break;
    }
  return headers;
}

/// A request or response head: the first line, the header lines, a blank line.
inline std::string http_head(std::string_view first_line, const std::vector<std::string>& headers) {
  std::string r(first_line);
  r += "\r\n";
  for (const auto& h : headers) r += h + "\r\n";
  return r + "\r\n";
}

/// The value of header `name` in `head` (exact case), or empty.
inline std::string header_value(const std::string& head, std::string_view name) {
  const std::string key = "\r\n" + std::string(name) + ": ";
  auto at = head.find(key);
  if (at == std::string::npos) return {};
  at += key.size();
  return head.substr(at, head.find("\r\n", at) - at);
}

// ------------------------------------------------------------------ frames

inline constexpr std::uint8_t kFin = 0x80;
enum : std::uint8_t { kCont = 0x0, kText = 0x1, kBinary = 0x2, kClose = 0x8, kPing = 0x9, kPong = 0xA };
inline constexpr std::uint8_t kMask[4] = {0x37, 0xfa, 0x21, 0x3d};

/// A frame header: first byte `b0` (FIN, RSV, opcode), then the length in
/// its shortest form, then the mask key if `masked`.
inline Bytes frame_header(std::uint8_t b0, std::uint64_t length, bool masked = true) {
  Bytes out{b0};
  const std::uint8_t m = masked ? 0x80 : 0;
  if (length < 126) {
    out.push_back(std::uint8_t(m | length));
  } else if (length <= 0xffff) {
    out.insert(out.end(), {std::uint8_t(m | 126), std::uint8_t(length >> 8), std::uint8_t(length)});
  } else {
    out.push_back(std::uint8_t(m | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(std::uint8_t(length >> shift));
  }
  if (masked) out.insert(out.end(), std::begin(kMask), std::end(kMask));
  return out;
}

/// A whole frame as a client sends it (masked unless told otherwise).
inline Bytes client_frame(std::uint8_t b0, std::string_view payload, bool masked = true) {
  Bytes out = frame_header(b0, payload.size(), masked);
  for (std::size_t i = 0; i < payload.size(); ++i)
    out.push_back(std::uint8_t(payload[i]) ^ (masked ? kMask[i % 4] : 0));
  return out;
}

/// A whole frame as a server sends it: unmasked.
inline Bytes server_frame(std::uint8_t b0, std::string_view payload) {
  return client_frame(b0, payload, false);
}

/// A close frame's payload: the code, big-endian, then the reason.
inline std::string close_payload(std::uint16_t code, std::string_view reason = {}) {
  std::string p{char(code >> 8), char(code & 0xff)};
  return p + std::string(reason);
}

inline Bytes operator+(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

struct Frame {
  bool fin = false;
  std::uint8_t opcode = 0;
  bool masked = false;
  Bytes payload;  // unmasked

  std::string text() const { return std::string(payload.begin(), payload.end()); }
  /// The status code of a close frame; 0 if it has none.
  int close_code() const { return payload.size() >= 2 ? payload[0] << 8 | payload[1] : 0; }
};

/// Reads one frame; nullopt on EOF, error or timeout.
inline std::optional<Frame> read_frame(RawStream& s) {
  auto head = s.read_exact(2);
  if (!head) return std::nullopt;
  Frame f{((*head)[0] & 0x80) != 0, std::uint8_t((*head)[0] & 0x0f), ((*head)[1] & 0x80) != 0, {}};
  std::uint64_t length = (*head)[1] & 0x7f;
  if (length >= 126) {
    auto ext = s.read_exact(length == 126 ? 2 : 8);
    if (!ext) return std::nullopt;
    length = 0;
    for (auto b : *ext) length = length << 8 | b;
  }
  std::optional<Bytes> mask;
  if (f.masked && !(mask = s.read_exact(4))) return std::nullopt;
  if (length > 64 * MiB) return std::nullopt;  // not from a sane peer
  if (length > 0) {
    auto payload = s.read_exact(static_cast<std::size_t>(length));
    if (!payload) return std::nullopt;
    f.payload = std::move(*payload);
  }
  for (std::size_t i = 0; mask && i < f.payload.size(); ++i) f.payload[i] ^= (*mask)[i % 4];
  return f;
}

/// The frames of one message as they came: their payload sizes and the
/// reassembled payload.
struct SplitMessage {
  std::vector<std::size_t> sizes;
  std::string payload;
};

/// Reads the frames of one message: the first binary, the others
/// continuations up to the final one, every one masked iff `masked` (a
/// client's). Call under ASSERT_NO_FATAL_FAILURE.
inline void read_split_message(RawStream& s, bool masked, SplitMessage& out) {
  for (bool fin = false; !fin;) {
    auto f = read_frame(s);
    ASSERT_TRUE(f) << "after " << out.sizes.size() << " frames";
    EXPECT_EQ(int(f->opcode), int(out.sizes.empty() ? kBinary : kCont));
    EXPECT_EQ(f->masked, masked);
    out.sizes.push_back(f->payload.size());
    out.payload += f->text();
    fin = f->fin;
  }
}

/// The end of a close handshake or of a refused frame, seen from the raw
/// peer on `s`: a final close frame with `code` (0: none), masked iff it
/// comes from a client (`masked`), then the connection closed, and the
/// pipe's removal reported to `events` with `reason`. Call under
/// ASSERT_NO_FATAL_FAILURE.
inline void expect_close_frame_and_removal(RawStream& s, bool masked, int code,
                                           PipeEventRecorder& events, errc reason) {
  auto f = read_frame(s);
  ASSERT_TRUE(f) << "no close frame came back";
  EXPECT_EQ(int(f->opcode), int(kClose));
  EXPECT_TRUE(f->fin);
  EXPECT_EQ(f->masked, masked) << (masked ? "a client must mask every frame" : "a server must not mask");
  EXPECT_EQ(f->close_code(), code);
  EXPECT_TRUE(s.wait_closed()) << "the connection stayed open after the close frame";
  ASSERT_TRUE(events.wait_removed()) << events.summary();
  EXPECT_ERRC(events.events(PipeEvent::Kind::removed).at(0).reason, reason);
}

/// Reads an HTTP head, up to and including the blank line (what came
/// before EOF or the timeout, if the head never ends).
inline std::string read_head(RawStream& s) {
  std::string head;
  while (head.size() < 16 * KiB &&
         (head.size() < 4 || head.compare(head.size() - 4, 4, "\r\n\r\n") != 0)) {
    auto b = s.read_exact(1);
    if (!b) break;
    head += static_cast<char>((*b)[0]);
  }
  return head;
}

}  // namespace sprocket::test
