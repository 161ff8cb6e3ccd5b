// SQLite-only behaviour: checkpoints run on a background thread while the writer goes on
// committing, lose nothing, and the writer bounds the WAL when they fall behind; commits are
// fsynced on a thread of their own, and nothing is answered before its fsync.
#include "yutang/store/sqlite/sqlite_database.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "tests/support/gate.hpp"
#include "tests/support/temp_dir.hpp"

namespace yutang::store {
namespace {

constexpr int kPage = 4096;

class SqliteCheckpointTest : public ::testing::Test {
  protected:
    // Opens the store at path_ with its `items` table.
    std::unique_ptr<Database> Open(size_t checkpoint_pages, size_t writer_checkpoint_pages) {
        auto db = OpenSqlite(
            {.path = path_, .checkpoint_pages = checkpoint_pages, .writer_checkpoint_pages = writer_checkpoint_pages});
        EXPECT_TRUE(db.ok()) << db.status().ToString();
        if (!db.ok()) return nullptr;
        const Status created = (*db)->Write([](Session& s) {
            return s.ExecuteScript("CREATE TABLE IF NOT EXISTS items (id BIGINT PRIMARY KEY, payload TEXT NOT NULL)");
        });
        EXPECT_TRUE(created.ok()) << created.ToString();
        return std::move(*db);
    }
    // Commits `transactions` transactions of 20 rows of 1 KiB (about 6 pages each).
    static void Fill(Database& db, int transactions, int64_t& next) {
        const std::string payload(1024, 'x');
        for (int t = 0; t < transactions; ++t) {
            ASSERT_TRUE(
                db.Write([&](Session& s) -> Status {
                      for (int i = 0; i < 20; ++i) {
                          YT_TRY(s.Execute("INSERT INTO items (id, payload) VALUES ($1, $2)", {next++, payload}));
                      }
                      return OkStatus();
                  }).ok());
        }
    }
    uintmax_t Size(const std::string& file) {
        std::error_code error;
        const auto size = std::filesystem::file_size(file, error);
        return error ? 0 : size;
    }

    testing::TempDir dir_;
    std::string path_ = dir_.File("c.db");
};

TEST_F(SqliteCheckpointTest, BackgroundCheckpointsCopyTheWalIntoTheDatabaseAndLoseNothing) {
    // The writer never checkpoints itself here: what reaches the file is the thread's doing.
    auto db = Open(/*checkpoint_pages=*/50, /*writer_checkpoint_pages=*/1'000'000);
    ASSERT_NE(db, nullptr);
    int64_t next = 0;
    Fill(*db, 600, next);  // about 6 800 pages through the WAL
    // Without the writer stopping for them, checkpoints still reach the database file.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (Size(path_) < uintmax_t{2500} * kPage && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_GE(Size(path_), uintmax_t{2500} * kPage);
    int64_t count = 0;
    ASSERT_TRUE(db->Read([&](Session& s) -> Status {
                      YT_ASSIGN_OR_RETURN(auto row, s.QueryOne("SELECT COUNT(*) FROM items"));
                      count = row->Int(0);
                      return OkStatus();
                  }).ok());
    EXPECT_EQ(count, next);
    db.reset();  // stops the checkpoint thread
    auto reopened = Open(50, 1'000'000);
    ASSERT_NE(reopened, nullptr);
    ASSERT_TRUE(reopened
                    ->Read([&](Session& s) -> Status {
                        YT_ASSIGN_OR_RETURN(auto row, s.QueryOne("SELECT COUNT(*), MAX(id) FROM items"));
                        EXPECT_EQ(row->Int(0), next);
                        EXPECT_EQ(row->Int(1), next - 1);
                        return OkStatus();
                    })
                    .ok());
}

TEST_F(SqliteCheckpointTest, TheWriterCheckpointsItselfWhenTheWalGrowsPastItsLimit) {
    // Back-to-back commits leave the thread no moment in which every frame is copied, so the
    // WAL cannot start over until the writer copies the rest itself.
    auto db = Open(/*checkpoint_pages=*/50, /*writer_checkpoint_pages=*/400);
    ASSERT_NE(db, nullptr);
    int64_t next = 0;
    Fill(*db, 600, next);  // about 6 800 pages through the WAL
    // Past 400 pages every commit checkpoints; one that finds the thread checkpointing (busy)
    // leaves it to the next, so the WAL may pass 400 by a few transactions, never by thousands.
    EXPECT_LT(Size(path_ + "-wal"), uintmax_t{800 * (kPage + 24)});
}

TEST_F(SqliteCheckpointTest, WithoutTheThreadSqliteCheckpointsOnTheWriter) {
    auto db = Open(/*checkpoint_pages=*/0, /*writer_checkpoint_pages=*/0);
    ASSERT_NE(db, nullptr);
    int64_t next = 0;
    Fill(*db, 300, next);
    // SQLite's automatic checkpoint, every 1 000 pages, restarts the WAL.
    EXPECT_LT(Size(path_ + "-wal"), uintmax_t{(1000 + 50) * (kPage + 24)});
    EXPECT_GE(Size(path_), uintmax_t{1000} * kPage);
}

class SqliteDurabilityTest : public ::testing::Test {
  protected:
    void SetUp() override {
        {
            auto db = OpenSqlite({.path = path_});
            ASSERT_TRUE(db.ok()) << db.status().ToString();
            ASSERT_TRUE(
                (*db)
                    ->Write([](Session& s) { return s.ExecuteScript("CREATE TABLE items (id BIGINT PRIMARY KEY)"); })
                    .ok());
        }
        // From here on every fsync of the WAL waits at the gate until the test opens it.
        auto db = OpenSqlite({.path = path_, .before_wal_sync = [this] { gate_.Pass(); }});
        ASSERT_TRUE(db.ok()) << db.status().ToString();
        db_ = std::move(*db);
    }
    void TearDown() override { gate_.Open(); }  // the store syncs what is left as it closes

