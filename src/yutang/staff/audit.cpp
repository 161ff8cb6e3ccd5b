#include "yutang/staff/audit.hpp"

#include "yutang/store/sequences.hpp"

namespace yutang::staff {
namespace {

constexpr std::string_view kInsertAudit =
    "INSERT INTO audit_log (tenant_id, audit_id, at, actor_type, actor_id, action, target_type, target_id, "
    "request_id, client_address, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

// Optional filters are written as "(CAST($n AS type) IS NULL OR column = $n)" so that one
// statement (and one cached prepared statement) serves every combination; the CAST tells
// PostgreSQL the type of a parameter that may arrive as an untyped NULL.
constexpr std::string_view kSelectAudit =
    "SELECT audit_id, at, actor_type, actor_id, action, target_type, target_id, request_id, client_address, detail "
    "FROM audit_log WHERE tenant_id = $1 "
    "AND (CAST($2 AS TEXT) IS NULL OR action = $2) "
    "AND (CAST($3 AS TEXT) IS NULL OR (action >= $3 AND action < CAST($4 AS TEXT))) "
    "AND (CAST($5 AS TEXT) IS NULL OR actor_type = $5) AND (CAST($6 AS BIGINT) IS NULL OR actor_id = $6) "
    "AND (CAST($7 AS BIGINT) IS NULL OR at >= $7) AND (CAST($8 AS BIGINT) IS NULL OR at < $8) "
    "AND (CAST($9 AS BIGINT) IS NULL OR audit_id < $9) "
    "ORDER BY audit_id DESC LIMIT $10";

}  // namespace

std::string_view ActorKindName(Actor::Kind kind) {
    switch (kind) {
        case Actor::Kind::kSystem:
            return "system";
        case Actor::Kind::kStaff:
            return "staff";
        case Actor::Kind::kApiKey:
            return "api_key";
        case Actor::Kind::kAnonymous:
            return "anonymous";
    }
    return "system";
}

Status AppendAudit(store::Session& session, TenantId tenant, const Actor& actor, Timestamp at,
                   const AuditEvent& event) {
    YT_ASSIGN_OR_RETURN(int64_t id, store::NextId(session, tenant, "audit"));
    return session
        .Execute(kInsertAudit,
                 {tenant.value(), id, at.micros(), ActorKindName(actor.kind), actor.id, event.action, event.target_type,
                  event.target_id, actor.request_id, actor.client_address, event.detail})
        .status();
}

Result<AuditPage> ListAudit(store::Database& db, TenantId tenant, const AuditQuery& query) {
    if (query.limit < 1 || query.limit > 200) return InvalidArgument("limit must be 1 to 200", "limit");
    // "staff." selects the range ["staff.", "staff/"): '/' follows '.' in ASCII.
    std::optional<std::string> exact, prefix_low, prefix_high;
    if (query.action && !query.action->empty() && query.action->back() == '.') {
        prefix_low = query.action;
        prefix_high = query.action->substr(0, query.action->size() - 1) + "/";
    } else {
        exact = query.action;
    }
    std::optional<int64_t> from, to;
    if (query.from) from = query.from->micros();
    if (query.to) to = query.to->micros();
    AuditPage page;
    YT_TRY(db.Read([&](store::Session& s) -> Status {
        // One extra row tells whether another page follows.
        const std::vector<store::Value> params = {
            tenant.value(), exact, prefix_low, prefix_high,     query.actor_type,
            query.actor_id, from,  to,         query.before_id, int64_t{query.limit} + 1};
        YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectAudit, params));
        for (const auto& row : rows) {
            page.entries.push_back(AuditEntry{row.Int(0), Timestamp::FromMicros(row.Int(1)), row.Text(2), row.Int(3),
                                              row.Text(4), row.Text(5), row.Text(6), row.Text(7), row.Text(8),
                                              row.Text(9)});
        }
        return OkStatus();
    }));
    if (page.entries.size() > static_cast<size_t>(query.limit)) {
        page.entries.pop_back();
        page.next_before_id = page.entries.back().id;
    }
    return page;
}

}  // namespace yutang::staff
