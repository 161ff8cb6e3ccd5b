// The one conformance suite that every store backend must pass (SQLite and PostgreSQL).
//
// Domain modules write their SQL once and trust database.hpp's contract; each test here pins
// one clause of that contract — value round-trips, placeholders, row counts, transactions,
// error codes, snapshots, concurrency — on a fresh database, with the exact error code checked.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <latch>
#include <limits>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "yutang/base/status.hpp"
#include "yutang/store/bulk.hpp"
#include "yutang/store/database.hpp"
#include "yutang/store/postgres/postgres_database.hpp"
#include "yutang/store/sqlite/sqlite_database.hpp"

#include "tests/support/postgres_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace yutang::store {

// Readable Values in assertion failures. GoogleTest finds it by ADL, so it must live in
// yutang::store itself rather than an unnamed namespace; `static` keeps it from clashing with a
// twin in another test file of the same binary.
static void PrintTo(const Value& value, std::ostream* out) {
    const Value::Variant& v = value.variant();
    if (std::holds_alternative<std::monostate>(v)) {
        *out << "NULL";
    } else if (const auto* integer = std::get_if<int64_t>(&v)) {
        *out << "int " << *integer;
    } else if (const auto* real = std::get_if<double>(&v)) {
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%.17g", *real);
        *out << "real " << buffer;
    } else if (const auto* text = std::get_if<std::string>(&v)) {
        *out << "text \"" << *text << "\"";
    } else if (const auto* blob = std::get_if<Blob>(&v)) {
        *out << "blob[" << blob->bytes.size() << "] ";
        for (char byte : blob->bytes) {
            char hex[3];
            std::snprintf(hex, sizeof hex, "%02x", static_cast<unsigned>(static_cast<unsigned char>(byte)));
            *out << hex;
        }
    }
}

namespace {

using ::yutang::testing::PostgresServer;
using ::yutang::testing::TempDir;

::testing::AssertionResult IsOk(const Status& status) {
    if (status.ok()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << status.ToString();
}

::testing::AssertionResult HasCode(const Status& status, ErrorCode code) {
    if (status.code() == code) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "expected " << ErrorCodeName(code) << ", got " << status.ToString();
}

// BLOB (SQLite) and BYTEA (PostgreSQL) are the one column type the shared subset cannot spell
// the same way. DOUBLE PRECISION is shared: SQLite gives it REAL affinity, whereas PostgreSQL's
// REAL would be a 4-byte float.
std::string BlobType(Dialect dialect) { return dialect == Dialect::kSqlite ? "BLOB" : "BYTEA"; }

class StoreConformanceTest : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        if (GetParam() == "sqlite") {
            temp_dir_ = std::make_unique<TempDir>();
            auto db = OpenSqlite({.path = temp_dir_->File("t.db")});
            ASSERT_TRUE(db.ok()) << db.status().ToString();
            db_ = std::move(db).value();
        } else {
            PostgresServer* server = PostgresServer::Shared();
            YT_SKIP_UNLESS_POSTGRES(server);
            auto name = server->CreateUniqueDatabase("yt_conformance");
            ASSERT_TRUE(name.ok()) << name.status().ToString();
            auto db = OpenPostgres({.conninfo = server->ConnInfo(*name), .pool_size = 4});
            ASSERT_TRUE(db.ok()) << db.status().ToString();
            db_ = std::move(db).value();
        }
    }

    void TearDown() override {
        db_.reset();
        temp_dir_.reset();
    }

    Database& db() { return *db_; }

    // Runs set-up statements in their own committed transaction.
    Status Script(const std::string& sql) {
        return db_->Write([&](Session& s) { return s.ExecuteScript(sql); });
    }

    // SELECT COUNT(*) FROM `table` in a fresh read transaction; -1 on error.
    int64_t Count(const std::string& table) {
        int64_t count = -1;
        Status status = db_->Read([&](Session& s) -> Status {
            YT_ASSIGN_OR_RETURN(auto row, s.QueryOne("SELECT COUNT(*) FROM " + table));
            count = row->Int(0);
            return OkStatus();
        });
        EXPECT_TRUE(IsOk(status));
        return count;
    }

