#include "yutang/staff/stores.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/test_store.hpp"

namespace yutang::staff {
namespace {

std::string Repeat(std::string_view unit, int times) {
    std::string text;
    for (int i = 0; i < times; ++i) text += unit;
    return text;
}

class StoresTest : public ::testing::Test {
  protected:
    void SetUp() override {
        db_ = testing::OpenTestStore(dir_, clock_);
        ASSERT_NE(db_, nullptr);
        ASSERT_TRUE(
            db_->Write([](store::Session& s) -> Status {
                   YT_TRY(s.Execute("INSERT INTO tenants (tenant_id, name, created_at) VALUES (1, 'one', 0)"));
                   return s.Execute("INSERT INTO tenants (tenant_id, name, created_at) VALUES (2, 'two', 0)").status();
               })
                .ok());
        stores_ = std::make_unique<StoreService>(*db_, clock_);
    }

    static StoreInput Jingan() {
        return {.name = "静安寺店", .code = "SH-001", .city = "上海", .address = "南京西路 1 号"};
    }

    std::vector<AuditEntry> Audit(TenantId tenant, std::string action) {
        auto page = ListAudit(*db_, tenant, {.action = std::move(action), .limit = 200});
        EXPECT_TRUE(page.ok()) << page.status().ToString();
        return page.ok() ? page->entries : std::vector<AuditEntry>{};
    }

    StoreService& stores() { return *stores_; }

    testing::TempDir dir_;
    ManualClock clock_{Timestamp::FromSeconds(1795406067)};
    std::unique_ptr<store::Database> db_;
    std::unique_ptr<StoreService> stores_;
    Actor actor_ = Actor::Staff(StaffId(3), "req-9", "127.0.0.1");
};

TEST_F(StoresTest, CreateListAndGet) {
    auto first = stores().Create(TenantId(1), Jingan(), actor_);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    EXPECT_EQ(first->id, StoreId(1));
    EXPECT_EQ(first->name, "静安寺店");
    EXPECT_EQ(first->code, "SH-001");
    EXPECT_EQ(first->city, "上海");
    EXPECT_EQ(first->address, "南京西路 1 号");
    EXPECT_TRUE(first->active);
    EXPECT_EQ(first->created_at, clock_.Now());

    auto second = stores().Create(TenantId(1), {.name = "徐汇店", .code = "sh_002"}, actor_);
    ASSERT_TRUE(second.ok()) << second.status().ToString();
    EXPECT_EQ(second->id, StoreId(2));
    EXPECT_EQ(second->city, "");
    auto other_tenant = stores().Create(TenantId(2), Jingan(), actor_);  // codes are unique per tenant only
    ASSERT_TRUE(other_tenant.ok()) << other_tenant.status().ToString();
    EXPECT_EQ(other_tenant->id, StoreId(1));

    auto listed = stores().List(TenantId(1));
    ASSERT_TRUE(listed.ok());
    ASSERT_EQ(listed->size(), 2u);
    EXPECT_EQ((*listed)[0].id, StoreId(1));
    EXPECT_EQ((*listed)[1].id, StoreId(2));
    EXPECT_EQ((*listed)[1].code, "sh_002");

    auto got = stores().Get(TenantId(1), StoreId(2));
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->name, "徐汇店");
    EXPECT_EQ(got->created_at, clock_.Now());

