// Audience counts at 10M customers: the engine (AudienceIndex + Evaluate) next to the same rule
// as a hand-written SQL COUNT on SQLite and on PostgreSQL, measured in the same run; the index's
// build time and memory per customer; a saved segment's export; and AudienceIndex::Refresh
// throughput after store writes.
//
// The goal (docs/benchmarks.md, "Audience counts at 10M customers"): 10M customers, rules of up
// to 10 conditions, count p99 ≤ 5 ms; at least 100× faster than the same rule on PostgreSQL;
// index memory ≤ 100 bytes per customer; ≥ 200K incremental customer updates/s.
//
// Set-up (not timed, but reported): a fresh SQLite store (migrations applied by OpenSqlite and
// ApplyMigrations) is filled with YT_BENCH_AUDIENCE_CUSTOMERS (default 10 000 000) customers of a
// baby-goods merchant, deterministically from a seed, with raw batched inserts (journal off, no
// fsync, secondary indexes dropped and created again afterwards) of exactly what the store's
// writers write: identities with their blind index and ciphertext under the resolver's context,
// attributes encrypted under the profile's context, orders with an encrypted buyer, traits
// computed from the orders as OrderStore::RecomputeTraits does, tracked events with their message
// encrypted under the event context. YT_BENCH_AUDIENCE_DIR=<dir> keeps
// the store (and keys.json) there for later runs. When YT_BENCH_POSTGRES names a server
// (bench/run.sh starts one), the same rows are copied into a database of their own on it (COPY),
// with the same secondary indexes plus the ones a DBA would add for these rules.
//
// Attributes and event payloads are encrypted, so no SQL can compare them; the SQL baselines read
// a plaintext copy of the two attributes the rules use (bench_plain_attributes) and of the events'
// `category` property (bench_plain_event_properties), as a store without field encryption would
// hold them.
//
//   audience/build                  AudienceIndex::Build over the whole store; bytes per customer
//   audience/count/rNN_Mcond        rule NN (M conditions): Evaluate p50/p99 over many runs, the
//                                   SQL COUNT's p50 on SQLite and PostgreSQL, and the ratios.
//                                   Before timing, engine, SQLite and PostgreSQL must give the same
//                                   count, or the benchmark aborts.
//   audience/snapshot               AudienceIndex::Save to a file and Load back (what a restart
//                                   does instead of a build); the loaded index must count every
//                                   rule as the built one. vs_build = build time / load time.
//   audience/export/csv|xlsx        WriteSegmentExport of a saved segment holding r03's members,
//                                   into an anonymous temporary file: members/s, peak RSS growth,
//                                   and a plain read of the same rows as the baseline (vs_raw)
//   audience/refresh/batch:N/change:K  N random customers change through Database::Write (K = 0: a
//                                   tag and a new last-seen time; 1: the same and a consent record;
//                                   2: a tracked event and a new last-seen time), then
//                                   AudienceIndex::CatchUp is timed: read the store's change log,
//                                   apply its deltas (tags, last seen), re-read whom else it names
//
//   build/release/bench/audience_benchmark --benchmark_counters_tabular=true
//   YT_BENCH_AUDIENCE_CUSTOMERS=100000 build/release/bench/audience_benchmark   # a smoke run
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "yutang/audience/engine.hpp"
#include "yutang/audience/index.hpp"
#include "yutang/audience/rule.hpp"
#include "yutang/audience/segments.hpp"
#include "yutang/audience/service.hpp"
#include "yutang/base/clock.hpp"
#include "yutang/base/crypto.hpp"
#include "yutang/base/log.hpp"
#include "yutang/base/temp_file.hpp"
#include "yutang/base/time_zone.hpp"
#include "yutang/customers/identity.hpp"
#include "yutang/http/segment_export.hpp"
#include "yutang/staff/audit.hpp"
#include "yutang/store/migrations.hpp"
#include "yutang/store/postgres/postgres_database.hpp"
#include "yutang/store/sequences.hpp"
#include "yutang/store/sqlite/sqlite_database.hpp"

#include "bench/bench_support.hpp"

namespace yutang::audience {
namespace {

using bench::CheckOk;
using bench::Die;
using bench::TempDir;
using customers::IdentityInput;
using customers::IdentityKind;
using SteadyClock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr TenantId kTenant(1);
constexpr uint64_t kSeed = 20260615;
constexpr int64_t kChunkCustomers = 50'000;  // generated together, inserted in one transaction
constexpr int64_t kMicrosPerDay = 86'400'000'000;
constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();

int64_t Customers() { return bench::EnvCount("YT_BENCH_AUDIENCE_CUSTOMERS", 10'000'000); }
int64_t EngineRuns() { return bench::EnvCount("YT_BENCH_AUDIENCE_EVALS", 200); }
int64_t SqlRuns() { return bench::EnvCount("YT_BENCH_AUDIENCE_SQL_RUNS", 3); }
// YT_BENCH_AUDIENCE_ENGINE_ONLY=1: no SQL at all, neither the agreement check nor the baselines
// (for profiling the engine; published figures come from full runs).
bool EngineOnly() {
    const char* only = std::getenv("YT_BENCH_AUDIENCE_ENGINE_ONLY");
    return only != nullptr && std::string_view(only) == "1";
}

double SecondsSince(SteadyClock::time_point start) {
    return std::chrono::duration<double>(SteadyClock::now() - start).count();
}
double MillisSince(SteadyClock::time_point start) {
    return std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
}

double Percentile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto at = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(at, v.size() - 1)];
}

// ---------------------------------------------------------------------------------------------
// Time: everything is relative to one fixed "now", so windows, stages and RFM scores, and
// therefore every count, are the same in every run.

const TimeZone& Zone() {
    static const TimeZone zone = [] {
        auto loaded = TimeZone::Load(kDefaultTimeZone);
        CheckOk(loaded.status(), "time zone");
        return *loaded;
    }();
    return zone;
}
Timestamp Now() {
    static const Timestamp now = Zone().FromLocal({.date = {2026, 6, 15}, .hour = 12});
    return now;
}
int64_t NowMicros() { return Now().micros(); }
int32_t Today() { return DayNumber(Zone().ToLocal(Now()).date); }
int64_t StartOfDay(int32_t day) { return Zone().StartOfDay(DateOfDay(day)).micros(); }
// Where `within Nd` starts (docs/design/rules.md): local midnight N-1 days ago.
int64_t WindowStart(int days) { return StartOfDay(Today() - (days - 1)); }

ManualClock& FixedClock() {
    static ManualClock clock(Now());
    return clock;
}

std::string IsoDate(int32_t day) {
    const LocalDate d = DateOfDay(day);
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d", d.year, d.month, d.day);
    return text;
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness: one generator per customer, seeded from its id, so a chunk can be
// generated on any thread and the data never depends on the order of generation.

uint64_t Mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

class Rng {
  public:
    explicit Rng(uint64_t seed) : state_(Mix(seed)) {}
    uint64_t Next() { return state_ = Mix(state_); }
    double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
    bool Chance(double p) { return Uniform() < p; }
    int64_t Between(int64_t low, int64_t high) {  // [low, high]
        return low + static_cast<int64_t>(Next() % static_cast<uint64_t>(high - low + 1));
    }
    double Normal() {
        const double u = std::max(Uniform(), 1e-12);
        return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * Uniform());
    }
    double LogNormal(double median, double sigma) { return median * std::exp(sigma * Normal()); }
    size_t Pick(std::span<const int> weights) {
        int total = 0;
        for (int w : weights) total += w;
        int x = static_cast<int>(Next() % static_cast<uint64_t>(total));
        for (size_t i = 0; i < weights.size(); ++i) {
            if (x < weights[i]) return i;
            x -= weights[i];
        }
        return weights.size() - 1;
    }

  private:
    uint64_t state_;
};

std::string Hex(uint64_t v) {
    char text[24];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(v));
    return text;
}

// ---------------------------------------------------------------------------------------------
// The merchant: a baby-goods shop (母婴店) selling on four platforms, in WeCom and a mini program.

struct TagDef {
    int64_t id;
    int64_t group;
    std::string_view name;
};
struct GroupDef {
    int64_t id;
    std::string_view name;
    bool exclusive;
};
constexpr GroupDef kGroups[] = {
    {1, "人群", false}, {2, "兴趣", false}, {3, "会员等级", true}, {4, "渠道", false}, {5, "活动", false}};
// The 16 non-exclusive tags in order of popularity: rank r is held by 45 % / r of the customers
// (Zipf-like, about 1.5 tags each).
constexpr TagDef kRankedTags[] = {{1, 1, "母婴"},      {2, 2, "奶粉"},  {3, 2, "纸尿裤"},  {4, 4, "社群"},
                                  {5, 1, "孕妈"},      {6, 2, "辅食"},  {7, 4, "直播间"},  {8, 1, "新手爸妈"},
                                  {9, 2, "洗护"},      {10, 2, "玩具"}, {11, 4, "小程序"}, {12, 2, "童装"},
                                  {13, 1, "二胎家庭"}, {14, 4, "门店"}, {15, 1, "宝爸"},   {16, 4, "老客推荐"}};
// 会员等级, exclusive: one level at most, from the customer's spend.
constexpr TagDef kLevels[] = {{17, 3, "普通会员"}, {18, 3, "银卡"}, {19, 3, "金卡"}, {20, 3, "钻石卡"}};
// Handed out by the refresh cases; no rule reads it, so the SQL baselines stay comparable after
// those cases have written to the store.
constexpr TagDef kCampaignTag = {21, 5, "六一领券"};

constexpr std::string_view kChannels[] = {"import:jd", "import:taobao", "import:douyin", "import:pdd",
                                          "wecom",     "live",          "store",         "miniprogram"};
constexpr int kChannelWeights[] = {24, 22, 14, 10, 12, 6, 6, 6};
// Where each channel's customers mostly buy (an index into kSources).
constexpr size_t kChannelPlatform[] = {0, 1, 2, 3, 4, 2, 4, 5};
constexpr std::string_view kSources[] = {"jd", "taobao", "douyin", "pdd", "youzan", "segment"};

constexpr std::string_view kProducts[] = {"婴儿配方奶粉 3段 800g", "纸尿裤 L码 52片", "米粉 辅食 225g",
                                          "婴儿洗发沐浴露 二合一", "益智积木 100粒",  "婴儿连体衣 纯棉"};
// The products' categories (the `category` property of the tracked events), and how often a
// browsing session looks at each.
constexpr std::string_view kCategories[] = {"奶粉", "纸尿裤", "辅食", "洗护", "玩具", "童装"};
constexpr int kCategoryWeights[] = {30, 25, 15, 12, 10, 8};
// Event ids: customer c's events are c * kEventsPerCustomer + k, k < kEventsPerCustomer.
constexpr int64_t kEventsPerCustomer = 128;

// ---------------------------------------------------------------------------------------------
// Generated rows, one chunk of customers at a time.

struct CustomerRow {
    int64_t id, created, owner, last_seen;  // owner 0 and last_seen kNoTime are NULL
    std::string_view channel;
};
struct TraitsRow {
    int64_t id, count, spend, refunded, first, last, r, f, m;
    std::string platforms;
    std::string_view stage;
};
struct OrderRow {
    int64_t id, customer, total, paid, refunded, ordered, paid_at, completed_at;  // kNoTime = NULL
    std::string_view source, status, raw_status;
    std::string lines, hint, cipher;
};
struct TagRow {
    int64_t customer, tag, at;
    std::string_view source;
};
struct IdentityRow {
    std::string_view kind, source;
    std::string index, cipher, hint;
    int64_t customer, created;
};
struct ConsentRow {
    int64_t id, customer, granted, at;
    std::string_view purpose, source;
};
struct AttributeRow {
    int64_t customer, updated;
    std::string_view name, type;
    std::string cipher;
};
struct PlainRow {
    int64_t customer, points;   // points -1 = NULL
    std::string baby_birthday;  // empty = NULL
};
struct EventRow {
    int64_t id, customer, at;
    std::string_view name, category;  // category empty: none
    std::string message_id, cipher;
};

struct Chunk {
    std::vector<CustomerRow> customers;
    std::vector<TraitsRow> traits;
    std::vector<OrderRow> orders;
    std::vector<TagRow> tags;
    std::vector<IdentityRow> identities;
    std::vector<ConsentRow> consent;
    std::vector<AttributeRow> attributes;
    std::vector<PlainRow> plain;
    std::vector<EventRow> events;
};

std::string Context(std::string_view what) { return "t" + std::to_string(kTenant.value()) + "/" + std::string(what); }

// Counting statuses as in events/orders.cpp (kAggregate): paid, shipped, completed, refunded.
bool Counts(std::string_view status) { return status != "cancelled"; }

// LifecycleStageFor (events/orders.hpp): 180 and 365 days since the last purchase.
std::string_view StageFor(int64_t count, int64_t last) {
    if (count == 0) return "prospect";
    const int64_t days = (NowMicros() - last) / kMicrosPerDay;
    if (days > 365) return "churned";
    if (days > 180) return "at_risk";
    return count == 1 ? "new" : "repeat";
}