  private:
    std::unique_ptr<TempDir> temp_dir_;
    std::unique_ptr<Database> db_;
};

TEST_P(StoreConformanceTest, ReportsItsDialect) {
    EXPECT_EQ(DialectName(db().dialect()), GetParam());
    ASSERT_TRUE(IsOk(db().Read([&](Session& s) -> Status {
        EXPECT_EQ(s.dialect(), db().dialect());
        return OkStatus();
    })));
}

TEST_P(StoreConformanceTest, RoundTripsEveryValueTypeThroughATable) {
    ASSERT_TRUE(IsOk(Script("CREATE TABLE v (id BIGINT PRIMARY KEY, i BIGINT, r DOUBLE PRECISION, t TEXT, b " +
                            BlobType(db().dialect()) + ")")));
    std::string all_bytes;
    for (int byte = 0; byte < 256; ++byte) all_bytes.push_back(static_cast<char>(byte));
    const std::vector<std::vector<Value>> rows = {
        {1, nullptr, nullptr, nullptr, nullptr},
        {2, std::numeric_limits<int64_t>::min(), 0.1, "", Blob{""}},
        {3, std::numeric_limits<int64_t>::max(), -2.5e-300, "演示旗舰店 · 会员日 🍵",
         Blob{std::string("\0\x01\xff\0z", 5)}},
        {4, -1, 1e308, "it's \"quoted\" \\ and\nmulti-line", Blob{all_bytes}},
        {5, 0, 1.0 / 3.0, "$1 ? :name", Blob{std::string(1, '\0')}},
    };
    ASSERT_TRUE(IsOk(db().Write([&](Session& s) -> Status {
        for (const auto& row : rows) {
            YT_ASSIGN_OR_RETURN(
                int64_t affected,
                s.Execute("INSERT INTO v (id, i, r, t, b) VALUES ($1, $2, $3, $4, $5)", std::span<const Value>(row)));
            EXPECT_EQ(affected, 1);
        }
        return OkStatus();
    })));

    ASSERT_TRUE(IsOk(db().Read([&](Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(Rows result, s.Query("SELECT id, i, r, t, b FROM v ORDER BY id"));
        EXPECT_EQ(result.columns, (std::vector<std::string>{"id", "i", "r", "t", "b"}));
        EXPECT_EQ(result.affected, 0);
        EXPECT_EQ(result.size(), rows.size());
        for (size_t r = 0; r < std::min(result.size(), rows.size()); ++r) {
            for (size_t c = 0; c < rows[r].size(); ++c) {
                EXPECT_EQ(result.rows[r].at(c), rows[r][c]) << "row " << r << " column " << c;
            }
        }
        return OkStatus();
    })));
}

TEST_P(StoreConformanceTest, RoundTripsEveryValueTypeAsParameters) {
    // No column to take a type from: each parameter must come back as the type it was bound as.
    const std::vector<Value> values = {nullptr,     std::numeric_limits<int64_t>::min(), -0.5,
                                       "中文 text", Blob{std::string("\0b", 2)},         true};
    ASSERT_TRUE(IsOk(db().Read([&](Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(Rows result, s.Query("SELECT $1, $2, $3, $4, $5, $6", std::span<const Value>(values)));
        EXPECT_EQ(result.size(), 1u);
        if (result.empty()) return OkStatus();
        EXPECT_EQ(result.rows[0].size(), values.size());
        for (size_t c = 0; c < values.size(); ++c) EXPECT_EQ(result.rows[0].at(c), values[c]) << "column " << c;
        EXPECT_EQ(result.rows[0].Int(5), 1);  // a bool is stored as the integer 1
        return OkStatus();
    })));
}

