// Durable event ingest: Ingestor::IngestBatch (what /v1/batch runs) against a raw SQLite insert
// of the same rows.
//
// Every case writes to a fresh SQLite store in a temp dir with journal_mode=WAL, durably: an
// event is acknowledged only once fsynced (the store fsyncs behind its writer; the baseline's
// COMMIT waits for its own fsync, synchronous=FULL). The messages are realistic Segment track
// events (~500 bytes each: properties and context), 100 per batch, each with a unique
// messageId, a userId drawn from a pool of 10 000 people (seeded before the clock starts, so
// resolution finds an existing customer for nearly every message; about 1 in 11 comes from a
// person not seen yet) and that person's anonymousId. The cases, in the order they run:
//
//   sqlite/raw_events_insert        raw sqlite3 C API: the events rows an ingest of the same
//                                   messages writes (same table and indexes, a payload blob of
//                                   the encrypted size), 100 rows per BEGIN IMMEDIATE … COMMIT —
//                                   the baseline: the disk and SQLite with no work of ours
//   ingest/IngestBatch/threads:N    Ingestor::IngestBatch with a 100-event batch body from N
//                                   threads at once, through the server's WriteBatcher
//                                   (parse, validate, dedupe, resolve the sender, encrypt, insert)
//
// Counters: items_per_second (events/s), vs_raw = this case's events/s ÷ the baseline's events/s
// (shown as raw_events_per_s), the baseline being measured again for 0.5 s right after each
// case, so that the ratio survives a noisy machine; events_per_commit (the average group commit);
// customers (customers in the store at the end). The temp dir is $TMPDIR (default /tmp).
//
//   build/release/bench/ingest_benchmark --benchmark_counters_tabular=true
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include "yutang/base/clock.hpp"
#include "yutang/base/crypto.hpp"
#include "yutang/customers/resolver.hpp"
#include "yutang/events/ingest.hpp"
#include "yutang/events/orders.hpp"
#include "yutang/store/migrations.hpp"
#include "yutang/store/sqlite/sqlite_database.hpp"
#include "yutang/store/write_batcher.hpp"

#include "bench/bench_support.hpp"

namespace yutang::events {
namespace {

using bench::CheckOk;
using bench::Die;
using bench::FilesystemOf;
using bench::ReadFirstMatch;
using bench::TempDir;

namespace fs = std::filesystem;

constexpr double kMinTimeSeconds = 2.0;
constexpr double kBaselineSeconds = 0.5;
constexpr int kBatchSize = 100;
constexpr int kPeople = 10'000;       // seeded before timing
constexpr int kSenders = 11'000;      // userIds drawn from here: ~9% are new people
constexpr int kTemplates = 64;        // distinct batch bodies; messageIds are patched per request
constexpr int kBatchesPerThread = 4;  // per iteration and thread
constexpr TenantId kTenant(1);

// ---------------------------------------------------------------------------------------------
// The messages.

constexpr std::string_view kEvents[] = {"Product Viewed",   "Product Added",       "Cart Viewed",
                                        "Checkout Started", "Product List Viewed", "Promotion Clicked"};
constexpr std::string_view kCategories[] = {"tea", "teaware", "snacks", "gift-box"};
// The counter in each messageId: a fixed-width run of digits patched per request.
constexpr std::string_view kCounterMark = "000000000000";

std::string UserId(int person) { return "user-" + std::to_string(100000 + person); }
std::string AnonymousId(int person) { return "anon-" + std::to_string(7000000 + person * 7) + "-a9f3"; }

// One track message (~500 bytes minified), messageId "b<counter>-<slot>".
std::string TrackMessage(std::mt19937& rng, int slot) {
    const int person = static_cast<int>(rng() % kSenders);
    const int product = static_cast<int>(rng() % 5000);
    const std::string_view event = kEvents[rng() % std::size(kEvents)];
    const std::string_view category = kCategories[static_cast<size_t>(product) % std::size(kCategories)];
    char price[32];
    std::snprintf(price, sizeof price, "%d.%02d", 10 + product % 300, product % 100);
    std::string m =
        R"({"type":"track","messageId":"b)" + std::string(kCounterMark) + "-" + std::to_string(slot) +
        R"(","userId":")" + UserId(person) + R"(","anonymousId":")" + AnonymousId(person) + R"(","event":")" +
        std::string(event) + R"(","timestamp":"2026-11-23T03:54:2)" + std::to_string(slot % 10) +
        R"(.123Z","properties":{"product_id":"p-)" + std::to_string(product) + R"(","sku":"SKU-)" +
        std::to_string(40000 + product) + R"(","category":")" + std::string(category) +
        R"(","name":"Longjing green tea 250g tin","price":)" + price +
        R"(,"quantity":1,"currency":"CNY"},"context":{"ip":"203.0.113.)" + std::to_string(product % 250) +
        R"(","locale":"zh-CN","userAgent":"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) )"
        R"(AppleWebKit/605.1.15 MicroMessenger/8.0.47","library":{"name":"analytics.js","version":"4.1.0"},)"
        R"("page":{"path":"/products/)" +
        std::to_string(product) + R"(","referrer":"https://servicewechat.com/"}}})";
    return m;
}

