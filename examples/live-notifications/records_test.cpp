// The demo's request handling: what the page sends and what it gets back.
#include <gtest/gtest.h>

#include <string>

#include "records.hpp"

namespace {

using live::RecordStore;

TEST(LiveRecords, ListsTheStartingRecords) {
  RecordStore store;
  auto out = store.handle("list");
  EXPECT_EQ(out.reply.rfind(R"({"records":[{"id":1,)", 0), 0u) << out.reply;
  EXPECT_NE(out.reply.find(R"("id":4,)"), std::string::npos);
  EXPECT_FALSE(out.event);
}

TEST(LiveRecords, GetsOneRecord) {
  RecordStore store;
  auto out = store.handle("get 3");
  EXPECT_EQ(
      out.reply,
      R"({"id":3,"title":"Release notes 2.4","body":"- Faster search\n- Dark mode","version":1,"editor":""})");
  EXPECT_FALSE(out.event);
}

TEST(LiveRecords, EditChangesTheBodyAndPublishesOnTheRecordsTopic) {
  RecordStore store;
  auto out = store.handle("edit 2 alice\nFixed: a \"slow\" DNS\tresolver\x01");
  std::string json =
      R"({"id":2,"title":"Incident: checkout latency","body":"Fixed: a \"slow\" DNS\tresolver\u0001","version":2,"editor":"alice"})";
  EXPECT_EQ(out.reply, json);
  ASSERT_TRUE(out.event);
  EXPECT_EQ(*out.event, "record/2 " + json);
  EXPECT_EQ(store.handle("get 2").reply, json);
  EXPECT_EQ(live::topic(2), "record/2 ");
}

TEST(LiveRecords, AnEmptyBodyIsAnEdit) {
  RecordStore store;
  auto out = store.handle("edit 4 bob\n");
  ASSERT_TRUE(out.event);
  EXPECT_NE(out.reply.find(R"("body":"","version":2)"), std::string::npos) << out.reply;
}

TEST(LiveRecords, BadRequestsGetAnErrorNamingTheValueAndChangeNothing) {
  RecordStore store;
  const std::string before = store.handle("list").reply;
  struct Case {
    const char* request;
    const char* says;
  };
  for (auto [request, says] : {
           Case{"", "unknown request ''"},
           Case{"lists", "unknown request 'lists'"},
           Case{"list all", "unknown request 'list all'"},
           Case{"get", "no record ''"},
           Case{"get 9", "no record '9'"},
           Case{"get 1x", "no record '1x'"},
           Case{"get -1", "no record '-1'"},
           Case{"edit 1 bob", "unknown request 'edit 1 bob'"},
           Case{"edit 7 bob\nx", "no record '7'"},
           Case{"edit 1\nx", "the editor must be one word"},
           Case{"edit 1 bob smith\nx", "not 'bob smith'"},
       }) {
    auto out = store.handle(request);
    EXPECT_EQ(out.reply.rfind(R"({"error":")", 0), 0u) << request << " -> " << out.reply;
    EXPECT_NE(out.reply.find(says), std::string::npos) << request << " -> " << out.reply;
    EXPECT_FALSE(out.event) << request;
  }
  EXPECT_EQ(store.handle("list").reply, before);
}

TEST(LiveRecords, OversizeValuesAreRefused) {
  RecordStore store;
  auto big = store.handle("edit 1 bob\n" + std::string(live::kMaxBody + 1, 'x'));
  EXPECT_NE(big.reply.find("10001 bytes, more than 10000"), std::string::npos) << big.reply;
  auto fits = store.handle("edit 1 bob\n" + std::string(live::kMaxBody, 'x'));
  EXPECT_TRUE(fits.event);
  auto name = store.handle("edit 1 " + std::string(live::kMaxEditor + 1, 'n') + "\nx");
  EXPECT_NE(name.reply.find("one word of 1..40 bytes"), std::string::npos) << name.reply;
  // Errors quote at most 40 bytes of what was sent.
  auto junk = store.handle(std::string(100'000, 'j'));
  EXPECT_LT(junk.reply.size(), 200u);
}

}  // namespace
