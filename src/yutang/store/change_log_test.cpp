// The change log (migrations 0011 and 0012, change_log.hpp) on both backends: every write to a table the
// audience index reads logs its customer, a reader's position misses nothing and repeats
// nothing, also when PostgreSQL transactions commit out of the order they wrote in.
#include "yutang/store/change_log.hpp"

#include <algorithm>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "yutang/base/clock.hpp"

#include "tests/support/test_store.hpp"

namespace yutang::store {
namespace {

using ::yutang::testing::PostgresServer;
using ::yutang::testing::TempDir;

constexpr TenantId kTenant(1);
constexpr TenantId kOther(2);

class ChangeLogTest : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        db_ = ::yutang::testing::OpenBackendTestStore(GetParam(), dir_, "yt_change_log", clock_, 4);
        if (IsSkipped()) return;
        ASSERT_NE(db_, nullptr);
        Run("INSERT INTO tenants (tenant_id, name, created_at) VALUES (1, 'one', 0), (2, 'two', 0)");
        for (int c = 1; c <= 6; ++c) {
            Run("INSERT INTO customers (tenant_id, customer_id, created_at, updated_at) VALUES (1, " +
                std::to_string(c) + ", 0, 0)");
        }
        Run("INSERT INTO customers (tenant_id, customer_id, created_at, updated_at) VALUES (2, 1, 0, 0)");
        at_ = Position();
    }

    void Run(const std::string& sql) {
        const Status status = db_->Write([&](Session& s) { return s.ExecuteScript(sql); });
        ASSERT_TRUE(status.ok()) << sql << ": " << status.ToString();
    }

    ChangePosition Position(TenantId tenant = kTenant) {
        ChangePosition at;
        const Status status = db_->Read([&](Session& s) -> Status {
            YT_ASSIGN_OR_RETURN(at, CurrentChangePosition(s, tenant));
            return OkStatus();
        });
        EXPECT_TRUE(status.ok()) << status.ToString();
        return at;
    }

    // The customers logged since the last call, and the position moved past them.
    ChangesSince Next(size_t limit = 1000) {
        auto read = ReadChanges(*db_, kTenant, at_, limit);
        EXPECT_TRUE(read.ok()) << read.status().ToString();
        if (!read.ok()) return {};
        at_ = read->next;
        return *read;
    }

    // Every customer logged: to re-read or with deltas.
    static std::vector<int64_t> Touched(const ChangesSince& news) {
        std::vector<int64_t> ids;
        for (CustomerId c : news.customers) ids.push_back(c.value());
        for (const ChangeDelta& delta : news.deltas) ids.push_back(delta.customer.value());
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        return ids;
    }
    std::vector<int64_t> NextIds() { return Touched(Next()); }

