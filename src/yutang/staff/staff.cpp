#include "yutang/staff/staff.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <mutex>

#include "yutang/base/text.hpp"
#include "yutang/base/time_zone.hpp"
#include "yutang/store/sequences.hpp"

namespace yutang::staff {
namespace {

constexpr std::string_view kInsertTenant =
    "INSERT INTO tenants (tenant_id, name, time_zone, currency, created_at) VALUES ($1, $2, $3, 'CNY', $4)";
constexpr std::string_view kSelectTenants =
    "SELECT tenant_id, name, time_zone, currency, created_at FROM tenants ORDER BY tenant_id";
constexpr std::string_view kSelectTenantById =
    "SELECT tenant_id, name, time_zone, currency, created_at FROM tenants WHERE tenant_id = $1";
constexpr std::string_view kSelectTenantByName =
    "SELECT tenant_id, name, time_zone, currency, created_at FROM tenants WHERE name = $1";
constexpr std::string_view kUpdateTenant = "UPDATE tenants SET name = $2, time_zone = $3 WHERE tenant_id = $1";
constexpr std::string_view kInsertStaff =
    "INSERT INTO staff (tenant_id, staff_id, email_index, email_cipher, display_name, role, password_hash, status, "
    "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8)";
constexpr std::string_view kSelectStaff =
    "SELECT staff_id, email_cipher, display_name, role, status, created_at, password_hash FROM staff "
    "WHERE tenant_id = $1 ORDER BY staff_id";
constexpr std::string_view kSelectStaffById =
    "SELECT staff_id, email_cipher, display_name, role, status, created_at, password_hash FROM staff "
    "WHERE tenant_id = $1 AND staff_id = $2";
constexpr std::string_view kSelectLoginCandidates =
    "SELECT DISTINCT tenant_id FROM staff WHERE email_index = $1 AND status = 'active' ORDER BY tenant_id";
constexpr std::string_view kUpdateStaff =
    "UPDATE staff SET role = $3, display_name = $4, status = $5 WHERE tenant_id = $1 AND staff_id = $2";
constexpr std::string_view kCountActiveOwners =
    "SELECT COUNT(*) FROM staff WHERE tenant_id = $1 AND role = 'owner' AND status = 'active'";
constexpr std::string_view kRevokeStaffSessions =
    "UPDATE staff_sessions SET revoked_at = $3 WHERE tenant_id = $1 AND staff_id = $2 AND revoked_at IS NULL";
constexpr std::string_view kSelectStaffByEmail =
    "SELECT staff_id, email_cipher, display_name, role, status, created_at, password_hash FROM staff "
    "WHERE tenant_id = $1 AND email_index = $2";

// The commonest passwords of public breach corpora (and their Chinese favourites), refused
// outright. NIST SP 800-63B §5.1.1.2 asks verifiers to compare against such a list.
constexpr std::array<std::string_view, 32> kCommonPasswords = {
    "12345678",  "123456789", "1234567890", "password",  "password1", "password123", "qwertyui",   "qwerty123",
    "11111111",  "00000000",  "88888888",   "66666666",  "12341234",  "abcd1234",    "1qaz2wsx",   "iloveyou",
    "a1234567",  "aa123456",  "abc12345",   "123123123", "1q2w3e4r",  "5201314520",  "woaini1314", "qwertyuiop",
    "asdfghjkl", "zxcvbnm1",  "admin123",   "admin1234", "welcome1",  "87654321",    "11223344",   "147258369"};

Tenant TenantFromRow(const store::Row& row) {
    return Tenant{TenantId(row.Int(0)), row.Text(1), row.Text(2), row.Text(3), Timestamp::FromMicros(row.Int(4))};
}

// Invalid UTF-8 counts as longer than any limit, so every length check refuses it.
size_t CodePoints(std::string_view s) { return Utf8Length(s).value_or(SIZE_MAX); }

}  // namespace

std::string_view RoleName(Role role) {
    switch (role) {
        case Role::kOwner:
            return "owner";
        case Role::kAdmin:
            return "admin";
        case Role::kOperator:
            return "operator";
        case Role::kGuide:
            return "guide";
        case Role::kAnalyst:
            return "analyst";
        case Role::kAuditor:
            return "auditor";
    }
    return "guide";
}

Result<Role> ParseRole(std::string_view name) {
    for (Role r : {Role::kOwner, Role::kAdmin, Role::kOperator, Role::kGuide, Role::kAnalyst, Role::kAuditor}) {
        if (RoleName(r) == name) return r;
    }
    return InvalidArgument("unknown role: expected owner, admin, operator, guide, analyst or auditor", "role");
}

Status CheckPasswordRules(std::string_view password) {
    const size_t length = CodePoints(password);
    if (length < 8) return InvalidArgument("password must have at least 8 characters", "password");
    if (length > 128) return InvalidArgument("password must have at most 128 characters", "password");
    std::string lower(password);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (std::find(kCommonPasswords.begin(), kCommonPasswords.end(), lower) != kCommonPasswords.end()) {
        return InvalidArgument("password is too common; choose another", "password");
    }
    return OkStatus();
}

Result<std::string> NormalizeEmail(std::string_view email) {
    while (!email.empty() && std::isspace(static_cast<unsigned char>(email.front()))) email.remove_prefix(1);
    while (!email.empty() && std::isspace(static_cast<unsigned char>(email.back()))) email.remove_suffix(1);
    std::string out(email);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    const size_t at = out.find('@');
    const bool valid = at != std::string::npos && at > 0 && at + 1 < out.size() &&
                       out.find('@', at + 1) == std::string::npos && out.find('.', at) != std::string::npos &&
                       out.size() <= 254 &&
                       std::none_of(out.begin(), out.end(), [](unsigned char c) { return std::isspace(c); });
    if (!valid) return InvalidArgument("not a valid email address", "email");
    return out;
}

std::string MaskEmail(std::string_view email) {
    const size_t at = email.find('@');
    if (at == std::string_view::npos || at == 0) return "***";
    return std::string(email.substr(0, 1)) + "***" + std::string(email.substr(at));
}

StaffService::StaffService(store::Database& db, const KeyRing& keys, const Clock& clock, StaffSettings settings)
    : db_(db), keys_(keys), clock_(clock), settings_(settings) {}

std::string StaffService::EmailContext(TenantId tenant) const {
    return "t" + std::to_string(tenant.value()) + "/staff.email";
}

Result<Tenant> StaffService::CreateTenant(const NewTenant& request) {
    if (request.name.empty() || CodePoints(request.name) > 100) {
        return InvalidArgument("merchant name must have 1 to 100 characters", "name");
    }
    YT_TRY(TimeZone::Load(request.time_zone));
    YT_ASSIGN_OR_RETURN(std::string email, NormalizeEmail(request.owner_email));
    YT_TRY(CheckPasswordRules(request.owner_password));
    // Hash outside the transaction: argon2id is deliberately slow.
    YT_ASSIGN_OR_RETURN(std::string hash, HashPassword(request.owner_password, settings_.password_hash));
    const std::string owner_name = request.owner_name.empty() ? email.substr(0, email.find('@')) : request.owner_name;
    const Timestamp now = clock_.Now();
    Tenant tenant;
    Status status = db_.Write([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(int64_t tenant_id, store::NextId(s, TenantId(0), "tenant"));
        tenant = Tenant{TenantId(tenant_id), request.name, request.time_zone, "CNY", now};
        YT_TRY(s.Execute(kInsertTenant, {tenant_id, request.name, request.time_zone, now.micros()}));
        YT_ASSIGN_OR_RETURN(int64_t staff_id, store::NextId(s, tenant.id, "staff"));
        YT_TRY(s.Execute(kInsertStaff, {tenant_id, staff_id, store::Blob{keys_.BlindIndex("staff_email", email)},
                                        store::Blob{keys_.Encrypt(email, EmailContext(tenant.id))}, owner_name,
                                        RoleName(Role::kOwner), hash, now.micros()}));
        return OkStatus();
    });
    if (status.code() == ErrorCode::kAlreadyExists) {
        return AlreadyExists("a merchant with this name already exists", "name");
    }
    YT_TRY(status);
    return tenant;
}

Result<std::vector<Tenant>> StaffService::ListTenants() {
    std::vector<Tenant> out;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectTenants));
        for (const auto& row : rows) out.push_back(TenantFromRow(row));
        return OkStatus();
    }));
    return out;
}

