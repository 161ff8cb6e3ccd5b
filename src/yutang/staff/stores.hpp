// Stores (门店): a merchant's physical shops, which staff, customers and orders belong to.
//
// Each store has a dense per-tenant id and a short code that the merchant's own systems use
// (POS, ERP), unique within the merchant. Stores are deactivated, never deleted, because
// history refers to them. Creating and changing a store is audited.
//
//   StoreService stores(db, clock);
//   YT_ASSIGN_OR_RETURN(Store shop, stores.Create(tenant, {.name = "静安寺店", .code = "SH-001",
//       .city = "上海", .address = "南京西路 1 号"}, actor));
//   YT_ASSIGN_OR_RETURN(shop, stores.Update(tenant, shop.id, {.active = false}, actor));
//   YT_ASSIGN_OR_RETURN(std::vector<Store> all, stores.List(tenant));
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "yutang/base/clock.hpp"
#include "yutang/base/ids.hpp"
#include "yutang/staff/audit.hpp"
#include "yutang/store/database.hpp"

namespace yutang::staff {

struct Store {
    StoreId id;
    std::string name, code, city, address;
    bool active = true;
    Timestamp created_at;
};

// Limits, in Unicode code points of valid UTF-8: name 1 to 100 (field "name"); code 1 to 32 of
// [A-Za-z0-9_-] (field "code"); city at most 50 (field "city"); address at most 200 (field
// "address"). Values are stored as given, without trimming.
struct StoreInput {
    std::string name;
    std::string code;
    std::string city;
    std::string address;
};

// Only the fields that are set change. The code cannot change: other systems key on it.
struct StoreUpdate {
    std::optional<std::string> name, city, address;
    std::optional<bool> active;
};

// Thread-safe (the store is).
class StoreService {
  public:
    StoreService(store::Database& db, const Clock& clock);

    // Creates a store and audits "store.created" (target "store"/id, detail {"code":…}) in the
    // same transaction. invalid_argument (see StoreInput for fields); already_exists (field
    // "code") when the tenant has a store with this code; failed_precondition if the tenant
    // does not exist.
    Result<Store> Create(TenantId tenant, const StoreInput& input, const Actor& actor);
    // The tenant's stores by id, inactive ones included.
    Result<std::vector<Store>> List(TenantId tenant);
    // not_found ("no such store") when the tenant has no store with this id.
    Result<Store> Get(TenantId tenant, StoreId id);
    // Applies the set fields and returns the store as it now is. When a value differs from the
    // stored one, audits "store.updated" with detail {"fields":["name",…]} (the changed field
    // names, never their values) in the same transaction; an update that changes nothing writes
    // nothing. invalid_argument as for Create; not_found ("no such store").
    Result<Store> Update(TenantId tenant, StoreId id, const StoreUpdate& update, const Actor& actor);

  private:
    store::Database& db_;
    const Clock& clock_;
};

}  // namespace yutang::staff
