// Dense per-tenant ids (1, 2, 3 …), allocated inside the caller's transaction.
//
// Customer ids index bitmaps, so they must be small and dense per tenant rather than global
// or random. The counter row is updated in the same transaction as the insert that uses the
// id: a rolled-back insert gives its id back.
//
//   YT_ASSIGN_OR_RETURN(int64_t id, NextId(session, tenant, "customer"));
#pragma once

#include <string_view>

#include "yutang/base/ids.hpp"
#include "yutang/store/database.hpp"

namespace yutang::store {

// The next id of `kind` for `tenant` (the first is 1). Tenants themselves are numbered under
// TenantId(0). Serialised by the writer's row lock on the counter.
Result<int64_t> NextId(Session& session, TenantId tenant, std::string_view kind);
// Reserves `count` (≥ 1) consecutive ids of `kind` with one counter update and returns the
// first. For kinds that may have gaps (events: a reserved id whose row is not inserted stays
// unused); rolled back with the caller's transaction like NextId.
Result<int64_t> NextIds(Session& session, TenantId tenant, std::string_view kind, int64_t count);

// Gives back the unused end [from, to) of a block NextIds returned, when no id was taken after
// it, so that a batch that reserved for every row it might create leaves no gap.
Status ReleaseIds(Session& session, TenantId tenant, std::string_view kind, int64_t from, int64_t to);

}  // namespace yutang::store
