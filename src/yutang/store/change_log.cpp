#include "yutang/store/change_log.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>

namespace yutang::store {
namespace {

// customer_id values that are not customers (migration 0011).
constexpr int64_t kCatalogue = 0;
constexpr int64_t kEverything = -1;

constexpr std::string_view kSelectPruned = "SELECT below FROM customer_changes_pruned";
constexpr std::string_view kSqliteNext = "SELECT COALESCE(MAX(seq), 0) + 1 FROM customer_changes";
constexpr std::string_view kPostgresXmin = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint";
// The rows logged in a position's window (PostgreSQL's less those already seen, $3: their
// sequence numbers, comma-separated), in sequence order, at most $3 / $4.
constexpr std::string_view kSqliteWindow =
    "SELECT customer_id, kind, value FROM customer_changes WHERE seq >= $2 AND tenant_id = $1 ORDER BY seq LIMIT $3";
constexpr std::string_view kPostgresWindow =
    "SELECT customer_id, kind, value FROM customer_changes WHERE txid >= $2 AND tenant_id = $1 "
    "AND seq <> ALL (string_to_array($3, ',')::bigint[]) ORDER BY seq LIMIT $4";
// How many distinct customers a window holds, counting up to $3 / $4.
constexpr std::string_view kSqliteDistinct =
    "SELECT COUNT(*) FROM (SELECT DISTINCT customer_id FROM customer_changes WHERE seq >= $2 AND tenant_id = $1 "
    "LIMIT $3) d";
constexpr std::string_view kPostgresDistinct =
    "SELECT COUNT(*) FROM (SELECT DISTINCT customer_id FROM customer_changes WHERE txid >= $2 AND tenant_id = $1 "
    "AND seq <> ALL (string_to_array($3, ',')::bigint[]) LIMIT $4) d";
// A window of more rows than this (per customer of the limit, at least kWindowRows) is counted
// first: a few customers written many times are still few.
constexpr int64_t kRowsPerCustomer = 4;
constexpr int64_t kWindowRows = 4096;
constexpr std::string_view kPostgresSeen =
    "SELECT seq FROM customer_changes WHERE txid >= $2 AND tenant_id = $1 ORDER BY seq";

Result<int64_t> SnapshotHorizon(Session& s) {
    YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(s.dialect() == Dialect::kSqlite ? kSqliteNext : kPostgresXmin));
    return row ? row->Int(0) : 0;
}

}  // namespace

Result<ChangePosition> CurrentChangePosition(Session& session, TenantId tenant) {
    ChangePosition at;
    YT_ASSIGN_OR_RETURN(at.horizon, SnapshotHorizon(session));
    if (session.dialect() == Dialect::kPostgres) {
        YT_ASSIGN_OR_RETURN(Rows rows, session.Query(kPostgresSeen, {tenant.value(), at.horizon}));
        for (const Row& row : rows.rows) at.seen.push_back(row.Int(0));
    }
    return at;
}

