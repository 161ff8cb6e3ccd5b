// The overview on SQLite and on a real PostgreSQL: days are the merchant's local days, a
// customer is new when first seen (an earlier imported order counts), merged-away ids and
// unpaid or cancelled orders are left out.
#include "yutang/insight/overview.hpp"

#include <gtest/gtest.h>

#include "yutang/events/orders.hpp"

#include "tests/support/postgres_server.hpp"
#include "tests/support/test_store.hpp"

namespace yutang::insight {
namespace {

const TenantId kTenant(1);
// 2026-11-23 06:00 UTC = 14:00 in Asia/Shanghai.
constexpr int64_t kNow = 1795413600;
constexpr int64_t kHour = 3600;

class OverviewTest : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        db_ = testing::OpenBackendTestStore(GetParam(), dir_, "yt_overview", clock_);
        if (IsSkipped()) return;
        ASSERT_NE(db_, nullptr);
        ASSERT_TRUE(db_->Write([](store::Session& s) {
                           return s.ExecuteScript(
                               "INSERT INTO tenants (tenant_id, name, time_zone, created_at) VALUES "
                               "(1, 'a', 'Asia/Shanghai', 0), (2, 'b', 'Asia/Shanghai', 0)");
                       })
                        .ok());
    }

    void Customer(int64_t tenant, int64_t id, int64_t created_at, std::string_view channel,
                  std::optional<int64_t> merged_into = std::nullopt) {
        ASSERT_TRUE(db_->Write([&](store::Session& s) {
                           return s
                               .Execute(
                                   "INSERT INTO customers (tenant_id, customer_id, merged_into, created_at, "
                                   "updated_at, source_channel) VALUES ($1, $2, $3, $4, $4, $5)",
                                   {tenant, id, merged_into, created_at * 1'000'000, channel})
                               .status();
                       })
                        .ok());
    }

    void Order(int64_t tenant, int64_t customer, std::string_view source, std::string_view external_id,
               std::string_view status, int64_t fen, int64_t at) {
        ASSERT_TRUE(db_->Write([&](store::Session& s) {
                           return orders_
                               .Upsert(s, TenantId(tenant),
                                       {.source = std::string(source),
                                        .external_id = std::string(external_id),
                                        .customer = CustomerId(customer),
                                        .status = std::string(status),
                                        .total = Money::FromFen(fen),
                                        .paid = Money::FromFen(fen),
                                        .ordered_at = Timestamp::FromSeconds(at),
                                        .buyer_details = "{}"})
                               .status();
                       })
                        .ok());
    }

    testing::TempDir dir_;
    ManualClock clock_{Timestamp::FromSeconds(kNow)};
    KeyRing keys_ = KeyRing::Generate();
    std::unique_ptr<store::Database> db_;
    events::OrderStore orders_{keys_, clock_};
};