    const auto audit = Audit(TenantId(1), "store.created");
    ASSERT_EQ(audit.size(), 2u);
    EXPECT_EQ(audit[0].target_type, "store");
    EXPECT_EQ(audit[0].target_id, "2");
    EXPECT_EQ(audit[0].detail, R"({"code":"sh_002"})");
    EXPECT_EQ(audit[0].actor_type, "staff");
    EXPECT_EQ(audit[0].actor_id, 3);
    EXPECT_EQ(audit[1].target_id, "1");
}

TEST_F(StoresTest, DuplicateCodeIsAlreadyExistsAndWritesNothing) {
    ASSERT_TRUE(stores().Create(TenantId(1), Jingan(), actor_).ok());
    auto again = stores().Create(TenantId(1), {.name = "另一家", .code = "SH-001"}, actor_);
    EXPECT_EQ(again.status().code(), ErrorCode::kAlreadyExists);
    EXPECT_EQ(again.status().field(), "code");
    EXPECT_EQ(stores().List(TenantId(1))->size(), 1u);
    EXPECT_EQ(Audit(TenantId(1), "store.created").size(), 1u);
    // The rolled-back insert gave its id back.
    EXPECT_EQ(stores().Create(TenantId(1), {.name = "另一家", .code = "SH-002"}, actor_)->id, StoreId(2));
}

TEST_F(StoresTest, CodesDifferingOnlyInCaseAreDistinct) {
    ASSERT_TRUE(stores().Create(TenantId(1), {.name = "a", .code = "ab"}, actor_).ok());
    EXPECT_TRUE(stores().Create(TenantId(1), {.name = "b", .code = "AB"}, actor_).ok());
}

struct BadInputCase {
    const char* label;
    StoreInput input;
    const char* field;
};

TEST_F(StoresTest, BadInputIsInvalidArgumentNamingTheField) {
    const std::vector<BadInputCase> cases = {
        {"empty name", {.name = "", .code = "A1"}, "name"},
        {"101-character name", {.name = std::string(101, 'n'), .code = "A1"}, "name"},
        {"101 CJK characters", {.name = Repeat("店", 101), .code = "A1"}, "name"},
        {"invalid UTF-8 name", {.name = "\xc3\x28", .code = "A1"}, "name"},
        {"empty code", {.name = "n", .code = ""}, "code"},
        {"33-character code", {.name = "n", .code = std::string(33, 'c')}, "code"},
        {"space in code", {.name = "n", .code = "SH 001"}, "code"},
        {"CJK code", {.name = "n", .code = "店"}, "code"},
        {"dot in code", {.name = "n", .code = "a.b"}, "code"},
        {"51 CJK city", {.name = "n", .code = "A1", .city = Repeat("海", 51)}, "city"},
        {"201-character address", {.name = "n", .code = "A1", .address = std::string(201, 'x')}, "address"},
    };
    for (const auto& c : cases) {
        auto created = stores().Create(TenantId(1), c.input, actor_);
        EXPECT_EQ(created.status().code(), ErrorCode::kInvalidArgument) << c.label;
        EXPECT_EQ(created.status().field(), c.field) << c.label;
    }
    EXPECT_TRUE(stores().List(TenantId(1))->empty());

    // The limits themselves are allowed, counted in code points.
    auto longest = stores().Create(TenantId(1),
                                   {.name = Repeat("店", 100),
                                    .code = std::string(32, 'C'),
                                    .city = Repeat("海", 50),
                                    .address = Repeat("路", 200)},
                                   actor_);
    ASSERT_TRUE(longest.ok()) << longest.status().ToString();
}

TEST_F(StoresTest, AnotherTenantsStoreIsNotFound) {
    ASSERT_TRUE(stores().Create(TenantId(1), Jingan(), actor_).ok());
    auto got = stores().Get(TenantId(2), StoreId(1));
    EXPECT_EQ(got.status().code(), ErrorCode::kNotFound);
    EXPECT_EQ(got.status().message(), "no such store");
    EXPECT_EQ(stores().Get(TenantId(1), StoreId(9)).status().code(), ErrorCode::kNotFound);
    auto updated = stores().Update(TenantId(2), StoreId(1), {.name = "抢注"}, actor_);
    EXPECT_EQ(updated.status().code(), ErrorCode::kNotFound);
    EXPECT_EQ(stores().Get(TenantId(1), StoreId(1))->name, "静安寺店");
    EXPECT_TRUE(Audit(TenantId(2), "store.").empty());
    EXPECT_TRUE(stores().List(TenantId(2))->empty());
}

TEST_F(StoresTest, UpdateChangesSetFieldsAndAuditsTheirNames) {
    auto created = stores().Create(TenantId(1), Jingan(), actor_);
    ASSERT_TRUE(created.ok());
    clock_.Advance(std::chrono::seconds(10));

    auto updated =
        stores().Update(TenantId(1), created->id, {.name = "静安寺旗舰店", .city = "上海", .active = false}, actor_);
    ASSERT_TRUE(updated.ok()) << updated.status().ToString();
    EXPECT_EQ(updated->name, "静安寺旗舰店");
    EXPECT_EQ(updated->city, "上海");
    EXPECT_EQ(updated->address, "南京西路 1 号");
    EXPECT_EQ(updated->code, "SH-001");
    EXPECT_FALSE(updated->active);
    EXPECT_EQ(updated->created_at, created->created_at);

    auto got = stores().Get(TenantId(1), created->id);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->name, "静安寺旗舰店");
    EXPECT_FALSE(got->active);

    auto audit = Audit(TenantId(1), "store.updated");
    ASSERT_EQ(audit.size(), 1u);
    EXPECT_EQ(audit[0].target_type, "store");
    EXPECT_EQ(audit[0].target_id, "1");
    EXPECT_EQ(audit[0].at, clock_.Now());
    EXPECT_EQ(audit[0].detail, R"({"fields":["name","active"]})");  // city was unchanged

    // Changing nothing writes nothing.
    auto same = stores().Update(TenantId(1), created->id, {.name = "静安寺旗舰店", .active = false}, actor_);
    ASSERT_TRUE(same.ok());
    EXPECT_EQ(same->name, "静安寺旗舰店");
    EXPECT_EQ(Audit(TenantId(1), "store.updated").size(), 1u);

    ASSERT_TRUE(stores().Update(TenantId(1), created->id, {.address = "", .active = true}, actor_).ok());
    audit = Audit(TenantId(1), "store.updated");
    ASSERT_EQ(audit.size(), 2u);
    EXPECT_EQ(audit[0].detail, R"({"fields":["address","active"]})");
    EXPECT_TRUE(stores().Get(TenantId(1), created->id)->active);
}

TEST_F(StoresTest, UpdateValidatesLikeCreate) {
    auto created = stores().Create(TenantId(1), Jingan(), actor_);
    ASSERT_TRUE(created.ok());
    auto empty_name = stores().Update(TenantId(1), created->id, {.name = ""}, actor_);
    EXPECT_EQ(empty_name.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(empty_name.status().field(), "name");
    auto long_city = stores().Update(TenantId(1), created->id, {.city = Repeat("海", 51)}, actor_);
    EXPECT_EQ(long_city.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(long_city.status().field(), "city");
    auto long_address = stores().Update(TenantId(1), created->id, {.address = std::string(201, 'x')}, actor_);
    EXPECT_EQ(long_address.status().field(), "address");
    EXPECT_EQ(stores().Get(TenantId(1), created->id)->name, "静安寺店");
    EXPECT_TRUE(Audit(TenantId(1), "store.updated").empty());
}

}  // namespace
}  // namespace yutang::staff