    static Work Insert(int64_t id) {
        return [id](Session& s) { return s.Execute("INSERT INTO items (id) VALUES ($1)", {id}).status(); };
    }
    static int64_t Count(Database& db) {
        int64_t n = -1;
        EXPECT_TRUE(db.Read([&](Session& s) -> Status {
                          YT_ASSIGN_OR_RETURN(auto row, s.QueryOne("SELECT COUNT(*) FROM items"));
                          n = row->Int(0);
                          return OkStatus();
                      }).ok());
        return n;
    }
    // A thread stopped at the gate cannot be seen not to return; this is how long the test
    // looks before it opens the gate.
    static void Linger() { std::this_thread::sleep_for(std::chrono::milliseconds(100)); }

    testing::TempDir dir_;
    std::string path_ = dir_.File("d.db");
    testing::Gate gate_;
    std::unique_ptr<Database> db_;
};

TEST_F(SqliteDurabilityTest, AWriteReturnsOnlyOnceItsCommitIsSynced) {
    std::atomic<bool> returned{false};
    std::thread writer([&] {
        EXPECT_TRUE(db_->Write(Insert(1)).ok());
        returned = true;
    });
    gate_.WaitForArrivals(1);  // committed: the syncer is about to fsync it
    Linger();
    EXPECT_FALSE(returned);
    gate_.Open();
    writer.join();
    EXPECT_TRUE(returned);
}

TEST_F(SqliteDurabilityTest, AWriteWaitsForASyncThatBeganAfterItsCommit) {
    db_->WriteThen(Insert(1), [](const Status&) {});
    gate_.WaitForArrivals(1);  // the sync of commit 1 is held
    std::atomic<bool> returned{false};
    std::thread writer([&] {
        EXPECT_TRUE(db_->Write(Insert(2)).ok());
        returned = true;
    });
    Linger();  // commit 2 is made while the sync of commit 1 is held
    gate_.Let(1);
    // That sync began before commit 2 and does not cover it: the writer runs the next one.
    gate_.WaitForArrivals(2);
    Linger();
    EXPECT_FALSE(returned);
    gate_.Open();
    writer.join();
    EXPECT_TRUE(returned);
}

TEST_F(SqliteDurabilityTest, TheWriterCommitsTheNextTransactionWhileTheLastIsSynced) {
    std::atomic<int> durable{0};
    const auto count = [&](const Status& status) {
        EXPECT_TRUE(status.ok()) << status.ToString();
        ++durable;
    };
    db_->WriteThen(Insert(1), count);
    gate_.WaitForArrivals(1);
    // WriteThen returns once committed: with the first sync held, a second commit goes ahead.
    db_->WriteThen(Insert(2), count);
    db_->WriteThen(Insert(3), count);
    EXPECT_EQ(durable.load(), 0);
    gate_.Open();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (durable.load() < 3 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(durable.load(), 3);
    // The two commits made while the first was being synced shared the next sync.
    EXPECT_EQ(gate_.arrivals(), 2);
    EXPECT_EQ(Count(*db_), 3);
}

TEST_F(SqliteDurabilityTest, AReadReturnsOnlyOnceWhatItSawIsDurable) {
    db_->WriteThen(Insert(1), [](const Status&) {});
    gate_.WaitForArrivals(1);
    std::atomic<int64_t> seen{-1};
    std::thread reader([&] { seen = Count(*db_); });
    Linger();
    EXPECT_EQ(seen.load(), -1);
    gate_.Open();
    reader.join();
    EXPECT_EQ(seen.load(), 1);
}

TEST_F(SqliteDurabilityTest, AFailedTransactionIsAnsweredAtOnceWithItsError) {
    gate_.Open();
    Status answer;
    bool answered = false;
    db_->WriteThen(
        [](Session& s) -> Status {
            YT_TRY(s.Execute("INSERT INTO items (id) VALUES (7)"));
            return InvalidArgument("refused", "id");
        },
        [&](const Status& status) {
            answer = status;
            answered = true;
        });
    EXPECT_TRUE(answered);  // rolled back: no commit, nothing to wait for
    EXPECT_EQ(answer.code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(Count(*db_), 0);
}

TEST_F(SqliteDurabilityTest, AFailureThatRestsOnAnUnsyncedCommitWaitsForIt) {
    db_->WriteThen(Insert(1), [](const Status&) {});
    gate_.WaitForArrivals(1);
    // "Already exists" is true only if the first commit survives: it is not answered before.
    std::atomic<bool> answered{false};
    Status answer;
    db_->WriteThen(Insert(1), [&](const Status& status) {
        answer = status;
        answered = true;
    });
    Linger();
    EXPECT_FALSE(answered);
    gate_.Open();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!answered && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_TRUE(answered);
    EXPECT_EQ(answer.code(), ErrorCode::kAlreadyExists);
}

TEST_F(SqliteDurabilityTest, WithoutFsyncsNothingWaits) {
    gate_.Open();
    db_.reset();
    auto db = OpenSqlite(
        {.path = path_, .synchronous = SqliteSynchronous::kNormal, .before_wal_sync = [] { ADD_FAILURE(); }});
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Write(Insert(1)).ok());
    bool durable = false;
    (*db)->WriteThen(Insert(2), [&](const Status& status) { durable = status.ok(); });
    EXPECT_TRUE(durable);  // answered at once: nothing is synced
    EXPECT_EQ(Count(**db), 2);
}

TEST_F(SqliteDurabilityTest, ATransactionThatWroteNothingNeedsNoSync) {
    // Every fsync is held: a Write that changed nothing must still return.
    std::atomic<bool> returned{false};
    std::thread writer([&] {
        EXPECT_TRUE(db_->Write([](Session& s) { return s.Query("SELECT COUNT(*) FROM items").status(); }).ok());
        returned = true;
    });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!returned && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_TRUE(returned);
    EXPECT_EQ(gate_.arrivals(), 0);
    gate_.Open();
    writer.join();
}

TEST_F(SqliteDurabilityTest, ClosingTheStoreSyncsAndAnswersWhatIsPending) {
    std::atomic<bool> durable{false};
    db_->WriteThen(Insert(1), [&](const Status& status) { durable = status.ok(); });
    gate_.WaitForArrivals(1);
    std::thread opener([&] {
        Linger();
        gate_.Open();
    });
    db_.reset();  // waits for the held sync
    opener.join();
    EXPECT_TRUE(durable);
    auto reopened = OpenSqlite({.path = path_});
    ASSERT_TRUE(reopened.ok());
    EXPECT_EQ(Count(**reopened), 1);
}

// The page cache passes on only the truncations that can drop a page (page_cache in
// sqlite_database.cpp). Pages of growth rolled back to a savepoint must still leave the cache,
// as SQLite's own cache would drop them, and the file must stay intact.
TEST(SqlitePageCacheTest, PagesOfGrowthRolledBackToASavepointLeaveTheCache) {
    ConfigureSqliteLibrary();
    testing::TempDir dir;
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir.File("p.db").c_str(), &db), SQLITE_OK);
    const auto exec = [&](const std::string& sql) {
        char* error = nullptr;
        EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << sql << ": " << error;
        sqlite3_free(error);
    };
    const auto cached_pages = [&] {
        int used = 0, highwater = 0;
        EXPECT_EQ(sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_USED, &used, &highwater, 0), SQLITE_OK);
        return used / 4096;  // about: each page costs a little more than its 4 KiB
    };
    // Rows with random keys, so that the unique index splits and renumbers its pages.
    int64_t next = 0;
    std::mt19937_64 random(7);
    const auto insert = [&](int rows) {
        std::string sql = "INSERT INTO t (id, k, v) VALUES ";
        for (int i = 0; i < rows; ++i) {
            sql += (i ? ",(" : "(") + std::to_string(next++) + ",'" + std::to_string(random()) + std::string(40, 'k') +
                   "','" + std::string(200, 'v') + "')";
        }
        exec(sql);
    };
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA cache_size=-65536");  // nothing is evicted
    exec("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL UNIQUE, v TEXT NOT NULL)");
    exec("BEGIN");
    insert(3000);
    exec("COMMIT");
    const int before = cached_pages();
    exec("BEGIN");
    exec("SAVEPOINT grow");
    insert(3000);  // about 250 pages of rows and 60 of index past the end of the file
    const int grown = cached_pages();
    exec("ROLLBACK TO SAVEPOINT grow");
    exec("RELEASE SAVEPOINT grow");
    insert(10);
    exec("COMMIT");
    const int after = cached_pages();
    EXPECT_GT(grown, before + 250);
    EXPECT_LT(after, before + 20);
    const auto first_cell = [&](const char* sql) {
        sqlite3_stmt* statement = nullptr;
        EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &statement, nullptr), SQLITE_OK);
        std::string text;
        if (sqlite3_step(statement) == SQLITE_ROW)
            text = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
        sqlite3_finalize(statement);
        return text;
    };
    EXPECT_EQ(first_cell("PRAGMA integrity_check"), "ok");
    EXPECT_EQ(first_cell("SELECT COUNT(*) FROM t"), "3010");
    sqlite3_close(db);
}

