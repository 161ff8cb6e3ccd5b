#include "yutang/store/sqlite/sqlite_database.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <mutex>
#include <new>
#include <thread>
#include <unordered_map>

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "yutang/base/log.hpp"

namespace yutang::store {
namespace {

// A statement or savepoint journal is kept in memory up to this size, as one block (past it,
// in a temp file). In SQLite's default blocks of 1 KiB, ending each statement walks the journal's
// list of blocks from its start: with the savepoint of a large group-commit item that walk was
// a sixth of the writer's time. No larger: with SQLite 3.40 a threshold above 128 KiB made the
// move to the temp file fail ("database or disk is full"), and with it every transaction whose
// journal outgrew memory (SqliteJournalTest).
constexpr int kStatementJournalBytes = 128 << 10;

// SQLite's own page cache, with one shortcut. At the end of every write transaction SQLite
// drops the cached pages past the end of the database (pcache1Truncate). It knows only the
// largest page number ever cached, and when a B-tree rebalance has renumbered a page through
// a temporary number at 1 GiB (balance_nonroot keeps sibling pages in ascending order), that
// number stays the largest: each commit then walks the whole cache, 16 000 pages for the
// writer, a tenth of its time under ingest. This layer keeps the largest number cached apart
// from that temporary one, and passes a truncation on only when it can find a page to drop.
namespace page_cache {

sqlite3_pcache_methods2 inner;  // SQLite's default, set once before the library starts

struct Cache {
    sqlite3_pcache* inner;
    unsigned pending_page;        // the temporary number: the page holding PENDING_BYTE
    unsigned largest = 0;         // no page past this is cached, other than …
    bool pending_in_use = false;  // … one under the temporary number
};

Cache* Of(sqlite3_pcache* cache) { return reinterpret_cast<Cache*>(cache); }

sqlite3_pcache* Create(int page_size, int extra_size, int purgeable) {
    sqlite3_pcache* created = inner.xCreate(page_size, extra_size, purgeable);
    if (created == nullptr) return nullptr;
    constexpr unsigned kPendingByte = 0x40000000;  // SQLite's default PENDING_BYTE
    auto* cache = new (std::nothrow) Cache{created, kPendingByte / static_cast<unsigned>(page_size) + 1};
    if (cache == nullptr) inner.xDestroy(created);
    return reinterpret_cast<sqlite3_pcache*>(cache);
}
void CacheSize(sqlite3_pcache* cache, int pages) { inner.xCachesize(Of(cache)->inner, pages); }
int PageCount(sqlite3_pcache* cache) { return inner.xPagecount(Of(cache)->inner); }
sqlite3_pcache_page* Fetch(sqlite3_pcache* cache, unsigned key, int create) {
    Cache* c = Of(cache);
    sqlite3_pcache_page* page = inner.xFetch(c->inner, key, create);
    if (page != nullptr && create != 0) {
        if (key == c->pending_page) {
            c->pending_in_use = true;
        } else if (key > c->largest) {
            c->largest = key;
        }
    }
    return page;
}
void Unpin(sqlite3_pcache* cache, sqlite3_pcache_page* page, int discard) {
    inner.xUnpin(Of(cache)->inner, page, discard);
}
void Rekey(sqlite3_pcache* cache, sqlite3_pcache_page* page, unsigned old_key, unsigned new_key) {
    Cache* c = Of(cache);
    inner.xRekey(c->inner, page, old_key, new_key);
    if (old_key == c->pending_page) c->pending_in_use = false;
    if (new_key == c->pending_page) {
        c->pending_in_use = true;
    } else if (new_key > c->largest) {
        c->largest = new_key;
    }
}
void Truncate(sqlite3_pcache* cache, unsigned limit) {
    Cache* c = Of(cache);
    const bool pending_dropped = c->pending_in_use && c->pending_page >= limit;
    if (c->largest < limit && !pending_dropped) return;  // no cached page is numbered limit or above
    inner.xTruncate(c->inner, limit);
    if (pending_dropped) c->pending_in_use = false;
    if (limit > 0 && c->largest >= limit) c->largest = limit - 1;
}
void Destroy(sqlite3_pcache* cache) {
    inner.xDestroy(Of(cache)->inner);
    delete Of(cache);
}
void Shrink(sqlite3_pcache* cache) { inner.xShrink(Of(cache)->inner); }

// Installs the layer over SQLite's default cache; before the library's first use only.
void Install() {
    if (sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &inner) != SQLITE_OK || inner.xCreate == nullptr) return;
    static sqlite3_pcache_methods2 layered = inner;
    layered.xCreate = Create;
    layered.xCachesize = CacheSize;
    layered.xPagecount = PageCount;
    layered.xFetch = Fetch;
    layered.xUnpin = Unpin;
    layered.xRekey = Rekey;
    layered.xTruncate = Truncate;
    layered.xDestroy = Destroy;
    layered.xShrink = Shrink;
    (void)sqlite3_config(SQLITE_CONFIG_PCACHE2, &layered);
}

}  // namespace page_cache

// Maps an SQLite result code to the canonical codes promised in database.hpp.
Status SqliteError(sqlite3* db, int rc, std::string_view what) {
    const int extended = db ? sqlite3_extended_errcode(db) : rc;
    std::string detail = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    switch (extended) {
        case SQLITE_CONSTRAINT_UNIQUE:
        case SQLITE_CONSTRAINT_PRIMARYKEY:
            return Status(ErrorCode::kAlreadyExists, "already exists", {}, std::move(detail));
        default:
            break;
    }
    switch (extended & 0xff) {
        case SQLITE_CONSTRAINT:
            return Status(ErrorCode::kFailedPrecondition, "constraint violated", {}, std::move(detail));
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return Status(ErrorCode::kAborted, "the store is busy; try again", {}, std::move(detail));
        case SQLITE_FULL:
        case SQLITE_IOERR:
        case SQLITE_CANTOPEN:
        case SQLITE_READONLY:
            return Status(ErrorCode::kUnavailable, "the store cannot be written", {}, std::move(detail));
        default:
            return Status(ErrorCode::kInternal, "internal error", {}, std::move(detail));
    }
}

// "$1" → "?1" outside string literals and quoted identifiers, so that a parameter number
// binds the same index whatever order the placeholders appear in.
std::string RewritePlaceholders(std::string_view sql) {
    std::string out;
    out.reserve(sql.size());
    char quote = 0;
    for (size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (quote) {
            if (c == quote) quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '$' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
            out += '?';
            continue;
        }
        out += c;
    }
    return out;
}

class Connection;

class SqliteSession final : public Session {
  public:
    explicit SqliteSession(Connection& connection) : connection_(connection) {}
    Dialect dialect() const override { return Dialect::kSqlite; }
    Result<Rows> Query(std::string_view sql, std::span<const Value> params) override;
    Status ExecuteScript(std::string_view sql) override;
    using Session::Query;

