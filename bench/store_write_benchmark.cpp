// Durable small inserts: what group commit (WriteBatcher) buys over one fsync per write.
//
// Every case inserts the same row (6 BIGINT/TEXT columns, ~110 bytes) into a table keyed
// (tenant_id, id), durably: SQLite in a fresh temp dir with journal_mode=WAL, each commit
// fsynced before it is acknowledged (by the store's syncer behind its writer; the raw baseline
// with synchronous=FULL). The cases, in the order they run:
//
//   sqlite/raw_one_insert_per_txn   raw sqlite3 C API, BEGIN IMMEDIATE; INSERT; COMMIT — the
//                                   baseline: what an unbatched writer gets from the disk
//   sqlite/Write/threads:N          Database::Write, one item per transaction (N callers)
//   sqlite/WriteBatcher/threads:N   WriteBatcher::Submit from N threads (group commit), default
//                                   settings (max_batch=256, max_delay=0: a group is whatever
//                                   queued up while the previous COMMIT was running)
//   sqlite/WriteBatcher_delay2ms/…  the same with max_delay=2ms: each group first waits for
//                                   company (kept to show why that is not the default)
//   sqlite/raw_one_big_txn          raw C API, all rows of an iteration in one transaction —
//                                   the upper bound (one fsync for thousands of rows)
//   postgres/…                      Write and WriteBatcher on PostgreSQL, only when
//                                   $YT_BENCH_POSTGRES holds a libpq connection string
//                                   (bench/run.sh starts a server with fsync=on)
//
// Counter vs_raw_per_commit = this case's items/s ÷ the baseline's items/s (shown as
// baseline_items_per_s), the baseline being measured again for 0.3 s right after each case, so
// that the ratio survives a noisy machine (postgres cases: vs_write_per_commit, against
// Database::Write one INSERT per transaction on the same server). The temp dir is $TMPDIR (default /tmp): point it at
// the disk you want to measure.
//
//   build/release/bench/store_write_benchmark --benchmark_counters_tabular=true
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include "yutang/base/status.hpp"
#include "yutang/store/database.hpp"
#include "yutang/store/postgres/postgres_database.hpp"
#include "yutang/store/sqlite/sqlite_database.hpp"
#include "yutang/store/write_batcher.hpp"

#include "bench/bench_support.hpp"

