// Console sign-in: POST /api/v1/auth/login, POST /api/v1/auth/logout, GET /api/v1/me.
//
// The session token travels in the `yt_session` cookie (HttpOnly, SameSite=Strict, Path=/), or
// as `Authorization: Bearer <token>` for scripts.
//
//   AddAuthRoutes(router, guard, {.staff = &staff, .sessions = &sessions});
#pragma once

#include "yutang/http/guard.hpp"
#include "yutang/http/router.hpp"
#include "yutang/staff/sessions.hpp"
#include "yutang/staff/staff.hpp"

namespace yutang::http {

struct AuthServices {
    staff::StaffService* staff = nullptr;
    staff::SessionService* sessions = nullptr;
};

// Registers the three routes. Services may be null when only registering (OpenAPI test).
void AddAuthRoutes(Router& router, const Guard& guard, const AuthServices& services);

}  // namespace yutang::http
