// Merchants (tenants) and their staff accounts.
//
// A tenant is one merchant; everything else in Yutang belongs to exactly one tenant. Each
// tenant starts with an owner account. Staff emails are personal information: stored
// encrypted, looked up through the keyed blind index, shown masked.
//
//   StaffService staff(db, keys, clock);
//   YT_ASSIGN_OR_RETURN(Tenant t, staff.CreateTenant({.name = "演示旗舰店",
//       .owner_email = "demo@yutang.local", .owner_password = password}));
//   YT_ASSIGN_OR_RETURN(auto tenants, staff.ListTenants());
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yutang/base/clock.hpp"
#include "yutang/base/crypto.hpp"
#include "yutang/base/ids.hpp"
#include "yutang/staff/audit.hpp"
#include "yutang/store/database.hpp"

namespace yutang::staff {

enum class Role { kOwner, kAdmin, kOperator, kGuide, kAnalyst, kAuditor };
std::string_view RoleName(Role role);  // "owner", "admin", "operator", "guide", "analyst", "auditor"
Result<Role> ParseRole(std::string_view name);

struct Tenant {
    TenantId id;
    std::string name;
    std::string time_zone;
    std::string currency;
    Timestamp created_at;
};

struct StaffAccount {
    TenantId tenant;
    StaffId id;
    std::string email_masked;  // "d***@yutang.local"
    std::string display_name;
    Role role = Role::kGuide;
    bool active = true;
    Timestamp created_at;
};

struct NewTenant {
    std::string name;
    std::string time_zone = "Asia/Shanghai";
    std::string owner_email;
    std::string owner_name;  // defaults to the email's local part
    std::string owner_password;
};

struct TenantUpdate {
    std::optional<std::string> name;
    std::optional<std::string> time_zone;  // an IANA zone: reports, calendars and quiet hours follow it
};

struct NewStaff {
    std::string email;
    std::string display_name;  // defaults to the email's local part
    Role role = Role::kGuide;
    std::string password;  // empty: one is generated and returned once
};

struct CreatedStaff {
    StaffAccount account;
    std::string generated_password;  // set only when the request had no password
};

struct StaffUpdate {
    std::optional<Role> role;
    std::optional<std::string> display_name;
    std::optional<bool> active;
};

struct StaffSettings {
    PasswordHashParams password_hash;
};

// Password rules: 8 to 128 characters (counted in Unicode code points), not one of the
// commonest passwords. invalid_argument with field "password" otherwise.
Status CheckPasswordRules(std::string_view password);
// Trims and lower-cases; invalid_argument (field "email") unless it looks like local@domain.
Result<std::string> NormalizeEmail(std::string_view email);
// "demo@yutang.local" → "d***@yutang.local".
std::string MaskEmail(std::string_view email);

// Thread-safe (the store is).
class StaffService {
  public:
    StaffService(store::Database& db, const KeyRing& keys, const Clock& clock, StaffSettings settings = {});

    // Creates the merchant and its owner in one transaction.
    // invalid_argument (name, time_zone, owner_email, password); already_exists if a merchant
    // of that name exists.
    Result<Tenant> CreateTenant(const NewTenant& request);
    Result<std::vector<Tenant>> ListTenants();
    // By numeric id ("3") or exact name; not_found otherwise.
    Result<Tenant> FindTenant(std::string_view id_or_name);
    // Renames the merchant or moves it to another time zone. invalid_argument (name,
    // time_zone); already_exists (name) if another merchant has the name; not_found for an
    // unknown tenant. Audits merchant.updated when something changed.
    Result<Tenant> UpdateTenant(TenantId tenant, const TenantUpdate& update, const Actor& actor);
    Result<std::vector<StaffAccount>> ListStaff(TenantId tenant);
    // Adds a staff member ("invites" them: the password is handed over by the inviter).
    // `actor_role` is the inviter's role: only an owner may add owners or admins
    // (permission_denied). invalid_argument (email, password, display_name); already_exists
    // (field "email") if the merchant already has this email. Audits staff.created.
    Result<CreatedStaff> CreateStaff(TenantId tenant, const NewStaff& request, Role actor_role, const Actor& actor);
    // Changes role, name or active state. Only an owner may change an owner's or admin's
    // account or make someone owner or admin (permission_denied); the last active owner cannot
    // be demoted or disabled (failed_precondition); not_found for an unknown id. Disabling ends
    // every session of the account at once. Audits staff.role_changed / staff.disabled /
    // staff.enabled / staff.renamed.
    Result<StaffAccount> UpdateStaff(TenantId tenant, StaffId staff, const StaffUpdate& update, Role actor_role,
                                     const Actor& actor);
    // The full email of a staff member, for those allowed to see it. Audits pii.viewed.
    Result<std::string> RevealEmail(TenantId tenant, StaffId staff, const Actor& actor);
    // The active account with this email and password in `tenant`; unauthenticated otherwise
    // (the same error whether the email or the password is wrong).
    Result<StaffAccount> Authenticate(TenantId tenant, std::string_view email, std::string_view password);
    // not_found if the account does not exist in `tenant`.
    Result<StaffAccount> GetAccount(TenantId tenant, StaffId staff);
    // The merchants with an active account for this (normalised) email, lowest id first.
    Result<std::vector<TenantId>> LoginCandidates(std::string_view normalized_email);
    // Does the work of one password check against a fixed hash, so that a login for an
    // unknown email takes as long as one with a wrong password.
    void SpendPasswordCheck(std::string_view password);
    // A stable key for a normalised email that reveals nothing about it (hex of its blind
    // index), for the login throttle.
    std::string LoginKey(std::string_view normalized_email) const;

  private:
    std::string EmailContext(TenantId tenant) const;

    store::Database& db_;
    const KeyRing& keys_;
    const Clock& clock_;
    StaffSettings settings_;
    std::once_flag dummy_hash_once_;
    std::string dummy_hash_;
};

}  // namespace yutang::staff
