// sprocket::Message: construction, moves, clones sharing large bodies,
// wrap() and its deleter, and the header codec protocols rely on.
#include <array>
#include <atomic>
#include <cstdlib>
#include <string>

#include "test_util.hpp"

namespace sprocket::test {
namespace {

std::span<const std::byte> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

std::string header_text(const Message& m) {
  return {reinterpret_cast<const char*>(m.header().data()), m.header().size()};
}

// Above kInlineBody, so the body lives in shared, reference-counted storage.
const std::string kLarge(Message::kInlineBody + 1, 'L');
// At kInlineBody, the largest body kept inline.
const std::string kSmall(Message::kInlineBody, 's');

TEST(MessageTest, DefaultIsEmpty) {
  Message m;
  EXPECT_EQ(m.size(), 0u);
  EXPECT_TRUE(m.empty());
  EXPECT_TRUE(m.header().empty());
  EXPECT_EQ(m.wire_size(), 0u);
  EXPECT_FALSE(m.shares_storage());
}

TEST(MessageTest, SizedConstructorGivesWritableBody) {
  Message m(std::size_t{10});
  EXPECT_EQ(m.size(), 10u);
  EXPECT_EQ(m.body().size(), 10u);
  EXPECT_EQ(m.body().data(), m.data());
  std::memcpy(m.data(), "0123456789", 10);
  EXPECT_EQ(m.str(), "0123456789");
  EXPECT_FALSE(m.shares_storage());

  Message zero(std::size_t{0});
  EXPECT_TRUE(zero.empty());

  Message big(std::size_t{1000});
  EXPECT_EQ(big.size(), 1000u);
  EXPECT_TRUE(big.shares_storage());
}

TEST(MessageTest, StringViewConstructorCopiesText) {
  std::string text = "hello, sprocket";
  Message m(text);
  text[0] = 'J';  // the message holds its own copy
  EXPECT_EQ(m.str(), "hello, sprocket");
  EXPECT_EQ(m.size(), 15u);
  EXPECT_NE(static_cast<const void*>(m.data()), static_cast<const void*>(text.data()));

  Message large(kLarge);
  EXPECT_EQ(large.str(), kLarge);
  EXPECT_TRUE(large.shares_storage());

  Message empty(std::string_view{});
  EXPECT_TRUE(empty.empty());
}

TEST(MessageTest, SpanConstructorCopiesBytes) {
  const std::array<std::byte, 4> raw{std::byte{0}, std::byte{1}, std::byte{0xfe}, std::byte{0xff}};
  Message m(std::span<const std::byte>{raw});
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m.body()[0], std::byte{0});
  EXPECT_EQ(m.body()[2], std::byte{0xfe});
  EXPECT_EQ(m.body()[3], std::byte{0xff});
  EXPECT_NE(static_cast<const void*>(m.data()), static_cast<const void*>(raw.data()));
}

TEST(MessageTest, ConstAccessors) {
  const Message m(std::string_view{"const"});
  const std::byte* p = m.data();
  std::span<const std::byte> body = m.body();
  EXPECT_EQ(p, body.data());
  EXPECT_EQ(m.str(), "const");
}

TEST(MessageTest, MoveTransfersSmallBody) {
  Message a(std::string_view{"small body"});
  ASSERT_TRUE(a.push_header_word(0x80000001u));
  Message b(std::move(a));
  EXPECT_EQ(b.str(), "small body");
  EXPECT_EQ(b.header().size(), 4u);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_TRUE(a.header().empty());

  Message c;
  c = std::move(b);
  EXPECT_EQ(c.str(), "small body");
  EXPECT_EQ(c.header().size(), 4u);
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(MessageTest, MoveKeepsLargeBodyInPlace) {
  Message a(kLarge);
  const std::byte* before = a.data();
  Message b(std::move(a));
  EXPECT_EQ(b.data(), before);  // no copy of a shared body
  EXPECT_EQ(b.str(), kLarge);

  Message c(std::string_view{"replaced"});
  c = std::move(b);  // releases c's old body, takes b's
  EXPECT_EQ(c.data(), before);
  EXPECT_EQ(c.str(), kLarge);
}

TEST(MessageTest, SelfMoveAssignKeepsContent) {
  Message m(kLarge);
  Message& alias = m;
  m = std::move(alias);
  EXPECT_EQ(m.str(), kLarge);
}

TEST(MessageTest, CloneSharesLargeBody) {
  Message a(kLarge);
  Message b = a.clone();
  EXPECT_TRUE(a.shares_storage());
  EXPECT_TRUE(b.shares_storage());
  EXPECT_EQ(a.data(), b.data());
  EXPECT_EQ(b.str(), kLarge);

  // The shared body outlives the original.
  a = Message{};
  EXPECT_EQ(b.str(), kLarge);
}

TEST(MessageTest, CloneCopiesSmallInlineBody) {
  Message a(kSmall);
  Message b = a.clone();
  EXPECT_FALSE(a.shares_storage());
  EXPECT_FALSE(b.shares_storage());
  EXPECT_NE(a.data(), b.data());
  EXPECT_EQ(b.str(), kSmall);

  b.data()[0] = std::byte{'X'};  // independent copies
  EXPECT_EQ(a.str(), kSmall);
}

TEST(MessageTest, CloneCopiesHeader) {
  Message a(kLarge);
  ASSERT_TRUE(a.push_header_word(0x01020304u));
  Message b = a.clone();
  EXPECT_EQ(header_text(b), header_text(a));
  b.clear_header();  // the header is per message even when the body is shared
  EXPECT_EQ(a.header().size(), 4u);
}

TEST(MessageTest, WrapAdoptsMemoryWithoutCopy) {
  constexpr std::size_t kSize = 16;  // small, yet wrapped bodies are still shared
  void* buf = std::malloc(kSize);
  ASSERT_NE(buf, nullptr);
  std::memcpy(buf, "wrapped-16-bytes", kSize);
  auto freed = std::make_shared<std::atomic<int>>(0);
  {
    Message m = Message::wrap(buf, kSize, [freed](void* p) {
      std::free(p);
      freed->fetch_add(1);
    });
    EXPECT_EQ(static_cast<void*>(m.data()), buf);
    EXPECT_EQ(m.size(), kSize);
    EXPECT_TRUE(m.shares_storage());
    EXPECT_EQ(m.str(), "wrapped-16-bytes");
    EXPECT_EQ(freed->load(), 0);
  }
  EXPECT_EQ(freed->load(), 1);
}

TEST(MessageTest, WrapDeleterRunsOnceAfterLastClone) {
  constexpr std::size_t kSize = 4096;
  void* buf = std::malloc(kSize);
  ASSERT_NE(buf, nullptr);
  std::atomic<int> calls{0};
  std::atomic<void*> deleted_ptr{nullptr};
  auto deleter = [&calls, &deleted_ptr](void* p) {
    deleted_ptr.store(p);
    calls.fetch_add(1);
    std::free(p);
  };

  auto original = std::make_unique<Message>(Message::wrap(buf, kSize, deleter));
  auto clone1 = std::make_unique<Message>(original->clone());
  auto clone2 = std::make_unique<Message>(clone1->clone());
  EXPECT_EQ(static_cast<void*>(clone2->data()), buf);

  original.reset();
  EXPECT_EQ(calls.load(), 0);
  Message moved = std::move(*clone1);  // a move is not a new reference
  clone1.reset();
  EXPECT_EQ(calls.load(), 0);
  clone2.reset();
  EXPECT_EQ(calls.load(), 0);
  moved = Message{};  // the last reference
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(deleted_ptr.load(), buf);
}

TEST(MessageTest, WrapDeleterRunsOnceAcrossThreads) {
  // Clones dropped concurrently: the count must reach zero exactly once.
  constexpr int kThreads = 4;
  void* buf = std::malloc(256);
  ASSERT_NE(buf, nullptr);
  std::atomic<int> calls{0};
  {
    Message m = Message::wrap(buf, 256, [&calls](void* p) {
      calls.fetch_add(1);
      std::free(p);
    });
    std::vector<Message> clones;
    for (int i = 0; i < kThreads * 100; ++i) clones.push_back(m.clone());
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      std::vector<Message> mine;
      for (int i = 0; i < 100; ++i) mine.push_back(std::move(clones[t * 100 + i]));
      threads.emplace_back([mine = std::move(mine)]() mutable { mine.clear(); });
    }
  }  // threads joined, then the original dropped
  EXPECT_EQ(calls.load(), 1);
}

TEST(MessageTest, SetHeaderUpToLimit) {
  Message m(std::string_view{"body"});
  const std::string full(Message::kMaxHeader, 'h');
  EXPECT_TRUE(m.set_header(bytes_of(full)));
  EXPECT_EQ(header_text(m), full);
  EXPECT_EQ(m.wire_size(), Message::kMaxHeader + 4);

  const std::string too_long(Message::kMaxHeader + 1, 'x');
  EXPECT_FALSE(m.set_header(bytes_of(too_long)));
  EXPECT_EQ(header_text(m), full);  // unchanged on failure

  EXPECT_TRUE(m.set_header(bytes_of("ab")));
  EXPECT_EQ(header_text(m), "ab");
  m.clear_header();
  EXPECT_TRUE(m.header().empty());
  EXPECT_EQ(m.str(), "body");  // the body is untouched by header edits
}

TEST(MessageTest, HeaderWordsAreBigEndianAndFifo) {
  Message m;
  ASSERT_TRUE(m.push_header_word(0x01020304u));
  ASSERT_TRUE(m.push_header_word(0x80000005u));
  ASSERT_EQ(m.header().size(), 8u);
  const std::array<std::byte, 8> expected{std::byte{0x01}, std::byte{0x02}, std::byte{0x03},
                                          std::byte{0x04}, std::byte{0x80}, std::byte{0x00},
                                          std::byte{0x00}, std::byte{0x05}};
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), m.header().begin()));

  std::uint32_t word = 0;
  ASSERT_TRUE(m.pop_header_word(word));
  EXPECT_EQ(word, 0x01020304u);  // pop takes the first word
  ASSERT_TRUE(m.pop_header_word(word));
  EXPECT_EQ(word, 0x80000005u);
  word = 42;
  EXPECT_FALSE(m.pop_header_word(word));
  EXPECT_EQ(word, 42u);
}

