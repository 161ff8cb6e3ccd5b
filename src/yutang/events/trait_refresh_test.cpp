#include "yutang/events/trait_refresh.hpp"

#include <gtest/gtest.h>

#include "yutang/events/orders.hpp"

#include "tests/support/test_store.hpp"

namespace yutang::events {
namespace {

constexpr int64_t kDay = 86400;
// 2026-11-23 06:00 UTC: 14:00 in Asia/Shanghai, 01:00 in New York (EST).
constexpr int64_t kNow = 1795413600;

class TraitRefreshTest : public ::testing::Test {
  protected:
    void SetUp() override {
        db_ = testing::OpenTestStore(dir_, clock_);
        ASSERT_NE(db_, nullptr);
        ASSERT_TRUE(db_->Write([](store::Session& s) {
                           return s.ExecuteScript(
                               "INSERT INTO tenants (tenant_id, name, time_zone, created_at) VALUES "
                               "(1, 'a', 'Asia/Shanghai', 0), (2, 'b', 'America/New_York', 0)");
                       })
                        .ok());
    }

    // A buyer of tenant 1 with orders of `fen` each, the last `days_ago` days ago.
    void Buyer(int64_t id, int orders, int64_t fen, int64_t days_ago) {
        ASSERT_TRUE(db_->Write([&](store::Session& s) -> Status {
                           YT_TRY(
                               s.Execute("INSERT INTO customers (tenant_id, customer_id, created_at, updated_at) "
                                         "VALUES (1, $1, 0, 0)",
                                         {id}));
                           for (int i = 0; i < orders; ++i) {
                               YT_TRY(orders_
                                          .Upsert(s, TenantId(1),
                                                  {.source = "jd",
                                                   .external_id = std::to_string(id) + "-" + std::to_string(i),
                                                   .customer = CustomerId(id),
                                                   .status = "completed",
                                                   .total = Money::FromFen(fen),
                                                   .paid = Money::FromFen(fen),
                                                   .ordered_at = Timestamp::FromSeconds(kNow - (days_ago + i) * kDay),
                                                   .buyer_details = "{}"})
                                          .status());
                           }
                           return OkStatus();
                       })
                        .ok());
    }

    CustomerTraits Traits(int64_t id) {
        std::optional<CustomerTraits> out;
        EXPECT_TRUE(db_->Read([&](store::Session& s) -> Status {
                           YT_ASSIGN_OR_RETURN(out, orders_.Traits(s, TenantId(1), CustomerId(id)));
                           return OkStatus();
                       })
                        .ok());
        return out.value_or(CustomerTraits{});
    }

    testing::TempDir dir_;
    ManualClock clock_{Timestamp::FromSeconds(kNow)};
    KeyRing keys_ = KeyRing::Generate();
    std::unique_ptr<store::Database> db_;
    OrderStore orders_{keys_, clock_};
};

TEST(LifecycleTest, StagesFollowPurchasesAndDays) {
    const Timestamp now = Timestamp::FromSeconds(kNow);
    const auto ago = [&](int64_t days) { return std::optional(now - std::chrono::hours(24 * days)); };
    EXPECT_EQ(LifecycleStageFor(0, std::nullopt, now), "prospect");
    EXPECT_EQ(LifecycleStageFor(1, ago(3), now), "new");
    EXPECT_EQ(LifecycleStageFor(2, ago(180), now), "repeat");
    EXPECT_EQ(LifecycleStageFor(2, ago(181), now), "at_risk");
    EXPECT_EQ(LifecycleStageFor(5, ago(365), now), "at_risk");
    EXPECT_EQ(LifecycleStageFor(5, ago(366), now), "churned");
}

TEST_F(TraitRefreshTest, RanksBuyersIntoQuintilesAndMovesStagesAsDaysPass) {
    // Ten buyers: recency 1..10 days, 1..10 orders... spend rising with the id.
    for (int64_t id = 1; id <= 10; ++id) Buyer(id, static_cast<int>(id), 1000 * id, 11 - id);
    EXPECT_EQ(Traits(1).lifecycle_stage, "new");
    EXPECT_EQ(Traits(2).lifecycle_stage, "repeat");
    EXPECT_FALSE(Traits(1).rfm.has_value()) << "not ranked before the first refresh";

    TraitRefresher refresher(*db_, clock_);
    auto report = refresher.Refresh(TenantId(1));
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_EQ(report->local_date, "2026-11-23");
    EXPECT_EQ(report->customers, 10);
    EXPECT_EQ(report->changed, 10);
    // score = 1 + ⌊5·below/10⌋: ids 1–2 → 1, 3–4 → 2, … 9–10 → 5.
    for (int64_t id = 1; id <= 10; ++id) {
        const auto rfm = Traits(id).rfm.value_or(RfmScores{});
        const int64_t expected = 1 + (id - 1) / 2;
        EXPECT_EQ(rfm.recency, expected) << id;
        EXPECT_EQ(rfm.frequency, expected) << id;
        EXPECT_EQ(rfm.monetary, expected) << id;
    }
    report = refresher.Refresh(TenantId(1));
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->changed, 0) << "nothing moved, nothing written";

