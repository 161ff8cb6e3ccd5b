#include "yutang/insight/overview.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <utility>

#include "yutang/base/time_zone.hpp"

namespace yutang::insight {
namespace {

// Figures are summed per quarter hour in SQL and the quarters are then assigned to local days
// here: every time zone's midnight falls on a quarter hour (UTC+5:45 included), so no quarter
// straddles two days, and the database never needs to know the zone.
constexpr int64_t kQuarterMicros = 15LL * 60 * 1'000'000;

// When a customer was first seen: created here, or their first order if that was earlier (an
// imported export brings customers of the past). Merged-away ids are not customers.
constexpr const char* kFirstSeen =
    "SELECT CASE WHEN t.first_order_at IS NOT NULL AND t.first_order_at < c.created_at "
    "THEN t.first_order_at ELSE c.created_at END AS first_seen "
    "FROM customers c LEFT JOIN customer_traits t ON t.tenant_id = c.tenant_id AND t.customer_id = c.customer_id "
    "WHERE c.tenant_id = $1 AND c.merged_into IS NULL";

const std::string kNewCustomersByQuarter = std::string("SELECT first_seen / $4 AS q, COUNT(*) FROM (") + kFirstSeen +
                                           ") f WHERE first_seen >= $2 AND first_seen < $3 GROUP BY first_seen / $4";
const std::string kCustomersBefore = std::string("SELECT COUNT(*) FROM (") + kFirstSeen + ") f WHERE first_seen < $2";

// Orders that were placed and paid for: unpaid and cancelled orders are not sales.
constexpr const char* kSales = "status NOT IN ('cancelled', 'pending_payment')";

const std::string kOrdersByQuarter = std::string(
                                         "SELECT ordered_at / $4 AS q, COUNT(*), COALESCE(SUM(paid_fen), 0), "
                                         "COALESCE(SUM(refunded_fen), 0) FROM orders "
                                         "WHERE tenant_id = $1 AND ordered_at >= $2 AND ordered_at < $3 AND ") +
                                     kSales + " GROUP BY ordered_at / $4";
const std::string kBuyersByQuarter = std::string(
                                         "SELECT DISTINCT ordered_at / $4 AS q, customer_id FROM orders "
                                         "WHERE tenant_id = $1 AND ordered_at >= $2 AND ordered_at < $3 "
                                         "AND customer_id IS NOT NULL AND ") +
                                     kSales;
const std::string kSalesByPlatform = std::string(
                                         "SELECT source, COUNT(DISTINCT customer_id), COUNT(*), "
                                         "COALESCE(SUM(paid_fen), 0) FROM orders "
                                         "WHERE tenant_id = $1 AND ordered_at >= $2 AND ordered_at < $3 AND ") +
                                     kSales + " GROUP BY source";

constexpr const char* kBuyers =
    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN t.order_count >= 2 THEN 1 ELSE 0 END), 0) "
    "FROM customer_traits t JOIN customers c ON c.tenant_id = t.tenant_id AND c.customer_id = t.customer_id "
    "WHERE t.tenant_id = $1 AND c.merged_into IS NULL AND t.order_count > 0";
constexpr const char* kByChannel =
    "SELECT source_channel, COUNT(*) FROM customers WHERE tenant_id = $1 AND merged_into IS NULL "
    "GROUP BY source_channel";
constexpr const char* kByLifecycle =
    "SELECT COALESCE(t.lifecycle_stage, 'prospect'), COUNT(*) "
    "FROM customers c LEFT JOIN customer_traits t ON t.tenant_id = c.tenant_id AND t.customer_id = c.customer_id "
    "WHERE c.tenant_id = $1 AND c.merged_into IS NULL GROUP BY COALESCE(t.lifecycle_stage, 'prospect')";
constexpr const char* kTenantZone = "SELECT time_zone FROM tenants WHERE tenant_id = $1";

constexpr std::array<std::string_view, 5> kStages = {"prospect", "new", "repeat", "at_risk", "churned"};

LocalDate AddDays(LocalDate d, int days) { return DateOfDay(DayNumber(d) + days); }

// The local days [first, first + count] as their start instants (count + 1 boundaries).
std::vector<int64_t> DayStarts(const TimeZone& zone, LocalDate first, int count) {
    std::vector<int64_t> starts;
    starts.reserve(static_cast<size_t>(count) + 1);
    for (int i = 0; i <= count; ++i) starts.push_back(zone.StartOfDay(AddDays(first, i)).micros());
    return starts;
}

// The index of the day a quarter starting at `quarter_start` falls in, or -1 outside.
int DayOf(const std::vector<int64_t>& starts, int64_t quarter_start) {
    auto it = std::upper_bound(starts.begin(), starts.end(), quarter_start);
    if (it == starts.begin() || it == starts.end()) return -1;
    return static_cast<int>(it - starts.begin()) - 1;
}

}  // namespace