Result<ChangesSince> ReadChanges(Database& db, TenantId tenant, const ChangePosition& since, size_t limit) {
    ChangesSince out;
    YT_TRY(db.Read([&](Session& s) -> Status {
        out = ChangesSince{};
        const bool postgres = s.dialect() == Dialect::kPostgres;
        YT_ASSIGN_OR_RETURN(auto pruned, s.QueryOne(kSelectPruned));
        YT_ASSIGN_OR_RETURN(out.next.horizon, SnapshotHorizon(s));
        // A restart reads everything again: its position is the present.
        const auto restart = [&]() -> Status {
            out.restart = true;
            YT_ASSIGN_OR_RETURN(out.next, CurrentChangePosition(s, tenant));
            return OkStatus();
        };
        if (pruned && since.horizon < pruned->Int(0)) return restart();
        std::string seen;
        for (int64_t seq : since.seen) seen += (seen.empty() ? "" : ",") + std::to_string(seq);
        const auto window = [&](std::string_view sqlite, std::string_view pg, int64_t n) {
            return postgres ? s.Query(pg, {tenant.value(), since.horizon, seen, n})
                            : s.Query(sqlite, {tenant.value(), since.horizon, n});
        };
        // Usually one pass over the window's rows in sequence order.
        const int64_t most = static_cast<int64_t>(std::min<size_t>(limit, std::numeric_limits<int32_t>::max()));
        const int64_t cap = std::max(most * kRowsPerCustomer, kWindowRows) + 1;
        YT_ASSIGN_OR_RETURN(Rows rows, window(kSqliteWindow, kPostgresWindow, cap));
        if (static_cast<int64_t>(rows.size()) >= cap) {
            YT_ASSIGN_OR_RETURN(Rows counted, window(kSqliteDistinct, kPostgresDistinct, most + 1));
            if (counted.rows.at(0).Int(0) > most) return restart();
            YT_ASSIGN_OR_RETURN(rows, window(kSqliteWindow, kPostgresWindow, std::numeric_limits<int64_t>::max()));
        }
        // Per customer: whether a change that is not a delta was logged (then it is re-read).
        std::unordered_map<int64_t, bool> reread;
        for (const Row& row : rows.rows) {
            const int64_t customer = row.Int(0);
            if (customer == kCatalogue) {
                out.catalogue = true;
            } else if (customer == kEverything) {
                out.restart = true;
            } else {
                bool& whole = reread[customer];
                whole = whole || row.Int(1) == 0;
            }
        }
        if (reread.size() > limit) return restart();
        for (const auto& [customer, whole] : reread) {
            if (whole) out.customers.push_back(CustomerId(customer));
        }
        for (const Row& row : rows.rows) {
            const int64_t kind = row.Int(1);
            if (kind == 0 || row.Int(0) <= 0 || reread[row.Int(0)]) continue;
            if (kind > 3) return Internal("customer_changes has an unknown kind " + std::to_string(kind));
            out.deltas.push_back({.customer = CustomerId(row.Int(0)),
                                  .kind = static_cast<ChangeDelta::Kind>(kind),
                                  .value = row.IsNull(2) ? std::nullopt : std::optional<int64_t>(row.Int(2))});
        }
        // A PostgreSQL row from a transaction at or after the new horizon may be joined later by
        // rows of the same age: remember it so that it is not read twice.
        if (postgres) {
            YT_ASSIGN_OR_RETURN(Rows now_seen, s.Query(kPostgresSeen, {tenant.value(), out.next.horizon}));
            for (const Row& row : now_seen.rows) out.next.seen.push_back(row.Int(0));
        }
        return OkStatus();
    }));
    std::sort(out.customers.begin(), out.customers.end());
    return out;
}

Result<int64_t> PruneChanges(Database& db, int64_t keep) {
    int64_t deleted = 0;
    YT_TRY(db.Write([&](Session& s) -> Status {
        deleted = 0;
        YT_ASSIGN_OR_RETURN(auto last, s.QueryOne("SELECT MAX(seq) FROM customer_changes"));
        if (!last || last->IsNull(0)) return OkStatus();
        // The newest row always stays: SQLite's next seq is one past the largest.
        const int64_t first_kept = std::max<int64_t>(last->Int(0) - std::max<int64_t>(keep, 1) + 1, 1);
        int64_t cut = first_kept;
        if (s.dialect() == Dialect::kPostgres) {
            // PostgreSQL's positions are transactions: cut below the oldest transaction among the
            // rows kept, and never at or above one still running.
            YT_ASSIGN_OR_RETURN(auto oldest,
                                s.QueryOne("SELECT MIN(txid) FROM customer_changes WHERE seq >= $1", {first_kept}));
            YT_ASSIGN_OR_RETURN(const int64_t xmin, SnapshotHorizon(s));
            cut = std::min(oldest && !oldest->IsNull(0) ? oldest->Int(0) : xmin, xmin);
        }
        YT_ASSIGN_OR_RETURN(deleted,
                            s.Execute(s.dialect() == Dialect::kPostgres ? "DELETE FROM customer_changes WHERE txid < $1"
                                                                        : "DELETE FROM customer_changes WHERE seq < $1",
                                      {cut}));
        YT_TRY(s.Execute("UPDATE customer_changes_pruned SET below = $1 WHERE below < $1", {cut}).status());
        return OkStatus();
    }));
    return deleted;
}

}  // namespace yutang::store
