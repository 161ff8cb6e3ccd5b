// The audience index and engine on small hand-made data: each condition, tombstones, windows and
// calendars at the merchant's midnight (Asia/Shanghai, not UTC), segments, refresh. The
// differential test (tests/integration/audience_differential_test.cpp) checks the engine
// against a plain reference evaluation on random data and random rules.
#include "yutang/audience/engine.hpp"

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <numeric>
#include <random>
#include <span>

#include <gtest/gtest.h>

#include "yutang/audience/index.hpp"
#include "yutang/audience/internal/bitmap.hpp"
#include "yutang/audience/rule.hpp"
#include "yutang/audience/service.hpp"
#include "yutang/base/crypto.hpp"
#include "yutang/store/change_log.hpp"
#include "yutang/store/sqlite/sqlite_database.hpp"

#include "tests/support/audience_rows.hpp"
#include "tests/support/test_store.hpp"

namespace yutang::audience {
namespace {

constexpr int64_t kTenant = 1;

class EngineTest : public ::testing::Test {
  protected:
    void SetUp() override {
        db_ = testing::OpenTestStore(dir_, clock_);
        ASSERT_NE(db_, nullptr);
        // 2026-06-30 23:59:59 in Shanghai (15:59:59 UTC): one second before a local midnight
        // that is not a UTC midnight.
        clock_.Set(At(2026, 6, 30, 23, 59, 59));
        Exec("INSERT INTO tenants (tenant_id, name, time_zone, created_at) VALUES ($1, '测试店', 'Asia/Shanghai', 0)",
             {kTenant});
    }

    Timestamp At(int y, int mo, int d, int h = 12, int mi = 0, int s = 0) const {
        return zone_.FromLocal({.date = {y, mo, d}, .hour = h, .minute = mi, .second = s});
    }

    void Exec(std::string_view sql, std::initializer_list<store::Value> params) {
        ExecValues(std::string(sql), std::vector<store::Value>(params));
    }
    void ExecValues(const std::string& sql, const std::vector<store::Value>& values) {
        ASSERT_TRUE(db_->Write([&](store::Session& s) { return s.Execute(sql, values).status(); }).ok()) << sql;
    }

    void Customer(int64_t id, std::optional<int64_t> merged_into = {}, std::optional<int64_t> owner = {},
                  std::string channel = "") {
        Exec(
            "INSERT INTO customers (tenant_id, customer_id, merged_into, created_at, updated_at, owner_staff_id, "
            "source_channel) VALUES ($1, $2, $3, 0, 0, $4, $5)",
            {kTenant, id, merged_into, owner, channel});
    }
    void Merge(int64_t loser, int64_t winner) {
        Exec("UPDATE customers SET merged_into = $3 WHERE tenant_id = $1 AND customer_id = $2",
             {kTenant, loser, winner});
    }
    // The tag catalogue, tags, identities, consent and attributes: testing::AudienceRows.
    int64_t TagId(const std::string& group, const std::string& name) { return rows_.TagId(group, name); }
    void Tag(int64_t customer, int64_t tag) { rows_.Tag(customer, tag); }
    void Identity(int64_t customer, const std::string& kind) { rows_.Identity(customer, kind); }
    void Consent(int64_t customer, const std::string& purpose, bool granted, Timestamp given) {
        rows_.Consent(customer, purpose, granted, given);
    }
    void Attribute(int64_t customer, const std::string& name, const std::string& type, const std::string& text) {
        rows_.Attribute(customer, name, type, text);
    }
    // One purchase; traits are written as the order store would.
    void Order(int64_t customer, const std::string& source, int64_t paid_fen, Timestamp at, int64_t refunded_fen = 0) {
        const int64_t id = ++orders_;
        Exec(
            "INSERT INTO orders (tenant_id, order_id, source, external_id, customer_id, status, raw_status, total_fen, "
            "paid_fen, refunded_fen, currency, ordered_at, lines, buyer_hint, buyer_cipher, created_at, updated_at) "
            "VALUES ($1, $2, $3, $4, $5, 'completed', '', $6, $6, $7, 'CNY', $8, '[]', '', $9, 0, 0)",
            {kTenant, id, source, "o" + std::to_string(id), customer, paid_fen, refunded_fen, at.micros(),
             store::Blob{"x"}});
    }
    void Traits(int64_t customer, int64_t count, int64_t spend, int64_t refunded, Timestamp first, Timestamp last,
                const std::string& platforms, const std::string& stage, std::optional<int64_t> recency = {}) {
        Exec(
            "INSERT INTO customer_traits (tenant_id, customer_id, order_count, total_spend_fen, refunded_fen, "
            "first_order_at, last_order_at, platform_counts, updated_at, lifecycle_stage, rfm_recency) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10)",
            {kTenant, customer, count, spend, refunded, first.micros(), last.micros(), platforms, stage, recency});
    }
    void Event(int64_t customer, const std::string& name, Timestamp at, const std::string& properties = "{}") {
        rows_.Event(customer, name, at, properties);
    }

    std::unique_ptr<AudienceIndex> Build() {
        auto index = AudienceIndex::Build(*db_, keys_, TenantId(kTenant), clock_);
        EXPECT_TRUE(index.ok()) << index.status().ToString();
        return index.ok() ? std::move(*index) : nullptr;
    }