TEST(MessageTest, PopHeaderWordNeedsFourBytes) {
  Message m;
  ASSERT_TRUE(m.set_header(bytes_of("abc")));
  std::uint32_t word = 7;
  EXPECT_FALSE(m.pop_header_word(word));
  EXPECT_EQ(header_text(m), "abc");
}

TEST(MessageTest, PushHeaderWordStopsAtMaxHeader) {
  Message m;
  const std::size_t words = Message::kMaxHeader / 4;
  for (std::size_t i = 0; i < words; ++i) ASSERT_TRUE(m.push_header_word(std::uint32_t(i)));
  EXPECT_FALSE(m.push_header_word(0xdeadbeefu));
  EXPECT_EQ(m.header().size(), Message::kMaxHeader);
  std::uint32_t word = 0;
  ASSERT_TRUE(m.pop_header_word(word));
  EXPECT_EQ(word, 0u);
}

TEST(MessageTest, MoveBodyWordToHeader) {
  Message m(std::string_view{"\x80\x00\x00\x2arest", 8});
  ASSERT_TRUE(m.push_header_word(0x00000007u));
  std::uint32_t word = 0;
  ASSERT_TRUE(m.move_body_word_to_header(word));
  EXPECT_EQ(word, 0x8000002au);
  EXPECT_EQ(m.str(), "rest");
  ASSERT_EQ(m.header().size(), 8u);
  std::uint32_t first = 0, second = 0;
  ASSERT_TRUE(m.pop_header_word(first));
  ASSERT_TRUE(m.pop_header_word(second));
  EXPECT_EQ(first, 7u);  // appended at the end of the header
  EXPECT_EQ(second, 0x8000002au);
}

