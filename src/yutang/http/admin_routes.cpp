#include "yutang/http/admin_routes.hpp"

#include "yutang/http/errors.hpp"
#include "yutang/http/json_body.hpp"
#include "yutang/http/json_out.hpp"
#include "yutang/http/params.hpp"

namespace yutang::http {
namespace {

using staff::Principal;

Result<std::optional<staff::Role>> OptionalRole(JsonObject& body) {
    YT_ASSIGN_OR_RETURN(std::optional<std::string> name, body.GetOptionalString("role"));
    if (!name) return std::optional<staff::Role>();
    YT_ASSIGN_OR_RETURN(staff::Role role, staff::ParseRole(*name));
    return std::optional<staff::Role>(role);
}

// Only staff act with a role; an admin API key acts with the powers of an admin.
staff::Role ActingRole(const Principal& principal) {
    return principal.kind == Principal::Kind::kStaff ? principal.role : staff::Role::kAdmin;
}

// ---- staff and roles --------------------------------------------------------------------

Result<Response> ListStaff(const AdminServices& s, Request&, const Principal& who) {
    YT_ASSIGN_OR_RETURN(auto accounts, s.staff->ListStaff(who.tenant));
    boost::json::array items;
    for (const auto& account : accounts) items.push_back(StaffJson(account));
    return ItemsResponse(std::move(items));
}

Result<Response> CreateStaff(const AdminServices& s, Request& request, const Principal& who) {
    JsonBody json;
    YT_TRY(json.Parse(request.body));
    staff::NewStaff input;
    YT_ASSIGN_OR_RETURN(input.email, json.root().GetString("email"));
    YT_ASSIGN_OR_RETURN(auto name, json.root().GetOptionalString("display_name"));
    YT_ASSIGN_OR_RETURN(auto role, OptionalRole(json.root()));
    YT_ASSIGN_OR_RETURN(auto password, json.root().GetOptionalString("password"));
    input.display_name = name.value_or("");
    input.role = role.value_or(staff::Role::kGuide);
    input.password = password.value_or("");
    YT_ASSIGN_OR_RETURN(staff::CreatedStaff created,
                        s.staff->CreateStaff(who.tenant, input, ActingRole(who), ActorFor(who, request)));
    boost::json::object body{{"staff", StaffJson(created.account)}};
    // Shown once, to the inviter, who hands it over; never stored in clear.
    if (!created.generated_password.empty()) body["password"] = created.generated_password;
    return JsonResponse(body, 201);
}

Result<Response> GetStaff(const AdminServices& s, Request& request, const Principal& who) {
    YT_ASSIGN_OR_RETURN(int64_t id, PathId(request, "staff_id"));
    YT_ASSIGN_OR_RETURN(auto account, s.staff->GetAccount(who.tenant, StaffId(id)));
    return JsonResponse(StaffJson(account));
}

Result<Response> UpdateStaff(const AdminServices& s, Request& request, const Principal& who) {
    YT_ASSIGN_OR_RETURN(int64_t id, PathId(request, "staff_id"));
    JsonBody json;
    YT_TRY(json.Parse(request.body));
    staff::StaffUpdate update;
    YT_ASSIGN_OR_RETURN(update.role, OptionalRole(json.root()));
    YT_ASSIGN_OR_RETURN(update.display_name, json.root().GetOptionalString("display_name"));
    YT_ASSIGN_OR_RETURN(update.active, json.root().GetOptionalBool("active"));
    YT_ASSIGN_OR_RETURN(auto account,
                        s.staff->UpdateStaff(who.tenant, StaffId(id), update, ActingRole(who), ActorFor(who, request)));
    return JsonResponse(StaffJson(account));
}

Result<Response> RevealStaffEmail(const AdminServices& s, Request& request, const Principal& who) {
    YT_ASSIGN_OR_RETURN(int64_t id, PathId(request, "staff_id"));
    YT_ASSIGN_OR_RETURN(std::string email, s.staff->RevealEmail(who.tenant, StaffId(id), ActorFor(who, request)));
    Response response = JsonResponse({{"email", email}});
    return response;
}

Result<Response> ListRoles(Request&, const Principal&) {
    boost::json::array items;
    for (staff::Role role : staff::AllRoles()) {
        items.push_back(boost::json::object{{"role", staff::RoleName(role)},
                                            {"permissions", PermissionsJson(staff::RolePermissions(role))}});
    }
    return ItemsResponse(std::move(items));
}

// ---- stores -----------------------------------------------------------------------------

boost::json::object StoreJson(const staff::Store& store) {
    return {{"id", store.id.value()},
            {"name", store.name},
            {"code", store.code},
            {"city", store.city},
            {"address", store.address},
            {"active", store.active},
            {"created_at", store.created_at.micros()}};
}

Result<Response> ListStores(const AdminServices& s, Request&, const Principal& who) {
    YT_ASSIGN_OR_RETURN(auto stores, s.stores->List(who.tenant));
    boost::json::array items;
    for (const auto& store : stores) items.push_back(StoreJson(store));
    return ItemsResponse(std::move(items));
}

Result<Response> CreateStore(const AdminServices& s, Request& request, const Principal& who) {
    JsonBody json;
    YT_TRY(json.Parse(request.body));
    staff::StoreInput input;
    YT_ASSIGN_OR_RETURN(input.name, json.root().GetString("name"));
    YT_ASSIGN_OR_RETURN(input.code, json.root().GetString("code"));
    YT_ASSIGN_OR_RETURN(auto city, json.root().GetOptionalString("city"));
    YT_ASSIGN_OR_RETURN(auto address, json.root().GetOptionalString("address"));
    input.city = city.value_or("");
    input.address = address.value_or("");
    YT_ASSIGN_OR_RETURN(auto store, s.stores->Create(who.tenant, input, ActorFor(who, request)));
    return JsonResponse(StoreJson(store), 201);
}

Result<Response> GetStore(const AdminServices& s, Request& request, const Principal& who) {
    YT_ASSIGN_OR_RETURN(int64_t id, PathId(request, "store_id"));
    YT_ASSIGN_OR_RETURN(auto store, s.stores->Get(who.tenant, StoreId(id)));
    return JsonResponse(StoreJson(store));
}

Result<Response> UpdateStore(const AdminServices& s, Request& request, const Principal& who) {
    YT_ASSIGN_OR_RETURN(int64_t id, PathId(request, "store_id"));
    JsonBody json;
    YT_TRY(json.Parse(request.body));
    staff::StoreUpdate update;
    YT_ASSIGN_OR_RETURN(update.name, json.root().GetOptionalString("name"));
    YT_ASSIGN_OR_RETURN(update.city, json.root().GetOptionalString("city"));
    YT_ASSIGN_OR_RETURN(update.address, json.root().GetOptionalString("address"));
    YT_ASSIGN_OR_RETURN(update.active, json.root().GetOptionalBool("active"));
    YT_ASSIGN_OR_RETURN(auto store, s.stores->Update(who.tenant, StoreId(id), update, ActorFor(who, request)));
    return JsonResponse(StoreJson(store));
}

// ---- merchant settings ----------------------------------------------------------------------

Result<Response> UpdateMerchant(const AdminServices& s, Request& request, const Principal& who) {
    JsonBody json;
    YT_TRY(json.Parse(request.body));
    staff::TenantUpdate update;
    YT_ASSIGN_OR_RETURN(update.name, json.root().GetOptionalString("name"));
    YT_ASSIGN_OR_RETURN(update.time_zone, json.root().GetOptionalString("time_zone"));
    YT_ASSIGN_OR_RETURN(auto tenant, s.staff->UpdateTenant(who.tenant, update, ActorFor(who, request)));
    return JsonResponse(TenantJson(tenant));
}

// ---- API keys ---------------------------------------------------------------------------

boost::json::object ApiKeyJson(const staff::ApiKey& key) {
    boost::json::object out{{"id", key.id},
                            {"name", key.name},
                            {"kind", staff::ApiKeyKindName(key.kind)},
                            {"scopes", PermissionsJson(key.scopes)},
                            {"prefix", key.display_prefix},
                            {"created_by", key.created_by},
                            {"created_at", key.created_at.micros()},
                            {"last_used_at", nullptr},
                            {"revoked_at", nullptr}};
    if (key.last_used_at) out["last_used_at"] = key.last_used_at->micros();
    if (key.revoked_at) out["revoked_at"] = key.revoked_at->micros();
    return out;
}

Result<Response> ListApiKeys(const AdminServices& s, Request&, const Principal& who) {
    YT_ASSIGN_OR_RETURN(auto keys, s.api_keys->List(who.tenant));
    boost::json::array items;
    for (const auto& key : keys) items.push_back(ApiKeyJson(key));
    return ItemsResponse(std::move(items));
}

Result<Response> CreateApiKey(const AdminServices& s, Request& request, const Principal& who) {
    JsonBody json;
    YT_TRY(json.Parse(request.body));
    staff::NewApiKey input;
    YT_ASSIGN_OR_RETURN(input.name, json.root().GetString("name"));
    YT_ASSIGN_OR_RETURN(std::string kind, json.root().GetString("kind"));
    YT_ASSIGN_OR_RETURN(input.kind, staff::ParseApiKeyKind(kind));
    YT_ASSIGN_OR_RETURN(auto scopes, json.root().Find("scopes"));
    if (scopes) {
        simdjson::ondemand::array array;
        if (scopes->get_array().get(array) != simdjson::SUCCESS) {
            return InvalidArgument("must be an array of permission names", "scopes");
        }
        for (auto element : array) {
            std::string_view name;
            if (element.get_string().get(name) != simdjson::SUCCESS) {
                return InvalidArgument("must be an array of permission names", "scopes");
            }
            YT_ASSIGN_OR_RETURN(staff::Permission p, staff::ParsePermission(name, "scopes"));
            input.scopes.push_back(p);
        }
    }
    // No escalation through keys: an admin key holds only what its creator holds (a write key
    // holds events.write, which is for SDKs and granted by apikeys.write itself).
    if (input.kind == staff::ApiKeyKind::kAdmin) {
        for (staff::Permission p : input.scopes) {
            if (!who.Has(p)) {
                return Status(ErrorCode::kPermissionDenied, "a key cannot hold a permission its creator lacks",
                              "scopes");
            }
        }
    }
    YT_ASSIGN_OR_RETURN(auto created, s.api_keys->Create(who.tenant, input, ActorFor(who, request)));
    return JsonResponse({{"api_key", ApiKeyJson(created.key)}, {"token", created.token}}, 201);
}

Result<Response> RevokeApiKey(const AdminServices& s, Request& request, const Principal& who) {
    YT_ASSIGN_OR_RETURN(int64_t id, PathId(request, "key_id"));
    YT_TRY(s.api_keys->Revoke(who.tenant, id, ActorFor(who, request)));
    return NoContent();
}

// ---- audit log --------------------------------------------------------------------------

Result<Response> ListAuditLog(const AdminServices& s, Request& request, const Principal& who) {
    staff::AuditQuery query;
    query.action = request.QueryParam("action");
    query.actor_type = request.QueryParam("actor_type");
    YT_ASSIGN_OR_RETURN(query.actor_id, QueryInt(request, "actor_id"));
    YT_ASSIGN_OR_RETURN(auto from, QueryInt(request, "from"));
    YT_ASSIGN_OR_RETURN(auto to, QueryInt(request, "to"));
    if (from) query.from = Timestamp::FromMicros(*from);
    if (to) query.to = Timestamp::FromMicros(*to);
    YT_ASSIGN_OR_RETURN(query.before_id, QueryInt(request, "cursor"));
    YT_ASSIGN_OR_RETURN(auto limit, QueryInt(request, "limit"));
    if (limit) {
        if (*limit < 1 || *limit > 200) return InvalidArgument("limit must be 1 to 200", "limit");
        query.limit = static_cast<int>(*limit);
    }
    YT_ASSIGN_OR_RETURN(auto page, s.audit->List(who.tenant, query));
    boost::json::array items;
    for (const auto& e : page.entries) {
        boost::system::error_code ec;
        boost::json::value detail = boost::json::parse(e.detail, ec);
        if (ec) detail = boost::json::object();
        items.push_back(boost::json::object{{"id", e.id},
                                            {"at", e.at.micros()},
                                            {"actor_type", e.actor_type},
                                            {"actor_id", e.actor_id},
                                            {"action", e.action},
                                            {"target_type", e.target_type},
                                            {"target_id", e.target_id},
                                            {"request_id", e.request_id},
                                            {"client_address", e.client_address},
                                            {"detail", std::move(detail)}});
    }
    boost::json::object body{{"items", std::move(items)}, {"next_cursor", nullptr}};
    if (page.next_before_id) body["next_cursor"] = std::to_string(*page.next_before_id);
    return JsonResponse(body);
}

}  // namespace

void AddAdminRoutes(Router& router, const Guard& guard, const AdminServices& services) {
    auto add = [&](RouteInfo info, Result<Response> (*fn)(const AdminServices&, Request&, const Principal&)) {
        AddGuardedRoute(router, guard, std::move(info),
                        [services, fn](Request& r, const Principal& p) { return fn(services, r, p); });
    };
    add({Method::kGet, "/api/v1/staff", "listStaff", "staff.read", "List the merchant's staff"}, ListStaff);
    add({Method::kPost, "/api/v1/staff", "createStaff", "staff.write", "Add a staff member"}, CreateStaff);
    add({Method::kGet, "/api/v1/staff/{staff_id}", "getStaff", "staff.read", "One staff member"}, GetStaff);
    add({Method::kPatch, "/api/v1/staff/{staff_id}", "updateStaff", "staff.write",
         "Change a staff member's role, name or active state"},
        UpdateStaff);
    add({Method::kPost, "/api/v1/staff/{staff_id}/reveal-email", "revealStaffEmail", "staff.write",
         "Show a staff member's full email (audited)"},
        RevealStaffEmail);
    AddGuardedRoute(router, guard, {Method::kGet, "/api/v1/roles", "listRoles", "staff.read", "Roles and permissions"},
                    ListRoles);
    add({Method::kGet, "/api/v1/stores", "listStores", "stores.read", "List stores"}, ListStores);
    add({Method::kPost, "/api/v1/stores", "createStore", "stores.write", "Add a store"}, CreateStore);
    add({Method::kGet, "/api/v1/stores/{store_id}", "getStore", "stores.read", "One store"}, GetStore);
    add({Method::kPatch, "/api/v1/stores/{store_id}", "updateStore", "stores.write", "Change a store"}, UpdateStore);
    add({Method::kPatch, "/api/v1/merchant", "updateMerchant", "settings.write",
         "Rename the merchant or change its time zone (audited)"},
        UpdateMerchant);
    add({Method::kGet, "/api/v1/api-keys", "listApiKeys", "apikeys.read", "List API keys"}, ListApiKeys);
    add({Method::kPost, "/api/v1/api-keys", "createApiKey", "apikeys.write", "Create an API key (shown once)"},
        CreateApiKey);
    add({Method::kDelete, "/api/v1/api-keys/{key_id}", "revokeApiKey", "apikeys.write", "Revoke an API key"},
        RevokeApiKey);
    add({Method::kGet, "/api/v1/audit-log", "listAuditLog", "audit.read", "Page through the audit log"}, ListAuditLog);
}

}  // namespace yutang::http