    // The members of a text rule, by id.
    std::vector<int64_t> Members(const AudienceIndex& index, std::string_view text, EvaluateOptions options = {}) {
        const RuleResult rule = ParseRuleText(text);
        EXPECT_TRUE(rule.ok()) << text << ": " << (rule.ok() ? "" : rule.error().message_en);
        if (!rule.ok()) return {};
        options.sample_size = 1000;
        auto result = Evaluate(index, rule.value(), options);
        EXPECT_TRUE(result.ok()) << text << ": " << result.status().ToString();
        if (!result.ok()) return {};
        std::vector<int64_t> ids;
        for (CustomerId id : result->sample) ids.push_back(id.value());
        EXPECT_EQ(result->count, static_cast<int64_t>(ids.size()));
        EXPECT_EQ(result->members.size(), result->count);
        return ids;
    }

    testing::TempDir dir_;
    ManualClock clock_;
    TimeZone zone_ = TimeZone::Default();
    KeyRing keys_ = KeyRing::Generate();
    testing::AudienceRows rows_{kTenant, keys_, [this](std::string sql, std::vector<store::Value> params) {
                                    ExecValues(std::move(sql), std::move(params));
                                }};
    std::unique_ptr<store::Database> db_;
    int64_t orders_ = 0;
};

using Ids = std::vector<int64_t>;

TEST_F(EngineTest, TagsIdentitiesConsentOwnerChannelAndTombstones) {
    Customer(1, {}, 7, "import:jd");
    Customer(2, {}, {}, "douyin_live");
    Customer(3);
    Customer(4, 1);  // merged into 1: a tombstone, never a member
    const int64_t baby = TagId("人群", "母婴");
    const int64_t interest = TagId("兴趣", "母婴");
    const int64_t gold = TagId("会员等级", "金卡");
    Tag(1, baby);
    Tag(2, interest);
    Tag(2, gold);
    Identity(1, "phone");
    Identity(3, "wecom_external_userid");
    Consent(1, "marketing.sms", true, At(2026, 1, 1));
    Consent(1, "marketing.sms", false, At(2026, 2, 1));  // withdrawn later
    Consent(2, "marketing.sms", true, At(2026, 3, 1));
    Consent(4, "marketing.wecom", true, At(2026, 3, 1));  // recorded on the tombstone: counts for 1
    auto index = Build();
    ASSERT_NE(index, nullptr);
    EXPECT_EQ(index->Stats().customers, 3);

    EXPECT_EQ(Members(*index, "everyone"), (Ids{1, 2, 3}));
    EXPECT_EQ(Members(*index, "not everyone"), (Ids{}));
    EXPECT_EQ(Members(*index, R"(tag = "母婴")"), (Ids{1, 2})) << "a plain name matches every group";
    EXPECT_EQ(Members(*index, R"(tag = "人群/母婴")"), (Ids{1}));
    EXPECT_EQ(Members(*index, R"(tag != "母婴")"), (Ids{3}));
    EXPECT_EQ(Members(*index, R"(tag all of ("兴趣/母婴", "金卡"))"), (Ids{2}));
    EXPECT_EQ(Members(*index, R"(tag any of ("人群/母婴", "金卡"))"), (Ids{1, 2}));
    EXPECT_EQ(Members(*index, R"(tag = "没有这个标签")"), (Ids{}));
    EXPECT_EQ(Members(*index, "has phone or has wecom"), (Ids{1, 3}));
    EXPECT_EQ(Members(*index, "not has phone"), (Ids{2, 3}));
    EXPECT_EQ(Members(*index, "consent marketing.sms"), (Ids{2}));
    EXPECT_EQ(Members(*index, "no consent marketing.sms"), (Ids{1, 3}));
    EXPECT_EQ(Members(*index, "consent marketing.wecom"), (Ids{1})) << "consent follows a merge";
    EXPECT_EQ(Members(*index, "owner = 7"), (Ids{1}));
    EXPECT_EQ(Members(*index, "owner = none"), (Ids{2, 3}));
    EXPECT_EQ(Members(*index, "owner != 7"), (Ids{2, 3}));
    EXPECT_EQ(Members(*index, "owner in (7, none)"), (Ids{1, 2, 3}));
    EXPECT_EQ(Members(*index, R"(source_channel starts with "import")"), (Ids{1}));
    EXPECT_EQ(Members(*index, R"(source_channel != "import:jd")"), (Ids{2})) << "an unset channel is missing";
    EXPECT_EQ(Members(*index, "source_channel is set"), (Ids{1, 2}));
    EXPECT_EQ(Members(*index, "everyone", {.owner = StaffId(7)}), (Ids{1})) << "a guide counts only their own";
    EXPECT_EQ(Members(*index, "everyone", {.owner = StaffId(8)}), (Ids{}));
}

TEST_F(EngineTest, TraitsAndOrderWindowsTurnAtLocalMidnight) {
    for (int64_t id = 1; id <= 4; ++id) Customer(id);
    // 1: bought today (local) at 08:00 and 100 days ago; 2: yesterday 23:30 local (which is
    // today in UTC), with a refund; 3: long ago on JD; 4: never.
    Order(1, "segment", 10000, At(2026, 6, 30, 8));
    Order(1, "jd", 30000, At(2026, 3, 22));
    Traits(1, 2, 40000, 0, At(2026, 3, 22), At(2026, 6, 30, 8), R"({"jd":1,"segment":1})", "repeat", 5);
    Order(2, "douyin", 50000, At(2026, 6, 29, 23, 30), 20000);
    Traits(2, 1, 50000, 20000, At(2026, 6, 29, 23, 30), At(2026, 6, 29, 23, 30), R"({"douyin":1})", "new");
    Order(3, "jd", 9990, At(2024, 1, 1));
    Traits(3, 1, 9990, 0, At(2024, 1, 1), At(2024, 1, 1), R"({"jd":1})", "churned", 1);
    auto index = Build();
    ASSERT_NE(index, nullptr);

    EXPECT_EQ(Members(*index, "order_count >= 1"), (Ids{1, 2, 3}));
    EXPECT_EQ(Members(*index, "order_count = 0"), (Ids{4}));
    EXPECT_EQ(Members(*index, "total_spend >= 300"), (Ids{1, 2})) << "spend is net of refunds: 2 spent 300";
    EXPECT_EQ(Members(*index, "total_spend > 300"), (Ids{1}));
    EXPECT_EQ(Members(*index, "average_order_value = 99.90"), (Ids{3}));
    EXPECT_EQ(Members(*index, "average_order_value < 1000"), (Ids{1, 2, 3})) << "no orders: no average";
    EXPECT_EQ(Members(*index, "order_count >= 1 within 1d"), (Ids{1}));
    EXPECT_EQ(Members(*index, "order_count >= 1 within 2d"), (Ids{1, 2}));
    EXPECT_EQ(Members(*index, "order_count >= 1 within 24h"), (Ids{1})) << "2 bought 24½ hours ago";
    EXPECT_EQ(Members(*index, "total_spend >= 400 within 365d"), (Ids{1}));
    EXPECT_EQ(Members(*index, "total_spend >= 100 within 1d"), (Ids{1}));
    EXPECT_EQ(Members(*index, "orders_on.jd >= 1"), (Ids{1, 3}));
    EXPECT_EQ(Members(*index, "orders_on.jd >= 1 within 365d"), (Ids{1}));
    EXPECT_EQ(Members(*index, "orders_on.jd = 0 within 30d"), (Ids{1, 2, 3, 4}));
    EXPECT_EQ(Members(*index, "last_order_at within 1d"), (Ids{1}));
    EXPECT_EQ(Members(*index, "last_order_at = 2026-06-29"), (Ids{2}));
    EXPECT_EQ(Members(*index, "last_order_at before 90d"), (Ids{3}));
    EXPECT_EQ(Members(*index, "first_order_at < 2026-01-01"), (Ids{3}));
    EXPECT_EQ(Members(*index, "last_order_at is set"), (Ids{1, 2, 3}));
    EXPECT_EQ(Members(*index, "days_since_last_order = 0"), (Ids{1}));
    EXPECT_EQ(Members(*index, "days_since_last_order = 1"), (Ids{2}));
    EXPECT_EQ(Members(*index, "days_since_last_order > 365"), (Ids{3}));
    EXPECT_EQ(Members(*index, "days_since_last_seen <= 1"), (Ids{1, 2}));
    EXPECT_EQ(Members(*index, "rfm_recency >= 4"), (Ids{1}));
    EXPECT_EQ(Members(*index, "rfm_recency is set"), (Ids{1, 3}));
    EXPECT_EQ(Members(*index, "not rfm_recency is set"), (Ids{2, 4}));
    EXPECT_EQ(Members(*index, "lifecycle_stage = prospect"), (Ids{4})) << "no traits row: a prospect";
    EXPECT_EQ(Members(*index, "lifecycle_stage in (new, repeat)"), (Ids{1, 2}));
    EXPECT_EQ(Members(*index, "lifecycle_stage != churned"), (Ids{1, 2, 4}));

    // Two seconds later it is 1 July in Shanghai (still 30 June in UTC): "today" moved.
    clock_.Advance(std::chrono::seconds(2));
    EXPECT_EQ(Members(*index, "order_count >= 1 within 1d"), (Ids{}));
    EXPECT_EQ(Members(*index, "order_count >= 1 within 2d"), (Ids{1}));
    EXPECT_EQ(Members(*index, "days_since_last_order = 1"), (Ids{1}));
    EXPECT_EQ(Members(*index, "order_count >= 1 within 24h"), (Ids{1})) << "hours roll, days turn";
}

// St. John's (Newfoundland) turned its clocks back at 00:01 until 2011: on 7 November 2010 local
// midnight came at 02:30 UTC, and a minute later it was 23:01 on 6 November again. Times in that
// repeated hour are on 6 November by their local date yet after 7 November began; a date
// compared to a time means the instants from one local midnight to the next, whatever the
// wall clock showed, so they count as 7 November (the index's local days must not decide them).
TEST_F(EngineTest, DatesOfTimesHoldWhereALocalDateRanBackAcrossMidnight) {
    Exec("UPDATE tenants SET time_zone = 'America/St_Johns' WHERE tenant_id = $1", {kTenant});
    auto utc = [](int h, int mi) {
        return Timestamp::FromMicros((int64_t{1289088000} + h * 3600 + mi * 60) * 1'000'000);
    };
    // 1: 02:20 UTC (6 Nov 23:50 local); 2: 02:30 (7 Nov 00:00); 3: 02:40 (6 Nov 23:10 again);
    // 4: 03:40 (7 Nov 00:10); 5: no orders.
    const std::vector<Timestamp> times = {utc(2, 20), utc(2, 30), utc(2, 40), utc(3, 40)};
    for (int64_t id = 1; id <= 5; ++id) Customer(id);
    for (int64_t id = 1; id <= 4; ++id) {
        const Timestamp at = times[static_cast<size_t>(id - 1)];
        Order(id, "jd", 10000, at);
        Traits(id, 1, 10000, 0, at, at, R"({"jd":1})", "churned", 1);
    }
    auto index = Build();
    ASSERT_NE(index, nullptr);
    EXPECT_EQ(Members(*index, "first_order_at = 2010-11-06"), (Ids{1}));
    EXPECT_EQ(Members(*index, "first_order_at != 2010-11-06"), (Ids{2, 3, 4}));
    EXPECT_EQ(Members(*index, "first_order_at >= 2010-11-07"), (Ids{2, 3, 4}));
    EXPECT_EQ(Members(*index, "first_order_at <= 2010-11-06"), (Ids{1}));
    EXPECT_EQ(Members(*index, "first_order_at = 2010-11-07"), (Ids{2, 3, 4}));
    EXPECT_EQ(Members(*index, "last_order_at between 2010-11-01 and 2010-11-06"), (Ids{1}));
    EXPECT_EQ(Members(*index, "not last_order_at = 2010-11-06"), (Ids{2, 3, 4, 5}));
}

TEST_F(EngineTest, AttributesCompareByTheLiteralsType) {
    for (int64_t id = 1; id <= 5; ++id) Customer(id);
    Attribute(1, "gender", "string", "female");
    Attribute(2, "gender", "string", "male");
    Attribute(3, "gender", "number", "1");  // not text: missing for text comparisons
    Attribute(1, "points", "number", "120");
    Attribute(2, "points", "number", "99.5");
    Attribute(1, "vip", "boolean", "true");
    Attribute(2, "vip", "boolean", "false");
    Attribute(1, "baby_birthday", "date", "2025-12-31");
    Attribute(2, "baby_birthday", "date", "2026-06-30");
    Attribute(3, "signed_up", "datetime", "2026-06-29T16:30:00Z");  // 00:30 on 30 June in Shanghai
    Attribute(4, "prefs", "json", R"({"a":1})");
    auto index = Build();
    ASSERT_NE(index, nullptr);

    EXPECT_EQ(Members(*index, R"(attr.gender = "female")"), (Ids{1}));
    EXPECT_EQ(Members(*index, R"(attr.gender != "female")"), (Ids{2})) << "missing or another type: no match";
    EXPECT_EQ(Members(*index, R"(attr.gender in ("male", "x"))"), (Ids{2}));
    EXPECT_EQ(Members(*index, R"(attr.gender contains "ale")"), (Ids{1, 2}));
    EXPECT_EQ(Members(*index, R"(attr.gender starts with "fe")"), (Ids{1}));
    EXPECT_EQ(Members(*index, "attr.gender is set"), (Ids{1, 2, 3}));
    EXPECT_EQ(Members(*index, "attr.points > 100"), (Ids{1}));
    EXPECT_EQ(Members(*index, "attr.points = 99.5"), (Ids{2}));
    EXPECT_EQ(Members(*index, "attr.points = ¥99.50"), (Ids{2})) << "money compares with numbers as yuan";
    EXPECT_EQ(Members(*index, "attr.points between 90 and 120"), (Ids{1, 2}));
    EXPECT_EQ(Members(*index, "attr.vip = true"), (Ids{1}));
    EXPECT_EQ(Members(*index, "attr.vip != true"), (Ids{2}));
    EXPECT_EQ(Members(*index, "attr.baby_birthday < 2026-01-01"), (Ids{1}));
    EXPECT_EQ(Members(*index, "attr.baby_birthday within 1d"), (Ids{2}));
    EXPECT_EQ(Members(*index, "attr.signed_up = 2026-06-30"), (Ids{3})) << "a datetime by its local date";
    EXPECT_EQ(Members(*index, "attr.signed_up within 1d"), (Ids{3}));
    EXPECT_EQ(Members(*index, "attr.prefs is set"), (Ids{4}));
    EXPECT_EQ(Members(*index, R"(attr.nothing = "x" or attr.nothing is set)"), (Ids{}));
}

TEST_F(EngineTest, EventsCountsWindowsPropertiesFirstAndLast) {
    for (int64_t id = 1; id <= 4; ++id) Customer(id);
    Customer(5, 1);  // a tombstone of 1: its events are 1's
    Event(1, "Order Completed", At(2026, 6, 30, 9), R"({"category":"奶粉","total":199})");
    Event(5, "Order Completed", At(2026, 5, 1), R"({"category":"奶粉","total":99})");
    Event(2, "Order Completed", At(2026, 6, 1), R"({"category":"纸尿裤","total":59.9})");
    Event(2, "Product Viewed", At(2024, 6, 1));
    Event(3, "Product Viewed", At(2026, 6, 30, 1), R"({"launched":"2024-06-18","vip":true})");
    auto index = Build();
    ASSERT_NE(index, nullptr);

    EXPECT_EQ(Members(*index, R"(event "Order Completed")"), (Ids{1, 2}));
    EXPECT_EQ(Members(*index, R"(event "Order Completed" count >= 2)"), (Ids{1}));
    EXPECT_EQ(Members(*index, R"(event "Order Completed" within 7d)"), (Ids{1}));
    EXPECT_EQ(Members(*index, R"(event "Order Completed" count = 0 within 7d)"), (Ids{2, 3, 4}));
    EXPECT_EQ(Members(*index, R"(event "Order Completed" where category = "奶粉" count >= 2)"), (Ids{1}));
    EXPECT_EQ(Members(*index, R"(event "Order Completed" where total > 100)"), (Ids{1}));
    EXPECT_EQ(Members(*index, R"(event "Order Completed" where total < ¥60)"), (Ids{2}));
    EXPECT_EQ(Members(*index, R"(event "Product Viewed" where launched < 2024-07-01)"), (Ids{3}));
    EXPECT_EQ(Members(*index, R"(event "Product Viewed" where vip = true)"), (Ids{3}));
    EXPECT_EQ(Members(*index, R"(event "Product Viewed" where launched is set count = 0)"), (Ids{1, 2, 4}));
    EXPECT_EQ(Members(*index, R"(event "Order Completed" first < 2026-06-01)"), (Ids{1}));
    EXPECT_EQ(Members(*index, R"(event "Order Completed" last within 1d)"), (Ids{1}));
    EXPECT_EQ(Members(*index, R"(event "Product Viewed" last before 30d)"), (Ids{2}));
    EXPECT_EQ(Members(*index, R"(event "Never Happened" count = 0)"), (Ids{1, 2, 3, 4}));
    EXPECT_EQ(Members(*index, R"(event "Never Happened" last within 1d)"), (Ids{}));
}

// Day-window and all-time event counts read a tally of the occurrences since the window's start.
// An occurrence later than the tally (a sender's clock ahead) counts only once it has happened,
// and an evaluation at an earlier "now" than the tally's reads the runs.
TEST_F(EngineTest, EventTalliesCountLateEventsOnlyOnceTheyHappen) {
    for (int64_t id = 1; id <= 3; ++id) Customer(id);
    const Timestamp now = clock_.Now();
    Event(1, "Ping", now + std::chrono::hours(2));
    Event(2, "Ping", now - std::chrono::hours(20));
    Event(2, "Ping", now - std::chrono::hours(30));
    auto index = Build();
    ASSERT_NE(index, nullptr);
    EXPECT_EQ(Members(*index, R"(event "Ping" within 7d)"), (Ids{2}));
    EXPECT_EQ(Members(*index, R"(event "Ping" count = 0 within 7d)"), (Ids{1, 3}));
    EXPECT_EQ(Members(*index, R"(event "Ping" count >= 2)"), (Ids{2}));
    const EvaluateOptions later{.now = now + std::chrono::hours(3)};
    EXPECT_EQ(Members(*index, R"(event "Ping" within 7d)", later), (Ids{1, 2}));
    EXPECT_EQ(Members(*index, R"(event "Ping" count = 0 within 7d)", later), (Ids{3}));
    EXPECT_EQ(Members(*index, R"(event "Ping" count = 1)", later), (Ids{1}));
    EXPECT_EQ(Members(*index, R"(event "Ping" last within 1d)"), (Ids{2}));
    EXPECT_EQ(Members(*index, R"(event "Ping" first within 1d)"), (Ids{})) << "2's first was 30 hours ago";
    EXPECT_EQ(Members(*index, R"(event "Ping" last before 1d)"), (Ids{})) << "2's last was 20 hours ago";
    EXPECT_EQ(Members(*index, R"(event "Ping" first before 1d)"), (Ids{2}));
    EXPECT_EQ(Members(*index, R"(event "Ping" first within 1d)", later), (Ids{1}));
    EXPECT_EQ(Members(*index, R"(event "Ping" last within 1d)", later), (Ids{1})) << "a new day: 2 was yesterday";
    EXPECT_EQ(Members(*index, R"(event "Ping" within 7d)"), (Ids{2})) << "before the tally's now: from the runs";
    EXPECT_GT(index->Stats().window_bytes, 0u) << "the tallies are held";
}

TEST_F(EngineTest, BirthdaysAndMonthsTurnAtLocalMidnightNotUtc) {
    for (int64_t id = 1; id <= 5; ++id) Customer(id);
    Attribute(1, "birthday", "date", "1990-06-15");
    Attribute(2, "birthday", "date", "1992-07-01");
    Attribute(3, "birthday", "date", "2000-02-29");
    Attribute(4, "baby_birthday", "date", "2025-12-31");
    Attribute(5, "baby_birthday", "date", "2026-01-30");
    auto index = Build();
    ASSERT_NE(index, nullptr);

    // 30 June 23:59:59 in Shanghai.
    EXPECT_EQ(Members(*index, "birthday attr.birthday this month"), (Ids{1}));
    EXPECT_EQ(Members(*index, "birthday attr.birthday next 1d"), (Ids{}));
    EXPECT_EQ(Members(*index, "birthday attr.birthday next 2d"), (Ids{2}));
    EXPECT_EQ(Members(*index, "birthday attr.birthday this week"), (Ids{2})) << "Mon 29 June – Sun 5 July";
    EXPECT_EQ(Members(*index, "months_since attr.baby_birthday = 6"), (Ids{4}));
    EXPECT_EQ(Members(*index, "months_since attr.baby_birthday = 5"), (Ids{5})) << "30 Jan → 30 June is 5 months";

    // 00:00:01 on 1 July in Shanghai, still 30 June in UTC: the month has turned.
    clock_.Advance(std::chrono::seconds(2));
    EXPECT_EQ(Members(*index, "birthday attr.birthday this month"), (Ids{2}));
    EXPECT_EQ(Members(*index, "birthday attr.birthday next 1d"), (Ids{2}));
    EXPECT_EQ(Members(*index, "months_since attr.baby_birthday = 6"), (Ids{4}));

    // 28 February 2026 (not a leap year): 29 February birthdays are celebrated today.
    clock_.Set(At(2026, 2, 28, 9));
    EXPECT_EQ(Members(*index, "birthday attr.birthday next 1d"), (Ids{3}));
    EXPECT_EQ(Members(*index, "months_since attr.baby_birthday = 1"), (Ids{5})) << "30 Jan + 1 month is 28 Feb";
    EXPECT_EQ(Members(*index, "months_since attr.baby_birthday = 2"), (Ids{4}));
    // A date in the future matches no months_since.
    clock_.Set(At(2026, 1, 15));
    EXPECT_EQ(Members(*index, "months_since attr.baby_birthday >= 0"), (Ids{4}));
}

TEST_F(EngineTest, SegmentsComeFromTheCallbackAndUnknownOnesAreLocatedErrors) {
    for (int64_t id = 1; id <= 3; ++id) Customer(id);
    auto index = Build();
    ASSERT_NE(index, nullptr);
    const RuleResult rule = ParseRuleText(R"(everyone and not segment "recently messaged")");
    ASSERT_TRUE(rule.ok());
    auto unknown = Evaluate(*index, rule.value());
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(unknown.status().field(), "rule");
    EXPECT_EQ(unknown.status().message(), "/all/1/not/segment: unknown segment 'recently messaged'");

    const std::vector<CustomerId> messaged = {CustomerId(2), CustomerId(9)};
    int calls = 0;
    EvaluateOptions options{.segments = [&](const SegmentRef& ref) -> Result<CustomerSet> {
        ++calls;
        if (ref == SegmentRef(std::string("recently messaged"))) return CustomerSet::Of(messaged);
        return NotFound("no such segment");
    }};
    auto result = Evaluate(*index, rule.value(), options);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->count, 2);
    EXPECT_EQ(result->sample, (std::vector<CustomerId>{CustomerId(1), CustomerId(3)}));
    auto twice = ParseRuleText(R"(segment "recently messaged" or segment "recently messaged" or segment 4)");
    ASSERT_TRUE(twice.ok());
    auto missing = Evaluate(*index, twice.value(), options);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.status().message(), "/any/2/segment: unknown segment 4");
}

