// PostgreSQL-only behaviour that the shared conformance suite cannot express: connection loss
// and recovery, the aborted-transaction rule, and libpq-specific value handling.
#include "yutang/store/postgres/postgres_database.hpp"

#include <memory>
#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "yutang/base/status.hpp"

#include "tests/support/postgres_server.hpp"

namespace yutang::store {
namespace {

using ::yutang::testing::PostgresServer;

::testing::AssertionResult IsOk(const Status& status) {
    if (status.ok()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << status.ToString();
}

::testing::AssertionResult HasCode(const Status& status, ErrorCode code) {
    if (status.code() == code) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "expected " << ErrorCodeName(code) << ", got " << status.ToString();
}

class PostgresDatabaseTest : public ::testing::Test {
  protected:
    void SetUp() override {
        server_ = PostgresServer::Shared();
        YT_SKIP_UNLESS_POSTGRES(server_);
        auto name = server_->CreateUniqueDatabase("yt_postgres");
        ASSERT_TRUE(name.ok()) << name.status().ToString();
        name_ = *name;
        auto db = OpenPostgres({.conninfo = server_->ConnInfo(name_), .pool_size = 2});
        ASSERT_TRUE(db.ok()) << db.status().ToString();
        db_ = std::move(db).value();
    }

    Database& db() { return *db_; }

    PostgresServer* server_ = nullptr;
    std::string name_;
    std::unique_ptr<Database> db_;
};

TEST(OpenPostgresTest, NoServerListeningIsUnavailable) {
    // Port 1 on loopback: nothing listens there and connecting is refused at once.
    auto db = OpenPostgres({.conninfo = "host=127.0.0.1 port=1 dbname=none connect_timeout=2", .pool_size = 1});
    ASSERT_FALSE(db.ok());
    EXPECT_TRUE(HasCode(db.status(), ErrorCode::kUnavailable));
    EXPECT_FALSE(db.status().detail().empty());  // libpq's reason, for the log
}

TEST(OpenPostgresTest, EmptyPoolIsInvalidArgument) {
    auto db = OpenPostgres({.conninfo = "host=127.0.0.1", .pool_size = 0});
    ASSERT_FALSE(db.ok());
    EXPECT_TRUE(HasCode(db.status(), ErrorCode::kInvalidArgument));
}

TEST_F(PostgresDatabaseTest, RecoversWhenTheServerDropsEveryConnection) {
    ASSERT_TRUE(
        IsOk(db().Write([](Session& s) { return s.ExecuteScript("CREATE TABLE kv (id BIGINT PRIMARY KEY)"); })));
    // Kill every pooled session from outside, as a server restart or an idle timeout would.
    auto admin = OpenPostgres({.conninfo = server_->ConnInfo("postgres"), .pool_size = 1});
    ASSERT_TRUE(admin.ok()) << admin.status().ToString();
    ASSERT_TRUE(IsOk((*admin)->Write([&](Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(Rows killed, s.Query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                                 "WHERE datname = $1 AND pid <> pg_backend_pid()",
                                                 {name_}));
        EXPECT_EQ(killed.size(), 2u);  // the whole pool
        return OkStatus();
    })));

    // Each call finds its connection dead only on use, before anything ran, and reconnects.
    EXPECT_TRUE(IsOk(db().Ping()));
    EXPECT_TRUE(IsOk(db().Write([](Session& s) -> Status {
        YT_TRY(s.Execute("INSERT INTO kv (id) VALUES ($1)", {1}));
        return OkStatus();
    })));
    EXPECT_TRUE(IsOk(db().Read([](Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto row, s.QueryOne("SELECT COUNT(*) FROM kv"));
        EXPECT_EQ(row->Int(0), 1);
        return OkStatus();
    })));
}

TEST_F(PostgresDatabaseTest, ConnectionLostMidTransactionIsUnavailable) {
    Status status = db().Write([](Session& s) -> Status {
        // The session terminates itself: the next statement finds the connection gone.
        YT_TRY(s.Query("SELECT pg_terminate_backend(pg_backend_pid())"));
        YT_TRY(s.Query("SELECT 1"));
        return OkStatus();
    });
    EXPECT_TRUE(HasCode(status, ErrorCode::kUnavailable));
    EXPECT_TRUE(IsOk(db().Ping()));  // and the pool heals
}

TEST_F(PostgresDatabaseTest, AnIgnoredStatementErrorStillFailsTheWrite) {
    // PostgreSQL aborts the whole transaction on a failed statement; a work function that
    // swallows the error must not be told that its other changes committed.
    ASSERT_TRUE(IsOk(db().Write([](Session& s) {
        return s.ExecuteScript("CREATE TABLE kv (id BIGINT PRIMARY KEY); INSERT INTO kv (id) VALUES (1);");
    })));
    Status status = db().Write([](Session& s) -> Status {
        YT_TRY(s.Execute("INSERT INTO kv (id) VALUES (2)"));
        Result<int64_t> duplicate = s.Execute("INSERT INTO kv (id) VALUES (1)");
        EXPECT_TRUE(HasCode(duplicate.status(), ErrorCode::kAlreadyExists));
        // Later statements repeat the first error rather than "transaction is aborted".
        Result<int64_t> after = s.Execute("INSERT INTO kv (id) VALUES (3)");
        EXPECT_TRUE(HasCode(after.status(), ErrorCode::kAlreadyExists));
        return OkStatus();
    });
    EXPECT_TRUE(HasCode(status, ErrorCode::kAlreadyExists));
    EXPECT_TRUE(IsOk(db().Read([](Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto row, s.QueryOne("SELECT COUNT(*) FROM kv"));
        EXPECT_EQ(row->Int(0), 1);
        return OkStatus();
    })));
}

