// Identity lookup latency at 10M identities: IdentityResolver::Find and ::Resolve on the real
// SQLite store, next to a raw sqlite3 primary-key lookup on the same table in the same run.
//
// Set-up (not timed, but reported): a fresh store (migrations applied by store::OpenSqlite and
// ApplyMigrations) is filled with YT_BENCH_IDENTITIES (default 10 000 000) rows of
// customer_identities, written with raw batched inserts for speed but with exactly what
// IdentityResolver stores: the value normalised by customers::NormalizeIdentity, its blind index
// (KeyRing::BlindIndex under the context "t1/identity.<kind>"), the value encrypted under the
// same context, the masked hint. Kinds: 30 % phones (+86 mobiles, given as typed: with dashes,
// "+86 " or bare), 15 % 京东 and 15 % 淘宝 buyer accounts, 10 % 抖店 and 10 % 拼多多 buyer ids,
// 10 % user_ids, 5 % anonymousIds, 5 % WeCom external user ids, spread over 2 identities per 5
// (4M customers for 10M identities). YT_BENCH_IDENTITY_DIR=<dir> keeps the store (and its
// keys.json) there and reuses it in later runs, so the 10M build is paid once.
//
// Each case looks up YT_BENCH_LOOKUPS (default 100 000) values drawn from a fixed seed: 80 % hits
// (a stored identity, checked to come back with its customer) and 20 % misses (well-formed values
// of the same kinds that were never stored). Before each case the database file is read once
// (warm OS page cache) and 10 000 other lookups warm both connections. The lookups run in blocks
// of 1 000, each followed (or, every other block, preceded) by the raw baseline looking up the
// same 1 000 values, so both see the same machine at the same time.
//
//   identity/Find/read_per_lookup   db.Read(Find) per value: what a request does (a pooled reader
//                                   connection, BEGIN, normalise, blind index, SELECT, ROLLBACK)
//   identity/Find/1000_per_read     Find 1 000 times inside one db.Read: the resolver alone
//   identity/Resolve/500_per_write  Resolve of a known value (hits only: a miss would create a
//                                   customer), 500 per db.Write as the order importer does; the
//                                   latency is Resolve's, the COMMIT is not in it
//   identity/Find/cold_10000        db.Read(Find) of 10 000 values right after the database file
//                                   was dropped from the OS page cache (posix_fadvise DONTNEED);
//                                   its baseline runs after a second eviction
//   sqlite/raw_pk_lookup            the baseline against itself: the noise floor
//
// Baseline: a raw sqlite3 connection (default page cache, like the store's readers), a prepared
// "SELECT customer_id FROM customer_identities WHERE tenant_id = ?1 AND kind = ?2 AND
// value_index = ?3" in autocommit (one read transaction per lookup) with the blind index computed
// before the clock: the lookup by primary key with none of our work.
//
// Counters: p50_us, p99_us, p999_us (all lookups), hit_p99_us, miss_p99_us, raw_p50_us,
// raw_p99_us, raw_p999_us, p99_vs_raw = p99_us ÷ raw_p99_us, lookups_per_s (one thread).
//
//   build/release/bench/identity_benchmark --benchmark_counters_tabular=true
//   YT_BENCH_IDENTITIES=100000 build/release/bench/identity_benchmark   # a smoke run
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include "yutang/base/clock.hpp"
#include "yutang/base/crypto.hpp"
#include "yutang/base/log.hpp"
#include "yutang/customers/identity.hpp"
#include "yutang/customers/resolver.hpp"
#include "yutang/store/migrations.hpp"
#include "yutang/store/sqlite/sqlite_database.hpp"

#include "bench/bench_support.hpp"

