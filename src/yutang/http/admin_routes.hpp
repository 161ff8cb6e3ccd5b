// The merchant's administration API: merchant settings, staff and roles, stores, API keys and the
// audit log.
//
//   PATCH     /api/v1/merchant              settings.write (name, time zone; audited)
//   GET/POST  /api/v1/staff                 staff.read / staff.write
//   GET/PATCH /api/v1/staff/{staff_id}      staff.read / staff.write
//   POST      /api/v1/staff/{staff_id}/reveal-email   staff.write (audited)
//   GET       /api/v1/roles                 staff.read
//   GET/POST  /api/v1/stores                stores.read / stores.write
//   GET/PATCH /api/v1/stores/{store_id}     stores.read / stores.write
//   GET/POST  /api/v1/api-keys              apikeys.read / apikeys.write
//   DELETE    /api/v1/api-keys/{key_id}     apikeys.write (revokes)
//   GET       /api/v1/audit-log             audit.read
//
//   AddAdminRoutes(router, guard, {.staff = &staff, .stores = &stores, .api_keys = &keys, .db = &db});
#pragma once

#include "yutang/http/guard.hpp"
#include "yutang/http/router.hpp"
#include "yutang/staff/api_keys.hpp"
#include "yutang/staff/staff.hpp"
#include "yutang/staff/stores.hpp"

namespace yutang::http {

struct AdminServices {
    staff::StaffService* staff = nullptr;
    staff::StoreService* stores = nullptr;
    staff::ApiKeyService* api_keys = nullptr;
    staff::AuditReader* audit = nullptr;
};

// Services may be null when only registering (OpenAPI and authorization tests).
void AddAdminRoutes(Router& router, const Guard& guard, const AdminServices& services);

}  // namespace yutang::http