TEST_P(StoreConformanceTest, NumbersPlaceholdersByPositionNotByFirstUse) {
    ASSERT_TRUE(IsOk(Script("CREATE TABLE kv (id BIGINT PRIMARY KEY, a BIGINT, b TEXT)")));
    ASSERT_TRUE(IsOk(db().Write([&](Session& s) -> Status {
        YT_TRY(s.Execute("INSERT INTO kv (id, a, b) VALUES ($2, $1, $3)", {10, 1, "x"}));  // $2 before $1
        YT_TRY(s.Execute("INSERT INTO kv (id, a, b) VALUES ($1, $1, $2)", {2, "y"}));      // $1 twice
        return OkStatus();
    })));
    ASSERT_TRUE(IsOk(db().Read([&](Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto first, s.QueryOne("SELECT a, b FROM kv WHERE id = $1", {1}));
        EXPECT_TRUE(first.has_value());
        if (first) {
            EXPECT_EQ(first->Int(0), 10);
            EXPECT_EQ(first->Text(1), "x");
        }
        YT_ASSIGN_OR_RETURN(Rows twice, s.Query("SELECT id FROM kv WHERE a = $1 OR id = $1 ORDER BY id", {2}));
        EXPECT_EQ(twice.size(), 1u);
        if (!twice.empty()) {
            EXPECT_EQ(twice.rows[0].Int(0), 2);
        }
        YT_ASSIGN_OR_RETURN(auto reversed, s.QueryOne("SELECT b FROM kv WHERE id = $2 AND a = $1", {10, 1}));
        EXPECT_TRUE(reversed.has_value());
        if (reversed) {
            EXPECT_EQ(reversed->Text(0), "x");

            // $1 must not be confused with the $10 and $11 that start with it, nor with "$1" inside
        }
        // a string literal.
        YT_ASSIGN_OR_RETURN(auto many,
                            s.QueryOne("SELECT $11, $1, $10, '$1 each', $2", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
        EXPECT_TRUE(many.has_value());
        if (many) {
            EXPECT_EQ(many->at(0), Value(11));
            EXPECT_EQ(many->at(1), Value(1));
            EXPECT_EQ(many->at(2), Value(10));
            EXPECT_EQ(many->at(3), Value("$1 each"));
            EXPECT_EQ(many->at(4), Value(2));
        }
        return OkStatus();
    })));
}

TEST_P(StoreConformanceTest, CountsAffectedRows) {
    ASSERT_TRUE(IsOk(db().Write([&](Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(int64_t created, s.Execute("CREATE TABLE kv (id BIGINT PRIMARY KEY, a BIGINT, b TEXT)"));
        EXPECT_EQ(created, 0);
        YT_ASSIGN_OR_RETURN(int64_t inserted,
                            s.Execute("INSERT INTO kv (id, a, b) VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c')"));
        EXPECT_EQ(inserted, 3);
        YT_ASSIGN_OR_RETURN(int64_t updated, s.Execute("UPDATE kv SET a = a + 1 WHERE id >= $1", {2}));
        EXPECT_EQ(updated, 2);
        YT_ASSIGN_OR_RETURN(int64_t missed, s.Execute("UPDATE kv SET a = 0 WHERE id = $1", {42}));
        EXPECT_EQ(missed, 0);
        YT_ASSIGN_OR_RETURN(int64_t deleted, s.Execute("DELETE FROM kv WHERE id = $1", {1}));
        EXPECT_EQ(deleted, 1);
        // A SELECT changes nothing, even right after a statement that did.
        YT_ASSIGN_OR_RETURN(Rows selected, s.Query("SELECT id FROM kv"));
        EXPECT_EQ(selected.size(), 2u);
        EXPECT_EQ(selected.affected, 0);
        YT_ASSIGN_OR_RETURN(Rows returning, s.Query("INSERT INTO kv (id, a, b) VALUES (7, 70, 'r') RETURNING a"));
        EXPECT_EQ(returning.affected, 1);
        EXPECT_EQ(returning.size(), 1u);
        if (!returning.empty()) {
            EXPECT_EQ(returning.rows[0].Int(0), 70);
        }
        YT_ASSIGN_OR_RETURN(int64_t cleared, s.Execute("DELETE FROM kv"));
        EXPECT_EQ(cleared, 3);
        return OkStatus();
    })));
}

TEST_P(StoreConformanceTest, QueryOneGivesTheFirstRowOrNone) {
    ASSERT_TRUE(
        IsOk(Script("CREATE TABLE kv (id BIGINT PRIMARY KEY, b TEXT); INSERT INTO kv (id, b) VALUES (1, 'one');")));
    ASSERT_TRUE(IsOk(db().Read([&](Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto none, s.QueryOne("SELECT b FROM kv WHERE id = $1", {2}));
        EXPECT_FALSE(none.has_value());
        YT_ASSIGN_OR_RETURN(auto one, s.QueryOne("SELECT b FROM kv WHERE id = $1", {1}));
        EXPECT_TRUE(one.has_value());
        if (one) {
            EXPECT_EQ(one->Text(0), "one");
        }
        return OkStatus();
    })));
}