TEST(MessageTest, MoveBodyWordToHeaderFailsCleanly) {
  Message short_body(std::string_view{"abc"});
  std::uint32_t word = 0;
  EXPECT_FALSE(short_body.move_body_word_to_header(word));
  EXPECT_EQ(short_body.str(), "abc");
  EXPECT_TRUE(short_body.header().empty());

  Message full(std::string_view{"abcdefgh"});
  for (std::size_t i = 0; i < Message::kMaxHeader / 4; ++i) ASSERT_TRUE(full.push_header_word(1));
  EXPECT_FALSE(full.move_body_word_to_header(word));
  EXPECT_EQ(full.str(), "abcdefgh");
  EXPECT_EQ(full.header().size(), Message::kMaxHeader);
}

TEST(MessageTest, TrimFrontAndTruncateInline) {
  Message m(std::string_view{"0123456789"});
  m.trim_front(3);
  EXPECT_EQ(m.str(), "3456789");
  m.truncate(4);
  EXPECT_EQ(m.str(), "3456");
  m.trim_front(4);
  EXPECT_TRUE(m.empty());
}

TEST(MessageTest, TrimFrontOnSharedBodyLeavesClonesAlone) {
  Message a(kLarge + "tail");
  Message b = a.clone();
  const std::byte* start = a.data();
  b.trim_front(kLarge.size());
  EXPECT_EQ(b.str(), "tail");
  EXPECT_EQ(b.data(), start + kLarge.size());  // a view, not a copy
  EXPECT_EQ(a.str(), kLarge + "tail");
  EXPECT_EQ(a.data(), start);
}