Result<Tenant> StaffService::UpdateTenant(TenantId tenant, const TenantUpdate& update, const Actor& actor) {
    if (update.name && (update.name->empty() || CodePoints(*update.name) > 100)) {
        return InvalidArgument("merchant name must have 1 to 100 characters", "name");
    }
    if (update.time_zone) YT_TRY(TimeZone::Load(*update.time_zone));
    Tenant result;
    Status status = db_.Write([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(kSelectTenantById, {tenant.value()}));
        if (!row) return NotFound("no such merchant");
        const Tenant before = TenantFromRow(*row);
        Tenant after = before;
        if (update.name) after.name = *update.name;
        if (update.time_zone) after.time_zone = *update.time_zone;
        result = after;
        if (after.name == before.name && after.time_zone == before.time_zone) return OkStatus();
        YT_TRY(s.Execute(kUpdateTenant, {tenant.value(), after.name, after.time_zone}));
        // Zone names are validated IANA names (letters, digits, '/', '_', '-', '+'): nothing to escape.
        std::string detail;
        if (after.name != before.name) detail += "\"name\":true";
        if (after.time_zone != before.time_zone) {
            if (!detail.empty()) detail += ",";
            detail += "\"time_zone\":{\"from\":\"" + before.time_zone + "\",\"to\":\"" + after.time_zone + "\"}";
        }
        return AppendAudit(s, tenant, actor, clock_.Now(),
                           {.action = "merchant.updated",
                            .target_type = "merchant",
                            .target_id = std::to_string(tenant.value()),
                            .detail = "{" + detail + "}"});
    });
    if (status.code() == ErrorCode::kAlreadyExists) {
        return AlreadyExists("a merchant with this name already exists", "name");
    }
    YT_TRY(status);
    return result;
}