    // 200 days later everyone has slept; a year later they are gone.
    clock_.Advance(std::chrono::hours(24 * 200));
    ASSERT_TRUE(refresher.Refresh(TenantId(1)).ok());
    EXPECT_EQ(Traits(10).lifecycle_stage, "at_risk");
    clock_.Advance(std::chrono::hours(24 * 200));
    ASSERT_TRUE(refresher.Refresh(TenantId(1)).ok());
    EXPECT_EQ(Traits(10).lifecycle_stage, "churned");
}

TEST_F(TraitRefreshTest, TiesShareAScore) {
    for (int64_t id = 1; id <= 8; ++id) Buyer(id, 1, 5000, 3);  // most bought once
    Buyer(9, 3, 5000, 3);
    TraitRefresher refresher(*db_, clock_);
    ASSERT_TRUE(refresher.Refresh(TenantId(1)).ok());
    EXPECT_EQ(Traits(1).rfm->frequency, 1);
    EXPECT_EQ(Traits(8).rfm->frequency, 1);
    EXPECT_EQ(Traits(9).rfm->frequency, 1 + 5 * 8 / 9);
    EXPECT_EQ(Traits(9).rfm->monetary, Traits(9).rfm->monetary);
    EXPECT_EQ(Traits(1).rfm->recency, 1);
}

TEST_F(TraitRefreshTest, RunsOncePerLocalDayTurningAtLocalMidnight) {
    Buyer(1, 1, 100, 1);
    TraitRefresher refresher(*db_, clock_);
    auto ran = refresher.RefreshDue();
    ASSERT_TRUE(ran.ok());
    EXPECT_EQ(*ran, 2) << "both merchants: never refreshed";
    EXPECT_EQ(*refresher.RefreshDue(), 0);
    // 15:59:59 UTC is 23:59:59 in Shanghai: still the same day there.
    clock_.Advance(std::chrono::hours(9) + std::chrono::minutes(59) + std::chrono::seconds(59));
    EXPECT_EQ(*refresher.RefreshDue(), 0);
    // 16:00 UTC is midnight in Shanghai, 11:00 in New York: only the Shanghai merchant turns.
    clock_.Advance(std::chrono::seconds(1));
    EXPECT_EQ(*refresher.RefreshDue(), 1);
    auto last = refresher.LastRefresh(TenantId(1));
    ASSERT_TRUE(last.ok() && last->has_value());
    EXPECT_EQ((*last)->local_date, "2026-11-24");
    EXPECT_EQ((*refresher.LastRefresh(TenantId(2)))->local_date, "2026-11-23");
    // Midnight in New York (05:00 UTC next day).
    clock_.Advance(std::chrono::hours(13));
    EXPECT_EQ(*refresher.RefreshDue(), 1);
    EXPECT_EQ((*refresher.LastRefresh(TenantId(2)))->local_date, "2026-11-24");
}

}  // namespace
}  // namespace yutang::events
