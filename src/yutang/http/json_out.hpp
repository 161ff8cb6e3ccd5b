// Building response bodies: the JSON shapes shared by several handlers.
#pragma once

#include <boost/json.hpp>

#include "yutang/audience/segments.hpp"
#include "yutang/http/message.hpp"
#include "yutang/staff/permissions.hpp"
#include "yutang/staff/staff.hpp"

namespace yutang::http {

boost::json::object StaffJson(const staff::StaffAccount& account);
boost::json::object TenantJson(const staff::Tenant& tenant);
boost::json::array PermissionsJson(std::span<const staff::Permission> permissions);
// [{"kind": "phone", "hint": "138****0000"}, …]: a segment member's masked identities.
boost::json::array IdentityHintsJson(const audience::SegmentMember& member);
// {"items": [...]} — the shape of every list small enough to return whole.
Response ItemsResponse(boost::json::array items, unsigned status = 200);
Response JsonResponse(const boost::json::object& body, unsigned status = 200);
Response NoContent();

}  // namespace yutang::http
