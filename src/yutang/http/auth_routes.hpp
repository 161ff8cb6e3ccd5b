// Console sign-in: POST /api/v1/auth/login, POST /api/v1/auth/logout, GET /api/v1/me.
//
// The session token travels in the `yt_session` cookie (HttpOnly, SameSite=Strict, Path=/), or
// as `Authorization: Bearer <token>` for scripts.
//
//   AddAuthRoutes(router, {.staff = &staff, .sessions = &sessions});
#pragma once

#include <optional>
#include <string>

#include "yutang/http/message.hpp"
#include "yutang/http/router.hpp"
#include "yutang/staff/sessions.hpp"
#include "yutang/staff/staff.hpp"

namespace yutang::http {

inline constexpr std::string_view kSessionCookie = "yt_session";

struct AuthServices {
    staff::StaffService* staff = nullptr;
    staff::SessionService* sessions = nullptr;
};

// Registers the three routes. Services may be null when only registering (OpenAPI test).
void AddAuthRoutes(Router& router, const AuthServices& services);

// The session token of a request: the yt_session cookie, else a Bearer token; nullopt if none.
std::optional<std::string> SessionToken(const Request& request);

}  // namespace yutang::http
