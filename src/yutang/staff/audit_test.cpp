// The audit log on both store backends: filters, paging, and the append-only guarantee that
// the store itself enforces (triggers in migration 0002).
#include "yutang/staff/audit.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/postgres_server.hpp"
#include "tests/support/test_store.hpp"

namespace yutang::staff {
namespace {

using ::yutang::testing::PostgresServer;

class AuditTest : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        db_ = testing::OpenBackendTestStore(GetParam(), dir_, "yt_audit", clock_);
        if (IsSkipped()) return;
        ASSERT_NE(db_, nullptr);
    }

    void Append(TenantId tenant, const Actor& actor, int64_t at_seconds, std::string action) {
        const Status status = db_->Write([&](store::Session& s) {
            return AppendAudit(s, tenant, actor, Timestamp::FromSeconds(at_seconds),
                               {.action = action, .target_type = "staff", .target_id = "1"});
        });
        ASSERT_TRUE(status.ok()) << status.ToString();
    }

    // The ids of the entries `query` returns, newest first.
    std::vector<int64_t> Ids(TenantId tenant, const AuditQuery& query) {
        auto page = ListAudit(*db_, tenant, query);
        EXPECT_TRUE(page.ok()) << page.status().ToString();
        std::vector<int64_t> ids;
        if (page.ok()) {
            for (const AuditEntry& entry : page->entries) ids.push_back(entry.id);
        }
        return ids;
    }

    int64_t CountEntries() {
        int64_t count = -1;
        EXPECT_TRUE(db_->Read([&](store::Session& s) -> Status {
                           YT_ASSIGN_OR_RETURN(auto row, s.QueryOne("SELECT COUNT(*) FROM audit_log"));
                           count = row->Int(0);
                           return OkStatus();
                       })
                        .ok());
        return count;
    }

    testing::TempDir dir_;
    ManualClock clock_{Timestamp::FromSeconds(1795406067)};
    std::unique_ptr<store::Database> db_;
    const Actor alice_ = Actor::Staff(StaffId(1), "req-a", "10.0.0.1");
    const Actor bob_ = Actor::Staff(StaffId(2), "req-b", "10.0.0.2");
    const Actor key_ = Actor::ApiKey(5, "req-k", "10.0.0.3");
};

TEST_P(AuditTest, FiltersByActionActorAndTime) {
    Append(TenantId(1), alice_, 100, "auth.login");        // 1
    Append(TenantId(1), alice_, 200, "staff.created");     // 2
    Append(TenantId(1), bob_, 300, "staff.role_changed");  // 3
    Append(TenantId(1), key_, 400, "apikey.created");      // 4
    Append(TenantId(1), Actor::System(), 500, "staff");    // 5: not under the "staff." prefix
    Append(TenantId(1), bob_, 600, "staffroom.opened");    // 6: nor this
    Append(TenantId(2), alice_, 250, "staff.created");     // another tenant's 1

    EXPECT_EQ(Ids(TenantId(1), {}), (std::vector<int64_t>{6, 5, 4, 3, 2, 1}));
    EXPECT_EQ(Ids(TenantId(1), {.action = "staff.created"}), std::vector<int64_t>{2});
    EXPECT_EQ(Ids(TenantId(1), {.action = "staff"}), std::vector<int64_t>{5});
    EXPECT_EQ(Ids(TenantId(1), {.action = "staff."}), (std::vector<int64_t>{3, 2}));
    EXPECT_EQ(Ids(TenantId(1), {.action = "auth."}), std::vector<int64_t>{1});
    EXPECT_EQ(Ids(TenantId(1), {.actor_type = "staff", .actor_id = 1}), (std::vector<int64_t>{2, 1}));
    EXPECT_EQ(Ids(TenantId(1), {.actor_type = "staff", .actor_id = 2}), (std::vector<int64_t>{6, 3}));
    EXPECT_EQ(Ids(TenantId(1), {.actor_type = "api_key"}), std::vector<int64_t>{4});
    EXPECT_EQ(Ids(TenantId(1), {.actor_type = "system"}), std::vector<int64_t>{5});
    // from inclusive, to exclusive.
    EXPECT_EQ(Ids(TenantId(1), {.from = Timestamp::FromSeconds(200), .to = Timestamp::FromSeconds(400)}),
              (std::vector<int64_t>{3, 2}));
    EXPECT_EQ(Ids(TenantId(1), {.action = "staff.", .actor_id = 2, .from = Timestamp::FromSeconds(300)}),
              std::vector<int64_t>{3});
    EXPECT_EQ(Ids(TenantId(2), {.action = "staff."}), std::vector<int64_t>{1});

    auto page = ListAudit(*db_, TenantId(1), {.action = "staff.role_changed"});
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    ASSERT_EQ(page->entries.size(), 1u);
    const AuditEntry& entry = page->entries[0];
    EXPECT_EQ(entry.at, Timestamp::FromSeconds(300));
    EXPECT_EQ(entry.actor_type, "staff");
    EXPECT_EQ(entry.actor_id, 2);
    EXPECT_EQ(entry.target_type, "staff");
    EXPECT_EQ(entry.target_id, "1");
    EXPECT_EQ(entry.request_id, "req-b");
    EXPECT_EQ(entry.client_address, "10.0.0.2");
    EXPECT_EQ(entry.detail, "{}");
    EXPECT_FALSE(page->next_before_id.has_value());
}