// A batch body and where its messageId counters are.
struct BatchTemplate {
    std::string body;
    std::vector<size_t> counters;  // offsets of kCounterMark
};

std::vector<BatchTemplate> MakeTemplates() {
    std::mt19937 rng(20261123);
    std::vector<BatchTemplate> out(kTemplates);
    for (BatchTemplate& t : out) {
        t.body = R"({"sentAt":"2026-11-23T03:54:30.000Z","batch":[)";
        for (int i = 0; i < kBatchSize; ++i) {
            if (i > 0) t.body += ",";
            t.body += TrackMessage(rng, i);
        }
        t.body += "]}";
        for (size_t at = t.body.find(kCounterMark); at != std::string::npos;
             at = t.body.find(kCounterMark, at + kCounterMark.size())) {
            t.counters.push_back(at);
        }
        if (t.counters.size() != kBatchSize) Die("template has " + std::to_string(t.counters.size()) + " counters");
    }
    return out;
}

// `body` with every messageId counter set to `request` (unique per request).
void Stamp(const BatchTemplate& t, uint64_t request, std::string& body) {
    body = t.body;
    char digits[16];
    std::snprintf(digits, sizeof digits, "%012llu", static_cast<unsigned long long>(request));
    for (size_t at : t.counters) std::memcpy(body.data() + at, digits, kCounterMark.size());
}

const std::vector<BatchTemplate>& Templates() {
    static const std::vector<BatchTemplate> templates = MakeTemplates();
    return templates;
}

// ---------------------------------------------------------------------------------------------
// The baseline: raw sqlite3, the same events table (with the indexes it has on SQLite since
// migration 0016) and rows, no work of ours.

constexpr const char* kEventsSchema =
    "CREATE TABLE events (tenant_id BIGINT NOT NULL, event_id BIGINT NOT NULL, message_id TEXT NOT NULL, "
    "type TEXT NOT NULL, name TEXT NOT NULL, customer_id BIGINT, occurred_at BIGINT NOT NULL, "
    "received_at BIGINT NOT NULL, payload BLOB NOT NULL, PRIMARY KEY (tenant_id, event_id));"
    "CREATE UNIQUE INDEX events_message ON events (tenant_id, message_id);";
constexpr const char* kRawInsert =
    "INSERT INTO events (tenant_id, event_id, message_id, type, name, customer_id, occurred_at, received_at, "
    "payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

// The rows one template's messages become: message_id suffix, name, customer, payload size.
struct RawRow {
    std::string message_suffix;
    std::string name;
    int64_t customer;
    std::string payload;  // random bytes of the size Ingestor stores (minified + encryption overhead)
};

std::vector<RawRow> MakeRawRows(const KeyRing& keys) {
    std::vector<RawRow> rows;
    std::mt19937 rng(20261123);
    for (int t = 0; t < kTemplates; ++t) {
        for (int i = 0; i < kBatchSize; ++i) {
            const std::string message = TrackMessage(rng, i);
            // What Ingestor stores for it: the minified message (already minified), encrypted.
            const std::string sealed = keys.Encrypt(message, "t1/event");
            const size_t name_at = message.find("\"event\":\"") + 9;
            rows.push_back({"-" + std::to_string(i), message.substr(name_at, message.find('"', name_at) - name_at),
                            static_cast<int64_t>(rng() % kPeople) + 1, sealed});
        }
    }
    return rows;
}

class RawSqlite : public bench::RawSqliteBase {
  public:
    explicit RawSqlite(const std::string& path) : RawSqliteBase(path, kEventsSchema, kRawInsert) {}