TEST_F(EngineTest, RefreshRereadsChangedCustomersAndMerges) {
    Customer(1);
    Customer(2);
    const int64_t baby = TagId("人群", "母婴");
    Tag(1, baby);
    auto index = Build();
    ASSERT_NE(index, nullptr);
    EXPECT_EQ(Members(*index, R"(tag = "母婴")"), (Ids{1}));

    // 2 is tagged and buys; 3 arrives; then 1 is merged into 2 (its tag moves, as a merge does).
    Tag(2, baby);
    Order(2, "jd", 1000, At(2026, 6, 30, 10));
    Traits(2, 1, 1000, 0, At(2026, 6, 30, 10), At(2026, 6, 30, 10), R"({"jd":1})", "new");
    Customer(3);
    Event(3, "Signed Up", At(2026, 6, 30, 11), R"({"plan":"pro"})");
    EXPECT_EQ(Members(*index, R"(tag = "母婴")"), (Ids{1})) << "not refreshed yet";
    ASSERT_TRUE(index->Refresh(std::vector{CustomerId(2), CustomerId(3)}).ok());
    EXPECT_EQ(Members(*index, R"(tag = "母婴")"), (Ids{1, 2}));
    EXPECT_EQ(Members(*index, "orders_on.jd >= 1 within 1d"), (Ids{2}));
    EXPECT_EQ(Members(*index, R"(event "Signed Up" where plan = "pro")"), (Ids{3}));
    EXPECT_EQ(Members(*index, "everyone"), (Ids{1, 2, 3}));

    Exec("DELETE FROM customer_tags WHERE tenant_id = $1 AND customer_id = 1", {kTenant});
    Merge(1, 2);
    Event(1, "Signed Up", At(2026, 6, 30, 12), R"({"plan":"basic"})");
    ASSERT_TRUE(index->Update(CustomerId(1)).ok());
    EXPECT_EQ(Members(*index, "everyone"), (Ids{2, 3}));
    EXPECT_EQ(Members(*index, R"(tag = "母婴")"), (Ids{2}));
    EXPECT_EQ(Members(*index, R"(event "Signed Up" where plan = "basic")"), (Ids{2})) << "the tombstone's event";
    EXPECT_EQ(index->Stats().customers, 2);

    // A fresh build agrees with the refreshed index.
    auto rebuilt = Build();
    ASSERT_NE(rebuilt, nullptr);
    for (const char* text : {"everyone", R"(tag = "母婴")", "orders_on.jd >= 1", R"(event "Signed Up" count = 1)"}) {
        EXPECT_EQ(Members(*index, text), Members(*rebuilt, text)) << text;
    }
}

