#include "yutang/store/migrations.hpp"

#include <gtest/gtest.h>

#include "yutang/store/sqlite/sqlite_database.hpp"

#include "tests/support/temp_dir.hpp"

namespace yutang::store {
namespace {

constexpr Migration kFirst{1, "0001_a", "CREATE TABLE a (tenant_id BIGINT NOT NULL, x BIGINT)",
                           "CREATE TABLE a (tenant_id BIGINT NOT NULL, x BIGINT)"};
constexpr Migration kSecond{2, "0002_b", "CREATE TABLE b (tenant_id BIGINT NOT NULL)",
                            "CREATE TABLE b (tenant_id BIGINT NOT NULL)"};
constexpr Migration kBroken{3, "0003_broken", "CREATE TABLE c (tenant_id BIGINT); CREATE TABL oops",
                            "CREATE TABLE c (tenant_id BIGINT); CREATE TABL oops"};

class MigrationsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto db = OpenSqlite({.path = dir_.File("m.db")});
        ASSERT_TRUE(db.ok()) << db.status().ToString();
        db_ = std::move(*db);
    }
    testing::TempDir dir_;
    std::unique_ptr<Database> db_;
    ManualClock clock_{Timestamp::FromSeconds(1000)};
};

TEST_F(MigrationsTest, AppliesInOrderOnceAndRecords) {
    const Migration both[] = {kFirst, kSecond};
    EXPECT_EQ(*ApplyMigrations(*db_, std::span(both, 1), clock_), 1);
    EXPECT_EQ(*ApplyMigrations(*db_, both, clock_), 1);
    EXPECT_EQ(*ApplyMigrations(*db_, both, clock_), 0);
    auto state = ReadMigrationState(*db_, both);
    ASSERT_TRUE(state.ok());
    EXPECT_EQ(state->applied_version, 2);
    EXPECT_TRUE(state->up_to_date());
    ASSERT_TRUE(db_->Read([](Session& s) -> Status {
                       YT_ASSIGN_OR_RETURN(auto rows, s.Query("SELECT version, applied_at FROM schema_migrations"));
                       EXPECT_EQ(rows.size(), 2u);
                       EXPECT_EQ(rows.rows[0].Int(1), 1'000'000'000);
                       return OkStatus();
                   })
                    .ok());
}

TEST_F(MigrationsTest, ABrokenMigrationAppliesNothingOfItself) {
    const Migration all[] = {kFirst, kSecond, kBroken};
    auto result = ApplyMigrations(*db_, all, clock_);
    EXPECT_EQ(result.status().code(), ErrorCode::kInternal);
    EXPECT_NE(result.status().detail().find("0003_broken"), std::string::npos);
    auto state = ReadMigrationState(*db_, all);
    ASSERT_TRUE(state.ok());
    EXPECT_EQ(state->applied_version, 2);
    EXPECT_FALSE(state->up_to_date());
    // Table c from the failed script's first statement was rolled back with it.
    const Status c = db_->Read([](Session& s) { return s.Query("SELECT * FROM c").status(); });
    EXPECT_FALSE(c.ok());
}

TEST_F(MigrationsTest, RefusesADatabaseFromANewerBinary) {
    const Migration both[] = {kFirst, kSecond};
    ASSERT_TRUE(ApplyMigrations(*db_, both, clock_).ok());
    const Migration older[] = {kFirst};
    EXPECT_EQ(ApplyMigrations(*db_, older, clock_).status().code(), ErrorCode::kFailedPrecondition);
    EXPECT_EQ(ReadMigrationState(*db_, older).status().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(MigrationsTest, RefusesAnEditedAppliedMigration) {
    const Migration first[] = {kFirst};
    ASSERT_TRUE(ApplyMigrations(*db_, first, clock_).ok());
    const Migration edited[] = {{1, "0001_a", "CREATE TABLE a (tenant_id BIGINT NOT NULL, y BIGINT)",
                                 "CREATE TABLE a (tenant_id BIGINT NOT NULL, y BIGINT)"}};
    EXPECT_EQ(ApplyMigrations(*db_, edited, clock_).status().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(MigrationsTest, BuiltinMigrationsApplyAndAreNumberedWithoutGaps) {
    const auto builtin = BuiltinMigrations();
    ASSERT_FALSE(builtin.empty());
    for (size_t i = 0; i < builtin.size(); ++i) EXPECT_EQ(builtin[i].version, static_cast<int>(i + 1));
    EXPECT_EQ(*ApplyMigrations(*db_, builtin, clock_), static_cast<int>(builtin.size()));
    EXPECT_TRUE(ReadMigrationState(*db_, builtin)->up_to_date());
}

TEST_F(MigrationsTest, EmptyDatabaseReportsVersionZero) {
    auto state = ReadMigrationState(*db_, BuiltinMigrations());
    ASSERT_TRUE(state.ok());
    EXPECT_EQ(state->applied_version, 0);
    EXPECT_FALSE(state->up_to_date());
}

}  // namespace
}  // namespace yutang::store
