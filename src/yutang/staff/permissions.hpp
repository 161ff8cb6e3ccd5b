// Who may do what: the one table from roles to permissions, and the principal of a request.
//
// Every HTTP route declares the permission it needs (or "public" / "session"); a request's
// principal — a signed-in staff member or an API key — holds permissions through its role or
// its key's scopes. This file is the only place that says which role holds which permission;
// docs/security.md shows the same table for people.
//
//   if (!principal.Has(Permission::kStaffWrite)) return PermissionDenied("…");
//   for (Permission p : RolePermissions(Role::kAnalyst)) …
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yutang/base/ids.hpp"
#include "yutang/staff/staff.hpp"

namespace yutang::staff {

// Keep in sync with kPermissionNames in permissions.cpp and the table in docs/security.md.
enum class Permission : uint8_t {
    kStaffRead,         // staff.read: list staff and roles
    kStaffWrite,        // staff.write: invite staff, change roles, disable accounts
    kStoresRead,        // stores.read
    kStoresWrite,       // stores.write
    kApiKeysRead,       // apikeys.read
    kApiKeysWrite,      // apikeys.write: create and revoke API keys
    kAuditRead,         // audit.read: page through the audit log
    kSettingsWrite,     // settings.write: merchant settings
    kCustomersRead,     // customers.read: profiles with personal data masked
    kCustomersWrite,    // customers.write: tags, notes, attributes
    kCustomersReadPii,  // customers.read_pii: reveal full personal data (audited)
    kCustomersExport,   // customers.export (audited)
    kCustomersDelete,   // customers.delete: erase a person (PIPL art. 47; audited)
    kTagsWrite,         // tags.write: manage the tag catalogue (groups, tags)
    kImportsWrite,      // imports.write: import order exports (changes customers merchant-wide)
    kInsightRead,       // insight.read: dashboards and reports
    kEventsWrite,       // events.write: send tracking events (write keys only)
    kSegmentsWrite,     // segments.write: create, change and delete saved segments
};

std::span<const Permission> AllPermissions();
std::string_view PermissionName(Permission permission);
// invalid_argument (field `field`) for an unknown name.
Result<Permission> ParsePermission(std::string_view name, std::string_view field = "scopes");

// The permissions a role holds. Owner holds everything staff can hold; events.write belongs
// to write keys only.
std::span<const Permission> RolePermissions(Role role);
bool RoleHas(Role role, Permission permission);
std::span<const Role> AllRoles();

// The authenticated party behind a request. Tenant always comes from here, never from the
// request body.
struct Principal {
    enum class Kind { kStaff, kApiKey };
    Kind kind = Kind::kStaff;
    TenantId tenant;
    StaffId staff;                   // kStaff
    Role role = Role::kGuide;        // kStaff
    int64_t api_key_id = 0;          // kApiKey
    std::vector<Permission> scopes;  // kApiKey

    bool Has(Permission permission) const;
};

}  // namespace yutang::staff
