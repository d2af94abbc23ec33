// Hostile input to REQ and REP: requests whose backtrace has no id word, a
// truncated word, too many hops or words after the id; replies with unknown
// ids or broken backtraces. Each is dropped and counted in stats().drops,
// the connection stays up, and the socket goes on serving the next
// legitimate message. Bad requests come from a raw REQ (which sends any
// header) and, for what no header can hold (300 hops), from a raw stream
// socket speaking the SP wire by hand.
#include <cstdint>
#include <string>
#include <vector>

#include "protocols/common/protocol_test_util.hpp"

namespace sprocket::test {
namespace {

constexpr std::uint32_t kIdBit = 0x80000000u;

void append_be32(std::string& s, std::uint32_t w) {
  for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>(w >> shift);
}

std::uint32_t be32_at(std::span<const std::byte> b, std::size_t word) {
  const std::byte* p = b.data() + 4 * word;
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 |
         std::uint32_t(p[3]);
}

std::vector<std::uint32_t> header_words(const Message& m) {
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < m.header().size() / 4; ++i) out.push_back(be32_at(m.header(), i));
  return out;
}

/// A message whose header is `words` (big-endian) and body `body`.
Message with_words(const std::vector<std::uint32_t>& words, std::string_view body) {
  Message m(body);
  for (auto w : words) EXPECT_TRUE(m.push_header_word(w));
  return m;
}

/// A message whose header is the given bytes exactly.
Message with_header_bytes(std::string_view header, std::string_view body) {
  Message m(body);
  EXPECT_TRUE(m.set_header(std::as_bytes(std::span(header.data(), header.size()))));
  return m;
}

std::vector<std::uint32_t> hops_then_id(int hops, std::uint32_t id) {
  std::vector<std::uint32_t> words;
  for (int i = 1; i <= hops; ++i) words.push_back(static_cast<std::uint32_t>(i));
  words.push_back(id);
  return words;
}

// ------------------------------------------------- bad requests, raw REQ

struct BadRequest {
  const char* what;
  Message (*make)();
};

std::string be32(std::uint32_t w) {
  std::string s;
  append_be32(s, w);
  return s;
}

const BadRequest kBadRequests[] = {
    {"no id word before the body ends",
     [] {
       return with_words({1, 2}, be32(3));
     }},
    {"a truncated 2-byte header",
     [] { return with_header_bytes(std::string_view("\x80\x01", 2), "body"); }},
    {"9 words with max_ttl 8", [] { return with_words(hops_then_id(8, kIdBit | 1), "deep"); }},
    {"words after the id word in the header",
     [] {
       return with_words({kIdBit | 1, 7}, "body");
     }},
    {"15 hops, the most a header holds",
     [] { return with_words(hops_then_id(15, kIdBit | 1), "deepest"); }},
};

TEST(ReqRepBadInputTest, RepDropsMalformedRequestsFromARawReq) {
  Node raw_req(sprocket::req, {.raw = true}), rep(sprocket::rep);
  ASSERT_TRUE(connect_via(rep.socket, rep.events, raw_req.socket, raw_req.events, Via::inproc));
  std::uint32_t n = 0;
  for (const auto& bad : kBadRequests) {
    SCOPED_TRACE(bad.what);
    ++n;
    raw_req.socket.send(bad.make());
    // Same pipe, so the REP met the bad one first; it must have dropped it.
    raw_req.socket.send(with_words({kIdBit | n}, "legit-" + std::to_string(n)));
    EXPECT_EQ(to_string(rep.socket.recv()), "legit-" + std::to_string(n));
    EXPECT_EQ(rep.socket.stats().drops, n);
    rep.socket.send("ok-" + std::to_string(n));
    Message reply = raw_req.socket.recv();
    EXPECT_EQ(reply.str(), "ok-" + std::to_string(n));
    EXPECT_EQ(header_words(reply), (std::vector<std::uint32_t>{kIdBit | n}));
  }
  EXPECT_EQ(rep.events.count(PipeEvent::Kind::removed), 0u) << "bad input keeps the pipe";
}

TEST(ReqRepBadInputTest, RepServesExactlyMaxTtlWords) {
  Node raw_req(sprocket::req, {.raw = true}), rep(sprocket::rep);
  ASSERT_TRUE(connect_via(rep.socket, rep.events, raw_req.socket, raw_req.events, Via::inproc));
  const auto route = hops_then_id(7, kIdBit | 42);  // 8 words: max_ttl 8 allows it
  raw_req.socket.send(with_words(route, "deep but legal"));
  EXPECT_EQ(to_string(rep.socket.recv()), "deep but legal");
  rep.socket.send("answer");
  Message reply = raw_req.socket.recv();
  EXPECT_EQ(header_words(reply), route) << "the reply carries the whole backtrace back";
  EXPECT_EQ(rep.socket.stats().drops, 0u);
}

// --------------------------------------------- bad requests, on the wire

class ReqRepWireBadInputTest : public ::testing::TestWithParam<Via> {
 protected:
  Transport transport() const { return GetParam() == Via::tcp ? Transport::tcp : Transport::ipc; }

