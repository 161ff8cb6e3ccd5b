#include "yutang/events/ingest.hpp"

#include <gtest/gtest.h>

#include "yutang/base/time_zone.hpp"

#include "tests/support/test_store.hpp"

namespace yutang::events {
namespace {

using customers::IdentityKind;

class IngestTest : public ::testing::Test {
  protected:
    void SetUp() override {
        db_ = testing::OpenTestStore(dir_, clock_);
        ASSERT_NE(db_, nullptr);
        ASSERT_TRUE(
            db_->Write([](store::Session& s) {
                   return s.Execute("INSERT INTO tenants (tenant_id, name, created_at) VALUES (1, 'a', 0)").status();
               })
                .ok());
        batcher_ = std::make_unique<store::WriteBatcher>(*db_);
        ingest_ = std::make_unique<Ingestor>(*batcher_, resolver_, orders_, keys_, clock_);
    }
    int64_t Count(const std::string& sql) {
        int64_t n = -1;
        EXPECT_TRUE(db_->Read([&](store::Session& s) -> Status {
                           YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(sql));
                           n = row->Int(0);
                           return OkStatus();
                       })
                        .ok());
        return n;
    }
    std::optional<CustomerId> Find(IdentityKind kind, const std::string& value) {
        std::optional<CustomerId> out;
        EXPECT_TRUE(db_->Read([&](store::Session& s) -> Status {
                           YT_ASSIGN_OR_RETURN(out, resolver_.Find(s, TenantId(1), {kind, value, ""}));
                           return OkStatus();
                       })
                        .ok());
        return out;
    }

    testing::TempDir dir_;
    ManualClock clock_{Timestamp::FromSeconds(1795406067)};  // 2026-11-23T03:54:27Z
    KeyRing keys_ = KeyRing::Generate();
    std::unique_ptr<store::Database> db_;
    customers::IdentityResolver resolver_{keys_, clock_};
    OrderStore orders_{keys_, clock_};
    std::unique_ptr<store::WriteBatcher> batcher_;
    std::unique_ptr<Ingestor> ingest_;
};

TEST_F(IngestTest, TrackResolvesTheSenderAndStoresTheEvent) {
    auto r = ingest_->IngestSingle(TenantId(1), MessageType::kTrack,
                                   R"({"userId":"u-1","event":"Order Completed","messageId":"m1",
                                       "properties":{"order_id":"A1","total":99.5}})");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->accepted, 1u);
    EXPECT_TRUE(r->rejected.empty());
    const auto customer = Find(IdentityKind::kUserId, "u-1");
    ASSERT_TRUE(customer);
    EXPECT_EQ(Count("SELECT customer_id FROM events WHERE message_id = 'm1'"), customer->value());
    EXPECT_EQ(Count("SELECT occurred_at FROM events WHERE message_id = 'm1'"), clock_.Now().micros());
}

TEST_F(IngestTest, AResentMessageIdIsStoredOnce) {
    const std::string body = R"({"anonymousId":"a-1","event":"Viewed","messageId":"dup-1"})";
    EXPECT_EQ(ingest_->IngestSingle(TenantId(1), MessageType::kTrack, body)->accepted, 1u);
    auto again = ingest_->IngestSingle(TenantId(1), MessageType::kTrack, body);
    EXPECT_EQ(again->accepted, 0u);
    EXPECT_EQ(again->duplicates, 1u);
    auto in_batch = ingest_->IngestBatch(
        TenantId(1), R"({"batch":[{"type":"track","anonymousId":"a-1","event":"Viewed","messageId":"dup-2"},
                                  {"type":"track","anonymousId":"a-1","event":"Viewed","messageId":"dup-2"}]})");
    EXPECT_EQ(in_batch->accepted, 1u);
    EXPECT_EQ(in_batch->duplicates, 1u);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM events"), 2);
}

TEST_F(IngestTest, IdentifyTraitsBecomeIdentitiesAndAliasMerges) {
    ASSERT_TRUE(
        ingest_->IngestSingle(TenantId(1), MessageType::kTrack, R"({"anonymousId":"anon-7","event":"Product Viewed"})")
            .ok());
    auto identify = ingest_->IngestSingle(
        TenantId(1), MessageType::kIdentify,
        R"({"userId":"u-7","traits":{"email":"Buyer@Example.com","phone":"138 1234 5678","name":"小明"}})");
    ASSERT_TRUE(identify.ok());
    const auto by_user = Find(IdentityKind::kUserId, "u-7");
    EXPECT_EQ(Find(IdentityKind::kEmail, "buyer@example.com"), by_user);
    EXPECT_EQ(Find(IdentityKind::kPhone, "+8613812345678"), by_user);
    EXPECT_NE(Find(IdentityKind::kAnonymousId, "anon-7"), by_user);

    auto alias = ingest_->IngestSingle(TenantId(1), MessageType::kAlias, R"({"previousId":"anon-7","userId":"u-7"})");
    ASSERT_TRUE(alias.ok());
    EXPECT_EQ(alias->accepted, 1u);
    EXPECT_EQ(Find(IdentityKind::kAnonymousId, "anon-7"), Find(IdentityKind::kUserId, "u-7"));
    EXPECT_EQ(Count("SELECT COUNT(*) FROM customer_merges"), 1);
}