    // One transaction of kBatchSize rows, as request `request` would write them.
    void InsertBatch(const std::vector<RawRow>& rows, int64_t request, int64_t& next_event_id) {
        char message_id[64];
        Step(begin_);
        const size_t first = static_cast<size_t>(request % kTemplates) * kBatchSize;
        for (size_t i = first; i < first + kBatchSize; ++i) {
            const RawRow& row = rows[i];
            const int n = std::snprintf(message_id, sizeof message_id, "b%012lld%s", static_cast<long long>(request),
                                        row.message_suffix.c_str());
            sqlite3_bind_int64(insert_, 1, kTenant.value());
            sqlite3_bind_int64(insert_, 2, next_event_id++);
            sqlite3_bind_text(insert_, 3, message_id, n, SQLITE_STATIC);
            sqlite3_bind_text(insert_, 4, "track", 5, SQLITE_STATIC);
            sqlite3_bind_text(insert_, 5, row.name.data(), static_cast<int>(row.name.size()), SQLITE_STATIC);
            sqlite3_bind_int64(insert_, 6, row.customer);
            sqlite3_bind_int64(insert_, 7, 1'795'406'067'000'000 + request);
            sqlite3_bind_int64(insert_, 8, 1'795'406'067'000'000 + request);
            sqlite3_bind_blob(insert_, 9, row.payload.data(), static_cast<int>(row.payload.size()), SQLITE_STATIC);
            Step(insert_);
        }
        Step(commit_);
    }
};

const KeyRing& Keys() {
    static const KeyRing keys = [] {
        CheckOk(InitCrypto(), "InitCrypto");
        return KeyRing::Generate();
    }();
    return keys;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Events/s of the raw baseline over ~kBaselineSeconds on a fresh table.
double MeasureBaseline() {
    static const std::vector<RawRow> rows = MakeRawRows(Keys());
    TempDir dir;
    RawSqlite raw(dir.path() + "/baseline.db");
    int64_t requests = 0;
    int64_t next_event_id = 1;
    const auto start = std::chrono::steady_clock::now();
    while (requests < 10 || SecondsSince(start) < kBaselineSeconds) raw.InsertBatch(rows, requests++, next_event_id);
    return static_cast<double>(requests * kBatchSize) / SecondsSince(start);
}

// Google Benchmark reports only the run that lasted at least the minimum time, so only that run
// pays for a baseline.
void ReportRate(benchmark::State& state, int64_t events, double seconds) {
    state.SetItemsProcessed(events);
    if (seconds >= 0.95 * kMinTimeSeconds) {
        const double baseline = MeasureBaseline();
        state.counters["raw_events_per_s"] = benchmark::Counter(baseline);
        state.counters["vs_raw"] = benchmark::Counter(static_cast<double>(events) / seconds / baseline);
    }
}

// ---------------------------------------------------------------------------------------------
// The cases.

void BM_RawEventsInsert(benchmark::State& state) {
    static const std::vector<RawRow> rows = MakeRawRows(Keys());
    TempDir dir;
    RawSqlite raw(dir.path() + "/bench.db");
    int64_t requests = 0;
    int64_t next_event_id = 1;
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) raw.InsertBatch(rows, requests++, next_event_id);
    // Its ratio against a second baseline measurement shows the noise floor (ideally 1).
    state.counters["events_per_commit"] = benchmark::Counter(kBatchSize);
    ReportRate(state, requests * kBatchSize, SecondsSince(start));
}

// The server's ingest stack on a fresh store with kPeople customers already known.
struct IngestStack {
    TempDir dir;
    std::unique_ptr<store::Database> db;
    std::optional<store::WriteBatcher> writer;
    customers::IdentityResolver resolver{Keys(), SystemClock::Instance()};
    OrderStore orders{Keys(), SystemClock::Instance()};
    std::optional<Ingestor> ingestor;

    IngestStack() {
        auto opened = store::OpenSqlite({.path = dir.path() + "/yutang.db"});
        CheckOk(opened.status(), "OpenSqlite");
        db = std::move(opened).value();
        CheckOk(store::ApplyMigrations(*db, store::BuiltinMigrations(), SystemClock::Instance()).status(),
                "migrations");
        CheckOk(db->Write([](store::Session& s) {
            return s.Execute("INSERT INTO tenants (tenant_id, name, created_at) VALUES (1, 'bench', 0)").status();
        }),
                "tenant");
        writer.emplace(*db);
        ingestor.emplace(*writer, resolver, orders, Keys(), SystemClock::Instance());
        // The people the senders are drawn from, each with their userId and anonymousId.
        for (int first = 0; first < kPeople; first += kBatchSize) {
            std::string body = R"({"batch":[)";
            for (int p = first; p < first + kBatchSize; ++p) {
                if (p > first) body += ",";
                body += R"({"type":"identify","messageId":"seed-)" + std::to_string(p) + R"(","userId":")" + UserId(p) +
                        R"(","anonymousId":")" + AnonymousId(p) + R"(","traits":{"plan":"member"}})";
            }
            body += "]}";
            auto r = ingestor->IngestBatch(kTenant, body);
            CheckOk(r.status(), "seed");
            if (!r->rejected.empty()) Die("seed rejected: " + r->rejected.front().reason);
        }
    }

    int64_t Count(const std::string& sql) {
        int64_t n = -1;
        CheckOk(db->Read([&](store::Session& s) -> Status {
            YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(sql));
            n = row->Int(0);
            return OkStatus();
        }),
                sql);
        return n;
    }
};

