#include "yutang/events/trait_refresh.hpp"

#include <algorithm>
#include <vector>

#include "yutang/base/log.hpp"
#include "yutang/base/time_zone.hpp"
#include "yutang/events/orders.hpp"

namespace yutang::events {
namespace {

constexpr std::string_view kSelectTenants = "SELECT tenant_id, time_zone FROM tenants ORDER BY tenant_id";
constexpr std::string_view kSelectTimeZone = "SELECT time_zone FROM tenants WHERE tenant_id = $1";
constexpr std::string_view kSelectBuyers =
    "SELECT customer_id, order_count, total_spend_fen - refunded_fen, last_order_at, rfm_recency, rfm_frequency, "
    "rfm_monetary, lifecycle_stage FROM customer_traits WHERE tenant_id = $1";
constexpr std::string_view kUpdateBuyer =
    "UPDATE customer_traits SET rfm_recency = $3, rfm_frequency = $4, rfm_monetary = $5, rfm_at = $6, "
    "lifecycle_stage = $7 WHERE tenant_id = $1 AND customer_id = $2";
constexpr std::string_view kUpsertRefresh =
    "INSERT INTO trait_refreshes (tenant_id, local_date, refreshed_at, customers, changed) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id) DO UPDATE SET local_date = excluded.local_date, "
    "refreshed_at = excluded.refreshed_at, customers = excluded.customers, changed = excluded.changed";
constexpr std::string_view kSelectRefresh =
    "SELECT local_date, customers, changed FROM trait_refreshes WHERE tenant_id = $1";

struct Buyer {
    int64_t id = 0;
    int64_t count = 0;
    int64_t spend = 0;
    int64_t last = 0;
    int64_t r = 0, f = 0, m = 0;
    std::string stage;
};

// score(v) = 1 + ⌊5·|{w < v}|/n⌋ for every value, with one sort.
std::vector<int64_t> QuintileScores(const std::vector<int64_t>& values) {
    const size_t n = values.size();
    std::vector<size_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
    std::vector<int64_t> scores(n);
    size_t below = 0;
    for (size_t i = 0; i < n; ++i) {
        if (i > 0 && values[order[i]] != values[order[i - 1]]) below = i;
        scores[order[i]] = 1 + static_cast<int64_t>(5 * below / n);
    }
    return scores;
}

}  // namespace

TraitRefresher::TraitRefresher(store::Database& db, const Clock& clock, RefreshSettings settings)
    : db_(db), clock_(clock), settings_(settings) {}

Result<RefreshReport> TraitRefresher::Refresh(TenantId tenant) {
    const Timestamp now = clock_.Now();
    std::vector<Buyer> buyers;
    std::string zone_name;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        buyers.clear();
        YT_ASSIGN_OR_RETURN(auto zone_row, s.QueryOne(kSelectTimeZone, {tenant.value()}));
        if (!zone_row) return NotFound("no such merchant");
        zone_name = zone_row->Text(0);
        YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectBuyers, {tenant.value()}));
        buyers.reserve(rows.size());
        for (const auto& row : rows) {
            buyers.push_back({row.Int(0), row.Int(1), row.Int(2), row.OptionalInt(3).value_or(0),
                              row.OptionalInt(4).value_or(0), row.OptionalInt(5).value_or(0),
                              row.OptionalInt(6).value_or(0), row.Text(7)});
        }
        return OkStatus();
    }));
    const TimeZone zone = TimeZone::LoadOrDefault(zone_name);

    std::vector<int64_t> last(buyers.size()), count(buyers.size()), spend(buyers.size());
    for (size_t i = 0; i < buyers.size(); ++i) {
        last[i] = buyers[i].last;
        count[i] = buyers[i].count;
        spend[i] = buyers[i].spend;
    }
    const auto r = QuintileScores(last), f = QuintileScores(count), m = QuintileScores(spend);

    RefreshReport report{FormatIsoDate(zone.ToLocal(now).date), static_cast<int64_t>(buyers.size()), 0};
    std::vector<size_t> changed;
    std::vector<std::string_view> stages(buyers.size());
    for (size_t i = 0; i < buyers.size(); ++i) {
        const Buyer& b = buyers[i];
        stages[i] = LifecycleStageFor(b.count, Timestamp::FromMicros(b.last), now);
        if (b.r != r[i] || b.f != f[i] || b.m != m[i] || b.stage != stages[i]) changed.push_back(i);
    }
    for (size_t first = 0; first < changed.size(); first += settings_.batch_size) {
        const size_t end = std::min(changed.size(), first + settings_.batch_size);
        YT_TRY(db_.Write([&](store::Session& s) -> Status {
            for (size_t k = first; k < end; ++k) {
                const size_t i = changed[k];
                YT_TRY(
                    s.Execute(kUpdateBuyer, {tenant.value(), buyers[i].id, r[i], f[i], m[i], now.micros(), stages[i]}));
            }
            return OkStatus();
        }));
    }
    report.changed = static_cast<int64_t>(changed.size());
    YT_TRY(db_.Write([&](store::Session& s) {
        return s
            .Execute(kUpsertRefresh,
                     {tenant.value(), report.local_date, now.micros(), report.customers, report.changed})
            .status();
    }));
    spdlog::info("traits refreshed: merchant {} day {} buyers {} changed {}", tenant.value(), report.local_date,
                 report.customers, report.changed);
    return report;
}

Result<int> TraitRefresher::RefreshDue() {
    std::vector<std::pair<TenantId, std::string>> tenants;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        tenants.clear();
        YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectTenants));
        for (const auto& row : rows) tenants.emplace_back(TenantId(row.Int(0)), row.Text(1));
        return OkStatus();
    }));
    int ran = 0;
    for (const auto& [tenant, zone_name] : tenants) {
        const TimeZone zone = TimeZone::LoadOrDefault(zone_name);
        const std::string today = FormatIsoDate(zone.ToLocal(clock_.Now()).date);
        YT_ASSIGN_OR_RETURN(auto last, LastRefresh(tenant));
        if (last && last->local_date == today) continue;
        YT_TRY(Refresh(tenant).status());
        ++ran;
    }
    return ran;
}

Result<std::optional<RefreshReport>> TraitRefresher::LastRefresh(TenantId tenant) {
    std::optional<RefreshReport> out;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(kSelectRefresh, {tenant.value()}));
        if (row) out = RefreshReport{row->Text(0), row->Int(1), row->Int(2)};
        return OkStatus();
    }));
    return out;
}

}  // namespace yutang::events
