#include "yutang/events/failed_events.hpp"

#include <algorithm>
#include <map>

#include <gtest/gtest.h>

#include "yutang/base/time_zone.hpp"
#include "yutang/events/ingest_testing.hpp"

#include "tests/support/postgres_server.hpp"
#include "tests/support/test_store.hpp"

namespace yutang::events {
namespace {

// On both backends: the queries take a NULL cursor and count by time ranges.
class FailedEventsTest : public ::testing::TestWithParam<std::string>, protected IngestParts {
  protected:
    void SetUp() override {
        // 2026-11-24 09:00 in Shanghai (01:00 UTC), 2026-11-23 20:00 in New York.
        clock_.Set(*ParseRfc3339("2026-11-24T01:00:00Z"));
        db_ = testing::OpenBackendTestStore(GetParam(), dir_, "yt_failed", clock_);
        if (IsSkipped()) return;
        ASSERT_NE(db_, nullptr);
        ASSERT_TRUE(StartIngest().ok());  // merchant 1, in Asia/Shanghai
        ASSERT_TRUE(db_->Write([](store::Session& s) {
                           return s
                               .Execute(
                                   "INSERT INTO tenants (tenant_id, name, created_at, time_zone) VALUES "
                                   "(2, 'b', 0, 'America/New_York')")
                               .status();
                       })
                        .ok());
        failed_ = std::make_unique<FailedEvents>(*db_, keys_, clock_);
    }
    // One track message without an event name: refused, kept with reason and field.
    void Refuse(TenantId tenant, const std::string& user) {
        auto r = ingest_->IngestSingle(tenant, MessageType::kTrack, R"({"userId":")" + user + R"("})");
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        ASSERT_EQ(r->rejected.size(), 1u);
    }
    int64_t AuditCount() {
        return Count("SELECT COUNT(*) FROM audit_log WHERE action = 'data.exported' AND target_type = 'failed_event'");
    }