  /// Connects a raw stream to `rep` and exchanges SP headers as a REQ.
  RawStream connect_raw(Socket& rep) {
    const std::string url = listen_fresh(rep, GetParam());
    RawStream s;
    if (GetParam() == Via::tcp) {
      s = RawStream::connect_tcp(
          static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1))));
    } else {
      s = RawStream::connect_ipc(url.substr(std::string("ipc://").size()));
    }
    EXPECT_TRUE(s.ok()) << "connect to " << url;
    const auto ours = sp_header(0x30);
    EXPECT_TRUE(s.write_all(ours));
    auto theirs = s.read_exact(8);
    EXPECT_TRUE(theirs.has_value()) << "no SP header from the REP";
    if (theirs) {
      EXPECT_EQ(hex(*theirs), hex(sp_header(0x31)));
    }
    return s;
  }

  /// Reads one frame's payload.
  std::string read_frame(RawStream& s) {
    const std::size_t prefix = transport() == Transport::ipc ? 9 : 8;
    auto head = s.read_exact(prefix);
    if (!head) return "<no frame>";
    std::uint64_t length = 0;
    for (std::size_t i = prefix - 8; i < prefix; ++i) length = length << 8 | (*head)[i];
    auto payload = s.read_exact(length);
    return payload ? std::string(payload->begin(), payload->end()) : "<short frame>";
  }
};
INSTANTIATE_TEST_SUITE_P(Streams, ReqRepWireBadInputTest, ::testing::Values(Via::ipc, Via::tcp),
                         ViaName{});

TEST_P(ReqRepWireBadInputTest, RepDropsMalformedRequestsAndKeepsTheConnection) {
  Node rep(sprocket::rep);
  RawStream wire = connect_raw(rep.socket);
  ASSERT_TRUE(rep.events.wait_added());

  std::string three_hundred_hops;
  for (auto w : hops_then_id(300, kIdBit | 5)) append_be32(three_hundred_hops, w);
  const std::vector<std::pair<const char*, std::string>> bad = {
      {"no id word", be32(1) + be32(2)},
      {"a truncated word", std::string("\x80\x01", 2)},
      {"an empty payload", ""},
      {"300 hop words", three_hundred_hops + "x"},
  };
  for (const auto& [what, payload] : bad)
    ASSERT_TRUE(wire.write_all(frame(transport(), payload))) << what;
  const std::string legit = be32(kIdBit | 77) + "legit";
  ASSERT_TRUE(wire.write_all(frame(transport(), legit)));

  EXPECT_EQ(to_string(rep.socket.recv()), "legit");
  EXPECT_EQ(rep.socket.stats().drops, bad.size());
  rep.socket.send("answer");
  EXPECT_EQ(read_frame(wire), be32(kIdBit | 77) + "answer");
  EXPECT_EQ(rep.events.count(PipeEvent::Kind::removed), 0u)
      << "hop-limit and malformed drops keep the connection: " << rep.events.summary();
}

// ------------------------------------------------- bad replies, raw REP

class ReqBadReplyTest : public ::testing::TestWithParam<Via> {};
INSTANTIATE_TEST_SUITE_P(Transports, ReqBadReplyTest, kAllTransports, ViaName{});

TEST_P(ReqBadReplyTest, ReqDropsRepliesItCannotMatch) {
  Node req(sprocket::req), raw_rep(sprocket::rep, {.raw = true});
  ASSERT_TRUE(connect_via(raw_rep.socket, raw_rep.events, req.socket, req.events, GetParam()));
  req.socket.send("question");
  Message request = raw_rep.socket.recv();
  ASSERT_EQ(request.str(), "question");
  const auto route = header_words(request);
  ASSERT_EQ(route.size(), 2u) << "incoming pipe id, then the request id";
  const std::uint32_t pipe = route[0], id = route[1];

  const std::vector<std::pair<const char*, Message>> bad = [&] {
    std::vector<std::pair<const char*, Message>> v;
    v.emplace_back("an unknown id", with_words({pipe, kIdBit | (id + 1)}, "stranger"));
    v.emplace_back("no backtrace, 1-byte body", with_words({pipe}, "x"));
    v.emplace_back("a hop word before the id", with_words({pipe, 5, id}, "via a hop"));
    v.emplace_back("no id word", with_words({pipe, id & ~kIdBit}, ""));
    return v;
  }();
  for (const auto& [what, m] : bad) raw_rep.socket.send(m.clone());
  raw_rep.socket.send(with_words({pipe, id}, "the answer"));

  EXPECT_EQ(to_string(req.socket.recv()), "the answer");
  EXPECT_EQ(req.socket.stats().drops, bad.size());
  EXPECT_EQ(req.events.count(PipeEvent::Kind::removed), 0u) << req.events.summary();

  // And the next exchange works as ever.
  req.socket.send("again");
  Message again = raw_rep.socket.recv();
  EXPECT_EQ(again.str(), "again");
  Message reply("fine");
  ASSERT_TRUE(reply.set_header(again.header()));
  raw_rep.socket.send(std::move(reply));
  EXPECT_EQ(to_string(req.socket.recv()), "fine");
}

}  // namespace
}  // namespace sprocket::test