// A store whose next read (once armed) waits until it is let go: a build caught in the middle.
class GatedDatabase : public store::Database {
  public:
    explicit GatedDatabase(store::Database& inner) : inner_(inner) {}
    store::Dialect dialect() const override { return inner_.dialect(); }
    Status Write(const store::Work& work) override { return inner_.Write(work); }
    Status Read(const store::Work& work) override {
        std::unique_lock lock(mutex_);
        if (armed_) {
            armed_ = false;
            held_ = true;
            changed_.notify_all();
            changed_.wait(lock, [&] { return !held_; });
        }
        lock.unlock();
        return inner_.Read(work);
    }
    Status Ping() override { return inner_.Ping(); }

    void HoldNextRead() {
        std::lock_guard lock(mutex_);
        armed_ = true;
    }
    void WaitUntilHeld() {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return held_; });
    }
    void Release() {
        std::lock_guard lock(mutex_);
        held_ = false;
        changed_.notify_all();
    }

  private:
    store::Database& inner_;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool armed_ = false;
    bool held_ = false;
};

TEST_F(EngineTest, ServiceCachesTheIndexAndRebuildsAnOldOneAsideWhileCountsGoOn) {
    Customer(1);
    GatedDatabase gated(*db_);
    AudienceService service(gated, keys_, clock_, {.max_index_age = std::chrono::seconds(60)});
    const RuleResult everyone = ParseRuleText("everyone");
    ASSERT_TRUE(everyone.ok());
    auto first = service.Count(TenantId(kTenant), everyone.value());
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    EXPECT_EQ(first->count, 1);
    const Timestamp built = first->index_built_at;
    Customer(2);
    clock_.Advance(std::chrono::seconds(30));
    auto cached = service.Count(TenantId(kTenant), everyone.value());
    EXPECT_EQ(cached->count, 2) << "caught up";
    EXPECT_EQ(cached->index_built_at, built) << "caught up, not rebuilt";
    EXPECT_EQ(cached->as_of, clock_.Now()) << "current as of the catch-up";
    auto young = service.RebuildAged();
    ASSERT_TRUE(young.ok());
    EXPECT_EQ(*young, 0);

    // Past its age the index still answers, caught up, without a rebuild.
    Customer(3);
    clock_.Advance(std::chrono::seconds(31));
    auto aged = service.Count(TenantId(kTenant), everyone.value());
    ASSERT_TRUE(aged.ok());
    EXPECT_EQ(aged->count, 3);
    EXPECT_EQ(aged->index_built_at, built);

    // Its successor is built aside: held in the middle of its build, counts still see every commit.
    gated.HoldNextRead();
    std::future<Result<int>> rebuilt = std::async(std::launch::async, [&] { return service.RebuildAged(); });
    gated.WaitUntilHeld();
    Customer(4);
    auto during = service.Count(TenantId(kTenant), everyone.value());
    ASSERT_TRUE(during.ok());
    EXPECT_EQ(during->count, 4);
    EXPECT_EQ(during->index_built_at, built) << "the old index, caught up";
    Customer(5);
    gated.Release();
    ASSERT_TRUE(rebuilt.get().ok());
    auto after = service.Count(TenantId(kTenant), everyone.value());
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(after->count, 5);
    EXPECT_EQ(after->index_built_at, clock_.Now()) << "the rebuilt index";
    EXPECT_EQ(service.Count(TenantId(99), everyone.value()).status().code(), ErrorCode::kNotFound);
}