  private:
    Connection& connection_;
};

class Connection {
  public:
    Connection(sqlite3* db, size_t cache_limit) : db_(db), cache_limit_(cache_limit) {}
    ~Connection() {
        ClearCache();
        sqlite3_close_v2(db_);
    }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    sqlite3* db() const { return db_; }

    Status Exec(std::string_view sql) {
        const std::string terminated(sql);
        char* error = nullptr;
        const int rc = sqlite3_exec(db_, terminated.c_str(), nullptr, nullptr, &error);
        sqlite3_free(error);
        if (rc != SQLITE_OK) return SqliteError(db_, rc, "exec");
        return OkStatus();
    }

    // The first column of the first row of a statement without parameters, as text.
    Result<std::string> Text(std::string_view sql) {
        std::string text;
        const auto first = [](void* out, int columns, char** values, char**) {
            if (columns > 0 && values[0] != nullptr && static_cast<std::string*>(out)->empty()) {
                *static_cast<std::string*>(out) = values[0];
            }
            return 0;
        };
        const std::string terminated(sql);
        const int rc = sqlite3_exec(db_, terminated.c_str(), first, &text, nullptr);
        if (rc != SQLITE_OK) return SqliteError(db_, rc, "exec");
        return text;
    }

    Result<sqlite3_stmt*> Prepare(std::string_view sql) {
        auto it = cache_.find(std::string(sql));
        if (it != cache_.end()) return it->second;
        if (cache_.size() >= cache_limit_) ClearCache();
        const std::string rewritten = RewritePlaceholders(sql);
        sqlite3_stmt* stmt = nullptr;
        const int rc = sqlite3_prepare_v3(db_, rewritten.c_str(), static_cast<int>(rewritten.size()),
                                          SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
        if (rc != SQLITE_OK) return SqliteError(db_, rc, "prepare");
        if (stmt == nullptr) return Internal("empty statement");
        cache_.emplace(std::string(sql), stmt);
        return stmt;
    }

  private:
    void ClearCache() {
        for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
        cache_.clear();
    }

    sqlite3* db_;
    size_t cache_limit_;
    std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

Status Bind(sqlite3* db, sqlite3_stmt* stmt, std::span<const Value> params) {
    const int expected = sqlite3_bind_parameter_count(stmt);
    if (static_cast<size_t>(expected) > params.size()) {
        return Internal("statement expects " + std::to_string(expected) + " parameters, got " +
                        std::to_string(params.size()));
    }
    for (int i = 0; i < expected; ++i) {
        const auto& v = params[static_cast<size_t>(i)].variant();
        const int index = i + 1;
        int rc = SQLITE_OK;
        if (const auto* n = std::get_if<int64_t>(&v)) {
            rc = sqlite3_bind_int64(stmt, index, *n);
        } else if (const auto* d = std::get_if<double>(&v)) {
            rc = sqlite3_bind_double(stmt, index, *d);
        } else if (const auto* s = std::get_if<std::string>(&v)) {
            rc = sqlite3_bind_text64(stmt, index, s->data(), s->size(), SQLITE_STATIC, SQLITE_UTF8);
        } else if (const auto* b = std::get_if<Blob>(&v)) {
            // A zero-length blob bound from a null pointer would become NULL.
            rc = b->bytes.empty() ? sqlite3_bind_zeroblob(stmt, index, 0)
                                  : sqlite3_bind_blob64(stmt, index, b->bytes.data(), b->bytes.size(), SQLITE_STATIC);
        } else {
            rc = sqlite3_bind_null(stmt, index);
        }
        if (rc != SQLITE_OK) return SqliteError(db, rc, "bind");
    }
    return OkStatus();
}

Value ColumnValue(sqlite3_stmt* stmt, int column) {
    switch (sqlite3_column_type(stmt, column)) {
        case SQLITE_INTEGER:
            return Value(static_cast<int64_t>(sqlite3_column_int64(stmt, column)));
        case SQLITE_FLOAT:
            return Value(sqlite3_column_double(stmt, column));
        case SQLITE_TEXT: {
            const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
            return Value(std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt, column))));
        }
        case SQLITE_BLOB: {
            const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt, column));
            const auto size = static_cast<size_t>(sqlite3_column_bytes(stmt, column));
            return Value(Blob{data ? std::string(data, size) : std::string()});
        }
        default:
            return Value();
    }
}

