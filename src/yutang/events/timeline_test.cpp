// Which events belong to which customer (events/timeline.hpp), on SQLite, where they are
// indexed behind ingest, and on a real PostgreSQL, where events_customer serves.
#include "yutang/events/timeline.hpp"

#include <gtest/gtest.h>

#include "yutang/events/ingest_testing.hpp"

#include "tests/support/postgres_server.hpp"
#include "tests/support/test_store.hpp"

namespace yutang::events {
namespace {

using customers::IdentityKind;

class TimelineTest : public ::testing::TestWithParam<std::string>, protected IngestParts {
  protected:
    void SetUp() override {
        db_ = testing::OpenBackendTestStore(GetParam(), dir_, "yt_timeline", clock_);
        if (IsSkipped()) return;
        ASSERT_NE(db_, nullptr);
        ASSERT_TRUE(StartIngest({.timeline_run = 5}).ok());
    }
    CustomerId Find(const std::string& user_id) {
        const auto found = IngestParts::Find(IdentityKind::kUserId, user_id);
        EXPECT_TRUE(found.has_value()) << user_id;
        return found.value_or(CustomerId(0));
    }
};

TEST_P(TimelineTest, ACustomersEventsAreFoundBeforeAndAfterTheyAreIndexed) {
    // Runs of 5 events: the 17 events below leave some indexed and a tail that is not.
    for (int i = 0; i < 17; ++i) {
        const std::string who = i % 3 == 2 ? "u-2" : "u-1";
        // Out of order in time, so that the newest first is not the order of arrival.
        const std::string at = "2026-11-20T08:" + std::to_string(10 + (i * 7) % 40) + ":00Z";
        const std::string body = R"({"batch":[{"type":"track","userId":")" + who + R"(","event":"E)" +
                                 std::to_string(i) + R"(","timestamp":")" + at + R"("}]})";
        ASSERT_TRUE(ingest_->IngestBatch(TenantId(1), body).ok());
    }
    ingest_.reset();  // waits for the runs handed to the group commit
    const CustomerId u1 = Find("u-1");
    const CustomerId u2 = Find("u-2");
    // What a plain read of the events says, newest first.
    const auto expected = [&](CustomerId c, int64_t limit) {
        std::vector<std::string> names;
        EXPECT_TRUE(db_->Read([&](store::Session& s) -> Status {
                           YT_ASSIGN_OR_RETURN(auto rows, s.Query("SELECT name FROM events WHERE tenant_id = 1 AND "
                                                                  "customer_id = $1 ORDER BY occurred_at DESC, "
                                                                  "event_id DESC LIMIT $2",
                                                                  {c.value(), limit}));
                           for (const auto& row : rows) names.push_back(row.Text(0));
                           return OkStatus();
                       })
                        .ok());
        return names;
    };
    const auto timeline = [&](CustomerId c, int64_t limit) {
        std::vector<std::string> names;
        EXPECT_TRUE(db_->Read([&](store::Session& s) -> Status {
                           YT_ASSIGN_OR_RETURN(auto rows, CustomerEvents(s, TenantId(1), c.value(), limit));
                           for (const auto& row : rows) names.push_back(row.Text(1));
                           return OkStatus();
                       })
                        .ok());
        return names;
    };
    const bool sqlite = db_->dialect() == store::Dialect::kSqlite;
    if (sqlite) {
        // Three runs of five: fifteen events indexed, two in the tail.
        EXPECT_EQ(Count("SELECT COUNT(*) FROM event_timeline"), 15);
        EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE event_id > (SELECT indexed_through FROM "
                        "event_timeline_progress WHERE tenant_id = 1)"),
                  2);
    }
    for (int64_t limit : {3, 100}) {
        EXPECT_EQ(timeline(u1, limit), expected(u1, limit)) << limit;
        EXPECT_EQ(timeline(u2, limit), expected(u2, limit)) << limit;
    }
    EXPECT_EQ(timeline(u1, 100).size(), 12u);
    EXPECT_EQ(timeline(u2, 100).size(), 5u);

    // Erasure reaches indexed and tail events alike, and no one else's.
    const store::Blob wiped{keys_.Encrypt("{}", "wiped")};
    ASSERT_TRUE(
        db_->Write([&](store::Session& s) { return WipeCustomerEvents(s, TenantId(1), u2.value(), wiped); }).ok());
    const auto wiped_events = [&](CustomerId c) {
        int64_t n = -1;
        EXPECT_TRUE(db_->Read([&](store::Session& s) -> Status {
                           YT_ASSIGN_OR_RETURN(auto row, s.QueryOne("SELECT COUNT(*) FROM events WHERE tenant_id = 1 "
                                                                    "AND customer_id = $1 AND payload = $2",
                                                                    {c.value(), wiped}));
                           n = row->Int(0);
                           return OkStatus();
                       })
                        .ok());
        return n;
    };
    EXPECT_EQ(wiped_events(u2), 5);
    EXPECT_EQ(wiped_events(u1), 0);

    // The minutely run indexes the tail; the answers stay the same.
    auto indexed = IndexTimelines(*db_);
    ASSERT_TRUE(indexed.ok()) << indexed.status().ToString();
    EXPECT_EQ(*indexed, sqlite ? 2 : 0);
    EXPECT_EQ(IndexTimelines(*db_).value_or(-1), 0);  // nothing left behind
    if (sqlite) {
        EXPECT_EQ(Count("SELECT COUNT(*) FROM event_timeline"), 17);
    }
    EXPECT_EQ(timeline(u1, 100), expected(u1, 100));
    EXPECT_EQ(timeline(u2, 3), expected(u2, 3));
}

INSTANTIATE_TEST_SUITE_P(Backends, TimelineTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace yutang::events
