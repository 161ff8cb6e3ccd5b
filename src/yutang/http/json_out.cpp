#include "yutang/http/json_out.hpp"

namespace yutang::http {

boost::json::object StaffJson(const staff::StaffAccount& account) {
    return {{"id", account.id.value()},
            {"email", account.email_masked},
            {"display_name", account.display_name},
            {"role", staff::RoleName(account.role)},
            {"active", account.active},
            {"created_at", account.created_at.micros()}};
}

boost::json::array IdentityHintsJson(const audience::SegmentMember& member) {
    boost::json::array out;
    for (const auto& identity : member.identities) out.push_back({{"kind", identity.kind}, {"hint", identity.hint}});
    return out;
}

boost::json::object TenantJson(const staff::Tenant& tenant) {
    return {{"id", tenant.id.value()},
            {"name", tenant.name},
            {"time_zone", tenant.time_zone},
            {"currency", tenant.currency}};
}

boost::json::array PermissionsJson(std::span<const staff::Permission> permissions) {
    boost::json::array out;
    for (staff::Permission p : permissions) out.emplace_back(staff::PermissionName(p));
    return out;
}

Response ItemsResponse(boost::json::array items, unsigned status) {
    return Response::Json(boost::json::serialize(boost::json::object{{"items", std::move(items)}}), status);
}

Response JsonResponse(const boost::json::object& body, unsigned status) {
    return Response::Json(boost::json::serialize(body), status);
}

Response NoContent() {
    Response response;
    response.status = 204;
    response.content_type.clear();
    return response;
}

}  // namespace yutang::http