Result<Rows> SqliteSession::Query(std::string_view sql, std::span<const Value> params) {
    YT_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, connection_.Prepare(sql));
    sqlite3* db = connection_.db();
    // Reset on every exit so the cached statement holds no read snapshot or bindings.
    struct ResetOnExit {
        sqlite3_stmt* stmt;
        ~ResetOnExit() {
            sqlite3_reset(stmt);
            sqlite3_clear_bindings(stmt);
        }
    } reset{stmt};
    YT_TRY(Bind(db, stmt, params));
    Rows rows;
    const int columns = sqlite3_column_count(stmt);
    rows.columns.reserve(static_cast<size_t>(columns));
    for (int c = 0; c < columns; ++c) rows.columns.emplace_back(sqlite3_column_name(stmt, c));
    while (true) {
        const int rc = sqlite3_step(stmt);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) return SqliteError(db, rc, "step");
        std::vector<Value> values;
        values.reserve(static_cast<size_t>(columns));
        for (int c = 0; c < columns; ++c) values.push_back(ColumnValue(stmt, c));
        rows.rows.emplace_back(std::move(values));
    }
    rows.affected = sqlite3_stmt_readonly(stmt) ? 0 : sqlite3_changes64(db);
    return rows;
}

Status SqliteSession::ExecuteScript(std::string_view sql) { return connection_.Exec(sql); }

