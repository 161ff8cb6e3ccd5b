#include "yutang/http/guard.hpp"

#include <cstdio>
#include <cstdlib>

#include "yutang/base/crypto.hpp"
#include "yutang/http/errors.hpp"

namespace yutang::http {
namespace {

constexpr std::string_view kSessionCookieName = "yt_session";

bool IsUnsafe(Method method) { return method != Method::kGet && method != Method::kHead && method != Method::kOptions; }

std::string_view Trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

// "https://shop.example.com:8443" → "shop.example.com:8443"
std::string_view OriginHost(std::string_view origin) {
    const size_t scheme = origin.find("://");
    if (scheme != std::string_view::npos) origin.remove_prefix(scheme + 3);
    return origin;
}

// A browser sends cookies with cross-site form posts, so a cookie alone does not prove that
// our console made an unsafe request. Two checks, either of which stops classic CSRF:
// - the console always sends X-Requested-With, which a cross-origin page cannot add without a
//   CORS preflight, and this server answers no preflight;
// - when the browser names the request's origin (Origin, or Sec-Fetch-Site), it must be ours.
// OWASP CSRF Prevention Cheat Sheet: "custom request headers" and "verifying origin".
Status CheckCsrf(const Request& request) {
    if (auto site = request.Header("Sec-Fetch-Site"); site && *site != "same-origin" && *site != "none") {
        return PermissionDenied("cross-site request refused");
    }
    if (auto origin = request.Header("Origin"); origin && *origin != "null") {
        const auto host = request.Header("Host");
        if (!host || OriginHost(*origin) != *host) return PermissionDenied("cross-origin request refused");
    }
    if (!request.Header("X-Requested-With")) {
        return PermissionDenied("missing X-Requested-With header (required with cookie sign-in)");
    }
    return OkStatus();
}

bool LooksLikeApiKey(std::string_view token) { return token.rfind("ytw_", 0) == 0 || token.rfind("yta_", 0) == 0; }

}  // namespace

Status CheckPermissionDeclaration(std::string_view permission) {
    if (permission == kPublic || permission == kAnySession) return OkStatus();
    return staff::ParsePermission(permission, "permission").status();
}

std::optional<Credentials> FindCredentials(const Request& request) {
    if (auto authorization = request.Header("Authorization")) {
        const std::string_view value = Trim(*authorization);
        if (value.size() > 7 && EqualsIgnoreCase(value.substr(0, 7), "Bearer ")) {
            return Credentials{Credentials::Source::kBearer, std::string(Trim(value.substr(7)))};
        }
        if (value.size() > 6 && EqualsIgnoreCase(value.substr(0, 6), "Basic ")) {
            // RFC 7617: base64(user-id ":" password); a write key is the user id, the password empty.
            auto decoded = Base64Decode(Trim(value.substr(6)));
            if (decoded.ok()) {
                return Credentials{Credentials::Source::kBasic, decoded->substr(0, decoded->find(':'))};
            }
            return Credentials{Credentials::Source::kBasic, ""};
        }
    }
    if (auto cookies = request.Header("Cookie")) {
        std::string_view rest = *cookies;
        while (!rest.empty()) {
            const size_t end = rest.find(';');
            const std::string_view pair = Trim(rest.substr(0, end));
            rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
            const size_t eq = pair.find('=');
            if (eq != std::string_view::npos && pair.substr(0, eq) == kSessionCookieName && eq + 1 < pair.size()) {
                return Credentials{Credentials::Source::kCookie, std::string(pair.substr(eq + 1))};
            }
        }
    }
    return std::nullopt;
}

Result<staff::Principal> Guard::Authenticate(const Request& request) const {
    const auto credentials = FindCredentials(request);
    if (!credentials || credentials->token.empty()) return Unauthenticated("sign in or send an API key");
    if (credentials->source == Credentials::Source::kCookie && IsUnsafe(request.method)) YT_TRY(CheckCsrf(request));
    if (LooksLikeApiKey(credentials->token) || credentials->source == Credentials::Source::kBasic) {
        if (api_keys_ == nullptr) return Unavailable("API keys are not available");
        return api_keys_->Authenticate(credentials->token);
    }
    if (sessions_ == nullptr) return Unavailable("sessions are not available");
    YT_ASSIGN_OR_RETURN(staff::StaffAccount account, sessions_->Resolve(credentials->token));
    return staff::Principal{
        .kind = staff::Principal::Kind::kStaff, .tenant = account.tenant, .staff = account.id, .role = account.role};
}

Result<staff::Principal> Guard::Authorize(const Request& request, std::string_view permission) const {
    YT_ASSIGN_OR_RETURN(staff::Principal principal, Authenticate(request));
    if (permission == kAnySession) return principal;
    YT_ASSIGN_OR_RETURN(staff::Permission needed, staff::ParsePermission(permission, "permission"));
    if (!principal.Has(needed)) {
        return PermissionDenied("your role does not allow this (needs " + std::string(permission) + ")");
    }
    return principal;
}

staff::Actor ActorFor(const staff::Principal& principal, const Request& request) {
    if (principal.kind == staff::Principal::Kind::kApiKey) {
        return staff::Actor::ApiKey(principal.api_key_id, request.request_id, request.remote_address);
    }
    return staff::Actor::Staff(principal.staff, request.request_id, request.remote_address);
}

void AddGuardedRoute(Router& router, const Guard& guard, RouteInfo info, GuardedHandler handler) {
    if (info.permission == kPublic || !CheckPermissionDeclaration(info.permission).ok()) {
        std::fprintf(stderr, "route %s declares an invalid permission '%s'\n", info.name.c_str(),
                     info.permission.c_str());
        std::abort();
    }
    const std::string permission = info.permission;
    Admission admission;
    if (info.spool_body || info.max_body_bytes > 0) {
        admission = [guard, permission](const Request& request) -> std::optional<Response> {
            const auto principal = guard.Authorize(request, permission);
            if (principal.ok()) return std::nullopt;
            return ErrorResponse(principal.status(), request.request_id);
        };
    }
    router.Add(std::move(info),
               ResultHandler([guard, permission, handler = std::move(handler)](Request& request) -> Result<Response> {
                   YT_ASSIGN_OR_RETURN(staff::Principal principal, guard.Authorize(request, permission));
                   return handler(request, principal);
               }),
               std::move(admission));
}

}  // namespace yutang::http