// Whoever commits — here a second connection to the same file, as another process would — the
// next count sees it: the store's change log names the customers, the index re-reads them.
TEST_F(EngineTest, ServiceCountsSeeEveryCommitBeforeThem) {
    Customer(1);
    AudienceService service(*db_, keys_, clock_, {.max_index_age = std::chrono::hours(1)});
    const auto count = [&](const char* text) {
        const RuleResult rule = ParseRuleText(text);
        EXPECT_TRUE(rule.ok()) << text;
        auto result = service.Count(TenantId(kTenant), rule.value());
        EXPECT_TRUE(result.ok()) << text << ": " << result.status().ToString();
        return result.ok() ? result->count : -1;
    };
    const auto built_at = [&] {
        return service.Count(TenantId(kTenant), ParseRuleText("everyone").value())->index_built_at;
    };
    EXPECT_EQ(count("everyone"), 1);
    const Timestamp built = built_at();

    auto other = store::OpenSqlite({.path = dir_.File("test.db")});
    ASSERT_TRUE(other.ok()) << other.status().ToString();
    const auto write = [&](const std::string& sql) {
        const Status status = (*other)->Write([&](store::Session& s) { return s.ExecuteScript(sql); });
        ASSERT_TRUE(status.ok()) << sql << ": " << status.ToString();
    };
    const std::string tenant = std::to_string(kTenant);
    write("INSERT INTO customers (tenant_id, customer_id, created_at, updated_at) VALUES (" + tenant + ", 2, 0, 0)");
    EXPECT_EQ(count("everyone"), 2);
    EXPECT_EQ(built_at(), built) << "caught up, not rebuilt";

    // A tag made after the build is known to rules, and so is who holds it.
    const int64_t vip = TagId("等级", "VIP");
    Tag(2, vip);
    EXPECT_EQ(count(R"(tag = "VIP")"), 1);
    write("DELETE FROM customer_tags WHERE tenant_id = " + tenant);
    EXPECT_EQ(count(R"(tag = "VIP")"), 0);
    write("UPDATE customers SET merged_into = 1 WHERE tenant_id = " + tenant + " AND customer_id = 2");
    EXPECT_EQ(count("everyone"), 1);
    EXPECT_EQ(built_at(), built);

    // A new time zone moves every day boundary: the index is built again.
    clock_.Advance(std::chrono::seconds(1));
    write("UPDATE tenants SET time_zone = 'Asia/Tokyo' WHERE tenant_id = " + tenant);
    EXPECT_EQ(count("everyone"), 1);
    EXPECT_EQ(built_at(), clock_.Now());

    // More changes than re-reading is worth (over 1,000 here): the next count rebuilds.
    clock_.Advance(std::chrono::seconds(1));
    std::string many;
    for (int id = 3; id <= 1003; ++id) {
        many += "INSERT INTO customers (tenant_id, customer_id, created_at, updated_at) VALUES (" + tenant + ", " +
                std::to_string(id) + ", 0, 0);";
    }
    write(many);
    EXPECT_EQ(count("everyone"), 1002);
    EXPECT_EQ(built_at(), clock_.Now());
}