Result<Tenant> StaffService::FindTenant(std::string_view id_or_name) {
    int64_t id = 0;
    const auto [end, ec] = std::from_chars(id_or_name.data(), id_or_name.data() + id_or_name.size(), id);
    const bool numeric = ec == std::errc() && end == id_or_name.data() + id_or_name.size();
    std::optional<Tenant> found;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(
            auto row, numeric ? s.QueryOne(kSelectTenantById, {id}) : s.QueryOne(kSelectTenantByName, {id_or_name}));
        if (row) found = TenantFromRow(*row);
        return OkStatus();
    }));
    if (!found) return NotFound("no merchant with that id or name");
    return *found;
}

namespace {
Result<StaffAccount> AccountFromRow(TenantId tenant, const store::Row& row, const KeyRing& keys,
                                    const std::string& context) {
    StaffAccount account;
    account.tenant = tenant;
    account.id = StaffId(row.Int(0));
    YT_ASSIGN_OR_RETURN(std::string email, keys.Decrypt(row.Text(1), context));
    account.email_masked = MaskEmail(email);
    account.display_name = row.Text(2);
    YT_ASSIGN_OR_RETURN(account.role, ParseRole(row.Text(3)));
    account.active = row.Text(4) == "active";
    account.created_at = Timestamp::FromMicros(row.Int(5));
    return account;
}
}  // namespace

Result<std::vector<StaffAccount>> StaffService::ListStaff(TenantId tenant) {
    std::vector<StaffAccount> out;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectStaff, {tenant.value()}));
        for (const auto& row : rows) {
            YT_ASSIGN_OR_RETURN(auto account, AccountFromRow(tenant, row, keys_, EmailContext(tenant)));
            out.push_back(std::move(account));
        }
        return OkStatus();
    }));
    return out;
}

