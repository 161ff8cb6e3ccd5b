// SQLite-only behaviour: checkpoints run on a background thread while the writer goes on
// committing, lose nothing, and the writer bounds the WAL when they fall behind.
#include "yutang/store/sqlite/sqlite_database.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace yutang::store
