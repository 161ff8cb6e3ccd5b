// Who is asking, and may they: authentication, CSRF defence and permission checks for routes.
//
// Every route declares what it needs in RouteInfo::permission:
//   "public"   anyone (probes, login);
//   "session"  any signed-in staff member or API key;
//   a permission name ("staff.write", …, see staff/permissions.hpp) held by the caller's role
//              or by the key's scopes.
// Credentials: the yt_session cookie; `Authorization: Bearer <session token | API key>`; or
// `Authorization: Basic` with a write key as the user name (Segment SDKs send it so).
// The tenant of every request comes from these credentials, never from its body or path.
//
//   AddGuardedRoute(router, guard, {Method::kGet, "/api/v1/staff", "listStaff", "staff.read", "…"},
//                   [&](Request& request, const staff::Principal& who) -> Result<Response> { … });
#pragma once

#include <functional>
#include <optional>

#include "yutang/http/router.hpp"
#include "yutang/staff/api_keys.hpp"
#include "yutang/staff/audit.hpp"
#include "yutang/staff/permissions.hpp"
#include "yutang/staff/sessions.hpp"

namespace yutang::http {

inline constexpr std::string_view kPublic = "public";
inline constexpr std::string_view kAnySession = "session";

// Checks that a route's declared permission is "public", "session" or a known permission
// name. invalid_argument otherwise.
Status CheckPermissionDeclaration(std::string_view permission);

class Guard {
  public:
    // Either service may be null (registration only, e.g. for the OpenAPI test).
    Guard(staff::SessionService* sessions, staff::ApiKeyService* api_keys) : sessions_(sessions), api_keys_(api_keys) {}

    // The caller behind a request: unauthenticated when there are no credentials or they are
    // not valid (expired session, revoked key). Refuses cookie-authenticated unsafe requests
    // that fail the CSRF checks (permission_denied).
    Result<staff::Principal> Authenticate(const Request& request) const;
    // Authenticate, then check `permission` (see the header comment): permission_denied when
    // the caller lacks it.
    Result<staff::Principal> Authorize(const Request& request, std::string_view permission) const;

  private:
    staff::SessionService* sessions_;
    staff::ApiKeyService* api_keys_;
};

// The session token or API key a request carries, and how.
struct Credentials {
    enum class Source { kCookie, kBearer, kBasic };
    Source source;
    std::string token;
};
std::optional<Credentials> FindCredentials(const Request& request);

// The audit actor for a principal and request.
staff::Actor ActorFor(const staff::Principal& principal, const Request& request);

using GuardedHandler = std::function<Result<Response>(Request&, const staff::Principal&)>;

// Registers a route whose handler runs only for callers that pass Guard::Authorize with the
// route's declared permission. Routes with their own body limit or a spooled body are also
// checked before their body is read (an Admission), so that large uploads need credentials.
// Aborts (a programming error) if the declaration is not valid or is "public" (public routes
// use Router::Add).
void AddGuardedRoute(Router& router, const Guard& guard, RouteInfo info, GuardedHandler handler);

}  // namespace yutang::http