Result<StaffAccount> StaffService::Authenticate(TenantId tenant, std::string_view email, std::string_view password) {
    const Status rejected = Unauthenticated("wrong email or password");
    auto normalized = NormalizeEmail(email);
    if (!normalized.ok()) return rejected;
    std::optional<store::Row> row;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(row,
                            s.QueryOne(kSelectStaffByEmail,
                                       {tenant.value(), store::Blob{keys_.BlindIndex("staff_email", *normalized)}}));
        return OkStatus();
    }));
    if (!row) {
        SpendPasswordCheck(password);
        return rejected;
    }
    if (row->Text(4) != "active" || !VerifyPassword(row->Text(6), password)) return rejected;
    return AccountFromRow(tenant, *row, keys_, EmailContext(tenant));
}

Result<StaffAccount> StaffService::GetAccount(TenantId tenant, StaffId staff) {
    std::optional<store::Row> row;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(row, s.QueryOne(kSelectStaffById, {tenant.value(), staff.value()}));
        return OkStatus();
    }));
    if (!row) return NotFound("no such staff account");
    return AccountFromRow(tenant, *row, keys_, EmailContext(tenant));
}

Result<std::vector<TenantId>> StaffService::LoginCandidates(std::string_view normalized_email) {
    std::vector<TenantId> out;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectLoginCandidates,
                                               {store::Blob{keys_.BlindIndex("staff_email", normalized_email)}}));
        for (const auto& row : rows) out.emplace_back(row.Int(0));
        return OkStatus();
    }));
    return out;
}

std::string StaffService::LoginKey(std::string_view normalized_email) const {
    return HexEncode(keys_.BlindIndex("staff_email", normalized_email));
}

void StaffService::SpendPasswordCheck(std::string_view password) {
    std::call_once(dummy_hash_once_,
                   [this] { dummy_hash_ = HashPassword(RandomToken(), settings_.password_hash).value_or(""); });
    (void)VerifyPassword(dummy_hash_, password);
}

namespace {
bool IsPrivileged(Role role) { return role == Role::kOwner || role == Role::kAdmin; }

Status CheckDisplayName(std::string_view name) {
    if (name.empty() || CodePoints(name) > 50) {
        return InvalidArgument("display name must have 1 to 50 characters", "display_name");
    }
    return OkStatus();
}
}  // namespace

Result<CreatedStaff> StaffService::CreateStaff(TenantId tenant, const NewStaff& request, Role actor_role,
                                               const Actor& actor) {
    if (IsPrivileged(request.role) && actor_role != Role::kOwner) {
        return PermissionDenied("only an owner may add owners or admins");
    }
    YT_ASSIGN_OR_RETURN(std::string email, NormalizeEmail(request.email));
    const std::string name = request.display_name.empty() ? email.substr(0, email.find('@')) : request.display_name;
    YT_TRY(CheckDisplayName(name));
    CreatedStaff created;
    std::string password = request.password;
    if (password.empty()) {
        password = RandomToken(12);
        created.generated_password = password;
    }
    YT_TRY(CheckPasswordRules(password));
    YT_ASSIGN_OR_RETURN(std::string hash, HashPassword(password, settings_.password_hash));
    const Timestamp now = clock_.Now();
    Status status = db_.Write([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(int64_t staff_id, store::NextId(s, tenant, "staff"));
        YT_TRY(s.Execute(kInsertStaff, {tenant.value(), staff_id, store::Blob{keys_.BlindIndex("staff_email", email)},
                                        store::Blob{keys_.Encrypt(email, EmailContext(tenant))}, name,
                                        RoleName(request.role), hash, now.micros()}));
        created.account = StaffAccount{tenant, StaffId(staff_id), MaskEmail(email), name, request.role, true, now};
        return AppendAudit(s, tenant, actor, now,
                           {.action = "staff.created",
                            .target_type = "staff",
                            .target_id = std::to_string(staff_id),
                            .detail = "{\"role\":\"" + std::string(RoleName(request.role)) + "\"}"});
    });
    if (status.code() == ErrorCode::kAlreadyExists) {
        return AlreadyExists("this merchant already has a staff member with this email", "email");
    }
    if (status.code() == ErrorCode::kFailedPrecondition) return NotFound("no such merchant");
    YT_TRY(status);
    return created;
}