void AddIdentity(Chunk& out, const KeyRing& keys, IdentityKind kind, std::string value, int64_t customer,
                 std::string_view source, int64_t created) {
    auto normalized = customers::NormalizeIdentity(IdentityInput{kind, std::move(value), ""});
    if (!normalized.ok() || !normalized->usable) Die("unusable identity for customer " + std::to_string(customer));
    const std::string context = Context("identity." + std::string(customers::IdentityKindName(kind)));
    out.identities.push_back({customers::IdentityKindName(kind), source, keys.BlindIndex(context, normalized->value),
                              keys.Encrypt(normalized->value, context), normalized->hint, customer, created});
}

void AddAttribute(Chunk& out, const KeyRing& keys, int64_t customer, std::string_view name, std::string_view type,
                  const std::string& value, int64_t at) {
    out.attributes.push_back({customer, at, name, type, keys.Encrypt(value, Context("customer.attribute"))});
}

// A purchase made in the mini program, which its SDK also tracked as "Order Completed".
struct TrackedOrder {
    int64_t order_id, at, paid;
    size_t product;
};

// Tracked events (Segment `track` calls from the mini program, stored as ingest stores them: the
// message as sent, encrypted under the tenant's event context). Drawn from a generator of their
// own, so the rest of the data is the same with or without them.
//
// A third of the customers use the mini program: 60 % of those who came through WeCom, live
// streams, the store or the mini program, 20 % of the imported buyers. Each has 1 + a geometric
// number of browsing sessions (mean about 2.2) spread over the last 180 days; a session views
// 1–3 products of one category, adds one to the cart 30 % of the time and claims a coupon 6 % of
// the time. A purchase in the mini program is a "Product Viewed" ten minutes before and an
// "Order Completed" at the order's time.
void AddEvents(int64_t c, size_t channel, int64_t created, std::span<const TrackedOrder> orders, const KeyRing& keys,
               Chunk& out) {
    Rng rng(kSeed ^ 0x5eed'e7e7'0000'0000ULL ^ (static_cast<uint64_t>(c) * 0xd1b54a32d192ed03ULL));
    const int64_t now = NowMicros();
    const std::string context = Context("event");
    int64_t next = 0;
    auto add = [&](std::string_view name, int64_t at, std::string_view properties, std::string_view category) {
        if (next >= kEventsPerCustomer) return;
        const int64_t id = c * kEventsPerCustomer + next++;
        std::string message_id = Hex(Mix(static_cast<uint64_t>(id))) + Hex(Mix(~static_cast<uint64_t>(id)));
        const std::string payload = R"({"type":"track","event":")" + std::string(name) + R"(","messageId":")" +
                                    message_id + R"(","userId":"mp-)" + std::to_string(c) + R"(","timestamp":")" +
                                    FormatRfc3339(Timestamp::FromMicros(at)) + R"(","properties":)" +
                                    std::string(properties) +
                                    R"(,"context":{"library":{"name":"analytics-miniprogram","version":"1.4.0"}}})";
        out.events.push_back({id, c, at, name, category, std::move(message_id), keys.Encrypt(payload, context)});
    };
    auto product_properties = [](size_t product) {
        return R"({"sku":"N)" + std::to_string(10'000 + product) + R"(","category":")" +
               std::string(kCategories[product]) + R"(","name":")" + std::string(kProducts[product]) + R"("})";
    };
    for (const TrackedOrder& o : orders) {
        add("Product Viewed", o.at - 600'000'000, product_properties(o.product), kCategories[o.product]);
        add("Order Completed", o.at,
            R"({"order_id":"B)" + std::to_string(o.order_id) + R"(","total":)" + std::to_string(o.paid / 100) + "." +
                std::to_string(o.paid / 10 % 10) + std::to_string(o.paid % 10) + R"(,"currency":"CNY"})",
            "");
    }
    if (!rng.Chance(channel >= 4 ? 0.6 : 0.2)) return;
    const int64_t from = std::max(created, now - 180 * kMicrosPerDay);
    int sessions = 1;
    while (sessions < 12 && rng.Chance(0.55)) ++sessions;
    for (int i = 0; i < sessions; ++i) {
        int64_t at = from + static_cast<int64_t>(rng.Uniform() * static_cast<double>(now - from));
        const size_t category = rng.Pick(kCategoryWeights);
        const int64_t views = rng.Between(1, 3);
        for (int64_t v = 0; v < views; ++v) {
            add("Product Viewed", at, product_properties(category), kCategories[category]);
            at = std::min(now, at + rng.Between(5, 120) * 1'000'000);
        }
        if (rng.Chance(0.3)) add("Product Added", at, product_properties(category), kCategories[category]);
        if (rng.Chance(0.06)) {
            add("Coupon Claimed", at, R"({"coupon_id":"C)" + std::to_string(100 + category) + R"("})", "");
        }
    }
}

void GenerateCustomer(int64_t c, const KeyRing& keys, Chunk& out) {
    Rng rng(kSeed ^ (static_cast<uint64_t>(c) * 0x9e3779b97f4a7c15ULL));
    const int64_t now = NowMicros();
    const size_t channel = rng.Pick(kChannelWeights);
    const int64_t created = now - rng.Between(1, 900) * kMicrosPerDay - rng.Between(0, kMicrosPerDay);
    const bool guided = channel == 4 || channel == 6;
    const int64_t owner = rng.Chance(guided ? 0.7 : 0.15) ? rng.Between(1, 40) : 0;
    const int64_t last_seen = rng.Chance(0.6) ? now - rng.Between(0, 365 * kMicrosPerDay) : kNoTime;
    out.customers.push_back({c, created, owner, last_seen, kChannels[channel]});

    // Orders: a repeat-purchase process. Most buyers buy once; each further purchase follows
    // with probability 0.42, about 60 days later on average; a purchase that would fall after
    // now does not happen. Amounts are log-normal around ¥168.
    const bool imported = channel < 4;
    int64_t count = 0, spend = 0, refunded = 0, first = kNoTime, last = kNoTime;
    std::map<std::string_view, int64_t> per_source;
    std::vector<TrackedOrder> tracked;
    if (rng.Chance(imported ? 0.85 : 0.4)) {
        int64_t at = std::max(created, now - 730 * kMicrosPerDay);
        at += static_cast<int64_t>(rng.Uniform() * static_cast<double>(now - at));
        const std::string buyer = R"({"name":"王*","phone":"138****)" + std::to_string(1000 + c % 9000) + "\"}";
        const std::string buyer_cipher = keys.Encrypt(buyer, Context("order.buyer"));
        for (int64_t n = 0; n < 12 && at <= now; ++n) {
            OrderRow o{};
            o.id = c * 16 + n;
            o.customer = c;
            o.source = rng.Chance(0.8) ? kSources[kChannelPlatform[channel]] : kSources[rng.Next() % 6];
            o.ordered = at;
            const int64_t quantity = rng.Between(1, 3);
            o.total = std::max<int64_t>(990, std::llround(rng.LogNormal(168.0, 0.75) * 100.0));
            o.paid = o.total;
            o.paid_at = at + 60'000'000;
            o.completed_at = kNoTime;
            const double fate = rng.Uniform();
            const int64_t age_days = (now - at) / kMicrosPerDay;
            if (fate < 0.03) {
                o.status = "cancelled";
                o.raw_status = "已取消";
                o.paid = 0;
                o.paid_at = kNoTime;
            } else if (fate < 0.07) {
                o.status = "refunded";
                o.raw_status = "退款成功";
                o.refunded = o.paid;
            } else if (age_days < 3) {
                o.status = "paid";
                o.raw_status = "等待出库";
            } else if (age_days < 10) {
                o.status = "shipped";
                o.raw_status = "等待确认收货";
            } else {
                o.status = "completed";
                o.raw_status = "完成";
                o.completed_at = at + 7 * kMicrosPerDay;
                if (fate < 0.10) o.refunded = o.paid / 3;  // a partial refund
            }
            const size_t product = rng.Next() % std::size(kProducts);
            o.lines = R"([{"sku":"N)" + std::to_string(10'000 + product) + R"(","name":")" +
                      std::string(kProducts[product]) + R"(","quantity":)" + std::to_string(quantity) +
                      R"(,"price_fen":)" + std::to_string(o.total / quantity) + "}]";
            o.hint = "王* 138****" + std::to_string(1000 + c % 9000);
            if (o.source == "segment" && Counts(o.status)) tracked.push_back({o.id, at, o.paid, product});
            o.cipher = buyer_cipher;
            if (Counts(o.status)) {
                ++count;
                spend += o.paid;
                refunded += o.refunded;
                first = first == kNoTime ? at : std::min(first, at);
                last = std::max(last, at);
                ++per_source[o.source];
            }
            out.orders.push_back(std::move(o));
            if (!rng.Chance(0.42)) break;
            at += static_cast<int64_t>(-std::log(std::max(rng.Uniform(), 1e-9)) * 60.0 *
                                       static_cast<double>(kMicrosPerDay));
        }
    }
    const int64_t net = spend - refunded;
    if (count > 0) {
        std::string platforms = "{";
        for (const auto& [source, n] : per_source) {
            if (platforms.size() > 1) platforms += ",";
            platforms += "\"" + std::string(source) + "\":" + std::to_string(n);
        }
        platforms += "}";
        // RFM scores 1–5 as the daily refresh would rank them (fixed cut-offs stand in for its
        // quintiles).
        const int64_t days = (now - last) / kMicrosPerDay;
        const int64_t r = days <= 30 ? 5 : days <= 90 ? 4 : days <= 180 ? 3 : days <= 365 ? 2 : 1;
        const int64_t f = count >= 6 ? 5 : count >= 4 ? 4 : count;
        const int64_t m = net >= 200'000 ? 5 : net >= 80'000 ? 4 : net >= 30'000 ? 3 : net >= 10'000 ? 2 : 1;
        out.traits.push_back(
            {c, count, spend, refunded, first, last, r, f, m, std::move(platforms), StageFor(count, last)});
    }

    // Tags.
    for (size_t rank = 0; rank < std::size(kRankedTags); ++rank) {
        if (rng.Chance(0.45 / static_cast<double>(rank + 1))) {
            out.tags.push_back({c, kRankedTags[rank].id, created + rng.Between(0, 30) * kMicrosPerDay,
                                rank % 3 == 0 ? "rule" : "manual"});
        }
    }
    int level = -1;
    if (net >= 500'000) {
        level = 3;
    } else if (net >= 200'000) {
        level = 2;
    } else if (net >= 80'000) {
        level = 1;
    } else if (count > 0 || rng.Chance(0.3)) {
        level = 0;
    }
    if (level >= 0) out.tags.push_back({c, kLevels[level].id, created, "rule"});

    // Identities: a phone for most, a WeCom external contact for some (most of the WeCom channel's).
    const bool phone = rng.Chance(0.85);
    if (phone) {
        // 1, a digit 3–9, nine digits unique per customer (3^18 is prime to 10).
        char nine[16];
        std::snprintf(
            nine, sizeof nine, "%09llu",
            static_cast<unsigned long long>((static_cast<uint64_t>(c) * 387'420'489ULL + 12'345) % 1'000'000'000ULL));
        AddIdentity(out, keys, IdentityKind::kPhone, "1" + std::to_string(3 + rng.Next() % 7) + nine, c,
                    kChannels[channel], created);
    }
    const bool wecom = rng.Chance(channel == 4 ? 0.9 : (channel == 5 || channel == 6) ? 0.4 : 0.15);
    if (wecom) {
        AddIdentity(out, keys, IdentityKind::kWecomExternalUserId,
                    "wm" + Hex(Mix(static_cast<uint64_t>(c))) + Hex(Mix(~static_cast<uint64_t>(c))), c, "wecom",
                    created);
    }

    // Consent: SMS asked of phone holders (some refuse, some later withdraw); WeCom of contacts.
    int64_t consent_id = c * 4;
    if (phone && rng.Chance(0.5)) {
        const int64_t at = created + rng.Between(0, 60) * kMicrosPerDay;
        const bool granted = rng.Chance(0.9);
        out.consent.push_back({consent_id++, c, granted ? 1 : 0, at, "marketing.sms", "console"});
        if (granted && rng.Chance(0.12)) {
            out.consent.push_back(
                {consent_id++, c, 0, at + rng.Between(1, 200) * kMicrosPerDay, "marketing.sms", "sms"});
        }
    }
    if (wecom && rng.Chance(0.6)) {
        const int64_t at = created + rng.Between(0, 30) * kMicrosPerDay;
        out.consent.push_back({consent_id++, c, 1, at, "marketing.wecom", "wecom"});
        if (rng.Chance(0.05)) {
            out.consent.push_back(
                {consent_id++, c, 0, at + rng.Between(1, 100) * kMicrosPerDay, "marketing.wecom", "wecom"});
        }
    }

    // Attributes: the baby's birthday (some still to come: due dates), member points, the
    // customer's own birthday.
    PlainRow plain{c, -1, ""};
    if (rng.Chance(0.5)) {
        plain.baby_birthday = IsoDate(Today() - static_cast<int32_t>(rng.Between(-90, 4 * 365)));
        AddAttribute(out, keys, c, "baby_birthday", "date", plain.baby_birthday, created);
    }
    if (rng.Chance(0.45)) {
        plain.points = std::llround(rng.LogNormal(800.0, 1.0));
        AddAttribute(out, keys, c, "member_points", "number", std::to_string(plain.points), created);
    }
    if (rng.Chance(0.25)) {
        AddAttribute(out, keys, c, "birthday", "date",
                     IsoDate(DayNumber(LocalDate{1975, 1, 1}) + static_cast<int32_t>(rng.Between(0, 27 * 365))),
                     created);
    }
    if (plain.points >= 0 || !plain.baby_birthday.empty()) out.plain.push_back(std::move(plain));
    AddEvents(c, channel, created, tracked, keys, out);
}