// A service with a snapshot dir saves what it builds; another (a restarted server) loads it and
// catches up with the changes committed since, instead of building.
TEST_F(EngineTest, ServiceLoadsTheSavedIndexAndCatchesUp) {
    Customer(1);
    const std::filesystem::path dir = dir_.File("audience");
    const AudienceSettings settings{.max_index_age = std::chrono::hours(1), .snapshot_dir = dir};
    const RuleResult everyone = ParseRuleText("everyone");
    ASSERT_TRUE(everyone.ok());
    const Timestamp built = clock_.Now();
    {
        AudienceService first(*db_, keys_, clock_, settings);
        EXPECT_EQ(first.Count(TenantId(kTenant), everyone.value())->count, 1);
        ASSERT_TRUE(std::filesystem::exists(dir / ("audience-" + std::to_string(kTenant) + ".snapshot")));
        EXPECT_EQ(first.SaveSnapshots().value(), 0) << "unchanged since it was saved";
    }
    clock_.Advance(std::chrono::seconds(5));
    Customer(2);
    Tag(2, TagId("人群", "母婴"));
    {
        AudienceService restarted(*db_, keys_, clock_, settings);
        auto counted = restarted.Count(TenantId(kTenant), everyone.value());
        ASSERT_TRUE(counted.ok()) << counted.status().ToString();
        EXPECT_EQ(counted->count, 2);
        EXPECT_EQ(counted->index_built_at, built) << "loaded, not built";
        auto tagged = restarted.Count(TenantId(kTenant), ParseRuleText(R"(tag = "母婴")").value());
        ASSERT_TRUE(tagged.ok()) << tagged.status().ToString();
        EXPECT_EQ(tagged->count, 1);
        EXPECT_EQ(restarted.SaveSnapshots(std::chrono::hours(1)).value(), 0) << "saved less than an hour ago";
        EXPECT_EQ(restarted.SaveSnapshots().value(), 1) << "changed since it was loaded";
    }
    // A restarted service that cannot use the file builds the index again.
    const auto expect_built_again = [&](const char* why) {
        clock_.Advance(std::chrono::seconds(5));
        AudienceService restarted(*db_, keys_, clock_, settings);
        auto counted = restarted.Count(TenantId(kTenant), everyone.value());
        ASSERT_TRUE(counted.ok()) << why << ": " << counted.status().ToString();
        EXPECT_EQ(counted->count, 4) << why;
        EXPECT_EQ(counted->index_built_at, clock_.Now()) << why;
    };
    Customer(3);
    Customer(4);
    ASSERT_TRUE(store::PruneChanges(*db_, 0).ok());
    expect_built_again("a log pruned past the saved index");
    const std::filesystem::path file = dir / ("audience-" + std::to_string(kTenant) + ".snapshot");
    std::filesystem::resize_file(file, std::filesystem::file_size(file) / 2);
    expect_built_again("a damaged file");
}