namespace yutang::store {
namespace {

using bench::CheckOk;
using bench::Die;
using bench::FilesystemOf;
using bench::ReadFirstMatch;
using bench::TempDir;

namespace fs = std::filesystem;

constexpr const char* kCreateTable =
    "CREATE TABLE bench_events (tenant_id BIGINT NOT NULL, id BIGINT NOT NULL, kind TEXT NOT NULL, "
    "amount BIGINT NOT NULL, payload TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (tenant_id, id))";
constexpr const char* kInsert =
    "INSERT INTO bench_events (tenant_id, id, kind, amount, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6)";
// The raw C API binds by index; ?N is SQLite's own spelling of a numbered parameter.
constexpr const char* kRawInsert =
    "INSERT INTO bench_events (tenant_id, id, kind, amount, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr std::string_view kKind = "page_view";
constexpr std::string_view kPayload = "{\"path\":\"/m/7/products/1234\",\"ref\":\"wechat\",\"session\":\"a1b2c3d4\"}";
constexpr int64_t kEpochMicros = 1'700'000'000'000'000;

constexpr double kMinTimeSeconds = 1.5;
constexpr int64_t kBigTxnRows = 10'000;  // rows per iteration of raw_one_big_txn

int64_t TenantOf(int64_t id) { return id % 16 + 1; }
int64_t AmountOf(int64_t id) { return id * 37 % 100'000; }

// ---------------------------------------------------------------------------------------------
// Raw sqlite3: the baseline and the upper bound, durable the plain way (WAL, synchronous=FULL).

class RawSqlite : public bench::RawSqliteBase {
  public:
    explicit RawSqlite(const std::string& path) : RawSqliteBase(path, kCreateTable, kRawInsert) {}

    void Insert(int64_t id) {
        sqlite3_bind_int64(insert_, 1, TenantOf(id));
        sqlite3_bind_int64(insert_, 2, id);
        sqlite3_bind_text(insert_, 3, kKind.data(), static_cast<int>(kKind.size()), SQLITE_STATIC);
        sqlite3_bind_int64(insert_, 4, AmountOf(id));
        sqlite3_bind_text(insert_, 5, kPayload.data(), static_cast<int>(kPayload.size()), SQLITE_STATIC);
        sqlite3_bind_int64(insert_, 6, kEpochMicros + id);
        Step(insert_);
    }
};

// ---------------------------------------------------------------------------------------------
// Yutang's store on either backend.

enum class Backend { kSqlite, kPostgres };

const char* BackendName(Backend backend) { return backend == Backend::kSqlite ? "sqlite" : "postgres"; }

std::string PostgresConnInfo() {
    const char* conninfo = std::getenv("YT_BENCH_POSTGRES");
    return conninfo != nullptr ? conninfo : "";
}

// A database with an empty bench_events table: SQLite in a fresh temp dir, or the PostgreSQL
// database named by $YT_BENCH_POSTGRES with the table dropped and created again.
struct Store {
    std::unique_ptr<TempDir> dir;  // declared first: removed after db is closed
    std::unique_ptr<Database> db;
};

Store OpenStore(Backend backend) {
    Store store;
    if (backend == Backend::kSqlite) {
        store.dir = std::make_unique<TempDir>();
        auto db = OpenSqlite({.path = store.dir->path() + "/bench.db", .synchronous = SqliteSynchronous::kFull});
        CheckOk(db.status(), "OpenSqlite");
        store.db = std::move(db).value();
        CheckOk(store.db->Write([](Session& s) { return s.ExecuteScript(kCreateTable); }), "create table");
    } else {
        auto db = OpenPostgres({.conninfo = PostgresConnInfo(), .pool_size = 8});
        CheckOk(db.status(), "OpenPostgres");
        store.db = std::move(db).value();
        CheckOk(store.db->Write([](Session& s) {
            YT_TRY(s.ExecuteScript("DROP TABLE IF EXISTS bench_events"));
            return s.ExecuteScript(kCreateTable);
        }),
                "create table");
    }
    return store;
}

Status InsertRow(Session& session, int64_t id) {
    return session.Execute(kInsert, {TenantOf(id), id, kKind, AmountOf(id), kPayload, kEpochMicros + id}).status();
}

// Runs insert(id) items_per_thread times on each of `threads` threads (on the caller's thread
// when threads == 1), with ids from `next_id`. Returns the first error.
Status RunThreads(int64_t threads, int64_t items_per_thread, std::atomic<int64_t>& next_id,
                  const std::function<Status(int64_t)>& insert) {
    std::mutex mutex;
    Status first_error;
    auto body = [&] {
        for (int64_t i = 0; i < items_per_thread; ++i) {
            if (Status s = insert(next_id.fetch_add(1, std::memory_order_relaxed)); !s.ok()) {
                std::lock_guard lock(mutex);
                if (first_error.ok()) first_error = s;
                return;
            }
        }
    };
    if (threads == 1) {
        body();
    } else {
        std::vector<std::thread> workers;
        workers.reserve(static_cast<size_t>(threads));
        for (int64_t t = 0; t < threads; ++t) workers.emplace_back(body);
        for (std::thread& worker : workers) worker.join();
    }
    return first_error;
}

// ---------------------------------------------------------------------------------------------
// The baseline, measured again right after each case, so that a ratio compares two figures
// taken seconds apart on the same disk (fsync latency on a shared machine drifts by 10x over a
// minute; ratios taken close together survive that).

constexpr double kBaselineSeconds = 0.3;

double SecondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Items/s of the backend's per-commit baseline over ~kBaselineSeconds, on a fresh table:
// raw sqlite3 one INSERT per transaction, or, on PostgreSQL, Database::Write one INSERT per
// transaction.
double MeasureBaseline(Backend backend) {
    int64_t commits = 0;
    std::chrono::steady_clock::time_point start;
    if (backend == Backend::kSqlite) {
        TempDir dir;
        RawSqlite raw(dir.path() + "/baseline.db");
        start = std::chrono::steady_clock::now();
        while (commits < 20 || SecondsSince(start) < kBaselineSeconds) {
            raw.Begin();
            raw.Insert(commits++);
            raw.Commit();
        }
    } else {
        Store store = OpenStore(backend);
        start = std::chrono::steady_clock::now();
        while (commits < 20 || SecondsSince(start) < kBaselineSeconds) {
            const int64_t id = commits++;
            CheckOk(store.db->Write([id](Session& s) { return InsertRow(s, id); }), "baseline insert");
        }
    }
    return static_cast<double>(commits) / SecondsSince(start);
}

const char* RatioCounterName(Backend backend) {
    return backend == Backend::kSqlite ? "vs_raw_per_commit" : "vs_write_per_commit";
}

// Sets the counters. Google Benchmark reports only the run that lasted at least the minimum
// time (shorter runs estimate the iteration count), so only that run pays for a baseline.
void ReportRate(benchmark::State& state, Backend backend, int64_t items, double seconds, int64_t table_rows,
                double items_per_commit) {
    state.SetItemsProcessed(items);
    state.counters["items_per_commit"] = benchmark::Counter(items_per_commit);
    state.counters["table_rows"] = benchmark::Counter(static_cast<double>(table_rows));
    if (seconds >= 0.95 * kMinTimeSeconds) {
        const double baseline = MeasureBaseline(backend);
        state.counters["baseline_items_per_s"] = benchmark::Counter(baseline);
        state.counters[RatioCounterName(backend)] = benchmark::Counter(static_cast<double>(items) / seconds / baseline);
    }
}

// ---------------------------------------------------------------------------------------------
// The cases.

void BM_RawOneInsertPerTxn(benchmark::State& state) {
    TempDir dir;
    RawSqlite raw(dir.path() + "/bench.db");
    int64_t id = 0;
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        raw.Begin();
        raw.Insert(id++);
        raw.Commit();
    }
    // Its ratio against a second baseline measurement shows the noise floor (ideally 1).
    ReportRate(state, Backend::kSqlite, id, SecondsSince(start), id, 1.0);
}

void BM_RawOneBigTxn(benchmark::State& state) {
    TempDir dir;
    RawSqlite raw(dir.path() + "/bench.db");
    int64_t id = 0;
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        raw.Begin();
        for (int64_t i = 0; i < kBigTxnRows; ++i) raw.Insert(id++);
        raw.Commit();
    }
    ReportRate(state, Backend::kSqlite, id, SecondsSince(start), id, static_cast<double>(kBigTxnRows));
}

// Database::Write, one row per transaction, from `threads` callers at once.
void BM_Write(benchmark::State& state, Backend backend, int64_t threads, int64_t items_per_thread) {
    Store store = OpenStore(backend);
    std::atomic<int64_t> next_id{0};
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        const Status s = RunThreads(threads, items_per_thread, next_id, [&](int64_t id) {
            return store.db->Write([id](Session& session) { return InsertRow(session, id); });
        });
        if (!s.ok()) {
            state.SkipWithError(s.ToString().c_str());
            return;
        }
    }
    const double seconds = SecondsSince(start);
    const int64_t items = next_id.load();
    ReportRate(state, backend, items, seconds, items, 1.0);
}

