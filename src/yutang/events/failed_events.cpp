#include "yutang/events/failed_events.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "yutang/base/time_zone.hpp"
#include "yutang/events/ingest.hpp"

namespace yutang::events {
namespace {

// The CAST types the cursor for PostgreSQL when it is NULL (see staff/audit.cpp).
constexpr std::string_view kSelectPage =
    "SELECT failed_id, received_at, reason, field FROM failed_events WHERE tenant_id = $1 "
    "AND (CAST($2 AS BIGINT) IS NULL OR failed_id < $2) ORDER BY failed_id DESC LIMIT $3";
constexpr std::string_view kSelectOne =
    "SELECT failed_id, received_at, reason, field, payload FROM failed_events WHERE tenant_id = $1 AND failed_id = $2";
constexpr std::string_view kSelectTimeZone = "SELECT time_zone FROM tenants WHERE tenant_id = $1";
constexpr std::string_view kCountBetween =
    "SELECT COUNT(*) FROM failed_events WHERE tenant_id = $1 AND received_at >= $2 AND received_at < $3";
// Exact reasons, the most frequent first; Summary folds those that differ only in numbers.
constexpr std::string_view kSelectReasons =
    "SELECT reason, field, COUNT(*), MAX(received_at) FROM failed_events WHERE tenant_id = $1 AND received_at >= $2 "
    "GROUP BY reason, field ORDER BY 3 DESC, 4 DESC LIMIT 10000";
constexpr size_t kMaxReasons = 20;

// A reason or field with its numbers blanked: "malformed JSON at offset 25" and "… offset 31"
// are one mistake, and so are "properties.products[0].price" and "…[1].price".
std::string ReasonShape(std::string_view reason) {
    std::string shape;
    for (char c : reason) {
        const bool digit = c >= '0' && c <= '9';
        if (!digit) {
            shape += c;
        } else if (shape.empty() || shape.back() != '#') {
            shape += '#';
        }
    }
    return shape;
}

FailedEvent FromRow(const store::Row& row) {
    return {row.Int(0), Timestamp::FromMicros(row.Int(1)), row.Text(2), row.Text(3), ""};
}

}  // namespace

FailedEvents::FailedEvents(store::Database& db, const KeyRing& keys, const Clock& clock)
    : db_(db), keys_(keys), clock_(clock) {}

Result<FailedEventPage> FailedEvents::List(TenantId tenant, const FailedEventQuery& query) const {
    if (query.limit < 1 || query.limit > 200) return InvalidArgument("limit must be 1 to 200", "limit");
    FailedEventPage page;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        page.items.clear();
        // One extra row tells whether another page follows.
        YT_ASSIGN_OR_RETURN(auto rows,
                            s.Query(kSelectPage, {tenant.value(), query.before_id, int64_t{query.limit} + 1}));
        for (const auto& row : rows) page.items.push_back(FromRow(row));
        return OkStatus();
    }));
    if (page.items.size() > static_cast<size_t>(query.limit)) {
        page.items.pop_back();
        page.next_before_id = page.items.back().id;
    }
    return page;
}

Result<FailureSummary> FailedEvents::Summary(TenantId tenant, int days) const {
    if (days < 1 || days > 31) return InvalidArgument("days must be 1 to 31", "days");
    FailureSummary summary;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        summary = {};
        YT_ASSIGN_OR_RETURN(auto zone_row, s.QueryOne(kSelectTimeZone, {tenant.value()}));
        if (!zone_row) return NotFound("no such merchant");
        const TimeZone zone = TimeZone::LoadOrDefault(zone_row->Text(0));
        // Local days by their boundaries (a DST day is 23 or 25 hours long), oldest first.
        const int32_t today = DayNumber(zone.ToLocal(clock_.Now()).date);
        const Timestamp window_start = zone.StartOfDay(DateOfDay(today - days + 1));
        Timestamp day_start = window_start;
        for (int32_t day = today - days + 1; day <= today; ++day) {
            const Timestamp next_start = zone.StartOfDay(DateOfDay(day + 1));
            YT_ASSIGN_OR_RETURN(auto count,
                                s.QueryOne(kCountBetween, {tenant.value(), day_start.micros(), next_start.micros()}));
            summary.days.push_back({FormatIsoDate(DateOfDay(day)), count->Int(0)});
            summary.total += count->Int(0);
            day_start = next_start;
        }
        YT_ASSIGN_OR_RETURN(auto reasons, s.Query(kSelectReasons, {tenant.value(), window_start.micros()}));
        // Reasons (and fields) that differ only in their numbers are one, shown as the latest.
        std::map<std::pair<std::string, std::string>, FailureSummary::Reason> folded;
        for (const auto& row : reasons) {
            FailureSummary::Reason r{row.Text(0), row.Text(1), row.Int(2), Timestamp::FromMicros(row.Int(3))};
            auto [it, added] = folded.try_emplace({ReasonShape(r.reason), ReasonShape(r.field)}, r);
            if (added) continue;
            it->second.count += r.count;
            if (r.last_at > it->second.last_at) {
                it->second.reason = std::move(r.reason);
                it->second.field = std::move(r.field);
                it->second.last_at = r.last_at;
            }
        }
        for (auto& [shape, r] : folded) summary.reasons.push_back(std::move(r));
        std::sort(summary.reasons.begin(), summary.reasons.end(), [](const auto& a, const auto& b) {
            return std::tie(b.count, b.last_at) < std::tie(a.count, a.last_at);
        });
        if (summary.reasons.size() > kMaxReasons) summary.reasons.resize(kMaxReasons);
        return OkStatus();
    }));
    return summary;
}

Result<FailedEvent> FailedEvents::Get(TenantId tenant, int64_t id, const staff::Actor& actor) const {
    FailedEvent out;
    YT_TRY(db_.Write([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(kSelectOne, {tenant.value(), id}));
        if (!row) return NotFound("no such failed event");
        out = FromRow(*row);
        YT_ASSIGN_OR_RETURN(out.payload, keys_.Decrypt(row->Text(4), EventPayloadContext(tenant)));
        return staff::AppendAudit(s, tenant, actor, clock_.Now(),
                                  {.action = "data.exported",
                                   .target_type = "failed_event",
                                   .target_id = std::to_string(id),
                                   .detail = R"({"what":"failed_event_payload"})"});
    }));
    return out;
}

}  // namespace yutang::events