class SqliteDatabase final : public Database {
  public:
    explicit SqliteDatabase(SqliteSettings settings) : settings_(std::move(settings)) {}
    ~SqliteDatabase() override {
        if (checkpointer_.joinable()) {
            {
                std::lock_guard lock(checkpoint_mutex_);
                stopping_ = true;
            }
            checkpoint_wanted_.notify_all();
            checkpointer_.join();
        }
        if (syncer_.joinable()) {
            {
                std::lock_guard lock(sync_mutex_);
                sync_stopping_ = true;
            }
            sync_wanted_.notify_all();
            syncer_.join();
        }
        if (wal_fd_ >= 0) ::close(wal_fd_);
    }
    SqliteDatabase(const SqliteDatabase&) = delete;
    SqliteDatabase& operator=(const SqliteDatabase&) = delete;

    Status Open() {
        YT_ASSIGN_OR_RETURN(writer_, OpenConnection(/*read_only=*/false));
        YT_ASSIGN_OR_RETURN(const std::string mode, writer_->Text("PRAGMA journal_mode=WAL"));
        if (mode != "wal") {
            return Unavailable("the database cannot use a write-ahead log here (journal mode " + mode + ")",
                               settings_.path);
        }
        // The writer's commits append to the WAL without waiting for the disk; the WAL is
        // fsynced behind them (SyncLocked), and a write is acknowledged once a sync that began
        // after its COMMIT has returned (WaitDurable). Checkpoints still sync the WAL before
        // copying it and the database file after.
        YT_TRY(writer_->Exec("PRAGMA synchronous=NORMAL"));
        // SQLite's own name for the WAL (the database path with symbolic links resolved).
        wal_path_ = sqlite3_filename_wal(sqlite3_db_filename(writer_->db(), "main"));
        if (settings_.synchronous == SqliteSynchronous::kFull) {
            // What a crash left in the WAL is readable at once but may not be on disk yet.
            std::error_code missing;
            if (std::filesystem::exists(wal_path_, missing)) SyncWal();
            syncer_ = std::thread([this] { RunSyncs(); });
        }
        // 64 MiB of page cache for the writer (SQLite's default is 2 MiB): index pages of busy
        // tables stay in memory instead of being re-read on every insert.
        YT_TRY(writer_->Exec("PRAGMA cache_size=-65536"));
        // Statement and savepoint journals stay in memory (see kStatementJournalBytes): every
        // write through WriteBatcher runs in a savepoint, and a statement that fires a trigger
        // (the customer change log) inside one journals the pages it changes; in temp files
        // that cost ingest 40 % of its rate. Sorts and temporary tables (a migration's index
        // build) are not kept in memory: past a few MiB they go to files in SQLite's temp
        // directory (SQLITE_TMPDIR, TMPDIR, /var/tmp, /tmp), which bounds their memory.
        // Replaces SQLite's automatic checkpoint, which is itself a WAL hook.
        sqlite3_wal_hook(writer_->db(), &SqliteDatabase::WalHook, this);
        if (settings_.checkpoint_pages > 0) {
            // Checkpoints on a thread of their own: the writer commits (appends to the WAL)
            // while earlier commits are copied into the database file, instead of stopping for
            // that copy and its fsync every checkpoint_pages.
            YT_ASSIGN_OR_RETURN(checkpoint_connection_, OpenConnection(/*read_only=*/false));
            // A connection learns that the file is in WAL mode from its first read; until then
            // a checkpoint through it does nothing.
            YT_TRY(checkpoint_connection_->Exec("SELECT 1 FROM sqlite_schema LIMIT 1"));
            checkpointer_ = std::thread([this] { RunCheckpoints(); });
        }
        for (size_t i = 0; i < std::max<size_t>(1, settings_.readers); ++i) {
            YT_ASSIGN_OR_RETURN(auto reader, OpenConnection(/*read_only=*/true));
            idle_readers_.push_back(reader.get());
            readers_.push_back(std::move(reader));
        }
        return OkStatus();
    }