TEST_F(IngestTest, InvalidMessagesAreRejectedKeptAsideAndTheRestGoIn) {
    auto r = ingest_->IngestBatch(TenantId(1), R"({"batch":[
        {"type":"track","userId":"u-1","event":"Ok"},
        {"type":"track","userId":"u-1"},
        {"type":"track","event":"No one"},
        {"type":"launch","userId":"u-1"},
        {"type":"page","userId":"u-1","timestamp":"yesterday"},
        {"type":"group","userId":"u-1"},
        {"type":"alias","userId":"u-1"},
        "not an object",
        {"type":"screen","anonymousId":"a-9","name":"Home"}]})");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->accepted, 2u);
    ASSERT_EQ(r->rejected.size(), 7u);
    const std::vector<std::pair<size_t, std::string>> expected = {
        {1, "event"}, {2, "userId"}, {3, "type"}, {4, "timestamp"}, {5, "groupId"}, {6, "previousId"}, {7, "batch"}};
    for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(r->rejected[i].index, expected[i].first);
        EXPECT_EQ(r->rejected[i].field, expected[i].second) << r->rejected[i].reason;
    }
    EXPECT_EQ(Count("SELECT COUNT(*) FROM failed_events"), 7);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM events"), 2);
}

TEST_F(IngestTest, ClockSkewIsCorrectedWithSentAt) {
    // The device's clock is 1 hour fast: it says the event happened at 05:00 and was sent at
    // 05:10; we received it at 03:54:27, so it happened 10 minutes before that.
    auto r = ingest_->IngestBatch(TenantId(1), R"({"sentAt":"2026-11-23T05:10:00Z","batch":[
        {"type":"track","userId":"u-1","event":"Skewed","messageId":"s1","timestamp":"2026-11-23T05:00:00Z"}]})");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(Count("SELECT occurred_at FROM events WHERE message_id = 's1'"),
              (clock_.Now() - std::chrono::minutes(10)).micros());
    ASSERT_TRUE(ingest_
                    ->IngestSingle(TenantId(1), MessageType::kTrack,
                                   R"({"userId":"u-1","event":"No sentAt","messageId":"s2",
                                          "timestamp":"2026-11-20T00:00:00+08:00"})")
                    .ok());
    EXPECT_EQ(Count("SELECT occurred_at FROM events WHERE message_id = 's2'"),
              ParseRfc3339("2026-11-19T16:00:00Z")->micros());
}

TEST_F(IngestTest, PayloadsAreEncryptedAndLimitsHold) {
    ASSERT_TRUE(ingest_
                    ->IngestSingle(TenantId(1), MessageType::kIdentify,
                                   R"({"userId":"u-2","traits":{"phone":")"
                                   "139"
                                   "1234"
                                   "5678"
                                   R"(","address":"上海市"}})")
                    .ok());
    ASSERT_TRUE(db_->Read([](store::Session& s) -> Status {
                       YT_ASSIGN_OR_RETURN(auto rows, s.Query("SELECT payload FROM events"));
                       for (const auto& row : rows) {
                           EXPECT_EQ(row.Text(0).find("139"
                                                      "1234"
                                                      "5678"),
                                     std::string::npos);
                           EXPECT_EQ(row.Text(0).find("上海"), std::string::npos);
                       }
                       return OkStatus();
                   })
                    .ok());
    const std::string big =
        R"({"userId":"u-1","event":"Big","properties":{"x":")" + std::string(33 * 1024, 'x') + "\"}}";
    EXPECT_EQ(ingest_->IngestSingle(TenantId(1), MessageType::kTrack, big).status().code(),
              ErrorCode::kResourceExhausted);
    EXPECT_EQ(ingest_->IngestBatch(TenantId(1), R"({"batch":{}})").status().field(), "batch");
}

TEST_F(IngestTest, EcommerceEventsBecomeOrdersAndTraits) {
    auto completed =
        ingest_->IngestSingle(TenantId(1), MessageType::kTrack, R"({"userId":"u-9","event":"Order Completed",
        "properties":{"order_id":"S-1","total":199.9,"currency":"CNY",
                      "products":[{"sku":"A1","name":"奶粉","price":99.95,"quantity":2}]}})");
    ASSERT_TRUE(completed.ok()) << completed.status().ToString();
    ASSERT_EQ(completed->rejected.size(), 0u) << completed->rejected[0].reason;
    EXPECT_EQ(Count("SELECT total_fen FROM orders WHERE external_id = 'S-1'"), 19990);
    EXPECT_EQ(Count("SELECT order_count FROM customer_traits"), 1);
    EXPECT_EQ(Count("SELECT total_spend_fen FROM customer_traits"), 19990);
    // A re-sent event with a new messageId changes nothing; a refund naming only the order works.
    ASSERT_TRUE(ingest_
                    ->IngestSingle(TenantId(1), MessageType::kTrack, R"({"userId":"u-9","event":"Order Completed",
        "properties":{"order_id":"S-1","total":199.9,"products":[{"sku":"A1","name":"奶粉","price":99.95,"quantity":2}]}})")
                    .ok());
    EXPECT_EQ(Count("SELECT COUNT(*) FROM orders"), 1);
    ASSERT_TRUE(ingest_
                    ->IngestSingle(TenantId(1), MessageType::kTrack,
                                   R"({"userId":"u-9","event":"Order Refunded","properties":{"order_id":"S-1"}})")
                    .ok());
    EXPECT_EQ(Count("SELECT status = 'refunded' FROM orders WHERE external_id = 'S-1'"), 1);
    EXPECT_EQ(Count("SELECT refunded_fen FROM customer_traits"), 19990);

    auto bad = ingest_->IngestBatch(TenantId(1), R"({"batch":[
        {"type":"track","userId":"u-9","event":"Order Completed","properties":{"total":5}},
        {"type":"track","userId":"u-9","event":"Order Completed","properties":{"order_id":"S-2","total":1.234}}]})");
    ASSERT_TRUE(bad.ok());
    ASSERT_EQ(bad->rejected.size(), 2u);
    EXPECT_EQ(bad->rejected[0].field, "properties.order_id");
    EXPECT_EQ(bad->rejected[1].field, "properties.total");
}

}  // namespace
}  // namespace yutang::events
