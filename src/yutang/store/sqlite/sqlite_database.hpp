// The embedded SQLite backend (the default store).
//
// One writer connection (writes are serialised, BEGIN IMMEDIATE) and a pool of reader
// connections; WAL journal so readers never block the writer. Settings chosen for durability:
//   journal_mode=WAL, WAL fsynced behind the writer — a commit is fsynced before Write()
//                                         returns, so an acknowledged write survives kill -9 and
//                                         power loss; the fsync runs off the writer's thread
//                                         while it goes on, and group commit (WriteBatcher)
//                                         amortises it.
//   foreign_keys=ON, busy_timeout       — constraints enforced; a second process waits instead
//                                         of failing at once.
//   background checkpoints              — the writer does not stop to copy the WAL into the
//                                         database file (checkpoint_pages below).
//
//   YT_ASSIGN_OR_RETURN(auto db, OpenSqlite({.path = data_dir + "/yutang.db"}));
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "yutang/store/database.hpp"

namespace yutang::store {

// kFull: nothing is acknowledged before its commit is fsynced. kNormal: the WAL is fsynced only
// by checkpoints; a commit survives kill -9 but not power loss (tests, scratch stores).
enum class SqliteSynchronous { kNormal, kFull };

struct SqliteSettings {
    std::string path;  // ":memory:" is not supported (readers need a shared file)
    size_t readers = 4;
    std::chrono::milliseconds busy_timeout{5000};
    SqliteSynchronous synchronous = SqliteSynchronous::kFull;
    size_t statement_cache = 128;  // prepared statements kept per connection
    // Checkpoints (copying committed pages from the WAL into the database file) run on a
    // background thread once the WAL holds this many pages (4 KiB each); 0 = SQLite's automatic
    // checkpoint on the writer's thread, every 1 000 pages.
    size_t checkpoint_pages = 4000;
    // Past this many, the writer checkpoints itself after its commit, holding up writes, so the
    // WAL stays bounded when the background checkpoints cannot keep up.
    size_t writer_checkpoint_pages = 16000;
    // For tests: runs before each fsync of the WAL, on the thread that runs it.
    std::function<void()> before_wal_sync;
};

// Sets SQLite's process-wide options; OpenSqlite calls it. A program that uses the sqlite3 API
// directly before its first OpenSqlite calls it first (the options cannot change once the
// library is initialised).
void ConfigureSqliteLibrary();

// Opens (creating if needed) the database file. unavailable if the file cannot be opened.
Result<std::unique_ptr<Database>> OpenSqlite(const SqliteSettings& settings);

}  // namespace yutang::store