void BM_IngestBatch(benchmark::State& state, int threads) {
    const std::vector<BatchTemplate>& templates = Templates();
    IngestStack stack;
    const uint64_t groups_before = stack.writer->committed_groups();
    const int64_t events_before = stack.Count("SELECT COUNT(*) FROM events");
    std::atomic<uint64_t> next_request{0};
    std::atomic<int64_t> accepted{0};
    std::mutex mutex;
    std::string first_error;
    auto body = [&] {
        std::string request_body;
        for (int b = 0; b < kBatchesPerThread; ++b) {
            const uint64_t request = next_request.fetch_add(1, std::memory_order_relaxed);
            Stamp(templates[request % templates.size()], request, request_body);
            auto r = stack.ingestor->IngestBatch(kTenant, request_body);
            std::string error = !r.ok()                                          ? r.status().ToString()
                                : r->accepted != static_cast<size_t>(kBatchSize) ? "not all accepted"
                                                                                 : "";
            if (!error.empty()) {
                std::lock_guard lock(mutex);
                if (first_error.empty()) first_error = error;
                return;
            }
            accepted.fetch_add(kBatchSize, std::memory_order_relaxed);
        }
    };
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        if (threads == 1) {
            body();
        } else {
            std::vector<std::thread> workers;
            for (int t = 0; t < threads; ++t) workers.emplace_back(body);
            for (std::thread& worker : workers) worker.join();
        }
        if (!first_error.empty()) {
            state.SkipWithError(first_error.c_str());
            return;
        }
    }
    const double seconds = SecondsSince(start);
    const int64_t stored = stack.Count("SELECT COUNT(*) FROM events") - events_before;
    if (stored != accepted.load()) {
        state.SkipWithError(("stored " + std::to_string(stored) + " != accepted").c_str());
        return;
    }
    const uint64_t groups = stack.writer->committed_groups() - groups_before;
    state.counters["events_per_commit"] =
        benchmark::Counter(groups > 0 ? static_cast<double>(stored) / static_cast<double>(groups) : 0.0);
    state.counters["customers"] =
        benchmark::Counter(static_cast<double>(stack.Count("SELECT COUNT(*) FROM customers")));
    ReportRate(state, stored, seconds);
}

// ---------------------------------------------------------------------------------------------
// Context printed above the results.

void AddContext() {
    const BatchTemplate& t = Templates().front();
    benchmark::AddCustomContext("cores", std::to_string(std::thread::hardware_concurrency()));
    benchmark::AddCustomContext("cpu_model", ReadFirstMatch("/proc/cpuinfo", "model name"));
    benchmark::AddCustomContext("temp_dir", TempDir::BaseDir());
    benchmark::AddCustomContext("sqlite_version", sqlite3_libversion());
    benchmark::AddCustomContext("sqlite_settings", "journal_mode=WAL, every acknowledged COMMIT fsynced");
    benchmark::AddCustomContext(
        "messages", "track events, " + std::to_string(kBatchSize) + " per batch body (" +
                        std::to_string(t.body.size()) + " bytes, ~" + std::to_string(t.body.size() / kBatchSize) +
                        " bytes per message), unique messageIds, userIds from a pool of " + std::to_string(kSenders) +
                        " of whom " + std::to_string(kPeople) + " are seeded customers");
}

void RegisterAll() {
    auto configure = [](benchmark::internal::Benchmark* b) { b->UseRealTime()->MinTime(kMinTimeSeconds); };
    configure(benchmark::RegisterBenchmark("sqlite/raw_events_insert", BM_RawEventsInsert));
    for (int threads : {1, 2, 4}) {
        const std::string name = "ingest/IngestBatch/threads:" + std::to_string(threads);
        configure(benchmark::RegisterBenchmark(name.c_str(),
                                               [threads](benchmark::State& state) { BM_IngestBatch(state, threads); }));
    }
}

}  // namespace
}  // namespace yutang::events

int main(int argc, char** argv) {
    yutang::store::ConfigureSqliteLibrary();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    yutang::events::AddContext();
    yutang::events::RegisterAll();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