TEST_P(AuditTest, PagesWithBeforeIdAcrossThreePages) {
    for (int i = 1; i <= 7; ++i) Append(TenantId(1), alice_, 100 * i, "auth.login");
    Append(TenantId(2), alice_, 50, "auth.login");

    auto first = ListAudit(*db_, TenantId(1), {.limit = 3});
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    ASSERT_EQ(first->entries.size(), 3u);
    EXPECT_EQ(first->entries.front().id, 7);
    EXPECT_EQ(first->entries.back().id, 5);
    ASSERT_EQ(first->next_before_id, std::optional<int64_t>(5));

    auto second = ListAudit(*db_, TenantId(1), {.before_id = first->next_before_id, .limit = 3});
    ASSERT_TRUE(second.ok()) << second.status().ToString();
    ASSERT_EQ(second->entries.size(), 3u);
    EXPECT_EQ(second->entries.front().id, 4);
    EXPECT_EQ(second->entries.back().id, 2);
    ASSERT_EQ(second->next_before_id, std::optional<int64_t>(2));

    auto third = ListAudit(*db_, TenantId(1), {.before_id = second->next_before_id, .limit = 3});
    ASSERT_TRUE(third.ok()) << third.status().ToString();
    ASSERT_EQ(third->entries.size(), 1u);
    EXPECT_EQ(third->entries.front().id, 1);
    EXPECT_FALSE(third->next_before_id.has_value());

    // A page that ends exactly at the last entry has no next page either.
    auto exact = ListAudit(*db_, TenantId(1), {.before_id = 4, .limit = 3});
    ASSERT_TRUE(exact.ok());
    EXPECT_EQ(exact->entries.size(), 3u);
    EXPECT_FALSE(exact->next_before_id.has_value());
}

TEST_P(AuditTest, LimitOutsideOneTo200IsInvalidArgument) {
    Append(TenantId(1), alice_, 100, "auth.login");
    for (int limit : {0, -1, 201, 100000}) {
        auto page = ListAudit(*db_, TenantId(1), {.limit = limit});
        EXPECT_EQ(page.status().code(), ErrorCode::kInvalidArgument) << limit;
        EXPECT_EQ(page.status().field(), "limit") << limit;
    }
    for (int limit : {1, 200}) {
        auto page = ListAudit(*db_, TenantId(1), {.limit = limit});
        ASSERT_TRUE(page.ok()) << limit << ": " << page.status().ToString();
        EXPECT_EQ(page->entries.size(), 1u);
    }
}

// The store refuses to change or remove entries, whatever the code above it does. SQLite's
// RAISE(ABORT) is SQLITE_CONSTRAINT_TRIGGER; PostgreSQL's trigger raises restrict_violation
// (23001): both are constraint violations, failed_precondition in database.hpp.
TEST_P(AuditTest, StoreRefusesUpdateAndDelete) {
    Append(TenantId(1), alice_, 100, "auth.login");
    Append(TenantId(1), alice_, 200, "staff.created");

    const Status update = db_->Write([](store::Session& s) {
        return s.Execute("UPDATE audit_log SET action = 'auth.logout' WHERE tenant_id = 1").status();
    });
    EXPECT_EQ(update.code(), ErrorCode::kFailedPrecondition) << update.ToString();
    const Status remove = db_->Write([](store::Session& s) {
        return s.Execute("DELETE FROM audit_log WHERE tenant_id = 1 AND audit_id = 1").status();
    });
    EXPECT_EQ(remove.code(), ErrorCode::kFailedPrecondition) << remove.ToString();
    const Status remove_all = db_->Write([](store::Session& s) { return s.Execute("DELETE FROM audit_log").status(); });
    EXPECT_EQ(remove_all.code(), ErrorCode::kFailedPrecondition) << remove_all.ToString();

    EXPECT_EQ(CountEntries(), 2);
    std::string first_action;
    ASSERT_TRUE(db_->Read([&](store::Session& s) -> Status {
                       YT_ASSIGN_OR_RETURN(
                           auto row, s.QueryOne("SELECT action FROM audit_log WHERE tenant_id = 1 AND audit_id = 1"));
                       if (row) first_action = row->Text(0);
                       return OkStatus();
                   })
                    .ok());
    EXPECT_EQ(first_action, "auth.login");  // unchanged
    // Appending still works after the refused statements.
    Append(TenantId(1), alice_, 300, "auth.login");
    EXPECT_EQ(CountEntries(), 3);
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& backend) { return backend.param; });

}  // namespace
}  // namespace yutang::staff