TEST_P(OverviewTest, CountsByTheMerchantsLocalDays) {
    // 2 created three days ago, with an order the day before: first seen 2026-11-19 (local).
    Customer(1, 2, kNow - 3 * 24 * kHour, "");
    Order(1, 2, "jd", "o2", "completed", 5000, kNow - 4 * 24 * kHour);
    // 1 created now; its first order was at 01:00 on 11-22 in Shanghai — still 11-21 in UTC.
    Customer(1, 1, kNow, "import:jd");
    Order(1, 1, "jd", "o1", "completed", 10000, kNow - 29 * kHour);
    // 3 created now without orders; 4 created now with two orders today; 5 merged into 4.
    Customer(1, 3, kNow, "segment");
    Customer(1, 4, kNow, "import:taobao");
    Order(1, 4, "taobao", "o4a", "paid", 3000, kNow - 4 * kHour);
    Order(1, 4, "taobao", "o4b", "shipped", 4000, kNow - 3 * kHour);
    Customer(1, 5, kNow, "import:taobao", 4);
    // Orders that are not sales, and another merchant's customer and order.
    Order(1, 3, "jd", "o3", "cancelled", 9900, kNow - 2 * kHour);
    Order(1, 3, "jd", "o3b", "pending_payment", 9900, kNow - 2 * kHour);
    Customer(2, 1, kNow, "segment");
    Order(2, 1, "jd", "x1", "completed", 777, kNow - kHour);

    OverviewReport report(*db_, clock_);
    auto overview = report.Compute(kTenant, {.days = 3});
    ASSERT_TRUE(overview.ok()) << overview.status().ToString();
    const Overview& o = *overview;
    EXPECT_EQ(o.time_zone, "Asia/Shanghai");
    ASSERT_EQ(o.daily.size(), 3u);
    EXPECT_EQ(o.daily[0].date, "2026-11-21");
    EXPECT_EQ(o.daily[2].date, "2026-11-23");

    EXPECT_EQ(o.daily[0].new_customers, 0);
    EXPECT_EQ(o.daily[0].pool_size, 1) << "customer 2, first seen before the period";
    EXPECT_EQ(o.daily[1].new_customers, 1) << "customer 1 on its local first-order day, not the UTC one";
    EXPECT_EQ(o.daily[1].orders, 1);
    EXPECT_EQ(o.daily[1].gmv_fen, 10000);
    EXPECT_EQ(o.daily[2].new_customers, 2) << "3 and 4; 5 is merged into 4";
    EXPECT_EQ(o.daily[2].pool_size, 4);
    EXPECT_EQ(o.daily[2].orders, 2) << "cancelled and unpaid orders are not sales";
    EXPECT_EQ(o.daily[2].buyers, 1);
    EXPECT_EQ(o.daily[2].gmv_fen, 7000);

    EXPECT_EQ(o.customers, 4);
    EXPECT_EQ(o.new_customers, 3);
    EXPECT_EQ(o.previous_new_customers, 1);
    EXPECT_EQ(o.orders, 3);
    EXPECT_EQ(o.gmv_fen, 17000);
    EXPECT_EQ(o.previous_orders, 1);
    EXPECT_EQ(o.previous_gmv_fen, 5000);
    EXPECT_EQ(o.buyers, 3) << "1, 2 and 4 (3's orders were not paid)";
    EXPECT_EQ(o.repeat_buyers, 1);
    EXPECT_DOUBLE_EQ(o.repurchase_rate, 1.0 / 3.0);

    ASSERT_EQ(o.by_platform.size(), 2u);
    EXPECT_EQ(o.by_platform[0].key, "jd");
    EXPECT_EQ(o.by_platform[0].gmv_fen, 10000);
    EXPECT_EQ(o.by_platform[1].key, "taobao");
    EXPECT_EQ(o.by_platform[1].orders, 2);
    EXPECT_EQ(o.by_platform[1].customers, 1);

    ASSERT_EQ(o.by_channel.size(), 4u);
    EXPECT_EQ(o.by_channel[0].key, "import:jd");
    EXPECT_EQ(o.by_channel[3].key, "unknown");

    ASSERT_EQ(o.by_lifecycle.size(), 5u);
    EXPECT_EQ(o.by_lifecycle[0].key, "prospect");
    EXPECT_EQ(o.by_lifecycle[0].customers, 1);
    EXPECT_EQ(o.by_lifecycle[1].key, "new");
    EXPECT_EQ(o.by_lifecycle[1].customers, 2);
    EXPECT_EQ(o.by_lifecycle[2].key, "repeat");
    EXPECT_EQ(o.by_lifecycle[2].customers, 1);
}

TEST_P(OverviewTest, RefusesPeriodsOutOfRangeAndUnknownMerchants) {
    OverviewReport report(*db_, clock_);
    for (int days : {0, -1, 367}) {
        auto o = report.Compute(kTenant, {.days = days});
        ASSERT_FALSE(o.ok());
        EXPECT_EQ(o.status().code(), ErrorCode::kInvalidArgument);
        EXPECT_EQ(o.status().field(), "days");
    }
    auto empty = report.Compute(kTenant, {.days = 366});
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(empty->daily.size(), 366u);
    EXPECT_EQ(empty->customers, 0);
    EXPECT_EQ(empty->repurchase_rate, 0.0);
    auto unknown = report.Compute(TenantId(99), {.days = 7});
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.status().code(), ErrorCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Backends, OverviewTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace yutang::insight
