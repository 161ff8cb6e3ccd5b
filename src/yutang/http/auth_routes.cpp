#include "yutang/http/auth_routes.hpp"

#include "yutang/http/errors.hpp"
#include "yutang/http/json_body.hpp"
#include "yutang/http/json_out.hpp"

namespace yutang::http {
namespace {

// Secure when the request came over HTTPS (a TLS-terminating proxy in front says so with
// X-Forwarded-Proto); the flag only makes the cookie stricter, so trusting the header is safe.
std::string SessionCookie(const Request& request, std::string_view value, int64_t max_age_seconds) {
    std::string cookie = "yt_session=" + std::string(value) + "; Path=/; Max-Age=" + std::to_string(max_age_seconds) +
                         "; HttpOnly; SameSite=Strict";
    if (auto proto = request.Header("X-Forwarded-Proto"); proto && EqualsIgnoreCase(*proto, "https")) {
        cookie += "; Secure";
    }
    return cookie;
}

Result<Response> Login(const AuthServices& services, Request& request) {
    JsonBody json;
    YT_TRY(json.Parse(request.body));
    YT_ASSIGN_OR_RETURN(std::string email, json.root().GetString("email"));
    YT_ASSIGN_OR_RETURN(std::string password, json.root().GetString("password"));
    YT_ASSIGN_OR_RETURN(std::optional<int64_t> merchant, json.root().GetOptionalInt("merchant_id"));
    std::optional<TenantId> tenant;
    if (merchant) tenant = TenantId(*merchant);
    YT_ASSIGN_OR_RETURN(staff::LoginResult login, services.sessions->Login(email, password, tenant,
                                                                           {.client_address = request.remote_address,
                                                                            .request_id = request.request_id}));
    Response response = JsonResponse({{"staff", StaffJson(login.account)},
                                      {"tenant", TenantJson(login.tenant)},
                                      {"permissions", PermissionsJson(staff::RolePermissions(login.account.role))},
                                      {"expires_at", login.expires_at.micros()}});
    const auto max_age =
        std::chrono::duration_cast<std::chrono::seconds>(services.sessions->settings().absolute_timeout);
    response.headers.emplace_back("Set-Cookie", SessionCookie(request, login.token, max_age.count()));
    return response;
}

Result<Response> Logout(const AuthServices& services, const Guard& guard, Request& request) {
    if (const auto credentials = FindCredentials(request);
        credentials && credentials->source != Credentials::Source::kBasic) {
        // Logging out is a state change too: a cookie-borne logout passes the CSRF checks.
        if (credentials->source == Credentials::Source::kCookie) {
            const auto who = guard.Authenticate(request);
            if (who.status().code() == ErrorCode::kPermissionDenied) return who.status();
        }
        YT_TRY(services.sessions->Logout(credentials->token));
    }
    Response response = NoContent();
    response.headers.emplace_back("Set-Cookie", SessionCookie(request, "", 0));
    return response;
}

Result<Response> Me(const AuthServices& services, Request&, const staff::Principal& principal) {
    YT_ASSIGN_OR_RETURN(staff::Tenant tenant, services.staff->FindTenant(std::to_string(principal.tenant.value())));
    if (principal.kind == staff::Principal::Kind::kApiKey) {
        return JsonResponse({{"api_key_id", principal.api_key_id},
                             {"tenant", TenantJson(tenant)},
                             {"permissions", PermissionsJson(principal.scopes)}});
    }
    YT_ASSIGN_OR_RETURN(staff::StaffAccount account, services.staff->GetAccount(principal.tenant, principal.staff));
    return JsonResponse({{"staff", StaffJson(account)},
                         {"tenant", TenantJson(tenant)},
                         {"permissions", PermissionsJson(staff::RolePermissions(account.role))}});
}

}  // namespace

void AddAuthRoutes(Router& router, const Guard& guard, const AuthServices& services) {
    router.Add({Method::kPost, "/api/v1/auth/login", "login", "public", "Log in with email and password"},
               ResultHandler([services](Request& r) { return Login(services, r); }));
    router.Add({Method::kPost, "/api/v1/auth/logout", "logout", "public", "End the current session"},
               ResultHandler([services, guard](Request& r) { return Logout(services, guard, r); }));
    AddGuardedRoute(router, guard,
                    {Method::kGet, "/api/v1/me", "getMe", "session", "The signed-in staff member (or API key)"},
                    [services](Request& r, const staff::Principal& p) { return Me(services, r, p); });
}

}  // namespace yutang::http