TEST_P(StoreConformanceTest, CommittedWriteIsVisibleToALaterRead) {
    ASSERT_TRUE(IsOk(Script("CREATE TABLE kv (id BIGINT PRIMARY KEY, b TEXT)")));
    ASSERT_TRUE(IsOk(db().Write([&](Session& s) -> Status {
        YT_TRY(s.Execute("INSERT INTO kv (id, b) VALUES ($1, $2)", {1, "演示旗舰店"}));
        return OkStatus();
    })));
    ASSERT_TRUE(IsOk(db().Read([&](Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(Rows rows, s.Query("SELECT id AS tenant, b AS name FROM kv"));
        EXPECT_EQ(rows.columns, (std::vector<std::string>{"tenant", "name"}));
        EXPECT_EQ(rows.size(), 1u);
        if (!rows.empty()) {
            EXPECT_EQ(rows.rows[0].Text(1), "演示旗舰店");
        }
        return OkStatus();
    })));
}

TEST_P(StoreConformanceTest, ErrorFromWorkRollsEverythingBack) {
    ASSERT_TRUE(IsOk(Script("CREATE TABLE kv (id BIGINT PRIMARY KEY, b TEXT)")));
    Status status = db().Write([&](Session& s) -> Status {
        YT_TRY(s.Execute("INSERT INTO kv (id, b) VALUES (1, 'a')"));
        YT_TRY(s.Execute("INSERT INTO kv (id, b) VALUES (2, 'b')"));
        return NotFound("the coupon batch is gone");
    });
    EXPECT_TRUE(HasCode(status, ErrorCode::kNotFound));
    EXPECT_EQ(status.message(), "the coupon batch is gone");  // the work's own error, untouched
    EXPECT_EQ(Count("kv"), 0);
}

TEST_P(StoreConformanceTest, UniqueViolationIsAlreadyExists) {
    ASSERT_TRUE(IsOk(Script("CREATE TABLE users (id BIGINT PRIMARY KEY, phone TEXT UNIQUE)")));
    ASSERT_TRUE(IsOk(db().Write([&](Session& s) -> Status {
        YT_TRY(s.Execute("INSERT INTO users (id, phone) VALUES (1, '13800138000')"));
        return OkStatus();
    })));

    Status primary_key = db().Write([&](Session& s) -> Status {
        YT_TRY(s.Execute("INSERT INTO users (id, phone) VALUES ($1, $2)", {1, "13900139000"}));
        return OkStatus();
    });
    EXPECT_TRUE(HasCode(primary_key, ErrorCode::kAlreadyExists));

    Status unique = db().Write([&](Session& s) -> Status {
        YT_TRY(s.Execute("INSERT INTO users (id, phone) VALUES (2, '13900139000')"));
        YT_TRY(s.Execute("INSERT INTO users (id, phone) VALUES ($1, $2)", {3, "13800138000"}));
        return OkStatus();
    });
    EXPECT_TRUE(HasCode(unique, ErrorCode::kAlreadyExists));
    // Client-safe: neither the SQL nor the offending value reaches the message.
    EXPECT_EQ(unique.message().find("INSERT"), std::string::npos) << unique.message();
    EXPECT_EQ(unique.message().find("13800138000"), std::string::npos) << unique.message();

    EXPECT_EQ(Count("users"), 1);  // the second write's first insert was rolled back too
    // The connection that saw the error is healthy for the next transaction.
    EXPECT_TRUE(IsOk(db().Write([&](Session& s) -> Status {
        YT_TRY(s.Execute("INSERT INTO users (id, phone) VALUES (2, '13900139000')"));
        return OkStatus();
    })));
    EXPECT_EQ(Count("users"), 2);
}