Chunk GenerateChunk(int64_t first, int64_t end, const KeyRing& keys) {
    Chunk chunk;
    for (int64_t c = first; c < end; ++c) GenerateCustomer(c, keys, chunk);
    return chunk;
}

// ---------------------------------------------------------------------------------------------
// A raw sqlite3 connection, for the load and the SQL baseline.

class RawSqlite {
  public:
    RawSqlite(const std::string& path, bool read_only) {
        const int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
        if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) Die("open " + path);
    }
    ~RawSqlite() {
        for (sqlite3_stmt* s : statements_) sqlite3_finalize(s);
        sqlite3_close_v2(db_);
    }
    RawSqlite(const RawSqlite&) = delete;
    RawSqlite& operator=(const RawSqlite&) = delete;

    void Exec(const std::string& sql) { bench::ExecOn(db_, sql); }
    sqlite3_stmt* Prepare(const std::string& sql) {
        sqlite3_stmt* stmt = bench::PrepareOn(db_, sql);
        statements_.push_back(stmt);
        return stmt;
    }
    void Done(sqlite3_stmt* stmt) { bench::StepDone(stmt); }
    int64_t Scalar(const std::string& sql) { return bench::ScalarOn(db_, sql); }
    // (name, sql) of the secondary indexes (primary keys have no sql) or the triggers on `tables`.
    std::vector<std::pair<std::string, std::string>> Objects(const std::string& type,
                                                             const std::vector<std::string>& tables) {
        std::vector<std::pair<std::string, std::string>> out;
        sqlite3_stmt* stmt =
            Prepare("SELECT name, sql, tbl_name FROM sqlite_master WHERE type = '" + type + "' AND sql IS NOT NULL");
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            const std::string table = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 2));
            if (std::find(tables.begin(), tables.end(), table) == tables.end()) continue;
            out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)),
                             reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)));
        }
        sqlite3_reset(stmt);
        return out;
    }
    sqlite3* db() { return db_; }

  private:
    sqlite3* db_ = nullptr;
    std::vector<sqlite3_stmt*> statements_;
};

void BindText(sqlite3_stmt* stmt, int index, std::string_view text) {
    sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}
