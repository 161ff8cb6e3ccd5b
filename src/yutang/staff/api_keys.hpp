// API keys: how integrators' servers call Yutang without a console session.
//
// Two kinds. A write key ("ytw_…") may only send tracking events (scope events.write) and is
// meant to sit in a merchant's backend or app; an admin key ("yta_…") carries chosen console
// scopes and never events.write, so that a leaked tracking key cannot read customers and an
// admin key is never pasted into a client. The full key is `yt<w|a>_<tenant_id>_<secret>` with a
// 256-bit random secret; it is shown once, at creation. The store keeps only a hash of the
// secret and a short display prefix ("ytw_1_Ab3d") to recognise the key by.
//
//   ApiKeyService keys(db, clock);
//   YT_ASSIGN_OR_RETURN(CreatedApiKey created, keys.Create(tenant, {.name = "ERP sync",
//       .kind = ApiKeyKind::kAdmin, .scopes = {Permission::kCustomersRead}}, actor));
//   show_once(created.token);
//   YT_ASSIGN_OR_RETURN(Principal principal, keys.Authenticate(bearer_token));
//   YT_TRY(keys.Revoke(tenant, created.key.id, actor));
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yutang/base/clock.hpp"
#include "yutang/base/ids.hpp"
#include "yutang/staff/audit.hpp"
#include "yutang/staff/permissions.hpp"
#include "yutang/store/database.hpp"

namespace yutang::staff {

enum class ApiKeyKind { kWrite, kAdmin };
std::string_view ApiKeyKindName(ApiKeyKind kind);  // "write" | "admin"
// invalid_argument (field `field`) unless `name` is "write" or "admin".
Result<ApiKeyKind> ParseApiKeyKind(std::string_view name, std::string_view field = "kind");

// A key as listed: everything but the secret.
struct ApiKey {
    int64_t id = 0;
    std::string name;
    ApiKeyKind kind = ApiKeyKind::kAdmin;
    std::vector<Permission> scopes;  // in Permission order, no duplicates
    std::string display_prefix;      // e.g. "ytw_1_Ab3d": enough to recognise, useless to attack
    int64_t created_by = 0;          // the creating actor's id (a staff id for console users)
    Timestamp created_at;
    std::optional<Timestamp> last_used_at;  // updated at most once per touch_interval
    std::optional<Timestamp> revoked_at;
};

struct NewApiKey {
    std::string name;
    ApiKeyKind kind = ApiKeyKind::kAdmin;
    // Write keys: empty or exactly {events.write}. Admin keys: at least one, never events.write.
    std::vector<Permission> scopes;
};

struct CreatedApiKey {
    ApiKey key;
    std::string token;  // the full key; shown once, never stored, never logged
};

struct ApiKeySettings {
    // last_used_at is written at most this often per key, so that authenticating stays a read.
    std::chrono::seconds touch_interval{60};
};

// Thread-safe (the store is).
class ApiKeyService {
  public:
    ApiKeyService(store::Database& db, const Clock& clock, ApiKeySettings settings = {});

    // Creates a key and audits "apikey.created" (detail: kind and scopes) in the same
    // transaction. created_by is actor.id. invalid_argument with field "name" (1 to 100
    // characters, valid UTF-8) or "scopes" (see NewApiKey); failed_precondition if the tenant
    // does not exist.
    Result<CreatedApiKey> Create(TenantId tenant, const NewApiKey& request, const Actor& actor);
    // The tenant's keys, newest first, revoked ones included.
    Result<std::vector<ApiKey>> List(TenantId tenant);
    // Revokes a key at once and audits "apikey.revoked" in the same transaction. OK without a
    // second audit entry when the key is already revoked; not_found ("no such API key") when
    // the tenant has no key with this id.
    Status Revoke(TenantId tenant, int64_t key_id, const Actor& actor);
    // The principal (kind kApiKey, tenant, key id, scopes) behind a full key. unauthenticated
    // ("invalid API key", the same message for every case) when the token is malformed, unknown,
    // of the wrong kind for its prefix, or revoked.
    Result<Principal> Authenticate(std::string_view token);

    const ApiKeySettings& settings() const { return settings_; }

  private:
    store::Database& db_;
    const Clock& clock_;
    ApiKeySettings settings_;
};

}  // namespace yutang::staff