// InsertRows splits rows into multi-row statements of a few sizes: every count from 0 to past
// two of the largest chunks lands each row once, in order, with its own values.
TEST_P(StoreConformanceTest, InsertRowsStoresEveryRowOfEveryCount) {
    ASSERT_TRUE(IsOk(Script("CREATE TABLE r (n BIGINT NOT NULL, i BIGINT NOT NULL, t TEXT, b " +
                            BlobType(db().dialect()) + ", PRIMARY KEY (n, i))")));
    for (int n = 0; n <= 75; ++n) {
        std::vector<Value> values;
        for (int i = 0; i < n; ++i) {
            values.emplace_back(n);
            values.emplace_back(i);
            values.push_back(i % 3 == 0 ? Value() : Value("行" + std::to_string(i)));
            values.emplace_back(Blob{std::string(static_cast<size_t>(i), static_cast<char>(i))});
        }
        ASSERT_TRUE(IsOk(db().Write([&](Session& s) {
            return InsertRows(s, "INSERT INTO r (n, i, t, b)", 4, values);
        }))) << n
             << " rows";
    }
    ASSERT_TRUE(IsOk(db().Read([&](Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto rows, s.Query("SELECT n, i, t, b FROM r ORDER BY n, i"));
        EXPECT_EQ(rows.size(), size_t{75 * 76 / 2});
        size_t at = 0;
        for (int n = 0; n <= 75; ++n) {
            for (int i = 0; i < n && at < rows.size(); ++i, ++at) {
                const Row& row = rows.rows[at];
                EXPECT_EQ(row.Int(0), n);
                EXPECT_EQ(row.Int(1), i);
                EXPECT_EQ(row.at(2), i % 3 == 0 ? Value() : Value("行" + std::to_string(i))) << n << "/" << i;
                EXPECT_EQ(row.at(3), Value(Blob{std::string(static_cast<size_t>(i), static_cast<char>(i))}));
            }
        }
        return OkStatus();
    })));

    // A row that breaks a constraint fails the call like its INSERT would; the transaction
    // rolls back whole.
    std::vector<Value> clash;
    for (int i = 0; i < 40; ++i) {
        for (Value v : {Value(100), Value(i == 39 ? 0 : i), Value("x"), Value(Blob{"y"})})
            clash.push_back(std::move(v));
    }
    EXPECT_TRUE(HasCode(db().Write([&](Session& s) { return InsertRows(s, "INSERT INTO r (n, i, t, b)", 4, clash); }),
                        ErrorCode::kAlreadyExists));
    EXPECT_EQ(Count("r WHERE n = 100"), 0);
    // Values that are not whole rows are a bug of the caller.
    const std::vector<Value> ragged = {Value(1), Value(2), Value("x")};
    EXPECT_TRUE(HasCode(db().Write([&](Session& s) { return InsertRows(s, "INSERT INTO r (n, i, t, b)", 4, ragged); }),
                        ErrorCode::kInternal));
}