void BindBlob(sqlite3_stmt* stmt, int index, const std::string& bytes) {
    sqlite3_bind_blob(stmt, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
}
void BindTime(sqlite3_stmt* stmt, int index, int64_t value) {
    if (value == kNoTime) {
        sqlite3_bind_null(stmt, index);
    } else {
        sqlite3_bind_int64(stmt, index, value);
    }
}

const std::vector<std::string> kLoadedTables = {"customers",     "customer_identities", "customer_traits", "orders",
                                                "customer_tags", "customer_attributes", "consent_records", "events"};

// What a DBA would add for these rules, on both databases (PostgreSQL gets covering INCLUDE
// columns instead of wide keys).
constexpr const char* kPlainTable =
    "CREATE TABLE bench_plain_attributes (tenant_id BIGINT NOT NULL, customer_id BIGINT NOT NULL, "
    "baby_birthday TEXT, member_points BIGINT, PRIMARY KEY (tenant_id, customer_id))";
// Event payloads are encrypted too: the SQL reads the `category` property from a plaintext copy.
constexpr const char* kPlainEventTable =
    "CREATE TABLE bench_plain_event_properties (tenant_id BIGINT NOT NULL, event_id BIGINT NOT NULL, "
    "category TEXT NOT NULL, PRIMARY KEY (tenant_id, event_id))";
const std::vector<std::string> kSqliteDbaIndexes = {
    "CREATE INDEX bench_identities_kind ON customer_identities (tenant_id, kind, customer_id)",
    "CREATE INDEX bench_orders_time ON orders (tenant_id, ordered_at, customer_id, status, paid_fen, refunded_fen)",
    "CREATE INDEX bench_consent_purpose ON consent_records (tenant_id, purpose, customer_id, given_at, consent_id, "
    "granted)",
    "CREATE INDEX bench_traits_stage ON customer_traits (tenant_id, lifecycle_stage)",
    "CREATE INDEX bench_plain_baby ON bench_plain_attributes (tenant_id, baby_birthday)",
    "CREATE INDEX bench_plain_points ON bench_plain_attributes (tenant_id, member_points)",
    "CREATE INDEX bench_events_name ON events (tenant_id, name, occurred_at, customer_id, type, event_id)"};
const std::vector<std::string> kPostgresDbaIndexes = {
    "CREATE INDEX bench_identities_kind ON customer_identities (tenant_id, kind, customer_id)",
    "CREATE INDEX bench_orders_time ON orders (tenant_id, ordered_at) INCLUDE (customer_id, status, paid_fen, "
    "refunded_fen)",
    "CREATE INDEX bench_consent_purpose ON consent_records (tenant_id, purpose, customer_id, given_at, consent_id) "
    "INCLUDE (granted)",
    "CREATE INDEX bench_traits_stage ON customer_traits (tenant_id, lifecycle_stage)",
    "CREATE INDEX bench_plain_baby ON bench_plain_attributes (tenant_id, baby_birthday)",
    "CREATE INDEX bench_plain_points ON bench_plain_attributes (tenant_id, member_points)",
    "CREATE INDEX bench_events_name ON events (tenant_id, name, occurred_at) INCLUDE (customer_id, type, event_id)"};

class RowWriter {
  public:
    explicit RowWriter(RawSqlite& raw) : raw_(raw) {
        customer_ = raw.Prepare(
            "INSERT INTO customers (tenant_id, customer_id, merged_into, created_at, updated_at, owner_staff_id, "
            "source_channel, last_seen_at) VALUES (1, ?1, NULL, ?2, ?2, ?3, ?4, ?5)");
        traits_ = raw.Prepare(
            "INSERT INTO customer_traits (tenant_id, customer_id, order_count, total_spend_fen, refunded_fen, "
            "first_order_at, last_order_at, platform_counts, updated_at, rfm_recency, rfm_frequency, rfm_monetary, "
            "rfm_at, lifecycle_stage) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?8, ?12)");
        order_ = raw.Prepare(
            "INSERT INTO orders (tenant_id, order_id, source, external_id, customer_id, status, raw_status, total_fen, "
            "paid_fen, refunded_fen, currency, ordered_at, paid_at, completed_at, lines, buyer_hint, buyer_cipher, "
            "created_at, updated_at) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'CNY', ?10, ?11, ?12, ?13, ?14, "
            "?15, ?10, ?10)");
        tag_ = raw.Prepare(
            "INSERT INTO customer_tags (tenant_id, customer_id, tag_id, source, tagged_by, tagged_at) "
            "VALUES (1, ?1, ?2, ?3, NULL, ?4)");
        identity_ = raw.Prepare(
            "INSERT INTO customer_identities (tenant_id, kind, value_index, value_cipher, hint, customer_id, source, "
            "created_at) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)");
        consent_ = raw.Prepare(
            "INSERT INTO consent_records (tenant_id, consent_id, customer_id, purpose, granted, given_at, recorded_at, "
            "source, notice_version, recorded_by) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?5, ?6, 'v2', NULL)");
        attribute_ = raw.Prepare(
            "INSERT INTO customer_attributes (tenant_id, customer_id, name, type, value_cipher, value_index, source, "
            "updated_at) VALUES (1, ?1, ?2, ?3, ?4, NULL, 'import', ?5)");
        plain_ = raw.Prepare(
            "INSERT INTO bench_plain_attributes (tenant_id, customer_id, baby_birthday, member_points) "
            "VALUES (1, ?1, ?2, ?3)");
        event_ = raw.Prepare(
            "INSERT INTO events (tenant_id, event_id, message_id, type, name, customer_id, occurred_at, received_at, "
            "payload) VALUES (1, ?1, ?2, 'track', ?3, ?4, ?5, ?6, ?7)");
        plain_event_ =
            raw.Prepare("INSERT INTO bench_plain_event_properties (tenant_id, event_id, category) VALUES (1, ?1, ?2)");
    }

    int64_t Insert(const Chunk& chunk) {
        int64_t rows = 0;
        for (const CustomerRow& r : chunk.customers) {
            sqlite3_bind_int64(customer_, 1, r.id);
            sqlite3_bind_int64(customer_, 2, r.created);
            if (r.owner == 0) {
                sqlite3_bind_null(customer_, 3);
            } else {
                sqlite3_bind_int64(customer_, 3, r.owner);
            }
            BindText(customer_, 4, r.channel);
            BindTime(customer_, 5, r.last_seen);
            raw_.Done(customer_);
        }
        for (const TraitsRow& r : chunk.traits) {
            sqlite3_bind_int64(traits_, 1, r.id);
            sqlite3_bind_int64(traits_, 2, r.count);
            sqlite3_bind_int64(traits_, 3, r.spend);
            sqlite3_bind_int64(traits_, 4, r.refunded);
            sqlite3_bind_int64(traits_, 5, r.first);
            sqlite3_bind_int64(traits_, 6, r.last);
            BindText(traits_, 7, r.platforms);
            sqlite3_bind_int64(traits_, 8, NowMicros());
            sqlite3_bind_int64(traits_, 9, r.r);
            sqlite3_bind_int64(traits_, 10, r.f);
            sqlite3_bind_int64(traits_, 11, r.m);
            BindText(traits_, 12, r.stage);
            raw_.Done(traits_);
        }
        for (const OrderRow& r : chunk.orders) {
            sqlite3_bind_int64(order_, 1, r.id);
            BindText(order_, 2, r.source);
            BindText(order_, 3, "B" + std::to_string(r.id));
            sqlite3_bind_int64(order_, 4, r.customer);
            BindText(order_, 5, r.status);
            BindText(order_, 6, r.raw_status);
            sqlite3_bind_int64(order_, 7, r.total);
            sqlite3_bind_int64(order_, 8, r.paid);
            sqlite3_bind_int64(order_, 9, r.refunded);
            sqlite3_bind_int64(order_, 10, r.ordered);
            BindTime(order_, 11, r.paid_at);
            BindTime(order_, 12, r.completed_at);
            BindText(order_, 13, r.lines);
            BindText(order_, 14, r.hint);
            BindBlob(order_, 15, r.cipher);
            raw_.Done(order_);
        }
        for (const TagRow& r : chunk.tags) {
            sqlite3_bind_int64(tag_, 1, r.customer);
            sqlite3_bind_int64(tag_, 2, r.tag);
            BindText(tag_, 3, r.source);
            sqlite3_bind_int64(tag_, 4, r.at);
            raw_.Done(tag_);
        }
        for (const IdentityRow& r : chunk.identities) {
            BindText(identity_, 1, r.kind);
            BindBlob(identity_, 2, r.index);
            BindBlob(identity_, 3, r.cipher);
            BindText(identity_, 4, r.hint);
            sqlite3_bind_int64(identity_, 5, r.customer);
            BindText(identity_, 6, r.source);
            sqlite3_bind_int64(identity_, 7, r.created);
            raw_.Done(identity_);
        }
        for (const ConsentRow& r : chunk.consent) {
            sqlite3_bind_int64(consent_, 1, r.id);
            sqlite3_bind_int64(consent_, 2, r.customer);
            BindText(consent_, 3, r.purpose);
            sqlite3_bind_int64(consent_, 4, r.granted);
            sqlite3_bind_int64(consent_, 5, r.at);
            BindText(consent_, 6, r.source);
            raw_.Done(consent_);
        }
        for (const AttributeRow& r : chunk.attributes) {
            sqlite3_bind_int64(attribute_, 1, r.customer);
            BindText(attribute_, 2, r.name);
            BindText(attribute_, 3, r.type);
            BindBlob(attribute_, 4, r.cipher);
            sqlite3_bind_int64(attribute_, 5, r.updated);
            raw_.Done(attribute_);
        }
        for (const PlainRow& r : chunk.plain) {
            sqlite3_bind_int64(plain_, 1, r.customer);
            if (r.baby_birthday.empty()) {
                sqlite3_bind_null(plain_, 2);
            } else {
                BindText(plain_, 2, r.baby_birthday);
            }
            if (r.points < 0) {
                sqlite3_bind_null(plain_, 3);
            } else {
                sqlite3_bind_int64(plain_, 3, r.points);
            }
            raw_.Done(plain_);
        }
        for (const EventRow& r : chunk.events) {
            sqlite3_bind_int64(event_, 1, r.id);
            BindText(event_, 2, r.message_id);
            BindText(event_, 3, r.name);
            sqlite3_bind_int64(event_, 4, r.customer);
            sqlite3_bind_int64(event_, 5, r.at);
            sqlite3_bind_int64(event_, 6, r.at + 2'000'000);
            BindBlob(event_, 7, r.cipher);
            raw_.Done(event_);
            if (!r.category.empty()) {
                sqlite3_bind_int64(plain_event_, 1, r.id);
                BindText(plain_event_, 2, r.category);
                raw_.Done(plain_event_);
            }
        }
        rows += static_cast<int64_t>(chunk.customers.size() + chunk.traits.size() + chunk.orders.size() +
                                     chunk.tags.size() + chunk.identities.size() + chunk.consent.size() +
                                     chunk.attributes.size() + chunk.plain.size() + chunk.events.size());
        return rows;
    }

  private:
    RawSqlite& raw_;
    sqlite3_stmt *customer_, *traits_, *order_, *tag_, *identity_, *consent_, *attribute_, *plain_, *event_,
        *plain_event_;
};

void InsertCatalogue(RawSqlite& raw) {
    for (const GroupDef& g : kGroups) {
        raw.Exec("INSERT INTO tag_groups (tenant_id, group_id, name, exclusive, created_at) VALUES (1, " +
                 std::to_string(g.id) + ", '" + std::string(g.name) + "', " + (g.exclusive ? "1" : "0") + ", 0)");
    }
    auto tag = [&](const TagDef& t) {
        raw.Exec("INSERT INTO tags (tenant_id, tag_id, group_id, name, created_at, deleted_at) VALUES (1, " +
                 std::to_string(t.id) + ", " + std::to_string(t.group) + ", '" + std::string(t.name) + "', 0, NULL)");
    };
    for (const TagDef& t : kRankedTags) tag(t);
    for (const TagDef& t : kLevels) tag(t);
    tag(kCampaignTag);
}

struct LoadReport {
    double seconds = 0;
    int64_t rows = 0;
};

// Fills the store: journal off, no fsync, a 2 GB page cache, foreign keys off (the rows are
// consistent by construction) and the secondary indexes dropped while rows go in, then created
// again from their own definitions, so the schema ends exactly as the migrations left it.
LoadReport Fill(const std::string& db_path, const KeyRing& keys) {
    const auto start = SteadyClock::now();
    RawSqlite raw(db_path, /*read_only=*/false);
    raw.Exec("PRAGMA journal_mode=OFF");
    raw.Exec("PRAGMA synchronous=OFF");
    raw.Exec("PRAGMA cache_size=-2000000");
    raw.Exec("PRAGMA foreign_keys=OFF");
    raw.Exec(kPlainTable);
    raw.Exec(kPlainEventTable);
    const auto indexes = raw.Objects("index", kLoadedTables);
    for (const auto& [name, sql] : indexes) raw.Exec("DROP INDEX " + name);
    // A bulk load is not a change to catch up with: the change log's triggers are off meanwhile.
    const auto triggers = raw.Objects("trigger", kLoadedTables);
    for (const auto& [name, sql] : triggers) raw.Exec("DROP TRIGGER " + name);
    raw.Exec("BEGIN");
    InsertCatalogue(raw);
    raw.Exec("INSERT INTO id_sequences (tenant_id, kind, next_id) VALUES (1, 'customer', " +
             std::to_string(Customers() + 1) + ")");
    raw.Exec("INSERT INTO id_sequences (tenant_id, kind, next_id) VALUES (1, 'event', " +
             std::to_string((Customers() + 1) * kEventsPerCustomer) + ")");
    raw.Exec("COMMIT");
    RowWriter loader(raw);
    LoadReport report;
    const int64_t n = Customers();
    // Generation (encryption, mostly) runs on a second thread one chunk ahead of the inserts.
    auto generate = [&keys, n](int64_t first) {
        return std::async(std::launch::async, GenerateChunk, first, std::min(n + 1, first + kChunkCustomers),
                          std::cref(keys));
    };
    std::future<Chunk> next = generate(1);
    int64_t reported = 0;
    for (int64_t first = 1; first <= n; first += kChunkCustomers) {
        Chunk chunk = next.get();
        if (first + kChunkCustomers <= n) next = generate(first + kChunkCustomers);
        raw.Exec("BEGIN");
        report.rows += loader.Insert(chunk);
        raw.Exec("COMMIT");
        const int64_t done = std::min(n, first + kChunkCustomers - 1);
        if (done - reported >= 500'000 || done == n) {
            reported = done;
            std::fprintf(stderr, "audience_benchmark: %lld of %lld customers stored, %lld rows (%.0f s)\n",
                         static_cast<long long>(done), static_cast<long long>(n), static_cast<long long>(report.rows),
                         SecondsSince(start));
        }
    }
    std::fprintf(stderr, "audience_benchmark: creating indexes (%.0f s)\n", SecondsSince(start));
    for (const auto& [name, sql] : indexes) raw.Exec(sql);
    for (const auto& [name, sql] : triggers) raw.Exec(sql);
    for (const std::string& sql : kSqliteDbaIndexes) raw.Exec(sql);
    // No ANALYZE: the store never runs it.
    raw.Exec("PRAGMA journal_mode=WAL");
    report.seconds = SecondsSince(start);
    std::fprintf(stderr, "audience_benchmark: SQLite store ready (%.0f s)\n", report.seconds);
    return report;
}

KeyRing& Keys() {
    static KeyRing keys = [] {
        CheckOk(InitCrypto(), "InitCrypto");
        return KeyRing::Generate();
    }();
    return keys;
}

struct Built {
    std::string dir;
    std::string db_path;
    bool reused = false;
    bool keep = false;
    LoadReport load;
    int64_t db_bytes = 0;
};

const Built& Store() {
    static const Built built = [] {
        static std::optional<TempDir> temp;
        Built b;
        const char* keep = std::getenv("YT_BENCH_AUDIENCE_DIR");
        if (keep != nullptr && *keep != '\0') {
            b.dir = keep;
            b.keep = true;
            fs::create_directories(b.dir);
        } else {
            temp.emplace();
            b.dir = temp->path();
        }
        b.db_path = b.dir + "/yutang.db";
        const std::string keys_path = b.dir + "/keys.json";
        const std::string marker = b.dir + "/built-" + std::to_string(Customers());
        if (fs::exists(marker) && fs::exists(keys_path)) {
            auto loaded = KeyRing::LoadFile(keys_path);
            CheckOk(loaded.status(), "load " + keys_path);
            Keys() = std::move(loaded).value();
            b.reused = true;
            // A store filled by an older binary gets the migrations added since.
            auto db = store::OpenSqlite({.path = b.db_path});
            CheckOk(db.status(), "OpenSqlite");
            CheckOk(store::ApplyMigrations(**db, store::BuiltinMigrations(), SystemClock::Instance()).status(),
                    "migrations");
        } else {
            std::error_code ec;
            for (const auto& entry : fs::directory_iterator(b.dir, ec)) {
                const std::string name = entry.path().filename().string();
                if (name.starts_with("yutang.db") || name == "keys.json" || name.starts_with("built-")) {
                    fs::remove(entry.path(), ec);
                }
            }
            {
                auto db = store::OpenSqlite({.path = b.db_path});
                CheckOk(db.status(), "OpenSqlite");
                CheckOk(store::ApplyMigrations(**db, store::BuiltinMigrations(), SystemClock::Instance()).status(),
                        "migrations");
                CheckOk((*db)->Write([](store::Session& s) {
                    return s.Execute("INSERT INTO tenants (tenant_id, name, created_at) VALUES (1, '小鹿母婴', 0)")
                        .status();
                }),
                        "tenant");
            }
            b.load = Fill(b.db_path, Keys());
            CheckOk(Keys().WriteNewFile(keys_path), "write " + keys_path);
            std::FILE* f = std::fopen(marker.c_str(), "w");
            if (f != nullptr) std::fclose(f);
        }
        b.db_bytes = bench::FileBytes(b.db_path) + bench::FileBytes(b.db_path + "-wal");
        return b;
    }();
    return built;
}

std::string TableCounts(RawSqlite& raw) {
    std::string out;
    for (const char* table : {"customers", "customer_traits", "orders", "customer_tags", "customer_identities",
                              "consent_records", "customer_attributes", "events"}) {
        if (!out.empty()) out += ", ";
        out += std::string(table) + " " + std::to_string(raw.Scalar(std::string("SELECT COUNT(*) FROM ") + table));
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: the same rows, copied from the SQLite store.

class PgConn {
  public:
    explicit PgConn(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
        if (PQstatus(conn_) != CONNECTION_OK) Die("PostgreSQL: " + std::string(PQerrorMessage(conn_)));
        Exec("SET client_min_messages = warning");
    }
    ~PgConn() { PQfinish(conn_); }
    PgConn(const PgConn&) = delete;
    PgConn& operator=(const PgConn&) = delete;

    void Exec(const std::string& sql) {
        PGresult* r = PQexec(conn_, sql.c_str());
        const auto status = PQresultStatus(r);
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
            const std::string error = PQresultErrorMessage(r);
            PQclear(r);
            Die("PostgreSQL: " + sql.substr(0, 200) + ": " + error);
        }
        PQclear(r);
    }
    // The first column of the first row, or nullopt when there is no row or it is NULL.
    std::optional<std::string> Text(const std::string& sql) {
        PGresult* r = PQexec(conn_, sql.c_str());
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            const std::string error = PQresultErrorMessage(r);
            PQclear(r);
            Die("PostgreSQL: " + sql.substr(0, 200) + ": " + error);
        }
        std::optional<std::string> out;
        if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)) out = PQgetvalue(r, 0, 0);
        PQclear(r);
        return out;
    }
    int64_t Scalar(const std::string& sql) { return std::strtoll(Text(sql).value_or("0").c_str(), nullptr, 10); }
    std::vector<std::pair<std::string, std::string>> Rows2(const std::string& sql) {
        PGresult* r = PQexec(conn_, sql.c_str());
        if (PQresultStatus(r) != PGRES_TUPLES_OK) Die("PostgreSQL: " + sql + ": " + PQresultErrorMessage(r));
        std::vector<std::pair<std::string, std::string>> out;
        for (int i = 0; i < PQntuples(r); ++i) out.emplace_back(PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
        PQclear(r);
        return out;
    }

    // COPY `table` (`columns`) FROM STDIN, rows from the SQLite connection's `select`.
    int64_t Copy(RawSqlite& from, const std::string& table, const std::vector<std::string>& columns) {
        std::string list;
        for (const std::string& c : columns) list += (list.empty() ? "" : ", ") + c;
        PGresult* r = PQexec(conn_, ("COPY " + table + " (" + list + ") FROM STDIN").c_str());
        if (PQresultStatus(r) != PGRES_COPY_IN) Die("COPY " + table + ": " + PQresultErrorMessage(r));
        PQclear(r);
        sqlite3_stmt* select = from.Prepare("SELECT " + list + " FROM " + table);
        std::string buffer;
        buffer.reserve(1 << 22);
        int64_t rows = 0;
        static constexpr char kHex[] = "0123456789abcdef";
        while (sqlite3_step(select) == SQLITE_ROW) {
            for (int i = 0; i < static_cast<int>(columns.size()); ++i) {
                if (i > 0) buffer += '\t';
                switch (sqlite3_column_type(select, i)) {
                    case SQLITE_NULL:
                        buffer += "\\N";
                        break;
                    case SQLITE_INTEGER:
                        buffer += std::to_string(sqlite3_column_int64(select, i));
                        break;
                    case SQLITE_BLOB: {
                        const auto* bytes = static_cast<const unsigned char*>(sqlite3_column_blob(select, i));
                        const int size = sqlite3_column_bytes(select, i);
                        buffer += "\\\\x";
                        for (int k = 0; k < size; ++k) {
                            buffer += kHex[bytes[k] >> 4];
                            buffer += kHex[bytes[k] & 15];
                        }
                        break;
                    }
                    default: {
                        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(select, i));
                        const int size = sqlite3_column_bytes(select, i);
                        for (int k = 0; k < size; ++k) {
                            switch (text[k]) {
                                case '\\':
                                    buffer += "\\\\";
                                    break;
                                case '\t':
                                    buffer += "\\t";
                                    break;
                                case '\n':
                                    buffer += "\\n";
                                    break;
                                case '\r':
                                    buffer += "\\r";
                                    break;
                                default:
                                    buffer += text[k];
                            }
                        }
                    }
                }
            }
            buffer += '\n';
            ++rows;
            if (buffer.size() >= (1 << 22) - 4096) {
                if (PQputCopyData(conn_, buffer.data(), static_cast<int>(buffer.size())) != 1) {
                    Die("COPY " + table + ": " + PQerrorMessage(conn_));
                }
                buffer.clear();
            }
        }
        sqlite3_reset(select);
        if (!buffer.empty() && PQputCopyData(conn_, buffer.data(), static_cast<int>(buffer.size())) != 1) {
            Die("COPY " + table + ": " + PQerrorMessage(conn_));
        }
        if (PQputCopyEnd(conn_, nullptr) != 1) Die("COPY " + table + ": " + PQerrorMessage(conn_));
        r = PQgetResult(conn_);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) Die("COPY " + table + ": " + PQresultErrorMessage(r));
        PQclear(r);
        while ((r = PQgetResult(conn_)) != nullptr) PQclear(r);
        return rows;
    }

  private:
    PGconn* conn_;
};

std::vector<std::string> SqliteColumns(RawSqlite& raw, const std::string& table) {
    std::vector<std::string> out;
    sqlite3_stmt* stmt = raw.Prepare("SELECT name FROM pragma_table_info('" + table + "')");
    while (sqlite3_step(stmt) == SQLITE_ROW)
        out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
    sqlite3_reset(stmt);
    return out;
}

