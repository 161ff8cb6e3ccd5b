// Console sessions: log in with email and password, carry a token, log out.
//
// The token is "<tenant_id>.<secret>" with a 256-bit random secret; the store keeps only a
// hash of the secret. A session ends at logout (at once, server-side), after `idle_timeout`
// without requests, after `absolute_timeout` whatever the activity, or when its account is
// disabled.
//
//   SessionService sessions(db, staff, clock);
//   YT_ASSIGN_OR_RETURN(LoginResult login, sessions.Login("demo@yutang.local", password, std::nullopt));
//   YT_ASSIGN_OR_RETURN(StaffAccount me, sessions.Resolve(login.token));
//   YT_TRY(sessions.Logout(login.token));
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "yutang/staff/audit.hpp"
#include "yutang/staff/staff.hpp"
#include "yutang/staff/throttle.hpp"

namespace yutang::staff {

struct SessionSettings {
    std::chrono::seconds idle_timeout{std::chrono::hours(2)};
    std::chrono::seconds absolute_timeout{std::chrono::hours(12)};
    // last_seen_at is written at most this often per session, so reads stay reads.
    std::chrono::seconds touch_interval{std::chrono::seconds(60)};
    // Failed logins per account (email), and per client address (many accounts from one place).
    ThrottleSettings account_throttle{};
    ThrottleSettings address_throttle{.max_failures = 100};
};

// Where a login attempt comes from: for the throttle and the audit log.
struct LoginContext {
    std::string client_address;
    std::string request_id;
};

struct LoginResult {
    std::string token;  // secret: goes into the cookie, never into logs
    Tenant tenant;
    StaffAccount account;
    Timestamp expires_at;
};

// Thread-safe.
class SessionService {
  public:
    SessionService(store::Database& db, StaffService& staff, const Clock& clock, SessionSettings settings = {});

    // Checks the password and opens a session. Without `tenant`, the email is looked up across
    // merchants and the first active account (lowest merchant id) whose password matches wins.
    // unauthenticated ("wrong email or password") for any mismatch, with the same work done
    // whether or not the email exists; resource_exhausted while the account or the client
    // address is locked out by too many failures (nothing else happens then). Audits
    // auth.login, or auth.login_failed in each merchant where the email has an account.
    Result<LoginResult> Login(std::string_view email, std::string_view password, std::optional<TenantId> tenant,
                              const LoginContext& context = {});
    // The account behind a live session; unauthenticated if the token is malformed, unknown,
    // expired, logged out, or its account is disabled.
    Result<StaffAccount> Resolve(std::string_view token);
    // Ends the session at once. OK also for unknown tokens (logout is idempotent).
    Status Logout(std::string_view token);
    // Ends every session of an account (used when it is disabled).
    Status RevokeAll(TenantId tenant, StaffId staff);

    const SessionSettings& settings() const { return settings_; }

  private:
    Status RecordFailure(const std::vector<TenantId>& candidates, std::string_view email, const LoginContext& context);

    store::Database& db_;
    StaffService& staff_;
    const Clock& clock_;
    SessionSettings settings_;
    LoginThrottle account_throttle_;
    LoginThrottle address_throttle_;
};

}  // namespace yutang::staff