// A group-commit item runs in a savepoint, and a savepoint journals the original of every page
// it changes. Past kStatementJournalBytes that journal moves from memory to a temp file; with
// larger thresholds SQLite 3.40 failed that move with "database or disk is full".
TEST(SqliteJournalTest, ASavepointThatChangesMorePagesThanMemoryHoldsRollsBackAndCommits) {
    testing::TempDir dir;
    auto db = OpenSqlite({.path = dir.File("j.db")});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    // 6 000 rows of one page each: 24 MiB of pages to journal when every row changes.
    ASSERT_TRUE((*db)
                    ->Write([](Session& s) -> Status {
                        YT_TRY(s.ExecuteScript("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)"));
                        return s
                            .Execute(
                                "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000) "
                                "INSERT INTO t SELECT i, zeroblob(4000) FROM n")
                            .status();
                    })
                    .ok());
    const auto changed_rows = [&] {
        int64_t n = -1;
        EXPECT_TRUE((*db)
                        ->Read([&](Session& s) -> Status {
                            YT_ASSIGN_OR_RETURN(auto row,
                                                s.QueryOne("SELECT COUNT(*) FROM t WHERE v != zeroblob(4000)"));
                            n = row->Int(0);
                            return OkStatus();
                        })
                        .ok());
        return n;
    };
    const auto change_all = [](bool keep) {
        return [keep](Session& s) -> Status {
            YT_TRY(s.Execute("SAVEPOINT item"));
            YT_TRY(s.Execute("UPDATE t SET v = randomblob(4000)"));
            if (!keep) YT_TRY(s.Execute("ROLLBACK TO SAVEPOINT item"));
            return s.Execute("RELEASE SAVEPOINT item").status();
        };
    };
    const Status undone = (*db)->Write(change_all(/*keep=*/false));
    ASSERT_TRUE(undone.ok()) << undone.ToString();
    EXPECT_EQ(changed_rows(), 0);
    const Status kept = (*db)->Write(change_all(/*keep=*/true));
    ASSERT_TRUE(kept.ok()) << kept.ToString();
    EXPECT_EQ(changed_rows(), 6000);
}

}  // namespace
}  // namespace yutang::store