TEST_P(StoreConformanceTest, ForeignKeyViolationIsFailedPrecondition) {
    ASSERT_TRUE(
        IsOk(Script("CREATE TABLE parent (id BIGINT PRIMARY KEY);"
                    "CREATE TABLE child (id BIGINT PRIMARY KEY, parent_id BIGINT NOT NULL REFERENCES parent (id));"
                    "INSERT INTO parent (id) VALUES (1);")));
    Status orphan = db().Write([&](Session& s) -> Status {
        YT_TRY(s.Execute("INSERT INTO child (id, parent_id) VALUES ($1, $2)", {1, 99}));
        return OkStatus();
    });
    EXPECT_TRUE(HasCode(orphan, ErrorCode::kFailedPrecondition));

    ASSERT_TRUE(IsOk(db().Write([&](Session& s) -> Status {
        YT_TRY(s.Execute("INSERT INTO child (id, parent_id) VALUES ($1, $2)", {1, 1}));
        return OkStatus();
    })));
    Status referenced = db().Write([&](Session& s) -> Status {
        YT_TRY(s.Execute("DELETE FROM parent WHERE id = $1", {1}));
        return OkStatus();
    });
    EXPECT_TRUE(HasCode(referenced, ErrorCode::kFailedPrecondition));
    EXPECT_EQ(Count("parent"), 1);
}

TEST_P(StoreConformanceTest, NotNullViolationIsFailedPrecondition) {
    ASSERT_TRUE(IsOk(Script("CREATE TABLE kv (id BIGINT PRIMARY KEY, b TEXT NOT NULL)")));
    Status status = db().Write([&](Session& s) -> Status {
        YT_TRY(s.Execute("INSERT INTO kv (id, b) VALUES ($1, $2)", {1, nullptr}));
        return OkStatus();
    });
    EXPECT_TRUE(HasCode(status, ErrorCode::kFailedPrecondition));
    EXPECT_EQ(Count("kv"), 0);
}

TEST_P(StoreConformanceTest, DeferredConstraintFailsAtCommit) {
    // The violation is only detected by COMMIT, so this pins the commit-failure path: the error
    // is mapped like any statement's, nothing is kept, and the connection is reusable.
    ASSERT_TRUE(IsOk(Script(
        "CREATE TABLE parent (id BIGINT PRIMARY KEY);"
        "CREATE TABLE child (id BIGINT PRIMARY KEY,"
        "                    parent_id BIGINT NOT NULL REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);")));
    Status status = db().Write([&](Session& s) -> Status {
        YT_TRY(s.Execute("INSERT INTO child (id, parent_id) VALUES ($1, $2)", {1, 99}));
        return OkStatus();  // the statement itself succeeded
    });
    EXPECT_TRUE(HasCode(status, ErrorCode::kFailedPrecondition));
    EXPECT_EQ(Count("child"), 0);

    EXPECT_TRUE(IsOk(db().Write([&](Session& s) -> Status {
        YT_TRY(s.Execute("INSERT INTO child (id, parent_id) VALUES ($1, $2)", {1, 99}));
        YT_TRY(s.Execute("INSERT INTO parent (id) VALUES ($1)", {99}));  // satisfied by commit time
        return OkStatus();
    })));
    EXPECT_EQ(Count("child"), 1);
}

TEST_P(StoreConformanceTest, MalformedSqlIsInternal) {
    Status syntax = db().Read([&](Session& s) -> Status {
        YT_TRY(s.Query("SELEC 1 FROM"));
        return OkStatus();
    });
    EXPECT_TRUE(HasCode(syntax, ErrorCode::kInternal));
    EXPECT_EQ(syntax.message().find("SELEC"), std::string::npos) << syntax.message();

    Status missing_table = db().Write([&](Session& s) -> Status {
        YT_TRY(s.Execute("INSERT INTO no_such_table (id) VALUES ($1)", {1}));
        return OkStatus();
    });
    EXPECT_TRUE(HasCode(missing_table, ErrorCode::kInternal));
    EXPECT_EQ(missing_table.message().find("no_such_table"), std::string::npos) << missing_table.message();
}