// The builder lays chunks out in CRoaring's serialised format by hand: every container kind it
// makes (empty, array, bitset; the 4096 boundary) must read back as the ids that went in.
TEST(BitmapBuilderTest, WordsAndSortedIdsReadBackExactly) {
    std::mt19937 random(7);
    for (const uint32_t per_chunk : {0u, 1u, 100u, 4095u, 4096u, 4097u, 30000u, 65536u}) {
        std::vector<uint32_t> ids;
        for (uint32_t key = 0; key < 5; ++key) {
            if (key == 2) continue;  // a chunk with nothing in it
            std::vector<uint32_t> low(65536);
            std::iota(low.begin(), low.end(), 0u);
            std::shuffle(low.begin(), low.end(), random);
            low.resize(per_chunk);
            std::sort(low.begin(), low.end());
            for (uint32_t l : low) ids.push_back((key << 16) | l);
        }
        const internal::Bitmap expected = internal::Bitmap::Of(ids);

        internal::BitmapBuilder sorted;
        for (size_t i = 0; i < ids.size(); i += 1000) {
            sorted.AddSorted(std::span<const uint32_t>(ids).subspan(i, std::min<size_t>(1000, ids.size() - i)));
        }
        EXPECT_TRUE(sorted.Done() == expected) << per_chunk;

        internal::BitmapBuilder words;
        for (uint32_t key = 0; key < 5; ++key) {
            std::vector<uint64_t> chunk(internal::BitmapBuilder::kChunkWords, 0);
            for (uint32_t id : ids) {
                if (id >> 16 == key) chunk[(id & 0xffff) >> 6] |= uint64_t{1} << (id & 63);
            }
            words.AddWords(static_cast<uint16_t>(key), chunk.data());
        }
        const internal::Bitmap built = words.Done();
        EXPECT_TRUE(built == expected) << per_chunk;
        EXPECT_EQ(built.Cardinality(), ids.size());
        EXPECT_EQ(built.ToVector(), ids);
    }
}

}  // namespace
}  // namespace yutang::audience