    TempDir dir_;
    ManualClock clock_{Timestamp::FromMicros(1'700'000'000'000'000)};
    std::unique_ptr<Database> db_;
    ChangePosition at_;
};

using Ids = std::vector<int64_t>;

TEST_P(ChangeLogTest, EveryWatchedTableLogsTheCustomerItsRowBelongsTo) {
    EXPECT_EQ(NextIds(), Ids{});
    Run("UPDATE customers SET last_seen_at = 5 WHERE tenant_id = 1 AND customer_id = 1");
    EXPECT_EQ(NextIds(), Ids{1});
    Run("INSERT INTO customer_traits (tenant_id, customer_id, order_count, total_spend_fen, refunded_fen, "
        "platform_counts, updated_at) VALUES (1, 2, 1, 100, 0, '{}', 0)");
    EXPECT_EQ(NextIds(), Ids{2});
    Run("UPDATE customer_traits SET rfm_recency = 3 WHERE tenant_id = 1 AND customer_id = 2");
    EXPECT_EQ(NextIds(), Ids{2});
    Run("INSERT INTO customer_identities (tenant_id, kind, value_index, value_cipher, hint, customer_id, source, "
        "created_at) VALUES (1, 'email', 'i', 'c', 'h', 3, 's', 0)");
    EXPECT_EQ(NextIds(), Ids{3});
    // A merge moves the identity: both customers are logged.
    Run("UPDATE customer_identities SET customer_id = 4 WHERE tenant_id = 1 AND customer_id = 3");
    EXPECT_EQ(NextIds(), (Ids{3, 4}));
    Run("DELETE FROM customer_identities WHERE tenant_id = 1");
    EXPECT_EQ(NextIds(), Ids{4});
    Run("INSERT INTO tag_groups (tenant_id, group_id, name, exclusive, created_at) VALUES (1, 1, 'g', 0, 0);"
        "INSERT INTO tags (tenant_id, tag_id, group_id, name, created_at) VALUES (1, 1, 1, 't', 0)");
    ChangesSince catalogue = Next();
    EXPECT_TRUE(catalogue.catalogue);
    EXPECT_TRUE(catalogue.customers.empty());
    EXPECT_FALSE(catalogue.restart);
    Run("INSERT INTO customer_tags (tenant_id, customer_id, tag_id, source, tagged_at) VALUES (1, 5, 1, 's', 0)");
    EXPECT_EQ(NextIds(), Ids{5});
    Run("DELETE FROM customer_tags WHERE tenant_id = 1 AND customer_id = 5");
    EXPECT_EQ(NextIds(), Ids{5});
    Run("INSERT INTO customer_attributes (tenant_id, customer_id, name, type, value_cipher, source, updated_at) "
        "VALUES (1, 6, 'city', 'string', 'c', 's', 0)");
    EXPECT_EQ(NextIds(), Ids{6});
    Run("INSERT INTO consent_records (tenant_id, consent_id, customer_id, purpose, granted, given_at, recorded_at, "
        "source, notice_version) VALUES (1, 1, 1, 'marketing_sms', 1, 0, 0, 's', 'v1')");
    EXPECT_EQ(NextIds(), Ids{1});
    // Orders without a buyer, and events other than track, are not held by the index.
    Run("INSERT INTO orders (tenant_id, order_id, source, external_id, customer_id, status, raw_status, total_fen, "
        "paid_fen, refunded_fen, currency, ordered_at, lines, buyer_hint, buyer_cipher, created_at, updated_at) "
        "VALUES (1, 1, 'jd', 'a', NULL, 'paid', 'p', 1, 1, 0, 'CNY', 0, '[]', '', 'c', 0, 0), "
        "(1, 2, 'jd', 'b', 2, 'paid', 'p', 1, 1, 0, 'CNY', 0, '[]', '', 'c', 0, 0)");
    EXPECT_EQ(NextIds(), Ids{2});
    Run("UPDATE orders SET customer_id = 3 WHERE tenant_id = 1 AND order_id = 1");
    EXPECT_EQ(NextIds(), Ids{3});
    Run("INSERT INTO events (tenant_id, event_id, message_id, type, name, customer_id, occurred_at, received_at, "
        "payload) VALUES (1, 1, 'm1', 'page', '', 4, 0, 0, 'p'), (1, 2, 'm2', 'track', 'Viewed', 5, 0, 0, 'p'), "
        "(1, 3, 'm3', 'track', 'Viewed', NULL, 0, 0, 'p')");
    EXPECT_EQ(NextIds(), Ids{5});
    Run("UPDATE events SET customer_id = 6 WHERE tenant_id = 1");
    EXPECT_EQ(NextIds(), (Ids{5, 6}));
    // Another merchant's writes are not this one's.
    Run("UPDATE customers SET last_seen_at = 5 WHERE tenant_id = 2");
    EXPECT_EQ(NextIds(), Ids{});
    // A new time zone moves every day boundary: start over.
    Run("UPDATE tenants SET time_zone = 'Asia/Shanghai' WHERE tenant_id = 1");
    EXPECT_FALSE(Next().restart);
    Run("UPDATE tenants SET time_zone = 'Asia/Tokyo' WHERE tenant_id = 1");
    EXPECT_TRUE(Next().restart);
    EXPECT_EQ(NextIds(), Ids{});
}

TEST_P(ChangeLogTest, MoreThanTheLimitOrAPrunedLogAsksForARestart) {
    for (int c = 1; c <= 5; ++c) {
        Run("UPDATE customers SET last_seen_at = 1 WHERE tenant_id = 1 AND customer_id = " + std::to_string(c));
    }
    const ChangePosition before = at_;
    // The limit counts customers, not writes.
    for (int i = 0; i < 10; ++i) {
        Run("UPDATE customers SET last_seen_at = " + std::to_string(10 + i) +
            " WHERE tenant_id = 1 AND customer_id = 1");
    }
    at_ = before;
    ChangesSince often = Next(5);
    EXPECT_FALSE(often.restart);
    EXPECT_EQ(Touched(often).size(), 5u);
    at_ = before;
    ChangesSince many = Next(3);
    EXPECT_TRUE(many.restart);
    EXPECT_EQ(Touched(Next()).size(), 0u);  // a restart's position is the present
    at_ = before;
    EXPECT_EQ(Touched(Next(5)).size(), 5u);

    Run("UPDATE customers SET last_seen_at = 2 WHERE tenant_id = 1 AND customer_id = 6");
    const ChangePosition recent = at_;
    auto pruned = PruneChanges(*db_, 1);
    ASSERT_TRUE(pruned.ok()) << pruned.status().ToString();
    EXPECT_GT(*pruned, 0);
    at_ = before;
    EXPECT_TRUE(Next().restart);
    at_ = recent;
    ChangesSince kept = Next();
    EXPECT_FALSE(kept.restart);
    EXPECT_EQ(Touched(kept), Ids{6});
    // Pruning keeps the newest row, so sequence numbers go on from it.
    ASSERT_TRUE(PruneChanges(*db_, 0).ok());
    Run("UPDATE customers SET last_seen_at = 3 WHERE tenant_id = 1 AND customer_id = 2");
    EXPECT_EQ(NextIds(), Ids{2});
}

// Tags added and removed and new last-seen times come as deltas, in the order written; any other
// change of a customer makes it a re-read, and its deltas are left out.
TEST_P(ChangeLogTest, TagsAndLastSeenComeAsDeltasAnythingElseAsAReRead) {
    Run("INSERT INTO tag_groups (tenant_id, group_id, name, exclusive, created_at) VALUES (1, 1, 'g', 0, 0);"
        "INSERT INTO tags (tenant_id, tag_id, group_id, name, created_at) VALUES (1, 1, 1, 't', 0), "
        "(1, 2, 1, 'u', 0)");
    EXPECT_TRUE(Next().catalogue);
    using Kind = ChangeDelta::Kind;
    Run("UPDATE customers SET last_seen_at = 5 WHERE tenant_id = 1 AND customer_id = 1");
    Run("UPDATE customers SET updated_at = 3 WHERE tenant_id = 1 AND customer_id = 2");
    Run("INSERT INTO customer_tags (tenant_id, customer_id, tag_id, source, tagged_at) VALUES (1, 3, 1, 's', 0), "
        "(1, 3, 2, 's', 0)");
    Run("DELETE FROM customer_tags WHERE tenant_id = 1 AND customer_id = 3 AND tag_id = 1");
    Run("UPDATE customers SET last_seen_at = 9, updated_at = 9 WHERE tenant_id = 1 AND customer_id = 1");
    ChangesSince news = Next();
    EXPECT_TRUE(news.customers.empty());
    EXPECT_EQ(news.deltas, (std::vector<ChangeDelta>{{CustomerId(1), Kind::kLastSeen, 5},
                                                     {CustomerId(2), Kind::kLastSeen, std::nullopt},
                                                     {CustomerId(3), Kind::kTagAdded, 1},
                                                     {CustomerId(3), Kind::kTagAdded, 2},
                                                     {CustomerId(3), Kind::kTagRemoved, 1},
                                                     {CustomerId(1), Kind::kLastSeen, 9}}));

    Run("UPDATE customers SET last_seen_at = 10 WHERE tenant_id = 1 AND customer_id = 4");
    Run("UPDATE customers SET owner_staff_id = 7 WHERE tenant_id = 1 AND customer_id = 4");
    Run("INSERT INTO customer_tags (tenant_id, customer_id, tag_id, source, tagged_at) VALUES (1, 5, 1, 's', 0)");
    Run("UPDATE customers SET merged_into = 6 WHERE tenant_id = 1 AND customer_id = 5");
    Run("UPDATE customers SET source_channel = 'wecom', last_seen_at = 11 WHERE tenant_id = 1 AND customer_id = 6");
    Run("UPDATE customers SET last_seen_at = 12 WHERE tenant_id = 1 AND customer_id = 1");
    news = Next();
    EXPECT_EQ(Touched(ChangesSince{.customers = news.customers}), (Ids{4, 5, 6}));
    EXPECT_EQ(news.deltas, (std::vector<ChangeDelta>{{CustomerId(1), Kind::kLastSeen, 12}}));

    // A tag moved by a merge: both customers are re-read.
    Run("UPDATE customer_tags SET customer_id = 2 WHERE tenant_id = 1 AND customer_id = 3");
    news = Next();
    EXPECT_EQ(Touched(news), (Ids{2, 3}));
    EXPECT_TRUE(news.deltas.empty());
    // Deltas count towards the limit as customers.
    for (int c = 1; c <= 4; ++c) {
        Run("UPDATE customers SET last_seen_at = 20 WHERE tenant_id = 1 AND customer_id = " + std::to_string(c));
    }
    const ChangePosition before = at_;
    EXPECT_TRUE(Next(3).restart);
    at_ = before;
    EXPECT_EQ(Next(4).deltas.size(), 4u);
}

// A window of many rows is counted before it is read: few customers written many times are not a
// restart, many customers are.
TEST_P(ChangeLogTest, AWindowOfManyRowsIsCountedByCustomers) {
    const auto log = [&](int customers, int rows_each) {
        Run("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < " +
            std::to_string(customers * rows_each) +
            ") INSERT INTO customer_changes (tenant_id, customer_id, kind, value) SELECT 1, 1 + i / " +
            std::to_string(rows_each) + ", 3, i FROM n");
    };
    const ChangePosition before = at_;
    log(2, 5000);  // 10 000 rows, more than a first read takes at a limit of 5
    ChangesSince few = Next(5);
    ASSERT_FALSE(few.restart);
    EXPECT_EQ(Touched(few), (Ids{1, 2}));
    ASSERT_EQ(few.deltas.size(), 10'000u);
    EXPECT_EQ(few.deltas.back(), (ChangeDelta{CustomerId(2), ChangeDelta::Kind::kLastSeen, 9999}));
    log(6, 1000);
    at_ = before;
    EXPECT_TRUE(Next(5).restart);
    at_ = before;
    ChangesSince six = Next(6);
    EXPECT_FALSE(six.restart);
    EXPECT_EQ(Touched(six).size(), 6u);
}

// On PostgreSQL a transaction that wrote first may commit last: a reader between the two
// commits must still find its rows afterwards, and not find the other's again.
TEST_P(ChangeLogTest, AWriteThatCommitsAfterALaterOneIsStillRead) {
    std::latch wrote(1), release(1);
    Status slow_status;
    std::thread slow([&] {
        slow_status = db_->Write([&](Session& s) -> Status {
            YT_TRY(s.Execute("UPDATE customers SET last_seen_at = 7 WHERE tenant_id = 1 AND customer_id = 1").status());
            wrote.count_down();
            release.wait();
            return OkStatus();
        });
    });
    if (GetParam() == "sqlite") {
        // One writer at a time: the other write waits for this one, so commit order is write order.
        wrote.wait();
        release.count_down();
        slow.join();
        Run("UPDATE customers SET last_seen_at = 7 WHERE tenant_id = 1 AND customer_id = 2");
        EXPECT_EQ(NextIds(), (Ids{1, 2}));
        return;
    }
    wrote.wait();
    Run("UPDATE customers SET last_seen_at = 7 WHERE tenant_id = 1 AND customer_id = 2");
    EXPECT_EQ(NextIds(), Ids{2});
    release.count_down();
    slow.join();
    ASSERT_TRUE(slow_status.ok()) << slow_status.ToString();
    EXPECT_EQ(NextIds(), Ids{1});
    EXPECT_EQ(NextIds(), Ids{});
    Run("UPDATE customers SET last_seen_at = 8 WHERE tenant_id = 1 AND customer_id = 3");
    EXPECT_EQ(NextIds(), Ids{3});
}

INSTANTIATE_TEST_SUITE_P(Backends, ChangeLogTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) { return param_info.param; });

}  // namespace
}  // namespace yutang::store