    Dialect dialect() const override { return Dialect::kSqlite; }

    Status Write(const Work& work) override {
        Outcome outcome = Commit(work);
        WaitDurable(outcome.depends_on);
        return outcome.status;
    }

    void WriteThen(const Work& work, std::function<void(Status)> durable) override {
        Outcome outcome = Commit(work);
        {
            std::lock_guard lock(sync_mutex_);
            if (synced_ < outcome.depends_on) {
                waiting_.push_back({outcome.depends_on, std::move(outcome.status), std::move(durable)});
                sync_wanted_.notify_one();
                return;
            }
        }
        durable(outcome.status);
    }

    Status Read(const Work& work) override {
        // The reader goes back to the pool before the wait.
        const Outcome outcome = ReadOnce(work);
        WaitDurable(outcome.depends_on);
        return outcome.status;
    }

    Status Ping() override {
        return Read([](Session& s) { return s.Query("SELECT 1").status(); });
    }

  private:
    // What a transaction answers, and the last commit it may depend on: the answer is given
    // once that commit is durable. A failure depends on commits too: "already exists", or a
    // checked row count, may rest on a row committed a moment before and not yet synced.
    struct Outcome {
        Status status;
        uint64_t depends_on = 0;
    };

    // Runs `work` in a transaction on the writer and commits it. Commits that wrote to the
    // WAL are numbered in order, in WalHook, as soon as they are visible.
    Outcome Commit(const Work& work) {
        std::lock_guard lock(writer_mutex_);
        if (Status begun = writer_->Exec("BEGIN IMMEDIATE"); !begun.ok()) return {begun, LatestCommit()};
        SqliteSession session(*writer_);
        Status status = RunWork(*writer_, work, session);
        if (!status.ok()) {
            RollBack(*writer_);
            return {status, LatestCommit()};
        }
        {
            std::lock_guard sync_lock(sync_mutex_);
            committing_ = true;
        }
        const int rc = sqlite3_exec(writer_->db(), "COMMIT", nullptr, nullptr, nullptr);
        {
            std::lock_guard sync_lock(sync_mutex_);
            // A commit that wrote nothing to the WAL (or failed) took no number in WalHook, but
            // a reader may be waiting for the one it would have taken. It adds nothing to sync:
            // durable as soon as the commits before it are.
            if (committing_) {
                const bool all_synced = synced_ == committed_;
                TakeNumber();
                if (all_synced) synced_ = committed_;
            }
        }
        if (rc == SQLITE_OK) return {OkStatus(), LatestCommit()};
        if ((sqlite3_extended_errcode(writer_->db()) & 0xff) == SQLITE_IOERR) {
            // A failed write cannot be retried safely (the kernel may have dropped the dirty
            // pages): stop, and let recovery from the WAL decide what was durable.
            spdlog::critical("sqlite commit failed with an I/O error: {}; stopping", sqlite3_errmsg(writer_->db()));
            std::abort();
        }
        Status error = SqliteError(writer_->db(), rc, "commit");
        RollBack(*writer_);
        return {error, LatestCommit()};
    }

    // Numbers the commit in progress. Under sync_mutex_.
    void TakeNumber() {
        committing_ = false;
        ++committed_;
        if (!syncer_.joinable()) synced_ = committed_;  // SqliteSynchronous::kNormal: never synced
        durable_.notify_all();
    }

