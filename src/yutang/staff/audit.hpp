// The audit log: an append-only record of everything privileged.
//
// Logins (and failed logins), role changes, staff created or disabled, API keys created or
// revoked, full personal data viewed, exports and deletes each append one entry, in the same
// transaction as the change they record, so that a change without its entry cannot exist.
// There is no update or delete path, and the store itself refuses UPDATE and DELETE on the
// table (triggers in migration 0002). Entries hold ids and masked values, never personal data.
//
//   Actor actor = Actor::Staff(principal.staff, request_id, client_address);
//   YT_TRY(db.Write([&](store::Session& s) -> Status {
//       …the change…
//       return AppendAudit(s, tenant, actor, clock.Now(), {.action = "staff.role_changed",
//           .target_type = "staff", .target_id = "7", .detail = R"({"from":"guide","to":"operator"})"});
//   }));
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "yutang/base/clock.hpp"
#include "yutang/base/ids.hpp"
#include "yutang/store/database.hpp"

namespace yutang::staff {

// Who did it, and from where.
struct Actor {
    enum class Kind { kSystem, kStaff, kApiKey, kAnonymous };
    Kind kind = Kind::kSystem;
    int64_t id = 0;  // staff id or API key id; 0 otherwise
    std::string request_id;
    std::string client_address;

    static Actor System(std::string origin = "cli") { return Actor{Kind::kSystem, 0, std::move(origin), ""}; }
    static Actor Staff(StaffId staff, std::string request_id, std::string client_address) {
        return Actor{Kind::kStaff, staff.value(), std::move(request_id), std::move(client_address)};
    }
    static Actor ApiKey(int64_t key_id, std::string request_id, std::string client_address) {
        return Actor{Kind::kApiKey, key_id, std::move(request_id), std::move(client_address)};
    }
};
std::string_view ActorKindName(Actor::Kind kind);  // "system" | "staff" | "api_key" | "anonymous"

// What happened. `action` is a dotted name from the list in docs/security.md
// ("auth.login", "auth.login_failed", "staff.created", "staff.role_changed", "staff.disabled",
// "staff.enabled", "apikey.created", "apikey.revoked", "store.created", "store.updated",
// "pii.viewed", "data.exported", "data.deleted", "import.created"); `detail` is a JSON object without
// personal data.
struct AuditEvent {
    std::string action;
    std::string target_type;
    std::string target_id;
    std::string detail = "{}";
};

struct AuditEntry {
    int64_t id = 0;
    Timestamp at;
    std::string actor_type;
    int64_t actor_id = 0;
    std::string action;
    std::string target_type;
    std::string target_id;
    std::string request_id;
    std::string client_address;
    std::string detail;
};

// Appends one entry inside the caller's write transaction.
Status AppendAudit(store::Session& session, TenantId tenant, const Actor& actor, Timestamp at, const AuditEvent& event);

struct AuditQuery {
    std::optional<std::string> action;      // exact, or a prefix ending in '.' ("staff.")
    std::optional<std::string> actor_type;  // "staff", "api_key", "system", "anonymous"
    std::optional<int64_t> actor_id;
    std::optional<Timestamp> from;     // inclusive
    std::optional<Timestamp> to;       // exclusive
    std::optional<int64_t> before_id;  // cursor: entries older than this id
    int limit = 50;                    // 1..200
};

struct AuditPage {
    std::vector<AuditEntry> entries;        // newest first
    std::optional<int64_t> next_before_id;  // pass as before_id for the next page; empty at the end
};

// Reads the log, newest first. invalid_argument (field "limit") for a limit outside 1..200.
Result<AuditPage> ListAudit(store::Database& db, TenantId tenant, const AuditQuery& query);

// ListAudit as a service object, for adapters that hold services rather than the store.
class AuditReader {
  public:
    explicit AuditReader(store::Database& db) : db_(db) {}
    Result<AuditPage> List(TenantId tenant, const AuditQuery& query) { return ListAudit(db_, tenant, query); }

  private:
    store::Database& db_;
};

}  // namespace yutang::staff