std::string PostgresServer() {
    if (const char* no = std::getenv("YT_BENCH_NO_POSTGRES"); no != nullptr && std::string_view(no) == "1") return "";
    const char* conninfo = std::getenv("YT_BENCH_POSTGRES");
    return conninfo != nullptr ? conninfo : "";
}
std::string PostgresDatabase() { return "yt_audience_" + std::to_string(Customers()); }
// libpq takes the last value of a keyword given twice.
std::string PostgresConnInfo() { return PostgresServer() + " dbname=" + PostgresDatabase(); }

struct PgBuilt {
    bool enabled = false;
    bool reused = false;
    double seconds = 0;
    std::string version;
};

const PgBuilt& Postgres() {
    static const PgBuilt built = [] {
        PgBuilt b;
        if (PostgresServer().empty()) return b;
        b.enabled = true;
        const auto start = SteadyClock::now();
        {
            PgConn admin(PostgresServer());
            b.version = admin.Text("SHOW server_version").value_or("?");
            const bool exists =
                admin.Scalar("SELECT COUNT(*) FROM pg_database WHERE datname = '" + PostgresDatabase() + "'") > 0;
            if (exists && Store().reused) {
                PgConn db(PostgresConnInfo());
                b.reused = db.Scalar("SELECT COUNT(*) FROM pg_tables WHERE tablename = 'bench_audience_built'") > 0;
            }
            if (!b.reused) {
                if (exists) admin.Exec("DROP DATABASE " + PostgresDatabase());
                admin.Exec("CREATE DATABASE " + PostgresDatabase());
            }
        }
        if (b.reused) return b;
        {
            auto db = store::OpenPostgres({.conninfo = PostgresConnInfo(), .pool_size = 1});
            CheckOk(db.status(), "OpenPostgres");
            CheckOk(store::ApplyMigrations(**db, store::BuiltinMigrations(), SystemClock::Instance()).status(),
                    "PostgreSQL migrations");
        }
        PgConn pg(PostgresConnInfo());
        RawSqlite from(Store().db_path, /*read_only=*/true);
        pg.Exec(kPlainTable);
        pg.Exec(kPlainEventTable);
        pg.Exec("SET maintenance_work_mem = '1GB'");
        std::string in_list;
        for (const std::string& t : kLoadedTables) in_list += (in_list.empty() ? "'" : ", '") + t + "'";
        const auto indexes =
            pg.Rows2("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename IN (" +
                     in_list + ") AND indexname NOT IN (SELECT conname FROM pg_constraint)");
        for (const auto& [name, sql] : indexes) pg.Exec("DROP INDEX " + name);
        // A bulk load is not a change to catch up with: the change log's triggers are off meanwhile.
        for (const std::string& t : kLoadedTables) pg.Exec("ALTER TABLE " + t + " DISABLE TRIGGER USER");
        // Foreign keys are checked row by row during COPY; checked once afterwards they cost far less.
        const auto foreign_keys = pg.Rows2(
            "SELECT conrelid::regclass::text || ' ADD CONSTRAINT ' || conname, pg_get_constraintdef(oid) FROM "
            "pg_constraint WHERE contype = 'f' AND conrelid::regclass::text IN (" +
            in_list + ")");
        for (const auto& [table_and_name, definition] : foreign_keys) {
            const size_t space = table_and_name.find(' ');
            pg.Exec("ALTER TABLE " + table_and_name.substr(0, space) + " DROP CONSTRAINT " +
                    table_and_name.substr(table_and_name.rfind(' ') + 1));
        }
        for (const std::string table :
             {"tenants", "tag_groups", "tags", "customers", "customer_identities", "customer_traits", "orders",
              "customer_tags", "customer_attributes", "consent_records", "events", "bench_plain_attributes",
              "bench_plain_event_properties"}) {
            const auto table_start = SteadyClock::now();
            const int64_t rows = pg.Copy(from, table, SqliteColumns(from, table));
            std::fprintf(stderr, "audience_benchmark: PostgreSQL COPY %s: %lld rows (%.0f s)\n", table.c_str(),
                         static_cast<long long>(rows), SecondsSince(table_start));
        }
        std::fprintf(stderr, "audience_benchmark: PostgreSQL indexes (%.0f s)\n", SecondsSince(start));
        for (const auto& [name, sql] : indexes) pg.Exec(sql);
        for (const std::string& sql : kPostgresDbaIndexes) pg.Exec(sql);
        for (const auto& [table_and_name, definition] : foreign_keys) {
            pg.Exec("ALTER TABLE " + table_and_name + " " + definition);
        }
        for (const std::string& t : kLoadedTables) pg.Exec("ALTER TABLE " + t + " ENABLE TRIGGER USER");
        std::fprintf(stderr, "audience_benchmark: PostgreSQL VACUUM ANALYZE (%.0f s)\n", SecondsSince(start));
        pg.Exec("VACUUM ANALYZE");
        pg.Exec("CHECKPOINT");
        pg.Exec("CREATE TABLE bench_audience_built (customers BIGINT)");
        b.seconds = SecondsSince(start);
        std::fprintf(stderr, "audience_benchmark: PostgreSQL ready (%.0f s)\n", b.seconds);
        return b;
    }();
    return built;
}

std::unique_ptr<PgConn>& PostgresBaselineSlot();

void DropPostgresUnlessKept() {
    if (!Postgres().enabled || Store().keep) return;
    PostgresBaselineSlot().reset();
    PgConn admin(PostgresServer());
    admin.Exec("DROP DATABASE IF EXISTS " + PostgresDatabase());
}

// ---------------------------------------------------------------------------------------------
// The ten rules, from one condition to ten, and three more with tracked events, each as text for
// the engine and as SQL.
//
// The SQL is written as a DBA would for this schema: one pass over live customers with their
// traits row, and each condition as IN (subquery), which both planners turn into a hashed or
// materialised semi-join. Placeholders: {NOW} and {W<n>} (where `within <n>d` starts), {D<n>}
// (the start of the local day n days ago), {BB<a>_<b>} (the baby birthdays that are a to b months
// old today, as a date range), {JD}/{TAOBAO}/{DOUYIN} (orders on a platform, from
// platform_counts JSON: dialect-specific). Missing traits are 0 / 'prospect' (COALESCE), so NOT
// means what the engine's NOT means.

std::string Tag(std::string_view name) {
    return "c.customer_id IN (SELECT ct.customer_id FROM customer_tags ct JOIN tags g ON g.tenant_id = ct.tenant_id "
           "AND g.tag_id = ct.tag_id WHERE ct.tenant_id = 1 AND g.deleted_at IS NULL AND g.name = '" +
           std::string(name) + "')";
}
std::string TagAnyOf(std::string_view names) {
    return "c.customer_id IN (SELECT ct.customer_id FROM customer_tags ct JOIN tags g ON g.tenant_id = ct.tenant_id "
           "AND g.tag_id = ct.tag_id WHERE ct.tenant_id = 1 AND g.deleted_at IS NULL AND g.name IN (" +
           std::string(names) + "))";
}
std::string GroupTag(std::string_view group, std::string_view names) {
    return "c.customer_id IN (SELECT ct.customer_id FROM customer_tags ct JOIN tags g ON g.tenant_id = ct.tenant_id "
           "AND g.tag_id = ct.tag_id JOIN tag_groups tg ON tg.tenant_id = g.tenant_id AND tg.group_id = g.group_id "
           "WHERE ct.tenant_id = 1 AND g.deleted_at IS NULL AND tg.name = '" +
           std::string(group) + "' AND g.name IN (" + std::string(names) + "))";
}
std::string Has(std::string_view kind) {
    return "c.customer_id IN (SELECT customer_id FROM customer_identities WHERE tenant_id = 1 AND kind = '" +
           std::string(kind) + "')";
}
// The latest record (by given_at, then id) for the purpose grants.
std::string Consent(std::string_view purpose) {
    const std::string p(purpose);
    return "c.customer_id IN (SELECT r.customer_id FROM consent_records r WHERE r.tenant_id = 1 AND r.purpose = '" + p +
           "' AND r.granted <> 0 AND NOT EXISTS (SELECT 1 FROM consent_records r2 WHERE r2.tenant_id = 1 AND "
           "r2.customer_id = r.customer_id AND r2.purpose = r.purpose AND (r2.given_at > r.given_at OR "
           "(r2.given_at = r.given_at AND r2.consent_id > r.consent_id))))";
}
// Orders in a window, grouped per customer.
std::string Windowed(int days, std::string_view having) {
    return "c.customer_id IN (SELECT customer_id FROM orders WHERE tenant_id = 1 AND customer_id IS NOT NULL AND "
           "ordered_at >= {W" +
           std::to_string(days) +
           "} AND ordered_at <= {NOW} AND status IN ('paid', 'shipped', 'completed', 'refunded') "
           "GROUP BY customer_id HAVING " +
           std::string(having) + ")";
}
std::string BabyMonths(int low, int high) {
    return "c.customer_id IN (SELECT customer_id FROM bench_plain_attributes WHERE tenant_id = 1 AND "
           "baby_birthday BETWEEN {BB" +
           std::to_string(low) + "_" + std::to_string(high) + "})";
}
// Tracked events of one name per customer, in the window of the last `days` days (0: all time),
// of one category if `category` is not empty (from the plaintext copy), grouped per customer.
std::string Events(std::string_view name, std::string_view category, int days, std::string_view having) {
    std::string sql = "c.customer_id IN (SELECT e.customer_id FROM events e ";
    if (!category.empty()) {
        sql +=
            "JOIN bench_plain_event_properties p ON p.tenant_id = e.tenant_id AND p.event_id = e.event_id AND "
            "p.category = '" +
            std::string(category) + "' ";
    }
    sql += "WHERE e.tenant_id = 1 AND e.name = '" + std::string(name) +
           "' AND e.type = 'track' AND e.customer_id IS NOT NULL ";
    if (days > 0) sql += "AND e.occurred_at >= {W" + std::to_string(days) + "} AND e.occurred_at <= {NOW} ";
    return sql + "GROUP BY e.customer_id HAVING " + std::string(having) + ")";
}
constexpr const char* kSpend = "COALESCE(t.total_spend_fen - t.refunded_fen, 0)";
constexpr const char* kCount = "COALESCE(t.order_count, 0)";
constexpr const char* kStage = "COALESCE(t.lifecycle_stage, 'prospect')";

struct RuleCase {
    std::string name;
    int conditions;
    std::string text;
    std::string sql_where;
};