namespace yutang::customers {
namespace {

using bench::CheckOk;
using bench::Die;
using bench::TempDir;
using Clock = std::chrono::steady_clock;

namespace fs = std::filesystem;

constexpr TenantId kTenant(1);
constexpr size_t kBlock = 1000;           // lookups per block; the baseline follows each block
constexpr size_t kResolvePerWrite = 500;  // as the order importer's batch
constexpr int64_t kBuildTxnRows = 200'000;
constexpr uint64_t kSeed = 20261123;

int64_t Identities() { return bench::EnvCount("YT_BENCH_IDENTITIES", 10'000'000); }
int64_t Lookups() { return bench::EnvCount("YT_BENCH_LOOKUPS", 100'000); }
int64_t Customers() { return std::max<int64_t>(1, Identities() * 2 / 5); }

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// splitmix64's finaliser: a bijection, so distinct numbers give distinct values.
uint64_t Mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

std::string Hex(uint64_t v) {
    char text[24];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(v));
    return text;
}

// ---------------------------------------------------------------------------------------------
// Identity number i → kind and value as a caller would pass it. Numbers below Identities() are
// stored; the others are well-formed misses.

constexpr std::string_view kNickChars[] = {"小", "茶", "香", "云", "山", "月", "风", "竹", "梅", "兰", "菊", "松"};

IdentityKind KindOf(uint64_t i) {
    const uint64_t slot = i % 20;
    if (slot < 6) return IdentityKind::kPhone;
    if (slot < 9) return IdentityKind::kJdBuyer;
    if (slot < 12) return IdentityKind::kTaobaoBuyer;
    if (slot < 14) return IdentityKind::kDouyinBuyer;
    if (slot < 16) return IdentityKind::kPddBuyer;
    if (slot < 18) return IdentityKind::kUserId;
    if (slot < 19) return IdentityKind::kAnonymousId;
    return IdentityKind::kWecomExternalUserId;
}

IdentityInput InputOf(uint64_t i) {
    const IdentityKind kind = KindOf(i);
    const uint64_t h = Mix(i);
    std::string value;
    switch (kind) {
        case IdentityKind::kPhone: {
            // A mainland mobile, built from parts: "1", a digit 3–9, nine digits unique per i
            // (387 420 489 = 3^18 is prime to 10, so i ↦ i·3^18 mod 10^9 is a bijection).
            char nine[16];
            std::snprintf(nine, sizeof nine, "%09llu",
                          static_cast<unsigned long long>((i * 387'420'489ULL + 12'345) % 1'000'000'000ULL));
            const std::string national = "1" + std::to_string(3 + h % 7) + nine;
            switch ((h >> 8) % 3) {
                case 0:
                    value = national.substr(0, 3) + "-" + national.substr(3, 4) + "-" + national.substr(7);
                    break;
                case 1:
                    value = "+86 " + national;
                    break;
                default:
                    value = national;
            }
            break;
        }
        case IdentityKind::kJdBuyer:
            value = "jd_" + Hex(h);
            break;
        case IdentityKind::kTaobaoBuyer:
            value = std::string(kNickChars[h % std::size(kNickChars)]) +
                    std::string(kNickChars[(h >> 8) % std::size(kNickChars)]) + std::to_string(i);
            break;
        case IdentityKind::kDouyinBuyer:
            value = std::to_string(h);
            break;
        case IdentityKind::kPddBuyer:
            value = "pdd_" + std::to_string(5'000'000'000ULL + i * 13);
            break;
        case IdentityKind::kUserId:
            value = "u" + std::to_string(100'000'000ULL + i);
            break;
        case IdentityKind::kAnonymousId: {
            const std::string a = Hex(h);
            const std::string b = Hex(Mix(i ^ 0xa5a5a5a5ULL));
            value = a.substr(0, 8) + "-" + a.substr(8, 4) + "-4" + a.substr(13, 3) + "-a" + b.substr(1, 3) + "-" +
                    b.substr(4, 12);
            break;
        }
        default:
            value = "wm" + Hex(h) + Hex(~h);
            break;
    }
    return {kind, std::move(value), ""};
}

int64_t CustomerOf(uint64_t i) { return static_cast<int64_t>(i % static_cast<uint64_t>(Customers())) + 1; }

std::string SourceOf(IdentityKind kind) {
    switch (kind) {
        case IdentityKind::kJdBuyer:
            return "import:jd";
        case IdentityKind::kTaobaoBuyer:
        case IdentityKind::kPhone:
            return "import:taobao";
        case IdentityKind::kDouyinBuyer:
            return "import:douyin";
        case IdentityKind::kPddBuyer:
            return "import:pdd";
        case IdentityKind::kWecomExternalUserId:
            return "wecom";
        default:
            return "segment";
    }
}

// What IdentityResolver uses as the blind-index and encryption context.
std::string Context(IdentityKind kind) {
    return "t" + std::to_string(kTenant.value()) + "/identity." + std::string(IdentityKindName(kind));
}

// ---------------------------------------------------------------------------------------------
// The store.

struct Built {
    std::string dir;
    std::string db_path;
    double build_seconds = 0;  // 0 when reused
    int64_t db_bytes = 0;
    bool reused = false;
};

class RawConnection {
  public:
    explicit RawConnection(const std::string& path, bool read_only) {
        const int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
        if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) Die("open " + path);
    }
    ~RawConnection() {
        for (sqlite3_stmt* s : statements_) sqlite3_finalize(s);
        sqlite3_close_v2(db_);
    }
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    void Exec(const std::string& sql) { bench::ExecOn(db_, sql); }
    sqlite3_stmt* Prepare(const char* sql) {
        sqlite3_stmt* stmt = bench::PrepareOn(db_, sql);
        statements_.push_back(stmt);
        return stmt;
    }
    void Done(sqlite3_stmt* stmt) { bench::StepDone(stmt); }
    std::string Error() const { return sqlite3_errmsg(db_); }

  private:
    sqlite3* db_ = nullptr;
    std::vector<sqlite3_stmt*> statements_;
};

void BindText(sqlite3_stmt* stmt, int index, const std::string& text) {
    sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}
void BindBlob(sqlite3_stmt* stmt, int index, const std::string& bytes) {
    sqlite3_bind_blob(stmt, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
}

// Fills the identities with raw batched inserts (journal off, no fsync, a large page cache: this
// is set-up), then puts the file back in WAL mode for the store.
void Fill(const std::string& db_path, const KeyRing& keys) {
    RawConnection raw(db_path, /*read_only=*/false);
    raw.Exec("PRAGMA journal_mode=OFF");
    raw.Exec("PRAGMA synchronous=OFF");
    raw.Exec("PRAGMA cache_size=-2000000");  // 2 GB
    raw.Exec("PRAGMA foreign_keys=ON");
    const int64_t customers = Customers();
    const int64_t identities = Identities();
    const int64_t created = 1'767'225'600'000'000;  // 2026-01-01
    sqlite3_stmt* customer = raw.Prepare(
        "INSERT INTO customers (tenant_id, customer_id, merged_into, created_at, updated_at, source_channel) "
        "VALUES (1, ?1, NULL, ?2, ?2, 'import:jd')");
    raw.Exec("BEGIN");
    for (int64_t c = 1; c <= customers; ++c) {
        sqlite3_bind_int64(customer, 1, c);
        sqlite3_bind_int64(customer, 2, created + c);
        raw.Done(customer);
    }
    raw.Exec("INSERT INTO id_sequences (tenant_id, kind, next_id) VALUES (1, 'customer', " +
             std::to_string(customers + 1) + ")");
    raw.Exec("COMMIT");
    sqlite3_stmt* identity = raw.Prepare(
        "INSERT INTO customer_identities (tenant_id, kind, value_index, value_cipher, hint, customer_id, source, "
        "created_at) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    const auto start = Clock::now();
    for (int64_t first = 0; first < identities; first += kBuildTxnRows) {
        raw.Exec("BEGIN");
        for (int64_t i = first; i < std::min(identities, first + kBuildTxnRows); ++i) {
            const IdentityInput input = InputOf(static_cast<uint64_t>(i));
            auto normalized = NormalizeIdentity(input);
            if (!normalized.ok() || !normalized->usable) Die("unusable identity " + std::to_string(i));
            const std::string context = Context(input.kind);
            BindText(identity, 1, std::string(IdentityKindName(input.kind)));
            BindBlob(identity, 2, keys.BlindIndex(context, normalized->value));
            BindBlob(identity, 3, keys.Encrypt(normalized->value, context));
            BindText(identity, 4, normalized->hint);
            sqlite3_bind_int64(identity, 5, CustomerOf(static_cast<uint64_t>(i)));
            BindText(identity, 6, SourceOf(input.kind));
            sqlite3_bind_int64(identity, 7, created + customers + i);
            raw.Done(identity);
        }
        raw.Exec("COMMIT");
        const int64_t done = std::min(identities, first + kBuildTxnRows);
        if (done % 1'000'000 == 0 || done == identities) {
            std::fprintf(stderr, "identity_benchmark: %lld of %lld identities stored (%.0f s)\n",
                         static_cast<long long>(done), static_cast<long long>(identities), SecondsSince(start));
        }
    }
    raw.Exec("PRAGMA journal_mode=WAL");
}

KeyRing& Keys() {
    static KeyRing keys = [] {
        CheckOk(InitCrypto(), "InitCrypto");
        return KeyRing::Generate();
    }();
    return keys;
}

const Built& Store() {
    static const Built built = [] {
        static std::optional<TempDir> temp;
        Built b;
        const char* keep = std::getenv("YT_BENCH_IDENTITY_DIR");
        if (keep != nullptr && *keep != '\0') {
            b.dir = keep;
            fs::create_directories(b.dir);
        } else {
            temp.emplace();
            b.dir = temp->path();
        }
        b.db_path = b.dir + "/yutang.db";
        const std::string keys_path = b.dir + "/keys.json";
        const std::string marker = b.dir + "/built-" + std::to_string(Identities());
        if (fs::exists(marker) && fs::exists(keys_path)) {
            auto loaded = KeyRing::LoadFile(keys_path);
            CheckOk(loaded.status(), "load " + keys_path);
            Keys() = std::move(loaded).value();
            b.reused = true;
        } else {
            std::error_code ec;
            for (const char* name : {"/yutang.db", "/yutang.db-wal", "/yutang.db-shm", "/keys.json"})
                fs::remove(b.dir + name, ec);
            const auto start = Clock::now();
            {
                auto db = store::OpenSqlite({.path = b.db_path});
                CheckOk(db.status(), "OpenSqlite");
                CheckOk(store::ApplyMigrations(**db, store::BuiltinMigrations(), SystemClock::Instance()).status(),
                        "migrations");
                CheckOk((*db)->Write([](store::Session& s) {
                    return s.Execute("INSERT INTO tenants (tenant_id, name, created_at) VALUES (1, 'bench', 0)")
                        .status();
                }),
                        "tenant");
            }
            Fill(b.db_path, Keys());
            b.build_seconds = SecondsSince(start);
            CheckOk(Keys().WriteNewFile(keys_path), "write " + keys_path);
            std::FILE* f = std::fopen(marker.c_str(), "w");
            if (f != nullptr) std::fclose(f);
        }
        b.db_bytes = bench::FileBytes(b.db_path);
        benchmark::AddCustomContext("identities", std::to_string(Identities()) + " in customer_identities (" +
                                                      std::to_string(Customers()) + " customers)");
        benchmark::AddCustomContext("db_size_mb", std::to_string(b.db_bytes / (1 << 20)));
        benchmark::AddCustomContext(
            "build", b.reused ? "reused from " + b.dir
                              : std::to_string(static_cast<int>(b.build_seconds)) + " s (customers and identities)");
        return b;
    }();
    return built;
}

// ---------------------------------------------------------------------------------------------
// The lookups.

struct Key {
    uint64_t i = 0;
    bool hit = false;
    IdentityInput input;
    std::string kind;   // for the baseline
    std::string index;  // blind index, for the baseline
};

std::vector<Key> MakeKeys(int64_t count, bool hits_only, uint64_t seed, uint64_t miss_base) {
    std::mt19937_64 rng(seed);
    const auto n = static_cast<uint64_t>(Identities());
    std::vector<Key> keys(static_cast<size_t>(count));
    for (Key& k : keys) {
        k.hit = hits_only || rng() % 100 < 80;
        k.i = k.hit ? rng() % n : miss_base + rng() % n;
        k.input = InputOf(k.i);
        auto normalized = NormalizeIdentity(k.input);
        if (!normalized.ok()) Die("bad key");
        k.kind = std::string(IdentityKindName(k.input.kind));
        k.index = Keys().BlindIndex(Context(k.input.kind), normalized->value);
    }
    return keys;
}

class RawLookup {
  public:
    explicit RawLookup(const std::string& path) : raw_(path, /*read_only=*/true) {
        select_ = raw_.Prepare(
            "SELECT customer_id FROM customer_identities WHERE tenant_id = ?1 AND kind = ?2 AND value_index = ?3");
    }
    std::optional<int64_t> Find(const Key& k) {
        sqlite3_bind_int64(select_, 1, kTenant.value());
        sqlite3_bind_text(select_, 2, k.kind.data(), static_cast<int>(k.kind.size()), SQLITE_STATIC);
        sqlite3_bind_blob(select_, 3, k.index.data(), static_cast<int>(k.index.size()), SQLITE_STATIC);
        std::optional<int64_t> out;
        const int rc = sqlite3_step(select_);
        if (rc == SQLITE_ROW) {
            out = sqlite3_column_int64(select_, 0);
        } else if (rc != SQLITE_DONE) {
            Die("raw lookup: " + raw_.Error());
        }
        sqlite3_reset(select_);
        return out;
    }

  private:
    RawConnection raw_;
    sqlite3_stmt* select_ = nullptr;
};

void Check(const Key& k, std::optional<int64_t> customer, const char* who) {
    const bool ok = k.hit ? customer == CustomerOf(k.i) : !customer.has_value();
    if (!ok) Die(std::string(who) + ": wrong answer for identity " + std::to_string(k.i));
}

struct Latencies {
    std::vector<double> all;  // µs
    std::vector<double> hits;
    std::vector<double> misses;
    double seconds = 0;

    void Add(const Key& k, Clock::duration d) {
        const double us = std::chrono::duration<double, std::micro>(d).count();
        all.push_back(us);
        (k.hit ? hits : misses).push_back(us);
        seconds += us / 1e6;
    }
};

double Percentile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto at = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(at, v.size() - 1)];
}

void RawBlock(RawLookup& raw, const std::vector<Key>& keys, size_t first, size_t end, Latencies& out) {
    for (size_t j = first; j < end; ++j) {
        const auto start = Clock::now();
        const std::optional<int64_t> customer = raw.Find(keys[j]);
        out.Add(keys[j], Clock::now() - start);
        Check(keys[j], customer, "raw");
    }
}

void Report(benchmark::State& state, const Latencies& ours, const Latencies& raw) {
    state.SetIterationTime(ours.seconds);
    state.SetItemsProcessed(static_cast<int64_t>(ours.all.size()));
    auto set = [&](const char* name, double v) { state.counters[name] = benchmark::Counter(v); };
    set("p50_us", Percentile(ours.all, 0.50));
    set("p99_us", Percentile(ours.all, 0.99));
    set("p999_us", Percentile(ours.all, 0.999));
    set("hit_p99_us", Percentile(ours.hits, 0.99));
    set("miss_p99_us", Percentile(ours.misses, 0.99));
    set("raw_p50_us", Percentile(raw.all, 0.50));
    set("raw_p99_us", Percentile(raw.all, 0.99));
    set("raw_p999_us", Percentile(raw.all, 0.999));
    set("p99_vs_raw", Percentile(ours.all, 0.99) / Percentile(raw.all, 0.99));
    set("lookups_per_s", static_cast<double>(ours.all.size()) / ours.seconds);
}

struct StoreHandle {
    std::unique_ptr<store::Database> db;
    IdentityResolver resolver{Keys(), SystemClock::Instance()};

    StoreHandle() {
        auto opened = store::OpenSqlite({.path = Store().db_path});
        CheckOk(opened.status(), "OpenSqlite");
        db = std::move(opened).value();
    }
};

std::optional<int64_t> FindIn(store::Session& s, IdentityResolver& resolver, const Key& k) {
    auto found = resolver.Find(s, kTenant, k.input);
    CheckOk(found.status(), "Find");
    return *found ? std::optional<int64_t>((*found)->value()) : std::nullopt;
}

// Reads the whole database file, so that its pages are in the OS page cache and recently used
// when a case starts (this VM runs DAMON proactive reclaim, which pages out page-cache pages left
// idle for about a minute), then warms both connections' own caches with the same lookups.
void WarmUp(StoreHandle& store, RawLookup& raw) {
    std::FILE* file = std::fopen(Store().db_path.c_str(), "rb");
    if (file == nullptr) Die("open " + Store().db_path);
    std::vector<char> buffer(size_t{1} << 20);
    while (std::fread(buffer.data(), 1, buffer.size(), file) == buffer.size()) {
    }
    std::fclose(file);
    const std::vector<Key> keys = MakeKeys(10'000, false, kSeed ^ 0xabcdef, static_cast<uint64_t>(Identities()));
    for (const Key& k : keys) {
        CheckOk(store.db->Read([&](store::Session& s) {
            FindIn(s, store.resolver, k);
            return OkStatus();
        }),
                "warm-up");
        raw.Find(k);
    }
}

// Runs `ours` and `base` over the keys in blocks of kBlock, alternating which goes first, so
// neither profits more from the pages the other just brought in.
template <typename Ours, typename Base>
void Interleave(size_t count, Ours ours, Base base) {
    for (size_t first = 0, block = 0; first < count; first += kBlock, ++block) {
        const size_t end = std::min(count, first + kBlock);
        if (block % 2 == 0) {
            ours(first, end);
            base(first, end);
        } else {
            base(first, end);
            ours(first, end);
        }
    }
}

void BM_FindReadPerLookup(benchmark::State& state) {
    StoreHandle store;
    RawLookup raw(Store().db_path);
    WarmUp(store, raw);
    const std::vector<Key> keys = MakeKeys(Lookups(), false, kSeed, static_cast<uint64_t>(Identities()));
    Latencies ours, base;
    for (auto _ : state) {
        Interleave(
            keys.size(),
            [&](size_t first, size_t end) {
                for (size_t j = first; j < end; ++j) {
                    std::optional<int64_t> customer;
                    const auto start = Clock::now();
                    CheckOk(store.db->Read([&](store::Session& s) {
                        customer = FindIn(s, store.resolver, keys[j]);
                        return OkStatus();
                    }),
                            "Read");
                    ours.Add(keys[j], Clock::now() - start);
                    Check(keys[j], customer, "Find");
                }
            },
            [&](size_t first, size_t end) { RawBlock(raw, keys, first, end, base); });
    }
    Report(state, ours, base);
}

void BM_FindManyPerRead(benchmark::State& state) {
    StoreHandle store;
    RawLookup raw(Store().db_path);
    WarmUp(store, raw);
    const std::vector<Key> keys = MakeKeys(Lookups(), false, kSeed + 1, static_cast<uint64_t>(Identities()));
    Latencies ours, base;
    for (auto _ : state) {
        Interleave(
            keys.size(),
            [&](size_t first, size_t end) {
                CheckOk(store.db->Read([&](store::Session& s) {
                    for (size_t j = first; j < end; ++j) {
                        const auto start = Clock::now();
                        const std::optional<int64_t> customer = FindIn(s, store.resolver, keys[j]);
                        ours.Add(keys[j], Clock::now() - start);
                        Check(keys[j], customer, "Find");
                    }
                    return OkStatus();
                }),
                        "Read");
            },
            [&](size_t first, size_t end) { RawBlock(raw, keys, first, end, base); });
    }
    Report(state, ours, base);
}

void BM_ResolvePerWrite(benchmark::State& state) {
    StoreHandle store;
    RawLookup raw(Store().db_path);
    WarmUp(store, raw);
    const std::vector<Key> keys = MakeKeys(Lookups(), /*hits_only=*/true, kSeed + 2, 0);
    Latencies ours, base;
    for (auto _ : state) {
        Interleave(
            keys.size(),
            [&](size_t first, size_t end) {
                for (size_t batch = first; batch < end; batch += kResolvePerWrite) {
                    CheckOk(store.db->Write([&](store::Session& s) {
                        for (size_t j = batch; j < std::min(end, batch + kResolvePerWrite); ++j) {
                            const IdentityInput inputs[] = {keys[j].input};
                            const auto start = Clock::now();
                            auto resolved = store.resolver.Resolve(s, kTenant, inputs, "bench");
                            ours.Add(keys[j], Clock::now() - start);
                            CheckOk(resolved.status(), "Resolve");
                            if (resolved->created || !resolved->merged.empty()) Die("Resolve changed the store");
                            Check(keys[j], resolved->customer.value(), "Resolve");
                        }
                        return OkStatus();
                    }),
                            "Write");
                }
            },
            [&](size_t first, size_t end) { RawBlock(raw, keys, first, end, base); });
    }
    Report(state, ours, base);
}

// Drops the database file's pages from the OS page cache (clean pages only; no root needed).
void Evict(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) Die("open " + path);
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
}

void BM_FindCold(benchmark::State& state) {
    const std::vector<Key> keys = MakeKeys(10'000, false, kSeed + 3, static_cast<uint64_t>(Identities()));
    Latencies ours, base;
    for (auto _ : state) {
        {
            StoreHandle store;
            Evict(Store().db_path);
            for (const Key& k : keys) {
                std::optional<int64_t> customer;
                const auto start = Clock::now();
                CheckOk(store.db->Read([&](store::Session& s) {
                    customer = FindIn(s, store.resolver, k);
                    return OkStatus();
                }),
                        "Read");
                ours.Add(k, Clock::now() - start);
                Check(k, customer, "Find");
            }
        }
        RawLookup raw(Store().db_path);
        Evict(Store().db_path);
        RawBlock(raw, keys, 0, keys.size(), base);
    }
    Report(state, ours, base);
}

void BM_RawPkLookup(benchmark::State& state) {
    RawLookup raw(Store().db_path);
    RawLookup again(Store().db_path);
    {
        StoreHandle store;
        WarmUp(store, raw);
        WarmUp(store, again);
    }
    const std::vector<Key> keys = MakeKeys(Lookups(), false, kSeed + 4, static_cast<uint64_t>(Identities()));
    Latencies ours, base;
    for (auto _ : state) {
        Interleave(
            keys.size(), [&](size_t first, size_t end) { RawBlock(raw, keys, first, end, ours); },
            [&](size_t first, size_t end) { RawBlock(again, keys, first, end, base); });
    }
    Report(state, ours, base);
}

// ---------------------------------------------------------------------------------------------

void AddContext() {
    benchmark::AddCustomContext("cores", std::to_string(std::thread::hardware_concurrency()));
    benchmark::AddCustomContext("cpu_model", bench::ReadFirstMatch("/proc/cpuinfo", "model name"));
    benchmark::AddCustomContext("temp_dir", TempDir::BaseDir() + " (" + bench::FilesystemOf(TempDir::BaseDir()) + ")");
    benchmark::AddCustomContext("sqlite_version", sqlite3_libversion());
    benchmark::AddCustomContext("lookups", std::to_string(Lookups()) + " per case (YT_BENCH_LOOKUPS), 80 % hits");
}

void RegisterAll() {
    auto configure = [](benchmark::internal::Benchmark* b) {
        b->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
    };
    configure(benchmark::RegisterBenchmark("identity/Find/read_per_lookup", BM_FindReadPerLookup));
    configure(benchmark::RegisterBenchmark("identity/Find/1000_per_read", BM_FindManyPerRead));
    configure(benchmark::RegisterBenchmark("identity/Find/cold_10000", BM_FindCold));
    configure(benchmark::RegisterBenchmark("sqlite/raw_pk_lookup", BM_RawPkLookup));
    // Last: it is the only case that writes (COMMITs of unchanged transactions).
    configure(benchmark::RegisterBenchmark("identity/Resolve/500_per_write", BM_ResolvePerWrite));
}

}  // namespace
}  // namespace yutang::customers

int main(int argc, char** argv) {
    yutang::store::ConfigureSqliteLibrary();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    if (!yutang::InitLogging({.level = "warn"}).ok()) return 1;
    yutang::customers::AddContext();
    yutang::customers::Store();  // built (or reused) before the context is printed
    yutang::customers::RegisterAll();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