    Outcome ReadOnce(const Work& work) {
        Connection& reader = AcquireReader();
        struct Release {
            SqliteDatabase* self;
            Connection* connection;
            ~Release() { self->ReleaseReader(*connection); }
        } release{this, &reader};
        if (Status begun = reader.Exec("BEGIN"); !begun.ok()) return {begun, 0};
        // Start the read transaction now (a deferred BEGIN would take its snapshot at the
        // first read), so that everything inside `work` sees the state as of this call.
        if (Status s = reader.Exec("SELECT 1 FROM sqlite_schema LIMIT 1"); !s.ok()) {
            RollBack(reader);
            return {s, 0};
        }
        // The snapshot may hold commits of this store not yet synced: the read is not answered
        // before they are durable, so nothing read here can be lost afterwards.
        const uint64_t seen = LatestCommit();
        SqliteSession session(reader);
        Status status = RunWork(reader, work, session);
        RollBack(reader);  // Read-only: ending with ROLLBACK or COMMIT is the same.
        return {status, seen};
    }

    // The number of the last commit a snapshot taken now may see (one in progress included).
    uint64_t LatestCommit() {
        std::lock_guard lock(sync_mutex_);
        return committed_ + (committing_ ? 1 : 0);
    }

    // Returns once commit number `commit` and every one before it are durable.
    void WaitDurable(uint64_t commit) {
        if (!syncer_.joinable()) return;  // SqliteSynchronous::kNormal: nothing is synced
        std::unique_lock lock(sync_mutex_);
        while (synced_ < commit) {
            if (syncing_ || committed_ < commit) {
                durable_.wait(lock);  // for the running sync, or for the commit to be numbered
            } else {
                // No sync is running: this thread runs it, rather than waking the syncer thread
                // and waiting to be woken in turn (a lone writer would pay both hand-overs).
                SyncLocked(lock);
            }
        }
    }

    // The syncer thread: answers WriteThen callers, the only thread that calls them back (so a
    // Read or Write that happens to run a sync never runs someone else's callback), and fsyncs
    // the WAL for them when no other thread is syncing, so that commits made while one sync
    // runs share the next.
    void RunSyncs() {
        std::unique_lock lock(sync_mutex_);
        while (true) {
            sync_wanted_.wait(lock,
                              [this] { return sync_stopping_ || AnyAnswerable() || (!waiting_.empty() && !syncing_); });
            if (AnyAnswerable()) {
                Answer(lock);
            } else if (!waiting_.empty() && !syncing_) {
                SyncLocked(lock);
            } else if (syncing_) {  // stopping: let the running sync finish
                durable_.wait(lock, [this] { return !syncing_; });
            } else if (committed_ > synced_) {  // stopping: sync what is left
                SyncLocked(lock);
            } else {
                return;
            }
        }
    }

    bool AnyAnswerable() const {
        return std::any_of(waiting_.begin(), waiting_.end(), [&](const Waiting& w) { return w.depends_on <= synced_; });
    }

    // Calls back the WriteThen callers made durable. Under `lock`; releases it meanwhile.
    void Answer(std::unique_lock<std::mutex>& lock) {
        // WriteThen callers queue in any order (after the writer's lock is released).
        const auto ready = std::stable_partition(waiting_.begin(), waiting_.end(),
                                                 [&](const Waiting& w) { return w.depends_on <= synced_; });
        std::vector<Waiting> done(std::make_move_iterator(waiting_.begin()), std::make_move_iterator(ready));
        waiting_.erase(waiting_.begin(), ready);
        lock.unlock();
        for (Waiting& w : done) w.durable(std::move(w.status));
        lock.lock();
    }

    // One sync, covering every commit numbered before it began (their WAL frames were written
    // before COMMIT returned). Called with `lock` held and no sync running; returns with it held.
    void SyncLocked(std::unique_lock<std::mutex>& lock) {
        syncing_ = true;
        const uint64_t target = committed_;
        lock.unlock();
        if (settings_.before_wal_sync) settings_.before_wal_sync();
        SyncWal();
        lock.lock();
        syncing_ = false;
        synced_ = std::max(synced_, target);
        durable_.notify_all();
        if (!waiting_.empty()) sync_wanted_.notify_one();  // to answer, or to sync again
    }