std::vector<RuleCase> Rules() {
    const std::string spend(kSpend), count(kCount), stage(kStage);
    return {
        {"r01_1cond", 1, R"(tag = "母婴")", Tag("母婴")},
        {"r02_2cond", 2, "order_count >= 2 within 90d and total_spend > 500",
         Windowed(90, "COUNT(*) >= 2") + " AND " + spend + " > 50000"},
        {"r03_3cond", 3, R"(tag any of ("奶粉", "纸尿裤") and has wecom and consent marketing.wecom)",
         TagAnyOf("'奶粉', '纸尿裤'") + " AND " + Has("wecom_external_userid") + " AND " + Consent("marketing.wecom")},
        {"r04_4cond", 4,
         "lifecycle_stage in (at_risk, churned) and total_spend >= 300 and has phone and consent marketing.sms",
         stage + " IN ('at_risk', 'churned') AND " + spend + " >= 30000 AND " + Has("phone") + " AND " +
             Consent("marketing.sms")},
        {"r05_5cond", 5,
         R"(tag = "母婴" and months_since attr.baby_birthday between 6 and 12 and orders_on.jd >= 1 and has phone and not tag = "会员等级/普通会员")",
         Tag("母婴") + " AND " + BabyMonths(6, 12) + " AND {JD} >= 1 AND " + Has("phone") + " AND NOT (" +
             GroupTag("会员等级", "'普通会员'") + ")"},
        {"r06_6cond", 6,
         R"((tag = "孕妈" or tag = "新手爸妈") and order_count = 1 and first_order_at within 30d and has wecom and owner = none and consent marketing.wecom)",
         "(" + Tag("孕妈") + " OR " + Tag("新手爸妈") + ") AND " + count +
             " = 1 AND t.first_order_at >= {W30} AND t.first_order_at <= {NOW} AND " + Has("wecom_external_userid") +
             " AND c.owner_staff_id IS NULL AND " + Consent("marketing.wecom")},
        {"r07_7cond", 7,
         R"(rfm_recency >= 4 and rfm_frequency >= 3 and rfm_monetary >= 3 and tag any of ("会员等级/金卡", "会员等级/钻石卡") and not consent marketing.wecom and (source_channel starts with "import" or tag = "直播间"))",
         "COALESCE(t.rfm_recency, 0) >= 4 AND COALESCE(t.rfm_frequency, 0) >= 3 AND COALESCE(t.rfm_monetary, 0) >= 3 "
         "AND " +
             GroupTag("会员等级", "'金卡', '钻石卡'") + " AND NOT (" + Consent("marketing.wecom") +
             ") AND (substr(c.source_channel, 1, 6) = 'import' OR " + Tag("直播间") + ")"},
        {"r08_8cond", 8,
         R"(tag = "母婴" and total_spend >= 1000 within 365d and days_since_last_order <= 60 and has phone and consent marketing.sms and not tag = "渠道/门店" and (orders_on.taobao >= 1 or orders_on.douyin >= 1))",
         Tag("母婴") + " AND " + Windowed(365, "SUM(paid_fen - refunded_fen) >= 100000") +
             " AND t.last_order_at >= {D60} AND " + Has("phone") + " AND " + Consent("marketing.sms") + " AND NOT (" +
             GroupTag("渠道", "'门店'") + ") AND ({TAOBAO} >= 1 OR {DOUYIN} >= 1)"},
        {"r09_9cond", 9,
         R"((tag = "奶粉" and order_count >= 3) or (tag = "纸尿裤" and total_spend >= 800 within 180d) or (lifecycle_stage = new and first_order_at within 30d and has wecom) or (attr.member_points >= 2000 and consent marketing.sms))",
         "(" + Tag("奶粉") + " AND " + count + " >= 3) OR (" + Tag("纸尿裤") + " AND " +
             Windowed(180, "SUM(paid_fen - refunded_fen) >= 80000") + ") OR (" + stage +
             " = 'new' AND t.first_order_at >= {W30} AND t.first_order_at <= {NOW} AND " +
             Has("wecom_external_userid") +
             ") OR (c.customer_id IN (SELECT customer_id FROM bench_plain_attributes WHERE tenant_id = 1 AND "
             "member_points >= 2000) AND " +
             Consent("marketing.sms") + ")"},
        {"r10_10cond", 10,
         R"(tag any of ("母婴", "孕妈", "新手爸妈") and (has phone or has wecom) and not tag = "会员等级/钻石卡" and order_count >= 1 within 365d and total_spend between 200 and 5000 and rfm_recency >= 3 and not last_order_at within 7d and months_since attr.baby_birthday between 0 and 36 and source_channel starts with "import")",
         TagAnyOf("'母婴', '孕妈', '新手爸妈'") + " AND (" + Has("phone") + " OR " + Has("wecom_external_userid") +
             ") AND NOT (" + GroupTag("会员等级", "'钻石卡'") + ") AND " + Windowed(365, "COUNT(*) >= 1") + " AND " +
             spend +
             " BETWEEN 20000 AND 500000 AND COALESCE(t.rfm_recency, 0) >= 3 AND NOT (t.last_order_at IS NOT "
             "NULL AND t.last_order_at >= {W7} AND t.last_order_at <= {NOW}) AND " +
             BabyMonths(0, 36) + " AND substr(c.source_channel, 1, 6) = 'import'"},
        // With tracked events: carts left in the last week (加购未下单), milk powder browsed by
        // lapsed buyers, and new coupon holders who never bought.
        {"r11_4cond", 4,
         R"(event "Product Added" within 7d and not event "Order Completed" within 7d and has wecom and consent marketing.wecom)",
         Events("Product Added", "", 7, "COUNT(*) >= 1") + " AND NOT (" +
             Events("Order Completed", "", 7, "COUNT(*) >= 1") + ") AND " + Has("wecom_external_userid") + " AND " +
             Consent("marketing.wecom")},
        {"r12_6cond", 6,
         R"(tag = "母婴" and event "Product Viewed" where category = "奶粉" count >= 2 within 30d and order_count >= 1 and days_since_last_order > 30 and has phone and consent marketing.sms)",
         Tag("母婴") + " AND " + Events("Product Viewed", "奶粉", 30, "COUNT(*) >= 2") + " AND " + count +
             " >= 1 AND t.last_order_at < {D30} AND " + Has("phone") + " AND " + Consent("marketing.sms")},
        {"r13_3cond", 3, R"(event "Coupon Claimed" first within 14d and order_count = 0 and has wecom)",
         Events("Coupon Claimed", "", 0, "MIN(e.occurred_at) >= {W14} AND MIN(e.occurred_at) <= {NOW}") + " AND " +
             count + " = 0 AND " + Has("wecom_external_userid")},
    };
}

// Whole months from a date to today, as rules.md counts ages (and the engine does).
int64_t MonthsSince(int32_t day) {
    const LocalDate today = DateOfDay(Today());
    const LocalDate date = DateOfDay(day);
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (today.year % 4 == 0 && today.year % 100 != 0) || today.year % 400 == 0;
    const int month_days = today.month == 2 && leap ? 29 : kDays[today.month - 1];
    const int anniversary = std::min(date.day, month_days);
    return (today.year - date.year) * 12 + (today.month - date.month) - (today.day < anniversary ? 1 : 0);
}

// The ISO dates whose age in months is in [low, high]: one contiguous range, as the application
// would hand it to SQL.
std::string BabyRange(int low, int high) {
    int32_t first = 0, last = 0;
    for (int32_t day = Today() - (high + 2) * 31; day <= Today(); ++day) {
        const int64_t m = MonthsSince(day);
        if (m >= low && m <= high) {
            if (first == 0) first = day;
            if (last != 0 && last != day - 1) Die("months_since range is not contiguous");
            last = day;
        }
    }
    return "'" + IsoDate(first) + "' AND '" + IsoDate(last) + "'";
}

std::string ExpandSql(const RuleCase& rule, store::Dialect dialect) {
    std::string sql =
        "SELECT COUNT(*) FROM customers c LEFT JOIN customer_traits t ON t.tenant_id = c.tenant_id AND t.customer_id "
        "= c.customer_id WHERE c.tenant_id = 1 AND c.merged_into IS NULL AND (" +
        rule.sql_where + ")";
    auto platform = [&](const char* source) {
        return dialect == store::Dialect::kSqlite
                   ? "COALESCE(json_extract(t.platform_counts, '$." + std::string(source) + "'), 0)"
                   : "COALESCE((t.platform_counts::jsonb ->> '" + std::string(source) + "')::bigint, 0)";
    };
    const std::map<std::string, std::string> values = {{"{NOW}", std::to_string(NowMicros())},
                                                       {"{W7}", std::to_string(WindowStart(7))},
                                                       {"{W14}", std::to_string(WindowStart(14))},
                                                       {"{W30}", std::to_string(WindowStart(30))},
                                                       {"{W90}", std::to_string(WindowStart(90))},
                                                       {"{W180}", std::to_string(WindowStart(180))},
                                                       {"{W365}", std::to_string(WindowStart(365))},
                                                       {"{D30}", std::to_string(StartOfDay(Today() - 30))},
                                                       {"{D60}", std::to_string(StartOfDay(Today() - 60))},
                                                       {"{BB6_12}", BabyRange(6, 12)},
                                                       {"{BB0_36}", BabyRange(0, 36)},
                                                       {"{JD}", platform("jd")},
                                                       {"{TAOBAO}", platform("taobao")},
                                                       {"{DOUYIN}", platform("douyin")}};
    for (const auto& [key, value] : values) {
        for (size_t at = sql.find(key); at != std::string::npos; at = sql.find(key, at + value.size())) {
            sql.replace(at, key.size(), value);
        }
    }
    if (sql.find('{') != std::string::npos) Die("unexpanded placeholder in the SQL of " + rule.name);
    return sql;
}

// ---------------------------------------------------------------------------------------------
// The index and the baselines' connections.

struct Engine {
    std::unique_ptr<store::Database> db;
    std::unique_ptr<AudienceIndex> index;
    double build_seconds = 0;
    int64_t rss_growth = 0;
};

int64_t RssBytes() {
    return std::strtoll(bench::ReadFirstMatch("/proc/self/status", "VmRSS").c_str(), nullptr, 10) * 1024;
}

Engine& TheEngine() {
    static Engine engine = [] {
        Engine e;
        auto db = store::OpenSqlite({.path = Store().db_path});
        CheckOk(db.status(), "OpenSqlite");
        e.db = std::move(db).value();
        const int64_t rss_before = RssBytes();
        const auto start = SteadyClock::now();
        // YT_BENCH_AUDIENCE_SNAPSHOT=<file>: load a snapshot saved by an earlier run of the
        // audience/snapshot case (caught up from the store's change log) instead of building, to
        // profile the engine without waiting for a build; build_s is then the load's time.
        const char* snapshot = std::getenv("YT_BENCH_AUDIENCE_SNAPSHOT");
        auto index = snapshot != nullptr && *snapshot != '\0'
                         ? AudienceIndex::Load(*e.db, Keys(), kTenant, FixedClock(), snapshot)
                         : AudienceIndex::Build(*e.db, Keys(), kTenant, FixedClock());
        CheckOk(index.status(),
                snapshot != nullptr && *snapshot != '\0' ? "AudienceIndex::Load" : "AudienceIndex::Build");
        if (snapshot != nullptr && *snapshot != '\0') {
            // What a restarted server does next: catch up with what was written since the save.
            while (true) {
                auto caught_up = (*index)->CatchUp(1'000'000);
                CheckOk(caught_up.status(), "CatchUp after the load");
                if (caught_up->restart) Die("the change log no longer reaches back to the snapshot: build instead");
                if (caught_up->customers + caught_up->applied == 0) break;
            }
        }
        e.build_seconds = SecondsSince(start);
        e.index = std::move(index).value();
        e.rss_growth = RssBytes() - rss_before;
        return e;
    }();
    return engine;
}

RawSqlite& SqliteBaseline() {
    static const std::unique_ptr<RawSqlite> raw = [] {
        auto r = std::make_unique<RawSqlite>(Store().db_path, /*read_only=*/true);
        // A DBA's settings for analytic reads: a 512 MB page cache, temporary b-trees in memory.
        r->Exec("PRAGMA cache_size=-524288");
        r->Exec("PRAGMA temp_store=MEMORY");
        return r;
    }();
    return *raw;
}

std::unique_ptr<PgConn>& PostgresBaselineSlot() {
    static std::unique_ptr<PgConn> pg;
    return pg;
}
PgConn& PostgresBaseline() {
    std::unique_ptr<PgConn>& pg = PostgresBaselineSlot();
    if (pg == nullptr) {
        pg = std::make_unique<PgConn>(PostgresConnInfo());
        // Session settings a DBA would give an analytic query; the server keeps run.sh's.
        pg->Exec("SET work_mem = '256MB'");
    }
    return *pg;
}

// ---------------------------------------------------------------------------------------------
// The cases.

struct Summary {
    std::string name;
    int conditions = 0;
    int64_t count = 0;
    double p50 = 0, p99 = 0, sqlite = 0, postgres = -1;
};
std::vector<Summary>& Summaries() {
    static std::vector<Summary> s;
    return s;
}
// What the refresh cases write for each customer of a batch.
enum class Change {
    kTagAndSeen = 0,  // the campaign tag and a new last-seen time: deltas in the change log
    kConsent = 1,     // the same plus a consent record (marketing.email, no rule reads it): a re-read
    kEvent = 2,       // a tracked event, as ingest stores a track call, and a new last-seen time
};
std::string_view ChangeName(Change change) {
    switch (change) {
        case Change::kTagAndSeen:
            return "tag, last seen: deltas";
        case Change::kConsent:
            return "tag, last seen, consent: re-read";
        case Change::kEvent:
            return "tracked event, last seen: re-read";
    }
    return "?";
}

struct RefreshSummary {
    int64_t batch = 0;
    Change change = Change::kTagAndSeen;
    double per_second = 0, p50_ms = 0, write_ms = 0;
};
std::vector<RefreshSummary>& RefreshSummaries() {
    static std::vector<RefreshSummary> s;
    return s;
}
struct BuildSummary {
    double seconds = 0, bytes_per_customer = 0, rss_per_customer = 0;
    IndexStats stats;
};
std::optional<BuildSummary>& TheBuildSummary() {
    static std::optional<BuildSummary> s;
    return s;
}

void BM_Build(benchmark::State& state) {
    for (auto _ : state) {
        Engine& e = TheEngine();
        state.SetIterationTime(e.build_seconds);
    }
    Engine& e = TheEngine();
    const IndexStats stats = e.index->Stats();
    const double customers = static_cast<double>(stats.customers);
    state.counters["customers"] = benchmark::Counter(customers);
    state.counters["orders"] = benchmark::Counter(static_cast<double>(stats.orders));
    state.counters["build_s"] = benchmark::Counter(e.build_seconds);
    state.counters["index_mb"] = benchmark::Counter(static_cast<double>(stats.bytes) / (1 << 20));
    state.counters["bytes_per_customer"] = benchmark::Counter(static_cast<double>(stats.bytes) / customers);
    // The goal's index (tags and traits) without the tracked events, which come on top.
    state.counters["bytes_per_customer_no_events"] =
        benchmark::Counter(static_cast<double>(stats.bytes - stats.event_bytes) / customers);
    state.counters["events"] = benchmark::Counter(static_cast<double>(stats.events));
    if (stats.events > 0) {
        state.counters["bytes_per_event"] =
            benchmark::Counter(static_cast<double>(stats.event_bytes) / static_cast<double>(stats.events));
    }
    // Only a reused store leaves RSS growth meaningful: after a load in this process the index
    // reuses the heap the load's page cache freed.
    if (Store().reused) {
        state.counters["rss_per_customer"] = benchmark::Counter(static_cast<double>(e.rss_growth) / customers);
    }
    state.counters["customers_per_s"] = benchmark::Counter(customers / e.build_seconds);
    TheBuildSummary() = BuildSummary{e.build_seconds, static_cast<double>(stats.bytes) / customers,
                                     static_cast<double>(e.rss_growth) / customers, stats};
}

