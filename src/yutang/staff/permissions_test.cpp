#include "yutang/staff/permissions.hpp"

#include <set>

#include <gtest/gtest.h>

namespace yutang::staff {
namespace {

using P = Permission;

TEST(Permissions, NamesRoundTripAndAreUnique) {
    std::set<std::string_view> names;
    for (Permission p : AllPermissions()) {
        EXPECT_EQ(*ParsePermission(PermissionName(p)), p);
        names.insert(PermissionName(p));
    }
    EXPECT_EQ(names.size(), AllPermissions().size());
    EXPECT_EQ(ParsePermission("staff.destroy", "scopes").status().field(), "scopes");
}

// The table, stated the other way round: who may do each sensitive thing.
TEST(Permissions, SensitiveActionsBelongToFewRoles) {
    auto holders = [](Permission p) {
        std::set<Role> out;
        for (Role r : AllRoles()) {
            if (RoleHas(r, p)) out.insert(r);
        }
        return out;
    };
    EXPECT_EQ(holders(P::kCustomersReadPii), (std::set<Role>{Role::kOwner, Role::kAdmin}));
    EXPECT_EQ(holders(P::kCustomersDelete), (std::set<Role>{Role::kOwner, Role::kAdmin}));
    EXPECT_EQ(holders(P::kApiKeysWrite), (std::set<Role>{Role::kOwner, Role::kAdmin}));
    EXPECT_EQ(holders(P::kStaffWrite), (std::set<Role>{Role::kOwner, Role::kAdmin}));
    EXPECT_EQ(holders(P::kAuditRead), (std::set<Role>{Role::kOwner, Role::kAdmin, Role::kAuditor}));
    EXPECT_EQ(holders(P::kCustomersExport), (std::set<Role>{Role::kOwner, Role::kAdmin, Role::kOperator}));
    EXPECT_EQ(holders(P::kSegmentsWrite), (std::set<Role>{Role::kOwner, Role::kAdmin, Role::kOperator}));
    EXPECT_TRUE(holders(P::kEventsWrite).empty()) << "events.write is for write keys only";
    // The analyst sees numbers but no full personal data; the guide no settings or keys.
    EXPECT_TRUE(RoleHas(Role::kAnalyst, P::kInsightRead));
    EXPECT_FALSE(RoleHas(Role::kAnalyst, P::kCustomersReadPii));
    EXPECT_FALSE(RoleHas(Role::kGuide, P::kApiKeysRead));
}

TEST(Principal, StaffHoldTheirRoleKeysTheirScopes) {
    Principal staff{
        .kind = Principal::Kind::kStaff, .tenant = TenantId(1), .staff = StaffId(2), .role = Role::kAuditor};
    EXPECT_TRUE(staff.Has(P::kAuditRead));
    EXPECT_FALSE(staff.Has(P::kStaffWrite));
    Principal key{
        .kind = Principal::Kind::kApiKey, .tenant = TenantId(1), .api_key_id = 3, .scopes = {P::kEventsWrite}};
    EXPECT_TRUE(key.Has(P::kEventsWrite));
    EXPECT_FALSE(key.Has(P::kStaffRead));
}

}  // namespace
}  // namespace yutang::staff