Result<StaffAccount> StaffService::UpdateStaff(TenantId tenant, StaffId staff, const StaffUpdate& update,
                                               Role actor_role, const Actor& actor) {
    if (update.display_name) YT_TRY(CheckDisplayName(*update.display_name));
    const Timestamp now = clock_.Now();
    StaffAccount result;
    YT_TRY(db_.Write([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(kSelectStaffById, {tenant.value(), staff.value()}));
        if (!row) return NotFound("no such staff account");
        YT_ASSIGN_OR_RETURN(StaffAccount before, AccountFromRow(tenant, *row, keys_, EmailContext(tenant)));
        StaffAccount after = before;
        if (update.role) after.role = *update.role;
        if (update.display_name) after.display_name = *update.display_name;
        if (update.active) after.active = *update.active;
        if ((IsPrivileged(before.role) || IsPrivileged(after.role)) && after.role != before.role &&
            actor_role != Role::kOwner) {
            return PermissionDenied("only an owner may change owners and admins");
        }
        if (IsPrivileged(before.role) && actor_role != Role::kOwner && after.active != before.active) {
            return PermissionDenied("only an owner may change owners and admins");
        }
        const bool loses_owner =
            before.role == Role::kOwner && before.active && (after.role != Role::kOwner || !after.active);
        if (loses_owner) {
            // Serialised by the write transaction on SQLite; on PostgreSQL two concurrent
            // demotions could each see the other owner — acceptable for an interactive action,
            // and noted in docs/security.md.
            YT_ASSIGN_OR_RETURN(auto owners, s.QueryOne(kCountActiveOwners, {tenant.value()}));
            if (owners->Int(0) <= 1) return FailedPrecondition("a merchant must keep at least one active owner");
        }
        YT_TRY(s.Execute(kUpdateStaff, {tenant.value(), staff.value(), RoleName(after.role), after.display_name,
                                        after.active ? "active" : "disabled"}));
        const std::string target = std::to_string(staff.value());
        if (after.role != before.role) {
            YT_TRY(AppendAudit(s, tenant, actor, now,
                               {.action = "staff.role_changed",
                                .target_type = "staff",
                                .target_id = target,
                                .detail = "{\"from\":\"" + std::string(RoleName(before.role)) + "\",\"to\":\"" +
                                          std::string(RoleName(after.role)) + "\"}"}));
        }
        if (after.active != before.active) {
            if (!after.active) YT_TRY(s.Execute(kRevokeStaffSessions, {tenant.value(), staff.value(), now.micros()}));
            YT_TRY(AppendAudit(s, tenant, actor, now,
                               {.action = after.active ? "staff.enabled" : "staff.disabled",
                                .target_type = "staff",
                                .target_id = target}));
        }
        if (after.display_name != before.display_name) {
            YT_TRY(AppendAudit(s, tenant, actor, now,
                               {.action = "staff.renamed", .target_type = "staff", .target_id = target}));
        }
        result = after;
        return OkStatus();
    }));
    return result;
}

Result<std::string> StaffService::RevealEmail(TenantId tenant, StaffId staff, const Actor& actor) {
    std::string email;
    YT_TRY(db_.Write([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(kSelectStaffById, {tenant.value(), staff.value()}));
        if (!row) return NotFound("no such staff account");
        YT_ASSIGN_OR_RETURN(email, keys_.Decrypt(row->Text(1), EmailContext(tenant)));
        return AppendAudit(s, tenant, actor, clock_.Now(),
                           {.action = "pii.viewed",
                            .target_type = "staff",
                            .target_id = std::to_string(staff.value()),
                            .detail = R"({"field":"email"})"});
    }));
    return email;
}

}  // namespace yutang::staff
