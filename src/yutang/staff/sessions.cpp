#include "yutang/staff/sessions.hpp"

#include <charconv>

#include "yutang/base/crypto.hpp"

namespace yutang::staff {
namespace {

constexpr std::string_view kInsertSession =
    "INSERT INTO staff_sessions (tenant_id, token_hash, staff_id, created_at, last_seen_at, expires_at) "
    "VALUES ($1, $2, $3, $4, $4, $5)";
constexpr std::string_view kSelectSession =
    "SELECT s.staff_id, s.last_seen_at, s.expires_at, s.revoked_at, a.status FROM staff_sessions s "
    "JOIN staff a ON a.tenant_id = s.tenant_id AND a.staff_id = s.staff_id "
    "WHERE s.tenant_id = $1 AND s.token_hash = $2";
constexpr std::string_view kTouchSession =
    "UPDATE staff_sessions SET last_seen_at = $3 WHERE tenant_id = $1 AND token_hash = $2";
constexpr std::string_view kRevokeSession =
    "UPDATE staff_sessions SET revoked_at = $3 WHERE tenant_id = $1 AND token_hash = $2 AND revoked_at IS NULL";
constexpr std::string_view kRevokeAll =
    "UPDATE staff_sessions SET revoked_at = $3 WHERE tenant_id = $1 AND staff_id = $2 AND revoked_at IS NULL";

struct ParsedToken {
    TenantId tenant;
    std::string secret_hash;
};

std::optional<ParsedToken> ParseToken(std::string_view token) {
    const size_t dot = token.find('.');
    if (dot == std::string_view::npos || dot == 0 || token.size() - dot - 1 != 43) return std::nullopt;
    int64_t tenant = 0;
    const auto [end, ec] = std::from_chars(token.data(), token.data() + dot, tenant);
    if (ec != std::errc() || end != token.data() + dot || tenant <= 0) return std::nullopt;
    return ParsedToken{TenantId(tenant), Blake2b256(token.substr(dot + 1))};
}

Status Rejected() { return Unauthenticated("not logged in or the session has ended"); }

}  // namespace

SessionService::SessionService(store::Database& db, StaffService& staff, const Clock& clock, SessionSettings settings)
    : db_(db),
      staff_(staff),
      clock_(clock),
      settings_(settings),
      account_throttle_(clock, settings.account_throttle),
      address_throttle_(clock, settings.address_throttle) {}

Status SessionService::RecordFailure(const std::vector<TenantId>& candidates, std::string_view email,
                                     const LoginContext& context) {
    if (candidates.empty()) return OkStatus();  // No merchant to file it under; counted by the throttle.
    const Actor actor{Actor::Kind::kAnonymous, 0, context.request_id, context.client_address};
    const Timestamp now = clock_.Now();
    return db_.Write([&](store::Session& s) -> Status {
        for (TenantId tenant : candidates) {
            YT_TRY(AppendAudit(
                s, tenant, actor, now,
                {.action = "auth.login_failed", .target_type = "staff_email", .target_id = MaskEmail(email)}));
        }
        return OkStatus();
    });
}

Result<LoginResult> SessionService::Login(std::string_view email, std::string_view password,
                                          std::optional<TenantId> tenant, const LoginContext& context) {
    const auto normalized = NormalizeEmail(email);
    const std::string account_key = "acct:" + (normalized.ok() ? staff_.LoginKey(*normalized) : std::string(email));
    const std::string address_key = "addr:" + context.client_address;
    if (!account_throttle_.Allowed(account_key) || !address_throttle_.Allowed(address_key)) {
        return ResourceExhausted("too many failed logins; try again later");
    }
    // Only merchants where the email has an account: a failure is filed under those, never
    // under a merchant id the caller made up.
    std::vector<TenantId> candidates;
    if (normalized.ok()) {
        YT_ASSIGN_OR_RETURN(candidates, staff_.LoginCandidates(*normalized));
    }
    if (tenant) std::erase_if(candidates, [&](TenantId t) { return t != *tenant; });
    if (candidates.empty()) staff_.SpendPasswordCheck(password);  // same cost as a real check: no timing oracle
    for (TenantId candidate : candidates) {
        auto account = staff_.Authenticate(candidate, email, password);
        if (account.status().code() == ErrorCode::kUnauthenticated) continue;
        YT_TRY(account);
        YT_ASSIGN_OR_RETURN(Tenant found, staff_.FindTenant(std::to_string(candidate.value())));
        const std::string secret = RandomToken();
        const Timestamp now = clock_.Now();
        LoginResult result{std::to_string(candidate.value()) + "." + secret, std::move(found), std::move(*account),
                           now + settings_.absolute_timeout};
        const Actor actor = Actor::Staff(result.account.id, context.request_id, context.client_address);
        YT_TRY(db_.Write([&](store::Session& s) -> Status {
            YT_TRY(s.Execute(kInsertSession, {candidate.value(), store::Blob{Blake2b256(secret)},
                                              result.account.id.value(), now.micros(), result.expires_at.micros()}));
            return AppendAudit(s, candidate, actor, now,
                               {.action = "auth.login",
                                .target_type = "staff",
                                .target_id = std::to_string(result.account.id.value())});
        }));
        account_throttle_.RecordSuccess(account_key);
        return result;
    }
    account_throttle_.RecordFailure(account_key);
    address_throttle_.RecordFailure(address_key);
    YT_TRY(RecordFailure(candidates, normalized.ok() ? *normalized : std::string(), context));
    return Unauthenticated("wrong email or password");
}

Result<StaffAccount> SessionService::Resolve(std::string_view token) {
    const auto parsed = ParseToken(token);
    if (!parsed) return Rejected();
    const Timestamp now = clock_.Now();
    std::optional<store::Row> row;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(row,
                            s.QueryOne(kSelectSession, {parsed->tenant.value(), store::Blob{parsed->secret_hash}}));
        return OkStatus();
    }));
    if (!row) return Rejected();
    const Timestamp last_seen = Timestamp::FromMicros(row->Int(1));
    const Timestamp expires = Timestamp::FromMicros(row->Int(2));
    if (!row->IsNull(3) || row->Text(4) != "active" || now >= expires || now - last_seen >= settings_.idle_timeout) {
        return Rejected();
    }
    if (now - last_seen >= settings_.touch_interval) {
        YT_TRY(db_.Write([&](store::Session& s) {
            return s.Execute(kTouchSession, {parsed->tenant.value(), store::Blob{parsed->secret_hash}, now.micros()})
                .status();
        }));
    }
    return staff_.GetAccount(parsed->tenant, StaffId(row->Int(0)));
}

Status SessionService::Logout(std::string_view token) {
    const auto parsed = ParseToken(token);
    if (!parsed) return OkStatus();
    return db_.Write([&](store::Session& s) {
        return s
            .Execute(kRevokeSession, {parsed->tenant.value(), store::Blob{parsed->secret_hash}, clock_.Now().micros()})
            .status();
    });
}

Status SessionService::RevokeAll(TenantId tenant, StaffId staff) {
    return db_.Write([&](store::Session& s) {
        return s.Execute(kRevokeAll, {tenant.value(), staff.value(), clock_.Now().micros()}).status();
    });
}

}  // namespace yutang::staff