    // fdatasync of the WAL through a descriptor of its own (a sync covers the file whichever
    // descriptor wrote it). The file is opened at the first sync, when a commit has created it,
    // and again should it ever be replaced; each time the directory is synced too, so that the
    // file's name is durable. A failure stops the process, as a failed commit does.
    void SyncWal() {
        struct stat now {};
        const bool replaced = ::stat(wal_path_.c_str(), &now) == 0 && now.st_ino != wal_inode_;
        if (wal_fd_ < 0 || replaced) {
            if (wal_fd_ >= 0) ::close(wal_fd_);
            wal_fd_ = ::open(wal_path_.c_str(), O_RDONLY | O_CLOEXEC);
            struct stat opened {};
            if (wal_fd_ < 0 || ::fstat(wal_fd_, &opened) != 0) FailSync("open the WAL file");
            wal_inode_ = opened.st_ino;
            // As SQLite does, a directory that cannot be synced (some network file systems
            // refuse) is not an error.
            const auto directory = std::filesystem::path(wal_path_).parent_path();
            const int dir_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dir_fd >= 0) {
                if (::fsync(dir_fd) != 0) spdlog::warn("sqlite: cannot sync the directory {}", directory.string());
                ::close(dir_fd);
            }
        }
        if (::fdatasync(wal_fd_) != 0) FailSync("sync the WAL file");
    }

    [[noreturn]] void FailSync(const char* what) {
        spdlog::critical("sqlite: cannot {} of {}: {}; stopping", what, wal_path_, std::strerror(errno));
        std::abort();
    }

    // Called on the writer's thread after each commit that wrote to the WAL, once it is
    // visible, with the WAL's length in pages: numbers the commit (before any checkpoint here,
    // so that readers do not wait for the checkpoint) and replaces SQLite's automatic
    // checkpoint.
    static int WalHook(void* self_pointer, sqlite3* db, const char* schema, int pages) {
        auto* self = static_cast<SqliteDatabase*>(self_pointer);
        {
            std::lock_guard lock(self->sync_mutex_);
            self->TakeNumber();
        }
        const auto length = static_cast<size_t>(pages);
        const size_t background = self->settings_.checkpoint_pages;
        // Without background checkpoints, SQLite's own default: the writer copies every 1 000.
        const size_t on_writer = background > 0 ? self->settings_.writer_checkpoint_pages : 1000;
        if (length >= on_writer) {
            // The background checkpoint has fallen behind (or readers keep it from finishing):
            // copy here, holding up the writer, so that the WAL stays bounded.
            sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        } else if (background > 0 && length >= background) {
            {
                std::lock_guard lock(self->checkpoint_mutex_);
                self->checkpoint_due_ = true;
            }
            self->checkpoint_wanted_.notify_one();
        }
        return SQLITE_OK;
    }

    void RunCheckpoints() {
        std::unique_lock lock(checkpoint_mutex_);
        while (true) {
            checkpoint_wanted_.wait(lock, [this] { return checkpoint_due_ || stopping_; });
            if (stopping_) return;
            checkpoint_due_ = false;
            lock.unlock();
            // PASSIVE: copies what it can without waiting for readers or the writer. A frame the
            // writer appends meanwhile is copied next time.
            const int rc = sqlite3_wal_checkpoint_v2(checkpoint_connection_->db(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                                     nullptr, nullptr);
            if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
                // The frames stay in the WAL (committed and fsynced); the next checkpoint tries
                // again.
                spdlog::error("sqlite background checkpoint failed: {}", sqlite3_errmsg(checkpoint_connection_->db()));
            }
            lock.lock();
        }
    }

    Result<std::unique_ptr<Connection>> OpenConnection(bool read_only) {
        sqlite3* db = nullptr;
        const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
        const int rc = sqlite3_open_v2(settings_.path.c_str(), &db, flags, nullptr);
        auto connection = std::make_unique<Connection>(db, settings_.statement_cache);
        if (rc != SQLITE_OK) {
            return Unavailable("cannot open the database file", settings_.path + ": " + sqlite3_errstr(rc));
        }
        sqlite3_extended_result_codes(db, 1);
        sqlite3_busy_timeout(db, static_cast<int>(settings_.busy_timeout.count()));
        YT_TRY(connection->Exec("PRAGMA foreign_keys=ON"));
        if (read_only) YT_TRY(connection->Exec("PRAGMA query_only=ON"));
        return connection;
    }

    // An exception escaping `work` must not leave the connection inside a transaction.
    static Status RunWork(Connection& connection, const Work& work, Session& session) {
        try {
            return work(session);
        } catch (...) {
            RollBack(connection);
            throw;
        }
    }

    static void RollBack(Connection& connection) {
        if (!sqlite3_get_autocommit(connection.db())) {
            sqlite3_exec(connection.db(), "ROLLBACK", nullptr, nullptr, nullptr);
        }
    }

    Connection& AcquireReader() {
        std::unique_lock lock(readers_mutex_);
        readers_available_.wait(lock, [&] { return !idle_readers_.empty(); });
        Connection* reader = idle_readers_.back();
        idle_readers_.pop_back();
        return *reader;
    }

    void ReleaseReader(Connection& reader) {
        {
            std::lock_guard lock(readers_mutex_);
            idle_readers_.push_back(&reader);
        }
        readers_available_.notify_one();
    }

    SqliteSettings settings_;
    std::mutex writer_mutex_;
    std::unique_ptr<Connection> writer_;
    std::mutex readers_mutex_;
    std::condition_variable readers_available_;
    std::vector<std::unique_ptr<Connection>> readers_;
    std::vector<Connection*> idle_readers_;
    std::unique_ptr<Connection> checkpoint_connection_;
    std::mutex checkpoint_mutex_;
    std::condition_variable checkpoint_wanted_;
    bool checkpoint_due_ = false;
    bool stopping_ = false;
    std::thread checkpointer_;
    // Durability: commits are numbered in order; synced_ is the last one known durable.
    std::mutex sync_mutex_;
    std::condition_variable sync_wanted_;
    std::condition_variable durable_;
    uint64_t committed_ = 0;
    bool committing_ = false;
    uint64_t synced_ = 0;
    bool syncing_ = false;  // a thread is in SyncLocked: only one syncs at a time
    bool sync_stopping_ = false;
    struct Waiting {  // a WriteThen answered once depends_on is durable
        uint64_t depends_on;
        Status status;
        std::function<void(Status)> durable;
    };
    std::vector<Waiting> waiting_;
    std::string wal_path_;
    int wal_fd_ = -1;  // used by the one thread in SyncLocked (and by Open)
    ino_t wal_inode_ = 0;
    std::thread syncer_;  // last: starts once the members above exist
};

}  // namespace

void ConfigureSqliteLibrary() {
    static std::once_flag configured;
    std::call_once(configured, [] {
        // SQLite counts the memory it allocates under a global mutex on every allocation, for
        // statistics nothing here reads.
        if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK) {
            // Something used SQLite first: the store still works, with SQLite's defaults (and a
            // slower writer).
            spdlog::warn("sqlite was started before its settings could be applied; running with its defaults");
            return;
        }
        (void)sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, kStatementJournalBytes);
        page_cache::Install();
    });
}

Result<std::unique_ptr<Database>> OpenSqlite(const SqliteSettings& settings) {
    if (settings.path.empty() || settings.path == ":memory:") {
        return InvalidArgument("an SQLite database needs a file path", "path");
    }
    ConfigureSqliteLibrary();
    auto db = std::make_unique<SqliteDatabase>(settings);
    YT_TRY(db->Open());
    return std::unique_ptr<Database>(std::move(db));
}

}  // namespace yutang::store