struct SnapshotSummary {
    double save_s = 0, load_s = 0, mb = 0;
};
std::optional<SnapshotSummary>& TheSnapshotSummary() {
    static std::optional<SnapshotSummary> s;
    return s;
}

// Save the built index to a file and load it back (what a restart does instead of a build); the
// loaded index must count every rule as the built one does.
void BM_Snapshot(benchmark::State& state, const std::vector<RuleCase>& rules) {
    Engine& e = TheEngine();
    const std::string file = Store().dir + "/audience.snapshot";
    SnapshotSummary summary;
    for (auto _ : state) {
        auto start = SteadyClock::now();
        CheckOk(e.index->Save(file), "AudienceIndex::Save");
        summary.save_s = SecondsSince(start);
        start = SteadyClock::now();
        auto loaded = AudienceIndex::Load(*e.db, Keys(), kTenant, FixedClock(), file);
        CheckOk(loaded.status(), "AudienceIndex::Load");
        summary.load_s = SecondsSince(start);
        state.SetIterationTime(summary.load_s);
        for (const RuleCase& rule : rules) {
            const RuleResult parsed = ParseRuleText(rule.text);
            if (!parsed.ok()) Die(rule.name + ": " + parsed.status().ToString());
            auto built = Evaluate(*e.index, parsed.value());
            auto reloaded = Evaluate(**loaded, parsed.value());
            CheckOk(built.status(), rule.name + ": Evaluate");
            CheckOk(reloaded.status(), rule.name + ": Evaluate (loaded)");
            if (built->count != reloaded->count) {
                Die(rule.name + ": the loaded index counts " + std::to_string(reloaded->count) + ", the built one " +
                    std::to_string(built->count));
            }
        }
    }
    summary.mb = static_cast<double>(bench::FileBytes(file)) / (1 << 20);
    if (!Store().keep) fs::remove(file);
    state.counters["save_s"] = benchmark::Counter(summary.save_s);
    state.counters["load_s"] = benchmark::Counter(summary.load_s);
    state.counters["file_mb"] = benchmark::Counter(summary.mb);
    state.counters["build_s"] = benchmark::Counter(e.build_seconds);
    state.counters["vs_build"] = benchmark::Counter(e.build_seconds / summary.load_s);
    TheSnapshotSummary() = summary;
}

void BM_Count(benchmark::State& state, const RuleCase& rule) {
    Engine& e = TheEngine();
    const RuleResult parsed = ParseRuleText(rule.text);
    if (!parsed.ok()) Die(rule.name + ": " + parsed.status().ToString());
    auto evaluate = [&]() {
        auto result = Evaluate(*e.index, parsed.value());
        CheckOk(result.status(), rule.name + ": Evaluate");
        return result->count;
    };
    // Agreement first: the engine, SQLite and PostgreSQL must count the same customers. These
    // first SQL runs also warm the page caches and are not timed. The engine's first evaluation
    // makes what the rule needs on first use (window tallies, an event property's values) and
    // is reported apart (first_ms).
    const auto first_start = SteadyClock::now();
    const int64_t engine_count = evaluate();
    const double first_ms = MillisSince(first_start);
    const std::string sqlite_sql = ExpandSql(rule, store::Dialect::kSqlite);
    const int64_t sqlite_count = EngineOnly() ? engine_count : SqliteBaseline().Scalar(sqlite_sql);
    std::optional<int64_t> pg_count;
    std::string pg_sql;
    if (Postgres().enabled && !EngineOnly()) {
        pg_sql = ExpandSql(rule, store::Dialect::kPostgres);
        pg_count = PostgresBaseline().Scalar(pg_sql);
    }
    if (engine_count != sqlite_count || (pg_count && *pg_count != engine_count)) {
        Die(rule.name + ": the counts disagree: engine " + std::to_string(engine_count) + ", SQLite " +
            std::to_string(sqlite_count) + ", PostgreSQL " + (pg_count ? std::to_string(*pg_count) : "-") +
            "\n  rule: " + rule.text + "\n  SQL:  " + sqlite_sql);
    }

    std::vector<double> engine_ms, sqlite_ms, pg_ms;
    for (auto _ : state) {
        for (int i = 0; i < 3; ++i) evaluate();
        const auto started = SteadyClock::now();
        // At least 20 runs; more until EngineRuns() or about 20 s.
        while (static_cast<int64_t>(engine_ms.size()) < EngineRuns() &&
               (engine_ms.size() < 20 || SecondsSince(started) < 20)) {
            const auto start = SteadyClock::now();
            benchmark::DoNotOptimize(evaluate());
            engine_ms.push_back(MillisSince(start));
        }
        for (int64_t i = 0; i < (EngineOnly() ? 0 : SqlRuns()); ++i) {
            auto start = SteadyClock::now();
            benchmark::DoNotOptimize(SqliteBaseline().Scalar(sqlite_sql));
            sqlite_ms.push_back(MillisSince(start));
            if (pg_count) {
                start = SteadyClock::now();
                benchmark::DoNotOptimize(PostgresBaseline().Scalar(pg_sql));
                pg_ms.push_back(MillisSince(start));
            }
        }
        double total = 0;
        for (double ms : engine_ms) total += ms;
        state.SetIterationTime(total / 1000);
    }
    Summary s{rule.name,
              rule.conditions,
              engine_count,
              Percentile(engine_ms, 0.5),
              Percentile(engine_ms, 0.99),
              Percentile(sqlite_ms, 0.5),
              pg_count ? Percentile(pg_ms, 0.5) : -1};
    auto set = [&](const char* name, double v) { state.counters[name] = benchmark::Counter(v); };
    set("conditions", rule.conditions);
    set("count", static_cast<double>(engine_count));
    set("evals", static_cast<double>(engine_ms.size()));
    set("first_ms", first_ms);
    set("p50_ms", s.p50);
    set("p99_ms", s.p99);
    set("sqlite_p50_ms", s.sqlite);
    set("sqlite_x", s.sqlite / s.p50);
    if (pg_count) {
        set("pg_p50_ms", s.postgres);
        set("pg_x", s.postgres / s.p50);
        set("pg_x_p99", s.postgres / s.p99);
    }
    Summaries().push_back(s);
}

// A batch of customers changes in the store (through Database::Write as any writer would), then
// the index catches up with exactly those customers.
void BM_Refresh(benchmark::State& state) {
    Engine& e = TheEngine();
    const int64_t batch = state.range(0);
    const auto change = static_cast<Change>(state.range(1));
    const int rounds = batch == 1 ? 20 : batch <= 100 ? 10 : 3;
    std::mt19937_64 rng(kSeed + static_cast<uint64_t>(batch) + static_cast<uint64_t>(state.range(1)) * 1000);
    std::vector<double> refresh_ms, write_ms;
    int64_t refreshed = 0;
    size_t reread = 0;  // customers CatchUp re-read rather than applying their deltas
    // The tracked event: a product viewed in a category no rule filters on.
    const std::string event_context = Context("event");
    for (auto _ : state) {
        for (int round = 0; round < rounds; ++round) {
            std::vector<CustomerId> ids;
            for (int64_t i = 0; i < batch; ++i) {
                ids.emplace_back(static_cast<int64_t>(rng() % static_cast<uint64_t>(Customers())) + 1);
            }
            const int64_t at = NowMicros() - static_cast<int64_t>(rng() % 1000) * 1'000'000;
            std::vector<std::string> sealed;
            if (change == Change::kEvent) {
                // Sealed before the write, as ingest does.
                for (CustomerId id : ids) {
                    sealed.push_back(Keys().Encrypt(
                        R"({"type":"track","event":"Product Viewed","userId":"mp-)" + std::to_string(id.value()) +
                            R"(","properties":{"sku":"N10004","category":"玩具","name":"益智积木 100粒"}})",
                        event_context));
                }
            }
            auto start = SteadyClock::now();
            CheckOk(e.db->Write([&](store::Session& s) -> Status {
                int64_t next_id = 0;
                if (change == Change::kConsent) {
                    YT_ASSIGN_OR_RETURN(auto last,
                                        s.QueryOne("SELECT COALESCE(MAX(consent_id), 0) FROM consent_records "
                                                   "WHERE tenant_id = 1"));
                    next_id = last->Int(0) + 1;
                } else if (change == Change::kEvent) {
                    YT_ASSIGN_OR_RETURN(next_id, store::NextIds(s, kTenant, "event", batch));
                }
                for (size_t i = 0; i < ids.size(); ++i) {
                    const int64_t id = ids[i].value();
                    if (change == Change::kConsent) {
                        YT_TRY(s.Execute("INSERT INTO consent_records (tenant_id, consent_id, customer_id, purpose, "
                                         "granted, given_at, recorded_at, source, notice_version, recorded_by) "
                                         "VALUES (1, $1, $2, 'marketing.email', 1, $3, $3, 'form', 'v2', NULL)",
                                         {next_id++, id, at})
                                   .status());
                    }
                    if (change == Change::kEvent) {
                        YT_TRY(
                            s.Execute("INSERT INTO events (tenant_id, event_id, message_id, type, name, customer_id, "
                                      "occurred_at, received_at, payload) VALUES (1, $1, $2, 'track', "
                                      "'Product Viewed', $3, $4, $4, $5)",
                                      {next_id, "refresh-" + std::to_string(next_id), id, at, store::Blob{sealed[i]}})
                                .status());
                        ++next_id;
                    } else {
                        YT_TRY(s.Execute("INSERT INTO customer_tags (tenant_id, customer_id, tag_id, source, "
                                         "tagged_by, tagged_at) VALUES (1, $1, $2, 'rule', NULL, $3) ON CONFLICT DO "
                                         "NOTHING",
                                         {id, kCampaignTag.id, at})
                                   .status());
                    }
                    YT_TRY(s.Execute("UPDATE customers SET last_seen_at = $2, updated_at = $2 WHERE tenant_id = 1 AND "
                                     "customer_id = $1",
                                     {id, at})
                               .status());
                }
                return OkStatus();
            }),
                    "write a batch");
            write_ms.push_back(MillisSince(start));
            start = SteadyClock::now();
            // What a count does first: read the store's change log, apply its deltas, re-read
            // whom else it names.
            auto caught_up = e.index->CatchUp(1'000'000);
            CheckOk(caught_up.status(), "CatchUp");
            refresh_ms.push_back(MillisSince(start));
            const size_t taken = caught_up->customers + caught_up->applied;
            if (caught_up->restart || taken == 0 || taken > ids.size()) {
                Die("CatchUp took " + std::to_string(taken) + " customers after a write of " +
                    std::to_string(ids.size()));
            }
            reread += caught_up->customers;
            refreshed += batch;
        }
        double total = 0;
        for (double ms : refresh_ms) total += ms;
        state.SetIterationTime(total / 1000);
    }
    // The caught-up index must agree with the store about what was written.
    const bool event = change == Change::kEvent;
    const RuleResult check = ParseRuleText(event ? R"(event "Product Viewed" within 1d)" : R"(tag = "活动/六一领券")");
    auto engine_count = Evaluate(*e.index, check.value());
    CheckOk(engine_count.status(), "Evaluate");
    const int64_t store_count = SqliteBaseline().Scalar(
        event
            ? "SELECT COUNT(DISTINCT customer_id) FROM events WHERE tenant_id = 1 AND type = 'track' AND name = "
              "'Product Viewed' AND occurred_at >= " +
                  std::to_string(WindowStart(1)) + " AND occurred_at <= " + std::to_string(NowMicros())
            : "SELECT COUNT(*) FROM customer_tags WHERE tenant_id = 1 AND tag_id = " + std::to_string(kCampaignTag.id));
    if (engine_count->count != store_count) {
        Die("after CatchUp the index counts " + std::to_string(engine_count->count) + " customers for \"" +
            std::string(ChangeName(change)) + "\", the store " + std::to_string(store_count));
    }
    double total = 0;
    for (double ms : refresh_ms) total += ms;
    const RefreshSummary s{batch, change, static_cast<double>(refreshed) / (total / 1000), Percentile(refresh_ms, 0.5),
                           Percentile(write_ms, 0.5)};
    state.counters["customers_per_s"] = benchmark::Counter(s.per_second);
    state.counters["refresh_p50_ms"] = benchmark::Counter(s.p50_ms);
    state.counters["write_p50_ms"] = benchmark::Counter(s.write_ms);
    state.counters["rounds"] = benchmark::Counter(rounds);
    state.counters["reread"] = benchmark::Counter(static_cast<double>(reread));
    RefreshSummaries().push_back(s);
}

// ---------------------------------------------------------------------------------------------
// Exporting a saved segment (GET /api/v1/segments/{id}/export, `yutang segment export`).

struct ExportSegment {
    SegmentId id;
    int64_t members = 0;
};

