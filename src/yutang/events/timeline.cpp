#include "yutang/events/timeline.hpp"

#include <string>
#include <vector>

namespace yutang::events {
namespace {

// The ids of a customer's events on SQLite: those in event_timeline, then the tail's, read from
// the events past the mark (their primary key's range, then each row's customer).
constexpr std::string_view kTimelineIds =
    "SELECT event_id, occurred_at FROM event_timeline WHERE tenant_id = $1 AND customer_id = $2 UNION ALL "
    "SELECT event_id, occurred_at FROM events WHERE tenant_id = $1 AND customer_id = $2 AND event_id > "
    "COALESCE((SELECT indexed_through FROM event_timeline_progress WHERE tenant_id = $1), 0)";

const std::string& SelectIndexedSql() {
    static const std::string sql = "WITH ids (event_id, occurred_at) AS (" + std::string(kTimelineIds) +
                                   " ORDER BY occurred_at DESC, event_id DESC LIMIT $3) "
                                   "SELECT e.type, e.name, e.occurred_at, e.payload FROM ids JOIN events e ON "
                                   "e.tenant_id = $1 AND e.event_id = ids.event_id "
                                   "ORDER BY ids.occurred_at DESC, ids.event_id DESC";
    return sql;
}
const std::string& WipeIndexedSql() {
    static const std::string sql =
        "UPDATE events SET payload = $3 WHERE tenant_id = $1 AND event_id IN "
        "(SELECT event_id FROM (" +
        std::string(kTimelineIds) + "))";
    return sql;
}

// PostgreSQL: through events_customer.
constexpr std::string_view kSelectByIndex =
    "SELECT type, name, occurred_at, payload FROM events WHERE tenant_id = $1 AND customer_id = $2 "
    "ORDER BY occurred_at DESC, event_id DESC LIMIT $3";
constexpr std::string_view kWipeByIndex = "UPDATE events SET payload = $3 WHERE tenant_id = $1 AND customer_id = $2";

constexpr std::string_view kSelectMark =
    "SELECT COALESCE((SELECT indexed_through FROM event_timeline_progress WHERE tenant_id = $1), 0)";
// The last event id of the next `$3` past the mark: the run's end.
constexpr std::string_view kSelectRunEnd =
    "SELECT MAX(event_id), COUNT(*) FROM (SELECT event_id FROM events WHERE tenant_id = $1 AND event_id > $2 "
    "ORDER BY event_id LIMIT $3)";
constexpr std::string_view kIndexRun =
    "INSERT INTO event_timeline (tenant_id, customer_id, occurred_at, event_id) "
    "SELECT tenant_id, customer_id, occurred_at, event_id FROM events WHERE tenant_id = $1 AND event_id > $2 AND "
    "event_id <= $3 AND customer_id IS NOT NULL ORDER BY customer_id, occurred_at, event_id";
constexpr std::string_view kSetMark =
    "INSERT INTO event_timeline_progress (tenant_id, indexed_through) VALUES ($1, $2) "
    "ON CONFLICT (tenant_id) DO UPDATE SET indexed_through = excluded.indexed_through";
// The merchants with events past their mark: only those need a write transaction.
constexpr std::string_view kSelectBehind =
    "SELECT t.tenant_id FROM tenants t WHERE EXISTS (SELECT 1 FROM events e WHERE e.tenant_id = t.tenant_id AND "
    "e.event_id > COALESCE((SELECT indexed_through FROM event_timeline_progress p WHERE p.tenant_id = "
    "t.tenant_id), 0)) ORDER BY t.tenant_id";

bool KeptBehind(const store::Session& s) { return TimelineKeptBehind(s.dialect()); }

}  // namespace

Result<store::Rows> CustomerEvents(store::Session& s, TenantId tenant, int64_t customer, int64_t limit) {
    return s.Query(KeptBehind(s) ? std::string_view(SelectIndexedSql()) : kSelectByIndex,
                   {tenant.value(), customer, limit});
}

Status WipeCustomerEvents(store::Session& s, TenantId tenant, int64_t customer, const store::Blob& payload) {
    return s
        .Execute(KeptBehind(s) ? std::string_view(WipeIndexedSql()) : kWipeByIndex, {tenant.value(), customer, payload})
        .status();
}

Result<int64_t> IndexTimeline(store::Session& s, TenantId tenant, int64_t max_events) {
    if (!KeptBehind(s)) return int64_t{0};
    YT_ASSIGN_OR_RETURN(auto mark, s.QueryOne(kSelectMark, {tenant.value()}));
    const int64_t from = mark->Int(0);
    YT_ASSIGN_OR_RETURN(auto run, s.QueryOne(kSelectRunEnd, {tenant.value(), from, max_events}));
    const int64_t covered = run->Int(1);
    if (covered == 0) return int64_t{0};
    const int64_t through = run->Int(0);
    YT_TRY(s.Execute(kIndexRun, {tenant.value(), from, through}));
    YT_TRY(s.Execute(kSetMark, {tenant.value(), through}));
    return covered;
}

Result<int64_t> IndexTimelines(store::Database& db) {
    if (!TimelineKeptBehind(db.dialect())) return int64_t{0};
    std::vector<int64_t> tenants;
    YT_TRY(db.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectBehind));
        for (const auto& row : rows) tenants.push_back(row.Int(0));
        return OkStatus();
    }));
    int64_t total = 0;
    for (int64_t tenant : tenants) {
        while (true) {
            int64_t covered = 0;
            YT_TRY(db.Write([&](store::Session& s) -> Status {
                YT_ASSIGN_OR_RETURN(covered, IndexTimeline(s, TenantId(tenant)));
                return OkStatus();
            }));
            total += covered;
            if (covered < kTimelineRun) break;
        }
    }
    return total;
}

}  // namespace yutang::events