    std::unique_ptr<FailedEvents> failed_;
};

TEST_P(FailedEventsTest, ListsNewestFirstPageByPageWithoutPayloads) {
    for (int i = 0; i < 5; ++i) {
        Refuse(TenantId(1), "u-" + std::to_string(i));
        clock_.Advance(std::chrono::seconds(1));
    }
    Refuse(TenantId(2), "someone-else");
    auto first = failed_->List(TenantId(1), {.limit = 2});
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    ASSERT_EQ(first->items.size(), 2u);
    EXPECT_GT(first->items[0].id, first->items[1].id);
    EXPECT_GT(first->items[0].received_at, first->items[1].received_at);
    EXPECT_EQ(first->items[0].reason, "event is required for track");
    EXPECT_EQ(first->items[0].field, "event");
    EXPECT_TRUE(first->items[0].payload.empty());
    ASSERT_TRUE(first->next_before_id);
    std::vector<int64_t> ids = {first->items[0].id, first->items[1].id};
    std::optional<int64_t> cursor = first->next_before_id;
    while (cursor) {
        auto page = failed_->List(TenantId(1), {.before_id = cursor, .limit = 2});
        ASSERT_TRUE(page.ok());
        for (const FailedEvent& e : page->items) ids.push_back(e.id);
        cursor = page->next_before_id;
    }
    EXPECT_EQ(ids.size(), 5u) << "the other merchant's failure is not listed";
    EXPECT_TRUE(std::is_sorted(ids.rbegin(), ids.rend()));
    EXPECT_EQ(failed_->List(TenantId(1), {.limit = 0}).status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(failed_->List(TenantId(1), {.limit = 201}).status().field(), "limit");
}

TEST_P(FailedEventsTest, GetDecryptsOneForItsMerchantAndAuditsIt) {
    Refuse(TenantId(1), "u-看得见");
    auto page = failed_->List(TenantId(1), {});
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->items.size(), 1u);
    const int64_t id = page->items[0].id;
    const auto actor = staff::Actor::Staff(StaffId(7), "req-1", "127.0.0.1");
    auto one = failed_->Get(TenantId(1), id, actor);
    ASSERT_TRUE(one.ok()) << one.status().ToString();
    EXPECT_EQ(one->payload, R"({"userId":"u-看得见"})");
    EXPECT_EQ(one->reason, "event is required for track");
    EXPECT_EQ(AuditCount(), 1);
    // Another merchant's id, or none, is not found, and reads nothing.
    EXPECT_EQ(failed_->Get(TenantId(2), id, actor).status().code(), ErrorCode::kNotFound);
    EXPECT_EQ(failed_->Get(TenantId(1), id + 100, actor).status().code(), ErrorCode::kNotFound);
    EXPECT_EQ(AuditCount(), 1);
}

TEST_P(FailedEventsTest, SummaryCountsByLocalDayAndByReason) {
    // Shanghai is UTC+8: 2026-11-22T15:59Z is still the 22nd there, 16:00Z the 23rd.
    clock_.Set(*ParseRfc3339("2026-11-22T15:59:00Z"));
    Refuse(TenantId(1), "a");
    clock_.Set(*ParseRfc3339("2026-11-22T16:00:00Z"));
    Refuse(TenantId(1), "b");
    Refuse(TenantId(1), "c");
    ASSERT_TRUE(ingest_->IngestSingle(TenantId(1), MessageType::kTrack, "not json").status().code() ==
                ErrorCode::kInvalidArgument);
    clock_.Set(*ParseRfc3339("2026-11-24T01:00:00Z"));
    Refuse(TenantId(1), "d");
    // Before the window: not counted.
    clock_.Set(*ParseRfc3339("2026-11-10T01:00:00Z"));
    Refuse(TenantId(1), "old");
    clock_.Set(*ParseRfc3339("2026-11-24T01:00:00Z"));

    auto summary = failed_->Summary(TenantId(1), 7);
    ASSERT_TRUE(summary.ok()) << summary.status().ToString();
    ASSERT_EQ(summary->days.size(), 7u);
    EXPECT_EQ(summary->days.front().date, "2026-11-18");
    EXPECT_EQ(summary->days.back().date, "2026-11-24");
    std::map<std::string, int64_t> by_day;
    for (const auto& d : summary->days) by_day[d.date] = d.count;
    EXPECT_EQ(by_day["2026-11-22"], 1);
    EXPECT_EQ(by_day["2026-11-23"], 3);
    EXPECT_EQ(by_day["2026-11-24"], 1);
    EXPECT_EQ(summary->total, 5);
    ASSERT_EQ(summary->reasons.size(), 2u);
    EXPECT_EQ(summary->reasons[0].reason, "event is required for track");
    EXPECT_EQ(summary->reasons[0].field, "event");
    EXPECT_EQ(summary->reasons[0].count, 4);
    EXPECT_EQ(summary->reasons[0].last_at, *ParseRfc3339("2026-11-24T01:00:00Z"));
    EXPECT_EQ(summary->reasons[1].field, "body");
    EXPECT_EQ(summary->reasons[1].count, 1);

    // In New York (UTC−5) the same instants fall on other days; that merchant has none of them.
    auto other = failed_->Summary(TenantId(2), 7);
    ASSERT_TRUE(other.ok());
    EXPECT_EQ(other->days.back().date, "2026-11-23");
    EXPECT_EQ(other->total, 0);
    EXPECT_EQ(failed_->Summary(TenantId(1), 0).status().field(), "days");
    EXPECT_EQ(failed_->Summary(TenantId(1), 32).status().code(), ErrorCode::kInvalidArgument);
}

TEST_P(FailedEventsTest, ReasonsThatDifferOnlyInNumbersAreOne) {
    // The HTTP layer's syntax errors name the offset where a body stops being JSON.
    for (const int offset : {25, 31, 7}) {
        clock_.Advance(std::chrono::seconds(1));
        const Status why = InvalidArgument("malformed JSON at offset " + std::to_string(offset), "body");
        EXPECT_EQ(ingest_->KeepRefused(TenantId(1), why, "{", Ingestor::RefusedBody::kBatch).code(),
                  ErrorCode::kInvalidArgument);
    }
    // Fields too: a bad price in the first or the second product is one mistake.
    for (const std::string product : {R"([{"price":true}])", R"([{"price":1},{"price":[]}])"}) {
        clock_.Advance(std::chrono::seconds(1));
        auto r = ingest_->IngestSingle(
            TenantId(1), MessageType::kTrack,
            R"({"userId":"u","event":"Order Completed","properties":{"order_id":"A","products":)" + product + "}}");
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        ASSERT_EQ(r->rejected.size(), 1u);
    }
    Refuse(TenantId(1), "a");
    auto summary = failed_->Summary(TenantId(1), 1);
    ASSERT_TRUE(summary.ok()) << summary.status().ToString();
    EXPECT_EQ(summary->total, 6);
    ASSERT_EQ(summary->reasons.size(), 3u);
    EXPECT_EQ(summary->reasons[0].field, "body");
    EXPECT_EQ(summary->reasons[0].count, 3);
    EXPECT_TRUE(summary->reasons[0].reason.starts_with("malformed JSON at offset 7 "))
        << "worded as the latest: " << summary->reasons[0].reason;
    EXPECT_EQ(summary->reasons[1].field, "properties.products[1].price") << "the latest";
    EXPECT_EQ(summary->reasons[1].count, 2);
    EXPECT_EQ(summary->reasons[2].field, "event");
    EXPECT_EQ(summary->reasons[2].count, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, FailedEventsTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace yutang::events