// A saved segment holding r03's members (half a million at 10M customers), written straight to
// the segment tables, as an evaluation leaves them: exporting reads only those and the identities.
// Kept in a reused store for later runs.
const ExportSegment& TheExportSegment() {
    static const ExportSegment segment = [] {
        Engine& e = TheEngine();
        const RuleResult rule = ParseRuleText(Rules()[2].text);
        if (!rule.ok()) Die("r03: " + rule.status().ToString());
        auto evaluated = Evaluate(*e.index, rule.value());
        CheckOk(evaluated.status(), "Evaluate r03");
        const std::vector<CustomerId> members = evaluated->members.ToVector();
        constexpr std::string_view kName = "导出基准 export benchmark";
        ExportSegment out;
        CheckOk(e.db->Write([&](store::Session& s) -> Status {
            YT_ASSIGN_OR_RETURN(auto existing, s.QueryOne("SELECT segment_id FROM segments WHERE tenant_id = 1 AND "
                                                          "name = $1 AND deleted_at IS NULL",
                                                          {std::string(kName)}));
            if (existing) {
                out.id = SegmentId(existing->Int(0));
                YT_ASSIGN_OR_RETURN(auto n, s.QueryOne("SELECT count(*) FROM segment_members WHERE tenant_id = 1 AND "
                                                       "segment_id = $1",
                                                       {out.id.value()}));
                out.members = n->Int(0);
                if (out.members == static_cast<int64_t>(members.size())) return OkStatus();
                YT_TRY(
                    s.Execute("DELETE FROM segment_members WHERE tenant_id = 1 AND segment_id = $1", {out.id.value()})
                        .status());
            } else {
                YT_ASSIGN_OR_RETURN(auto next, s.QueryOne("SELECT COALESCE(MAX(segment_id), 0) + 1 FROM segments "
                                                          "WHERE tenant_id = 1"));
                out.id = SegmentId(next->Int(0));
                YT_TRY(s.Execute("INSERT INTO segments (tenant_id, segment_id, name, rule_json, created_at, "
                                 "updated_at, evaluated_at) VALUES (1, $1, $2, $3, $4, $4, $4)",
                                 {out.id.value(), std::string(kName), ToJson(rule.value()), NowMicros()})
                           .status());
            }
            for (CustomerId customer : members) {
                YT_TRY(s.Execute("INSERT INTO segment_members (tenant_id, segment_id, customer_id, entered_at) "
                                 "VALUES (1, $1, $2, $3)",
                                 {out.id.value(), customer.value(), NowMicros()})
                           .status());
            }
            out.members = static_cast<int64_t>(members.size());
            return s
                .Execute(
                    "INSERT INTO segment_sizes (tenant_id, segment_id, at, size) VALUES (1, $1, $2, $3) "
                    "ON CONFLICT (tenant_id, segment_id, at) DO UPDATE SET size = excluded.size",
                    {out.id.value(), NowMicros(), out.members})
                .status();
        }),
                "write the export segment");
        return out;
    }();
    return segment;
}

// VmHWM (the peak RSS) is reset to the current RSS by writing 5 to /proc/self/clear_refs.
void ResetPeakRss() {
    std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
    if (f == nullptr) return;
    std::fputs("5", f);
    std::fclose(f);
}
int64_t PeakRssBytes() {
    return std::strtoll(bench::ReadFirstMatch("/proc/self/status", "VmHWM").c_str(), nullptr, 10) * 1024;
}

// The baseline: the same rows (members and their identity hints, in order) read with one plain
// statement on a raw connection and written as CSV lines by hand, without the audit, the paging,
// the grouping of hints or the quoting.
double RawExportSeconds(SegmentId segment, std::FILE* out) {
    const auto start = SteadyClock::now();
    sqlite3_stmt* stmt = SqliteBaseline().Prepare(
        "SELECT m.customer_id, m.entered_at, i.kind, i.hint FROM segment_members m "
        "LEFT JOIN customer_identities i ON i.tenant_id = m.tenant_id AND i.customer_id = m.customer_id "
        "WHERE m.tenant_id = 1 AND m.segment_id = " +
        std::to_string(segment.value()) + " ORDER BY m.customer_id");
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        const auto* kind = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 2));
        const auto* hint = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
        std::fprintf(out, "%lld,%s,%s:%s\r\n", static_cast<long long>(sqlite3_column_int64(stmt, 0)),
                     FormatRfc3339(Timestamp::FromMicros(sqlite3_column_int64(stmt, 1))).c_str(),
                     kind != nullptr ? kind : "", hint != nullptr ? hint : "");
    }
    sqlite3_reset(stmt);
    std::fflush(out);
    return SecondsSince(start);
}

struct ExportSummary {
    std::string format;
    int64_t members = 0;
    double seconds = 0, raw_seconds = 0, file_mb = 0, peak_mb = 0, all_members_peak_mb = -1;
};
std::vector<ExportSummary>& ExportSummaries() {
    static std::vector<ExportSummary> summaries;
    return summaries;
}

void BM_Export(benchmark::State& state, http::SegmentExportFormat format) {
    Engine& e = TheEngine();
    const ExportSegment& segment = TheExportSegment();
    AudienceService audiences(*e.db, Keys(), FixedClock());  // asked for no index: exports read the store
    SegmentService segments(*e.db, audiences, FixedClock());
    ExportSummary summary{.format = std::string(http::SegmentExportFormatName(format)), .members = segment.members};
    {
        // Untimed: the first read of these rows finds them out of the page cache.
        auto warm = AnonymousTempFile("the benchmark's warm-up");
        CheckOk(warm.status(), "AnonymousTempFile");
        RawExportSeconds(segment.id, warm->get());
    }
    for (auto _ : state) {
        auto file = AnonymousTempFile("the benchmark's export");
        CheckOk(file.status(), "AnonymousTempFile");
        const int64_t rss_before = RssBytes();
        ResetPeakRss();
        const auto start = SteadyClock::now();
        auto written = http::WriteSegmentExport(segments, kTenant, segment.id, std::nullopt, staff::Actor::System(),
                                                format, file->get());
        summary.seconds = SecondsSince(start);
        summary.peak_mb = static_cast<double>(PeakRssBytes() - rss_before) / (1 << 20);
        CheckOk(written.status(), "WriteSegmentExport");
        if (*written != segment.members) Die("exported " + std::to_string(*written) + " members");
        summary.file_mb = static_cast<double>(std::ftell(file->get())) / (1 << 20);
        state.SetIterationTime(summary.seconds);

        auto raw_file = AnonymousTempFile("the benchmark's baseline");
        CheckOk(raw_file.status(), "AnonymousTempFile");
        summary.raw_seconds = RawExportSeconds(segment.id, raw_file->get());
        if (format == http::SegmentExportFormat::kCsv) {
            // What holding every member at once (as AllMembers does) would take.
            ResetPeakRss();
            const int64_t before = RssBytes();
            auto all = segments.AllMembers(kTenant, segment.id);
            CheckOk(all.status(), "AllMembers");
            summary.all_members_peak_mb = static_cast<double>(PeakRssBytes() - before) / (1 << 20);
        }
    }
    state.counters["members"] = benchmark::Counter(static_cast<double>(summary.members));
    state.counters["members_per_s"] = benchmark::Counter(static_cast<double>(summary.members) / summary.seconds);
    state.counters["file_mb"] = benchmark::Counter(summary.file_mb);
    state.counters["peak_rss_mb"] = benchmark::Counter(summary.peak_mb);
    state.counters["raw_s"] = benchmark::Counter(summary.raw_seconds);
    state.counters["vs_raw"] = benchmark::Counter(summary.raw_seconds / summary.seconds);
    if (summary.all_members_peak_mb >= 0) {
        state.counters["all_members_peak_rss_mb"] = benchmark::Counter(summary.all_members_peak_mb);
    }
    ExportSummaries().push_back(summary);
}

// ---------------------------------------------------------------------------------------------

void AddContext() {
    benchmark::AddCustomContext("cores", std::to_string(std::thread::hardware_concurrency()));
    benchmark::AddCustomContext("cpu_model", bench::ReadFirstMatch("/proc/cpuinfo", "model name"));
    benchmark::AddCustomContext("temp_dir", TempDir::BaseDir() + " (" + bench::FilesystemOf(TempDir::BaseDir()) + ")");
    benchmark::AddCustomContext("sqlite_version", sqlite3_libversion());
    const Built& b = Store();
    benchmark::AddCustomContext("store", b.reused ? "reused from " + b.dir
                                                  : "built in " + std::to_string(static_cast<int>(b.load.seconds)) +
                                                        " s, " + std::to_string(b.load.rows) + " rows, in " + b.dir);
    benchmark::AddCustomContext("store_mb", std::to_string(b.db_bytes / (1 << 20)));
    {
        RawSqlite raw(b.db_path, /*read_only=*/true);
        benchmark::AddCustomContext("rows", TableCounts(raw));
    }
    benchmark::AddCustomContext("now", Zone().Format(Now()) + " (fixed)");
    const PgBuilt& pg = Postgres();
    benchmark::AddCustomContext(
        "postgres", !pg.enabled
                        ? "not run: set YT_BENCH_POSTGRES (bench/run.sh does)"
                        : pg.version +
                              (pg.reused ? ", database reused"
                                         : ", loaded in " + std::to_string(static_cast<int>(pg.seconds)) + " s") +
                              ", work_mem 256MB");
    benchmark::AddCustomContext("engine_runs", std::to_string(EngineRuns()) +
                                                   " per rule (YT_BENCH_AUDIENCE_EVALS; fewer past 20 s, at least 20)");
    benchmark::AddCustomContext("sql_runs", std::to_string(SqlRuns()) + " per rule and database, after an untimed one");
}

void RegisterAll() {
    auto configure = [](benchmark::internal::Benchmark* b) {
        b->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
    };
    configure(benchmark::RegisterBenchmark("audience/build", BM_Build));
    static const std::vector<RuleCase> rules = Rules();
    for (const RuleCase& rule : rules) {
        configure(benchmark::RegisterBenchmark(("audience/count/" + rule.name).c_str(),
                                               [&rule](benchmark::State& state) { BM_Count(state, rule); }));
    }
    configure(
        benchmark::RegisterBenchmark("audience/snapshot", [](benchmark::State& state) { BM_Snapshot(state, rules); }));
    for (auto format : {http::SegmentExportFormat::kCsv, http::SegmentExportFormat::kXlsx}) {
        configure(benchmark::RegisterBenchmark(
            ("audience/export/" + std::string(http::SegmentExportFormatName(format))).c_str(),
            [format](benchmark::State& state) { BM_Export(state, format); }));
    }
    // Last: they write to the store (nothing the rules read).
    configure(benchmark::RegisterBenchmark("audience/refresh", BM_Refresh)
                  ->ArgNames({"batch", "change"})
                  ->ArgsProduct({{1, 100, 10'000}, {0, 1, 2}}));
}

void PrintSummary() {
    std::printf("\nAudience counts: %lld customers, now = %s\n", static_cast<long long>(Customers()),
                Zone().Format(Now()).c_str());
    if (const auto& b = TheBuildSummary()) {
        std::printf("index: built in %.1f s, %lld orders held, %.1f bytes per customer (Stats)", b->seconds,
                    static_cast<long long>(b->stats.orders), b->bytes_per_customer);
        if (Store().reused) std::printf(", %.1f (RSS growth)", b->rss_per_customer);
        std::printf("\n");
    }
    if (!Summaries().empty()) {
        std::printf("%-11s %5s %10s %9s %9s %11s %9s %11s %9s\n", "rule", "conds", "count", "p50 ms", "p99 ms",
                    "SQLite ms", "×SQLite", "Postgres ms", "×Postgres");
        for (const Summary& s : Summaries()) {
            std::printf("%-11s %5d %10lld %9.2f %9.2f %11.1f %9.0f", s.name.c_str(), s.conditions,
                        static_cast<long long>(s.count), s.p50, s.p99, s.sqlite, s.sqlite / s.p50);
            if (s.postgres >= 0) {
                std::printf(" %11.1f %9.0f\n", s.postgres, s.postgres / s.p50);
            } else {
                std::printf(" %11s %9s\n", "-", "-");
            }
        }
    }
    if (const auto& sn = TheSnapshotSummary()) {
        const double build = TheBuildSummary() ? TheBuildSummary()->seconds : 0;
        std::printf("snapshot: %.0f MB, saved in %.1f s, loaded in %.1f s (%.0f× faster than the build)\n", sn->mb,
                    sn->save_s, sn->load_s, build / sn->load_s);
    }
    for (const ExportSummary& x : ExportSummaries()) {
        std::printf("export %-4s: %lld members in %.2f s (%.0f/s), %.1f MB, peak RSS +%.1f MB; raw read %.2f s",
                    x.format.c_str(), static_cast<long long>(x.members), x.seconds,
                    static_cast<double>(x.members) / x.seconds, x.file_mb, x.peak_mb, x.raw_seconds);
        if (x.all_members_peak_mb >= 0) std::printf("; all members held at once: +%.1f MB", x.all_members_peak_mb);
        std::printf("\n");
    }
    for (const RefreshSummary& r : RefreshSummaries()) {
        std::printf("catch-up batch %6lld (%s): %10.0f customers/s, CatchUp p50 %.2f ms, store write p50 %.2f ms\n",
                    static_cast<long long>(r.batch), std::string(ChangeName(r.change)).c_str(), r.per_second, r.p50_ms,
                    r.write_ms);
    }
}

}  // namespace
}  // namespace yutang::audience

int main(int argc, char** argv) {
    yutang::store::ConfigureSqliteLibrary();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    if (!yutang::InitLogging({.level = "warn"}).ok()) return 1;
    yutang::audience::AddContext();  // builds (or reuses) both stores first
    yutang::audience::RegisterAll();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    yutang::audience::PrintSummary();
    yutang::audience::DropPostgresUnlessKept();
    return 0;
}
