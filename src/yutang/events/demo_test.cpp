#include "yutang/events/demo.hpp"

#include <gtest/gtest.h>

#include "tests/support/test_store.hpp"

namespace yutang::events {
namespace {

struct World {
    testing::TempDir dir;
    ManualClock clock{Timestamp::FromSeconds(1795406067)};
    KeyRing keys = KeyRing::Generate();
    std::unique_ptr<store::Database> db = testing::OpenTestStore(dir, clock);
    customers::IdentityResolver resolver{keys, clock};
    OrderStore orders{keys, clock};
    store::WriteBatcher batcher{*db};
    Ingestor ingest{batcher, resolver, orders, keys, clock};
    DemoGenerator demo{*db, resolver, orders, ingest, keys, clock};

    World() {
        EXPECT_TRUE(
            db->Write([](store::Session& s) {
                  return s.Execute("INSERT INTO tenants (tenant_id, name, created_at) VALUES (1, 'demo', 0)").status();
              }).ok());
    }
    int64_t Count(const std::string& sql) {
        int64_t n = -1;
        EXPECT_TRUE(db->Read([&](store::Session& s) -> Status {
                          YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(sql));
                          n = row->Int(0);
                          return OkStatus();
                      }).ok());
        return n;
    }
};

TEST(DemoGenerator, IsBelievableAndDeterministic) {
    World a, b;
    int64_t last_progress = 0;
    auto report = a.demo.Generate(TenantId(1), {.customers = 600, .seed = 42, .batch = 200},
                                  [&](int64_t done, int64_t) { last_progress = done; });
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_EQ(last_progress, 600);
    EXPECT_EQ(report->customers, 600);
    EXPECT_GT(report->orders, 600);  // some come back
    EXPECT_GT(report->events, 50);
    EXPECT_GT(a.Count("SELECT COUNT(*) FROM customer_merges"), 0) << "overlapping identities merge";
    const int64_t repeat = a.Count("SELECT COUNT(*) FROM customer_traits WHERE order_count >= 2");
    const int64_t buyers = a.Count("SELECT COUNT(*) FROM customer_traits");
    EXPECT_GT(repeat, buyers / 10);
    EXPECT_LT(repeat, buyers * 7 / 10);
    EXPECT_GT(a.Count("SELECT COUNT(*) FROM orders WHERE status = 'refunded'"), 0);
    EXPECT_GT(a.Count("SELECT COUNT(*) FROM orders WHERE customer_id IS NULL"), 0)
        << "masked-only buyers stay unlinked";
    // Profiles: attributes, tags (one membership level each), consent, owners.
    EXPECT_GT(a.Count("SELECT COUNT(*) FROM customer_attributes WHERE name = 'baby_birthday'"), 100);
    EXPECT_EQ(a.Count("SELECT COUNT(*) FROM customer_tags c JOIN tags t ON t.tenant_id = c.tenant_id AND "
                      "t.tag_id = c.tag_id JOIN tag_groups g ON g.tenant_id = t.tenant_id AND g.group_id = t.group_id "
                      "WHERE g.name = '会员等级'"),
              a.Count("SELECT COUNT(DISTINCT customer_id) FROM customer_tags"))
        << "every tagged customer holds exactly one membership level";
    EXPECT_GT(a.Count("SELECT COUNT(*) FROM consent_records WHERE purpose = 'marketing.sms'"), 100);
    EXPECT_GT(a.Count("SELECT COUNT(*) FROM customers WHERE source_channel = 'import:jd'"), 50);
    // App users sign in with the phone they bought with: their events join the buyer.
    // (a few links are refused by the identity limits, as they would be for real people)
    EXPECT_LE(a.Count("SELECT COUNT(*) FROM customers c WHERE merged_into IS NULL AND source_channel = 'segment'"), 6)
        << "hardly any customer of the demo comes from the app alone";
    EXPECT_GT(a.Count("SELECT COUNT(*) FROM events WHERE occurred_at < 1795406067000000 - 86400000000"), 10)
        << "events happen over the year, not all at generation time";

    ASSERT_TRUE(b.demo.Generate(TenantId(1), {.customers = 600, .seed = 42, .batch = 200}).ok());
    for (const char* sql : {"SELECT SUM(total_fen) FROM orders", "SELECT COUNT(*) FROM customers",
                            "SELECT COUNT(*) FROM customer_merges", "SELECT COUNT(*) FROM events",
                            "SELECT COUNT(*) FROM customer_tags", "SELECT COUNT(*) FROM customer_attributes"}) {
        EXPECT_EQ(a.Count(sql), b.Count(sql)) << sql;
    }
}

}  // namespace
}  // namespace yutang::events
