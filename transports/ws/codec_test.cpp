// The WebSocket pieces that need no socket: the handshake texts and the
// frame codec, against RFC 6455's own examples; large messages read in place.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "transports/ws/frame.hpp"
#include "transports/ws/handshake.hpp"
#include "transports/ws/message_decoder.hpp"

namespace sprocket::ws {
namespace {

std::vector<std::byte> bytes(std::initializer_list<int> v) {
  std::vector<std::byte> out;
  for (int b : v) out.push_back(std::byte(b));
  return out;
}

TEST(WsHandshake, AcceptKeyMatchesTheRfcExample) {
  EXPECT_EQ(accept_for("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WsHandshake, KeysAreBase64Of16Bytes) {
  auto a = make_key(), b = make_key();
  EXPECT_EQ(a.size(), 24u);
  EXPECT_NE(a, b);
}

TEST(WsHandshake, ServerAcceptsTheClientsRequest) {
  auto key = make_key();
  auto req = make_request("127.0.0.1:80", "/sp", key, subprotocol("rep"));
  auto r = check_request(req, "/sp", "rep.sp.nanomsg.org");
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.key, key);
  auto resp = make_accept_response(key, "rep.sp.nanomsg.org");
  EXPECT_EQ(check_response(resp, key, "rep.sp.nanomsg.org"), "");
  EXPECT_NE(check_response(resp, make_key(), "rep.sp.nanomsg.org"), "");  // wrong accept
  EXPECT_NE(check_response(resp, key, "req.sp.nanomsg.org"), "");
}

// NNG 1.5 dialing ws://host:port (no path) sends "GET  HTTP/1.1": the empty
// target is "/", so such a client reaches a listener on ws://host:port.
TEST(WsHandshake, EmptyTargetIsSlash) {
  auto key = make_key();
  auto req = make_request("127.0.0.1:80", "", key, subprotocol("pair"));
  ASSERT_EQ(req.rfind("GET  HTTP/1.1\r\n", 0), 0u) << req;
  EXPECT_EQ(parse_request(req).path, "/");
  EXPECT_EQ(check_request(req, "/", "pair.sp.nanomsg.org").error, "");
  EXPECT_EQ(check_request(req, "/sp", "pair.sp.nanomsg.org").error, "404 Not Found");
}

// The path is named even when the request is refused, so that the refusal
// can go to the listener of that path.
TEST(WsHandshake, ParseNamesThePathOfABadRequest) {
  EXPECT_EQ(parse_request("GET /sp\r\n\r\n").path, "/sp");
  EXPECT_EQ(parse_request("GET /sp\r\n\r\n").error, "400 Bad Request");
  EXPECT_EQ(parse_request("GET /sp HTTP/1.1\r\nHost: h\r\n\r\n").error, "400 Bad Request");
  EXPECT_EQ(parse_request("GET /sp HTTP/1.1\r\nHost: h\r\n\r\n").path, "/sp");
}

TEST(WsHandshake, ServerRefusesBadRequests) {
  auto key = make_key();
  auto good = make_request("h", "/sp", key, "pair.sp.nanomsg.org");
  EXPECT_EQ(check_request(good, "/other", "pair.sp.nanomsg.org").error, "404 Not Found");
  EXPECT_EQ(check_request(good, "/sp", "bus.sp.nanomsg.org").error, "400 Bad Request");
  std::string no_protocol = "GET /sp HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
  EXPECT_EQ(check_request(no_protocol, "/sp", "pair.sp.nanomsg.org").error, "400 Bad Request");
  EXPECT_FALSE(check_request("POST /sp HTTP/1.1\r\n\r\n", "/sp", "x").error.empty());
  EXPECT_FALSE(check_request("GET /sp\r\n\r\n", "/sp", "x").error.empty());
  EXPECT_FALSE(check_request("garbage", "/sp", "x").error.empty());
  std::string no_upgrade = good;
  no_upgrade.replace(no_upgrade.find("Upgrade: websocket"), 18, "Upgrade: h2c");
  EXPECT_FALSE(check_request(no_upgrade, "/sp", "pair.sp.nanomsg.org").error.empty());
  std::string huge = "GET /sp HTTP/1.1\r\nX: " + std::string(kMaxHeader, 'a') + "\r\n\r\n";
  EXPECT_FALSE(check_request(huge, "/sp", "x").error.empty());
}

TEST(WsFrame, DecodesTheRfcMaskedHello) {
  // RFC 6455 5.7: a masked text frame "Hello".
  auto f = bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  FrameHeader h;
  std::uint16_t code = 0;
  ASSERT_EQ(decode_header(f, h, code), Decode::ok);
  EXPECT_TRUE(h.fin);
  EXPECT_EQ(h.opcode, kText);
  EXPECT_TRUE(h.masked);
  EXPECT_EQ(h.length, 5u);
  EXPECT_EQ(h.size, 6u);
  apply_mask(f.data() + h.size, 5, h.mask, 0);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(f.data() + h.size), 5), "Hello");
}

TEST(WsFrame, EncodesAndDecodesEveryLengthForm) {
  for (std::uint64_t len : {0ull, 125ull, 126ull, 65535ull, 65536ull, 1ull << 40}) {
    std::byte out[14];
    std::array<std::byte, 4> mask{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
    auto n = encode_header(out, true, kBinary, len, &mask);
    FrameHeader h;
    std::uint16_t code = 0;
    ASSERT_EQ(decode_header(std::span(out, n), h, code), Decode::ok) << len;
    EXPECT_EQ(h.length, len);
    EXPECT_EQ(h.size, n);
    EXPECT_EQ(h.mask, mask);
    EXPECT_EQ(decode_header(std::span(out, n - 1), h, code), Decode::need_more);
  }
}

// A masked frame as a client sends it.
std::vector<std::byte> client_frame(std::uint8_t opcode, const std::vector<std::byte>& payload,
                                    bool fin = true) {
  std::byte head[14];
  const std::array<std::byte, 4> mask{std::byte{0x11}, std::byte{0x5c}, std::byte{0xa3},
                                      std::byte{0x07}};
  auto n = encode_header(head, fin, opcode, payload.size(), &mask);
  std::vector<std::byte> out(head, head + n);
  const std::size_t at = out.size();
  out.insert(out.end(), payload.begin(), payload.end());
  apply_mask(out.data() + at, payload.size(), mask, 0);
  return out;
}

// A large one-frame message comes back as a large_body holding what the
// buffer had (unmasked); the rest is read into it in pieces, each unmasked
// by body_arrived(): the message is the payload as sent.
TEST(WsMessageDecoder, ReadsALargeFrameInPlace) {
  for (std::size_t buffered : {std::size_t(0), std::size_t(1), std::size_t(4097), std::size_t(70000)}) {
    std::vector<std::byte> payload(70000);
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = std::byte(i * 13 + 5);
    auto wire = client_frame(kBinary, payload);
    const std::size_t header = wire.size() - payload.size();
    MessageDecoder decoder(Side::server);
    auto d = decoder.decode(std::span(wire.data(), header + buffered), 0);
    ASSERT_EQ(d.kind, stream::Decoded::Kind::large_body) << buffered;
    ASSERT_EQ(d.message.size(), payload.size());
    EXPECT_EQ(d.have, buffered);
    EXPECT_EQ(d.consumed, header + buffered);
    // The connection reads the rest straight into the message, in pieces.
    for (std::size_t at = buffered; at < payload.size();) {
      const std::size_t n = std::min<std::size_t>(30011, payload.size() - at);
      std::copy_n(wire.begin() + header + at, n, d.message.data() + at);
      decoder.body_arrived(d.message, at, n);
      at += n;
    }
    auto done = decoder.finish_body(std::move(d.message));
    ASSERT_EQ(done.kind, stream::Decoded::Kind::message);
    EXPECT_TRUE(std::equal(payload.begin(), payload.end(), done.message.body().begin())) << buffered;
    EXPECT_EQ(done.message.ws_frame_type(), WsFrameType::binary);
    // And the decoder goes on with the next frame.
    auto small = client_frame(kBinary, bytes({'h', 'i'}));
    auto next = decoder.decode(small, 0);
    ASSERT_EQ(next.kind, stream::Decoded::Kind::message);
    EXPECT_EQ(next.message.size(), 2u);
  }
}

// Text read in place is still checked for UTF-8 when complete (1007).
TEST(WsMessageDecoder, ChecksTextReadInPlace) {
  std::vector<std::byte> text(MessageDecoder::kInPlaceFrom, std::byte{'a'});
  text.back() = std::byte{0xff};  // never valid in UTF-8
  auto wire = client_frame(kText, text);
  MessageDecoder decoder(Side::server);
  decoder.accept_text();
  auto d = decoder.decode(std::span(wire.data(), 20), 0);
  ASSERT_EQ(d.kind, stream::Decoded::Kind::large_body);
  std::copy(wire.begin() + d.consumed, wire.end(), d.message.data() + d.have);
  decoder.body_arrived(d.message, d.have, d.message.size() - d.have);
  auto done = decoder.finish_body(std::move(d.message));
  EXPECT_EQ(done.kind, stream::Decoded::Kind::failed);
  auto close = decoder.take_close();
  ASSERT_TRUE(close.has_value());
  EXPECT_EQ(*close, bytes({kCloseInvalidData >> 8, kCloseInvalidData & 0xff}));
}

// Below kInPlaceFrom, and for fragmented messages, frames are gathered as
// before.
TEST(WsMessageDecoder, GathersSmallAndFragmentedMessages) {
  std::vector<std::byte> payload(MessageDecoder::kInPlaceFrom - 1, std::byte{7});
  auto wire = client_frame(kBinary, payload);
  MessageDecoder decoder(Side::server);
  auto d = decoder.decode(wire, 0);
  EXPECT_EQ(d.kind, stream::Decoded::Kind::message);
  EXPECT_EQ(d.message.size(), payload.size());
  std::vector<std::byte> half(MessageDecoder::kInPlaceFrom * 2, std::byte{9});
  auto first = client_frame(kBinary, half, false);
  auto last = client_frame(kContinuation, half);
  first.insert(first.end(), last.begin(), last.end());
  auto whole = decoder.decode(first, 0);
  EXPECT_EQ(whole.kind, stream::Decoded::Kind::message);
  EXPECT_EQ(whole.message.size(), half.size() * 2);
}

TEST(WsFrame, RejectsWhatTheRfcForbids) {
  FrameHeader h;
  std::uint16_t code = 0;
  EXPECT_EQ(decode_header(bytes({0xC2, 0x00}), h, code), Decode::error);  // RSV1 set
  EXPECT_EQ(decode_header(bytes({0x83, 0x00}), h, code), Decode::error);  // reserved opcode 3
  EXPECT_EQ(decode_header(bytes({0x8B, 0x00}), h, code), Decode::error);  // reserved control 0xB
  EXPECT_EQ(decode_header(bytes({0x09, 0x00}), h, code), Decode::error);  // fragmented ping
  EXPECT_EQ(decode_header(bytes({0x89, 0x7E, 0x00, 0x7E}), h, code), Decode::error);  // long ping
  // A 64-bit length with the top bit set (2^63).
  EXPECT_EQ(decode_header(bytes({0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0}), h, code), Decode::error);
  EXPECT_EQ(code, kCloseProtocolError);
}

// Masking goes eight bytes at a time: it must equal the RFC's byte-wise
// definition for every length and every offset into the mask, so that a
// payload unmasked in pieces (as reads arrive) comes out right.
TEST(WsFrame, MaskingMatchesTheBytewiseDefinition) {
  const std::array<std::byte, 4> mask{std::byte{0x37}, std::byte{0xfa}, std::byte{0x21},
                                      std::byte{0x3d}};
  for (std::size_t n : {0u, 1u, 3u, 7u, 8u, 9u, 15u, 16u, 17u, 100u, 4099u}) {
    for (std::size_t offset = 0; offset < 9; ++offset) {
      std::vector<std::byte> data(n), expected(n);
      for (std::size_t i = 0; i < n; ++i) data[i] = expected[i] = std::byte(i * 7 + 1);
      for (std::size_t i = 0; i < n; ++i) expected[i] ^= mask[(offset + i) % 4];
      apply_mask(data.data(), n, mask, offset);
      EXPECT_EQ(data, expected) << "n " << n << " offset " << offset;
    }
  }
  // In pieces of odd sizes, carrying the offset on, as the reader does.
  std::vector<std::byte> whole(1000), pieces(1000);
  for (std::size_t i = 0; i < whole.size(); ++i) whole[i] = pieces[i] = std::byte(i);
  apply_mask(whole.data(), whole.size(), mask, 0);
  for (std::size_t at = 0, step = 1; at < pieces.size(); at += step, step = step * 3 % 37 + 1) {
    const std::size_t take = std::min(step, pieces.size() - at);
    apply_mask(pieces.data() + at, take, mask, at);
  }
  EXPECT_EQ(pieces, whole);
}

}  // namespace
}  // namespace sprocket::ws
