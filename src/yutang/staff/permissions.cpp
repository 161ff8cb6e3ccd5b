#include "yutang/staff/permissions.hpp"

#include <algorithm>
#include <array>

namespace yutang::staff {
namespace {

using P = Permission;

constexpr std::array kPermissions = {P::kStaffRead,       P::kStaffWrite,     P::kStoresRead,       P::kStoresWrite,
                                     P::kApiKeysRead,     P::kApiKeysWrite,   P::kAuditRead,        P::kSettingsWrite,
                                     P::kCustomersRead,   P::kCustomersWrite, P::kCustomersReadPii, P::kCustomersExport,
                                     P::kCustomersDelete, P::kTagsWrite,      P::kImportsWrite,     P::kInsightRead,
                                     P::kEventsWrite,     P::kSegmentsWrite};

// Indexed by Permission. Keep in sync with the enum.
constexpr std::array<std::string_view, kPermissions.size()> kPermissionNames = {
    "staff.read",       "staff.write",    "stores.read",    "stores.write",    "apikeys.read",       "apikeys.write",
    "audit.read",       "settings.write", "customers.read", "customers.write", "customers.read_pii", "customers.export",
    "customers.delete", "tags.write",     "imports.write",  "insight.read",    "events.write",       "segments.write"};

constexpr std::array kRoles = {Role::kOwner, Role::kAdmin,   Role::kOperator,
                               Role::kGuide, Role::kAnalyst, Role::kAuditor};

// THE table. Principles: least privilege; full personal data, exports and erasure only for the
// merchant's owner and admins; the audit log for owner, admin and the auditor (风控), who
// otherwise reads nothing personal; guides see customers (their own, enforced by the customers
// module) but no money-like settings; analysts see numbers, never full phone numbers.
constexpr std::array kOwner = {P::kStaffRead,       P::kStaffWrite,     P::kStoresRead,       P::kStoresWrite,
                               P::kApiKeysRead,     P::kApiKeysWrite,   P::kAuditRead,        P::kSettingsWrite,
                               P::kCustomersRead,   P::kCustomersWrite, P::kCustomersReadPii, P::kCustomersExport,
                               P::kCustomersDelete, P::kTagsWrite,      P::kImportsWrite,     P::kInsightRead,
                               P::kSegmentsWrite};
constexpr std::array kAdmin = kOwner;  // Admins differ in what they may do to owners (StaffService).
constexpr std::array kOperator = {P::kStaffRead,      P::kStoresRead,      P::kCustomersRead,
                                  P::kCustomersWrite, P::kCustomersExport, P::kTagsWrite,
                                  P::kImportsWrite,   P::kInsightRead,     P::kSegmentsWrite};
constexpr std::array kGuide = {P::kStoresRead, P::kCustomersRead, P::kCustomersWrite};
constexpr std::array kAnalyst = {P::kStaffRead, P::kStoresRead, P::kCustomersRead, P::kInsightRead};
constexpr std::array kAuditor = {P::kStaffRead, P::kStoresRead, P::kAuditRead, P::kInsightRead};

}  // namespace

std::span<const Permission> AllPermissions() { return kPermissions; }

std::string_view PermissionName(Permission permission) { return kPermissionNames.at(static_cast<size_t>(permission)); }

Result<Permission> ParsePermission(std::string_view name, std::string_view field) {
    for (Permission p : kPermissions) {
        if (PermissionName(p) == name) return p;
    }
    return InvalidArgument("unknown permission: " + std::string(name), std::string(field));
}

std::span<const Permission> RolePermissions(Role role) {
    switch (role) {
        case Role::kOwner:
            return kOwner;
        case Role::kAdmin:
            return kAdmin;
        case Role::kOperator:
            return kOperator;
        case Role::kGuide:
            return kGuide;
        case Role::kAnalyst:
            return kAnalyst;
        case Role::kAuditor:
            return kAuditor;
    }
    return {};
}

bool RoleHas(Role role, Permission permission) {
    const auto held = RolePermissions(role);
    return std::find(held.begin(), held.end(), permission) != held.end();
}

std::span<const Role> AllRoles() { return kRoles; }

bool Principal::Has(Permission permission) const {
    if (kind == Kind::kStaff) return RoleHas(role, permission);
    return std::find(scopes.begin(), scopes.end(), permission) != scopes.end();
}

}  // namespace yutang::staff