// WriteBatcher::Submit from `threads` threads, with the given settings (the defaults are what
// the server uses).
void BM_WriteBatcher(benchmark::State& state, Backend backend, WriteBatcherSettings settings, int64_t threads,
                     int64_t items_per_thread) {
    Store store = OpenStore(backend);
    std::atomic<int64_t> next_id{0};
    std::optional<WriteBatcher> batcher;
    batcher.emplace(*store.db, settings);
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        const Status s = RunThreads(threads, items_per_thread, next_id, [&](int64_t id) {
            return batcher->Submit([id](Session& session) { return InsertRow(session, id); });
        });
        if (!s.ok()) {
            state.SkipWithError(s.ToString().c_str());
            return;
        }
    }
    const double seconds = SecondsSince(start);
    const int64_t items = next_id.load();
    const uint64_t groups = batcher->committed_groups();
    batcher.reset();
    ReportRate(state, backend, items, seconds, items,
               groups > 0 ? static_cast<double>(items) / static_cast<double>(groups) : 0.0);
}

// ---------------------------------------------------------------------------------------------
// Context printed above the results: the machine and the disk the numbers belong to.

void AddContext() {
    benchmark::AddCustomContext("cores", std::to_string(std::thread::hardware_concurrency()));
    benchmark::AddCustomContext("cpu_model", ReadFirstMatch("/proc/cpuinfo", "model name"));
    benchmark::AddCustomContext("temp_dir", TempDir::BaseDir());
    benchmark::AddCustomContext("temp_dir_filesystem", FilesystemOf(TempDir::BaseDir()));
    benchmark::AddCustomContext("sqlite_version", sqlite3_libversion());
    benchmark::AddCustomContext("sqlite_settings", "journal_mode=WAL, every acknowledged COMMIT fsynced");
    benchmark::AddCustomContext("row", "6 columns (4 BIGINT, 2 TEXT), ~110 bytes, PRIMARY KEY (tenant_id, id)");
    benchmark::AddCustomContext("write_batcher",
                                "WriteBatcher: default settings (max_batch=256, max_delay=0: commit whatever is "
                                "queued at once); WriteBatcher_delay2ms: max_delay=2ms");
    if (PostgresConnInfo().empty()) {
        benchmark::AddCustomContext("postgres", "not run: set YT_BENCH_POSTGRES (bench/run.sh does)");
        return;
    }
    auto db = OpenPostgres({.conninfo = PostgresConnInfo(), .pool_size = 1});
    CheckOk(db.status(), "OpenPostgres");
    std::string settings;
    CheckOk((*db)->Read([&](Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto rows,
                            s.Query("SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'fsync', "
                                    "'synchronous_commit', 'full_page_writes', 'wal_sync_method', 'commit_delay') "
                                    "ORDER BY name"));
        for (const Row& row : rows) settings += (settings.empty() ? "" : ", ") + row.Text(0) + "=" + row.Text(1);
        return OkStatus();
    }),
            "read PostgreSQL settings");
    benchmark::AddCustomContext("postgres_settings", settings);
}