Result<Overview> OverviewReport::Compute(TenantId tenant, const OverviewRequest& request) {
    if (request.days < 1 || request.days > 366) return InvalidArgument("days must be between 1 and 366", "days");
    Overview out;
    out.as_of = clock_.Now();
    out.days = request.days;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto zone_rows, s.Query(kTenantZone, {tenant.value()}));
        if (zone_rows.empty()) return NotFound("no such merchant");
        YT_ASSIGN_OR_RETURN(TimeZone zone, TimeZone::Load(zone_rows.rows[0].Text(0)));
        out.time_zone = zone.name();

        // The period is the last `days` local days up to and including today; the previous
        // period, for comparison, the same number of days before it.
        const LocalDate today = zone.ToLocal(out.as_of).date;
        const LocalDate first = AddDays(today, 1 - request.days);
        const LocalDate previous_first = AddDays(first, -request.days);
        const std::vector<int64_t> starts = DayStarts(zone, first, request.days);
        const int64_t begin = starts.front();
        const int64_t end = starts.back();
        const int64_t previous_begin = zone.StartOfDay(previous_first).micros();
        out.daily.resize(static_cast<size_t>(request.days));
        for (int i = 0; i < request.days; ++i)
            out.daily[static_cast<size_t>(i)].date = FormatIsoDate(AddDays(first, i));

        YT_ASSIGN_OR_RETURN(auto before, s.Query(kCustomersBefore, {tenant.value(), begin}));
        const int64_t pool_before = before.rows[0].Int(0);
        YT_ASSIGN_OR_RETURN(auto previous_pool, s.Query(kCustomersBefore, {tenant.value(), previous_begin}));
        out.previous_new_customers = pool_before - previous_pool.rows[0].Int(0);

        YT_ASSIGN_OR_RETURN(auto fresh, s.Query(kNewCustomersByQuarter, {tenant.value(), begin, end, kQuarterMicros}));
        for (const auto& row : fresh) {
            const int day = DayOf(starts, row.Int(0) * kQuarterMicros);
            if (day >= 0) out.daily[static_cast<size_t>(day)].new_customers += row.Int(1);
        }
        int64_t pool = pool_before;
        for (DayFigures& d : out.daily) {
            pool += d.new_customers;
            d.pool_size = pool;
            out.new_customers += d.new_customers;
        }

        YT_ASSIGN_OR_RETURN(auto sales,
                            s.Query(kOrdersByQuarter, {tenant.value(), previous_begin, end, kQuarterMicros}));
        for (const auto& row : sales) {
            const int64_t quarter_start = row.Int(0) * kQuarterMicros;
            const int day = DayOf(starts, quarter_start);
            if (day < 0) {
                out.previous_orders += row.Int(1);
                out.previous_gmv_fen += row.Int(2);
                continue;
            }
            DayFigures& d = out.daily[static_cast<size_t>(day)];
            d.orders += row.Int(1);
            d.gmv_fen += row.Int(2);
            d.refunded_fen += row.Int(3);
            out.orders += row.Int(1);
            out.gmv_fen += row.Int(2);
        }

        // Distinct buyers per day: (quarter, customer) pairs, then distinct per day.
        YT_ASSIGN_OR_RETURN(auto pairs, s.Query(kBuyersByQuarter, {tenant.value(), begin, end, kQuarterMicros}));
        std::vector<std::pair<int, int64_t>> day_buyers;
        day_buyers.reserve(pairs.size());
        for (const auto& row : pairs) {
            const int day = DayOf(starts, row.Int(0) * kQuarterMicros);
            if (day >= 0) day_buyers.emplace_back(day, row.Int(1));
        }
        std::sort(day_buyers.begin(), day_buyers.end());
        day_buyers.erase(std::unique(day_buyers.begin(), day_buyers.end()), day_buyers.end());
        for (const auto& [day, customer] : day_buyers) ++out.daily[static_cast<size_t>(day)].buyers;

        YT_ASSIGN_OR_RETURN(auto platforms, s.Query(kSalesByPlatform, {tenant.value(), begin, end}));
        for (const auto& row : platforms) {
            out.by_platform.push_back(
                {.key = row.Text(0), .customers = row.Int(1), .orders = row.Int(2), .gmv_fen = row.Int(3)});
        }
        std::sort(out.by_platform.begin(), out.by_platform.end(), [](const Share& a, const Share& b) {
            return std::tie(b.gmv_fen, a.key) < std::tie(a.gmv_fen, b.key);
        });

        YT_ASSIGN_OR_RETURN(auto buyers, s.Query(kBuyers, {tenant.value()}));
        out.buyers = buyers.rows[0].Int(0);
        out.repeat_buyers = buyers.rows[0].Int(1);
        out.repurchase_rate =
            out.buyers > 0 ? static_cast<double>(out.repeat_buyers) / static_cast<double>(out.buyers) : 0.0;

        YT_ASSIGN_OR_RETURN(auto channels, s.Query(kByChannel, {tenant.value()}));
        for (const auto& row : channels) {
            out.by_channel.push_back({.key = row.Text(0).empty() ? "unknown" : row.Text(0), .customers = row.Int(1)});
            out.customers += row.Int(1);
        }
        std::sort(out.by_channel.begin(), out.by_channel.end(), [](const Share& a, const Share& b) {
            return std::tie(b.customers, a.key) < std::tie(a.customers, b.key);
        });

        YT_ASSIGN_OR_RETURN(auto stages, s.Query(kByLifecycle, {tenant.value()}));
        std::map<std::string, int64_t, std::less<>> by_stage;
        for (const auto& row : stages) by_stage[row.Text(0)] += row.Int(1);
        for (std::string_view stage : kStages) {
            auto it = by_stage.find(stage);
            out.by_lifecycle.push_back({.key = std::string(stage), .customers = it == by_stage.end() ? 0 : it->second});
        }
        return OkStatus();
    }));
    return out;
}

}  // namespace yutang::insight