TEST(MessageTest, WireSizeCountsHeaderAndBody) {
  Message m(std::string_view{"12345"});
  EXPECT_EQ(m.wire_size(), 5u);
  ASSERT_TRUE(m.push_header_word(1));
  ASSERT_TRUE(m.push_header_word(2));
  EXPECT_EQ(m.wire_size(), 13u);
  std::uint32_t w = 0;
  ASSERT_TRUE(m.move_body_word_to_header(w));
  EXPECT_EQ(m.wire_size(), 13u);  // a moved word is still on the wire
  EXPECT_EQ(m.size(), 1u);
}

TEST(MessageTest, WsFrameTypeIsUnspecifiedUntilSetAndTravelsWithTheMessage) {
  Message small("s");
  EXPECT_EQ(small.ws_frame_type(), WsFrameType::unspecified);
  small.set_ws_frame_type(WsFrameType::text);
  small.set_pipe(5);
  EXPECT_EQ(small.ws_frame_type(), WsFrameType::text);
  EXPECT_EQ(small.pipe(), 5u) << "the type shares the padding with the pipe id, not its bytes";
  Message moved(std::move(small));
  EXPECT_EQ(moved.ws_frame_type(), WsFrameType::text);
  EXPECT_EQ(small.ws_frame_type(), WsFrameType::unspecified) << "a moved-from message has none";
  Message clone = moved.clone();
  EXPECT_EQ(clone.ws_frame_type(), WsFrameType::text);
  clone.set_ws_frame_type(WsFrameType::binary);  // per message
  EXPECT_EQ(moved.ws_frame_type(), WsFrameType::text);

  Message large(kLarge);
  large.set_ws_frame_type(WsFrameType::binary);
  Message assigned;
  assigned = std::move(large);
  EXPECT_EQ(assigned.ws_frame_type(), WsFrameType::binary);
  assigned = Message("fresh");
  EXPECT_EQ(assigned.ws_frame_type(), WsFrameType::unspecified);
}

TEST(MessageTest, PipeIsNoneUntilSetAndTravelsWithTheMessage) {
  Message small("s");
  EXPECT_EQ(small.pipe(), 0u);
  small.set_pipe(0x12345678u);
  EXPECT_EQ(small.pipe(), 0x12345678u);
  Message moved(std::move(small));
  EXPECT_EQ(moved.pipe(), 0x12345678u);
  EXPECT_EQ(small.pipe(), 0u) << "a moved-from message names no pipe";
  Message clone = moved.clone();
  EXPECT_EQ(clone.pipe(), 0x12345678u);
  clone.set_pipe(7);  // per message, like the header
  EXPECT_EQ(moved.pipe(), 0x12345678u);

  Message large(kLarge);
  large.set_pipe(9);
  Message assigned;
  assigned = std::move(large);
  EXPECT_EQ(assigned.pipe(), 9u);
  assigned = Message("fresh");
  EXPECT_EQ(assigned.pipe(), 0u) << "assignment replaces the pipe too";
  assigned.set_pipe(0);
  EXPECT_EQ(assigned.pipe(), 0u);
}

// The pipe id sits in the padding after the header length: on LP64 a
// Message stays 160 bytes, as before it had one.
static_assert(sizeof(void*) != 8 || sizeof(Message) == 160, "Message grew");

}  // namespace
}  // namespace sprocket::test