TEST_P(StoreConformanceTest, ReadSeesOneSnapshot) {
    ASSERT_TRUE(
        IsOk(Script("CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL);"
                    "INSERT INTO counter (id, n) VALUES (1, 1);")));
    // The reader takes its snapshot with a first query, then waits while another thread commits
    // a change; its second query must still see the old value. Latches make the interleaving
    // exact rather than timing-dependent.
    std::latch snapshot_taken(1);
    std::latch write_committed(1);
    int64_t before = -1;
    int64_t during = -1;
    Status read_status;
    std::thread reader([&] {
        bool signalled = false;
        read_status = db().Read([&](Session& s) -> Status {
            YT_ASSIGN_OR_RETURN(auto first, s.QueryOne("SELECT n FROM counter WHERE id = 1"));
            before = first ? first->Int(0) : -1;
            signalled = true;
            snapshot_taken.count_down();
            write_committed.wait();
            YT_ASSIGN_OR_RETURN(auto second, s.QueryOne("SELECT n FROM counter WHERE id = 1"));
            during = second ? second->Int(0) : -1;
            return OkStatus();
        });
        if (!signalled) snapshot_taken.count_down();  // never leave the main thread waiting
    });
    snapshot_taken.wait();
    Status write_status = db().Write([&](Session& s) -> Status {
        YT_TRY(s.Execute("UPDATE counter SET n = 2 WHERE id = 1"));
        return OkStatus();
    });
    write_committed.count_down();
    reader.join();

    EXPECT_TRUE(IsOk(write_status));
    EXPECT_TRUE(IsOk(read_status));
    EXPECT_EQ(before, 1);
    EXPECT_EQ(during, 1);  // the committed change is not visible inside the older snapshot
    ASSERT_TRUE(IsOk(db().Read([&](Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto after, s.QueryOne("SELECT n FROM counter WHERE id = 1"));
        EXPECT_TRUE(after.has_value());
        if (after) {
            EXPECT_EQ(after->Int(0), 2);  // a new read sees it
        }
        return OkStatus();
    })));
}

TEST_P(StoreConformanceTest, ConcurrentWritersLoseNoUpdates) {
    ASSERT_TRUE(
        IsOk(Script("CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL);"
                    "INSERT INTO counter (id, n) VALUES (1, 0);")));
    constexpr int kThreads = 4;
    constexpr int kIncrements = 200;
    std::atomic<int> failures{0};
    std::mutex first_error_mutex;
    std::string first_error;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < kIncrements; ++i) {
                Status status = db().Write([&](Session& s) -> Status {
                    YT_ASSIGN_OR_RETURN(int64_t changed, s.Execute("UPDATE counter SET n = n + 1 WHERE id = 1"));
                    if (changed != 1) return Internal("expected one row changed");
                    return OkStatus();
                });
                if (!status.ok()) {
                    failures.fetch_add(1);
                    std::lock_guard lock(first_error_mutex);
                    if (first_error.empty()) first_error = status.ToString();
                }
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0) << first_error;

    ASSERT_TRUE(IsOk(db().Read([&](Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto row, s.QueryOne("SELECT n FROM counter WHERE id = 1"));
        EXPECT_TRUE(row.has_value());
        if (row) {
            EXPECT_EQ(row->Int(0), int64_t{kThreads} * kIncrements);
        }
        return OkStatus();
    })));
}

TEST_P(StoreConformanceTest, ExecuteScriptRunsSeveralStatements) {
    ASSERT_TRUE(
        IsOk(Script("CREATE TABLE a (id BIGINT PRIMARY KEY);\n"
                    "CREATE TABLE b (id BIGINT PRIMARY KEY, note TEXT);\n"
                    "INSERT INTO a (id) VALUES (1), (2);\n"
                    "INSERT INTO b (id, note) VALUES (1, 'semi;colon');\n")));
    EXPECT_EQ(Count("a"), 2);
    EXPECT_EQ(Count("b"), 1);

    // A failing statement in the middle of a script fails the whole transaction.
    Status status =
        Script("INSERT INTO a (id) VALUES (3); INSERT INTO a (id) VALUES (1); INSERT INTO a (id) VALUES (4);");
    EXPECT_TRUE(HasCode(status, ErrorCode::kAlreadyExists));
    EXPECT_EQ(Count("a"), 2);
}

TEST_P(StoreConformanceTest, PingAnswers) { EXPECT_TRUE(IsOk(db().Ping())); }

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformanceTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) { return param_info.param; });

}  // namespace
}  // namespace yutang::store
