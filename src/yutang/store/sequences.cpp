#include "yutang/store/sequences.hpp"

namespace yutang::store {
namespace {
constexpr std::string_view kEnsureCounter =
    "INSERT INTO id_sequences (tenant_id, kind, next_id) VALUES ($1, $2, 1) ON CONFLICT DO NOTHING";
constexpr std::string_view kTakeId =
    "UPDATE id_sequences SET next_id = next_id + 1 WHERE tenant_id = $1 AND kind = $2 RETURNING next_id - 1";
constexpr std::string_view kTakeIds =
    "UPDATE id_sequences SET next_id = next_id + $3 WHERE tenant_id = $1 AND kind = $2 RETURNING next_id - $3";
constexpr std::string_view kReleaseIds =
    "UPDATE id_sequences SET next_id = $3 WHERE tenant_id = $1 AND kind = $2 AND next_id = $4";
}  // namespace

Result<int64_t> NextId(Session& session, TenantId tenant, std::string_view kind) {
    YT_TRY(session.Execute(kEnsureCounter, {tenant.value(), kind}));
    YT_ASSIGN_OR_RETURN(auto row, session.QueryOne(kTakeId, {tenant.value(), kind}));
    if (!row) return Internal("id counter row vanished");
    return row->Int(0);
}

Result<int64_t> NextIds(Session& session, TenantId tenant, std::string_view kind, int64_t count) {
    if (count < 1) return InvalidArgument("an id block needs at least one id", "count");
    YT_TRY(session.Execute(kEnsureCounter, {tenant.value(), kind}));
    YT_ASSIGN_OR_RETURN(auto row, session.QueryOne(kTakeIds, {tenant.value(), kind, count}));
    if (!row) return Internal("id counter row vanished");
    return row->Int(0);
}

Status ReleaseIds(Session& session, TenantId tenant, std::string_view kind, int64_t from, int64_t to) {
    if (from >= to) return OkStatus();
    return session.Execute(kReleaseIds, {tenant.value(), kind, from, to}).status();
}

}  // namespace yutang::store