// ---------------------------------------------------------------------------------------------

struct ThreadCase {
    int64_t threads;
    int64_t items_per_thread;  // per iteration; sized so an iteration takes tens of ms
};

void RegisterAll() {
    auto configure = [](benchmark::internal::Benchmark* b) { b->UseRealTime()->MinTime(kMinTimeSeconds); };
    const std::vector<ThreadCase> write_cases = {{1, 1}, {8, 8}};
    const std::vector<ThreadCase> batcher_cases = {{1, 8}, {8, 64}, {32, 32}};

    std::vector<Backend> backends = {Backend::kSqlite};
    if (!PostgresConnInfo().empty()) backends.push_back(Backend::kPostgres);
    for (Backend backend : backends) {
        const std::string prefix = BackendName(backend);
        if (backend == Backend::kSqlite) {
            configure(benchmark::RegisterBenchmark("sqlite/raw_one_insert_per_txn", BM_RawOneInsertPerTxn));
        }
        for (const ThreadCase& c : write_cases) {
            const std::string name = prefix + "/Write/threads:" + std::to_string(c.threads);
            configure(benchmark::RegisterBenchmark(name.c_str(), [backend, c](benchmark::State& state) {
                BM_Write(state, backend, c.threads, c.items_per_thread);
            }));
        }
        // The defaults, and a 2 ms wait for company to show what it costs when an fsync takes
        // less than that.
        const std::vector<std::pair<std::string, WriteBatcherSettings>> batchers = {
            {"WriteBatcher", WriteBatcherSettings{}},
            {"WriteBatcher_delay2ms", WriteBatcherSettings{.max_delay = std::chrono::milliseconds(2)}}};
        for (const auto& [batcher_name, settings] : batchers) {
            for (const ThreadCase& c : batcher_cases) {
                const std::string name = prefix + "/" + batcher_name + "/threads:" + std::to_string(c.threads);
                configure(benchmark::RegisterBenchmark(name.c_str(), [backend, settings, c](benchmark::State& state) {
                    BM_WriteBatcher(state, backend, settings, c.threads, c.items_per_thread);
                }));
            }
        }
        if (backend == Backend::kSqlite) {
            configure(benchmark::RegisterBenchmark("sqlite/raw_one_big_txn", BM_RawOneBigTxn));
        }
    }
}

}  // namespace
}  // namespace yutang::store

int main(int argc, char** argv) {
    yutang::store::ConfigureSqliteLibrary();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    yutang::store::AddContext();
    yutang::store::RegisterAll();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
