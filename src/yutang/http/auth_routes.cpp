#include "yutang/http/auth_routes.hpp"

#include <boost/json.hpp>

#include "yutang/http/errors.hpp"
#include "yutang/http/json_body.hpp"

namespace yutang::http {
namespace {

boost::json::object StaffJson(const staff::StaffAccount& account) {
    return {{"id", account.id.value()},
            {"email", account.email_masked},
            {"display_name", account.display_name},
            {"role", staff::RoleName(account.role)}};
}

boost::json::object TenantJson(const staff::Tenant& tenant) {
    return {{"id", tenant.id.value()},
            {"name", tenant.name},
            {"time_zone", tenant.time_zone},
            {"currency", tenant.currency}};
}

std::string SessionCookie(std::string_view value, int64_t max_age_seconds) {
    return std::string(kSessionCookie) + "=" + std::string(value) +
           "; Path=/; Max-Age=" + std::to_string(max_age_seconds) + "; HttpOnly; SameSite=Strict";
}

Result<Response> Login(const AuthServices& services, Request& request) {
    JsonBody json;
    YT_TRY(json.Parse(request.body));
    YT_ASSIGN_OR_RETURN(std::string email, json.root().GetString("email"));
    YT_ASSIGN_OR_RETURN(std::string password, json.root().GetString("password"));
    YT_ASSIGN_OR_RETURN(std::optional<int64_t> merchant, json.root().GetOptionalInt("merchant_id"));
    std::optional<TenantId> tenant;
    if (merchant) tenant = TenantId(*merchant);
    YT_ASSIGN_OR_RETURN(staff::LoginResult login, services.sessions->Login(email, password, tenant));
    const boost::json::object body{{"staff", StaffJson(login.account)},
                                   {"tenant", TenantJson(login.tenant)},
                                   {"expires_at", login.expires_at.micros()}};
    Response response = Response::Json(boost::json::serialize(body));
    const auto max_age =
        std::chrono::duration_cast<std::chrono::seconds>(services.sessions->settings().absolute_timeout);
    response.headers.emplace_back("Set-Cookie", SessionCookie(login.token, max_age.count()));
    return response;
}

Result<Response> Logout(const AuthServices& services, Request& request) {
    if (auto token = SessionToken(request)) YT_TRY(services.sessions->Logout(*token));
    Response response;
    response.status = 204;
    response.content_type.clear();
    response.headers.emplace_back("Set-Cookie", SessionCookie("", 0));
    return response;
}

Result<Response> Me(const AuthServices& services, Request& request) {
    const auto token = SessionToken(request);
    if (!token) return Unauthenticated("not logged in");
    YT_ASSIGN_OR_RETURN(staff::StaffAccount account, services.sessions->Resolve(*token));
    YT_ASSIGN_OR_RETURN(staff::Tenant tenant, services.staff->FindTenant(std::to_string(account.tenant.value())));
    const boost::json::object body{{"staff", StaffJson(account)}, {"tenant", TenantJson(tenant)}};
    return Response::Json(boost::json::serialize(body));
}

}  // namespace

std::optional<std::string> SessionToken(const Request& request) {
    if (auto cookies = request.Header("Cookie")) {
        std::string_view rest = *cookies;
        while (!rest.empty()) {
            const size_t end = rest.find(';');
            std::string_view pair = rest.substr(0, end);
            rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
            while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
            const size_t eq = pair.find('=');
            if (eq != std::string_view::npos && pair.substr(0, eq) == kSessionCookie && eq + 1 < pair.size()) {
                return std::string(pair.substr(eq + 1));
            }
        }
    }
    if (auto authorization = request.Header("Authorization")) {
        constexpr std::string_view kBearer = "Bearer ";
        if (authorization->size() > kBearer.size() &&
            EqualsIgnoreCase(authorization->substr(0, kBearer.size()), kBearer)) {
            return std::string(authorization->substr(kBearer.size()));
        }
    }
    return std::nullopt;
}

void AddAuthRoutes(Router& router, const AuthServices& services) {
    router.Add({Method::kPost, "/api/v1/auth/login", "login", "public", "Log in with email and password"},
               ResultHandler([services](Request& r) { return Login(services, r); }));
    router.Add({Method::kPost, "/api/v1/auth/logout", "logout", "public", "End the current session"},
               ResultHandler([services](Request& r) { return Logout(services, r); }));
    router.Add({Method::kGet, "/api/v1/me", "getMe", "session", "The signed-in staff member and merchant"},
               ResultHandler([services](Request& r) { return Me(services, r); }));
}

}  // namespace yutang::http