TEST_F(PostgresDatabaseTest, ReadIsReadOnly) {
    ASSERT_TRUE(
        IsOk(db().Write([](Session& s) { return s.ExecuteScript("CREATE TABLE kv (id BIGINT PRIMARY KEY)"); })));
    Status status = db().Read([](Session& s) -> Status {
        YT_TRY(s.Execute("INSERT INTO kv (id) VALUES (1)"));
        return OkStatus();
    });
    EXPECT_TRUE(HasCode(status, ErrorCode::kInternal));  // SQLSTATE 25006: a bug in the caller
}

TEST_F(PostgresDatabaseTest, IntegralSumsStayExact) {
    // SUM over BIGINT is NUMERIC on PostgreSQL; money sums must not pass through a double.
    ASSERT_TRUE(IsOk(db().Read([](Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto row,
                            s.QueryOne("SELECT SUM(n), AVG(n) FROM (VALUES ($1::BIGINT), ($2::BIGINT)) AS t (n)",
                                       {int64_t{9007199254740993}, 0}));
        EXPECT_EQ(row->at(0), Value(int64_t{9007199254740993}));  // 2^53 + 1: not a double
        EXPECT_TRUE(std::holds_alternative<double>(row->at(1).variant()));
        return OkStatus();
    })));
}

TEST_F(PostgresDatabaseTest, TextWithNulIsInvalidArgument) {
    Status status = db().Read([](Session& s) -> Status {
        YT_TRY(s.Query("SELECT $1", {std::string("a\0b", 3)}));
        return OkStatus();
    });
    EXPECT_TRUE(HasCode(status, ErrorCode::kInvalidArgument));
}

TEST_F(PostgresDatabaseTest, OtherColumnTypesComeBackAsText) {
    ASSERT_TRUE(IsOk(db().Read([](Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto row, s.QueryOne("SELECT TRUE, FALSE, 1.5::REAL, '{\"a\": 1}'::JSONB, 7::SMALLINT"));
        EXPECT_EQ(row->at(0), Value(1));
        EXPECT_EQ(row->at(1), Value(0));
        EXPECT_EQ(row->at(2), Value(1.5));
        EXPECT_EQ(row->at(3), Value("{\"a\": 1}"));
        EXPECT_EQ(row->at(4), Value(7));
        return OkStatus();
    })));
}

}  // namespace
}  // namespace yutang::store
