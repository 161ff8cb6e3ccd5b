#include "yutang/http/customer_routes.hpp"

#include <charconv>

#include "yutang/http/errors.hpp"
#include "yutang/http/json_out.hpp"

namespace yutang::http {
namespace {

Result<CustomerId> PathCustomer(const Request& request) {
    const std::string_view text = request.PathParam("customer_id");
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value <= 0) return NotFound("no such customer");
    return CustomerId(value);
}

boost::json::object IdentityJson(const events::IdentityView& identity) {
    boost::json::object out{{"kind", customers::IdentityKindName(identity.kind)},
                            {"hint", identity.hint},
                            {"source", identity.source},
                            {"created_at", identity.created_at.micros()}};
    if (!identity.value.empty()) out["value"] = identity.value;
    return out;
}

boost::json::value TraitsJson(const std::optional<events::CustomerTraits>& traits) {
    if (!traits) return nullptr;
    boost::system::error_code ec;
    boost::json::value platforms = boost::json::parse(traits->platform_counts, ec);
    if (ec) platforms = boost::json::object();
    boost::json::object out{{"order_count", traits->order_count},
                            {"total_spend_fen", traits->total_spend.fen()},
                            {"refunded_fen", traits->refunded.fen()},
                            {"average_order_value_fen", traits->average_order_value().fen()},
                            {"first_order_at", nullptr},
                            {"last_order_at", nullptr},
                            {"platform_counts", std::move(platforms)}};
    if (traits->first_order_at) out["first_order_at"] = traits->first_order_at->micros();
    if (traits->last_order_at) out["last_order_at"] = traits->last_order_at->micros();
    return out;
}

Result<Response> Search(events::CustomerRecords* records, Request& request, const staff::Principal& who) {
    const std::string query = request.QueryParam("q").value_or("");
    YT_ASSIGN_OR_RETURN(auto found, records->Search(who.tenant, query));
    boost::json::array items;
    for (CustomerId id : found) {
        YT_ASSIGN_OR_RETURN(auto profile, records->Profile(who.tenant, id));
        boost::json::array identities;
        for (const auto& identity : profile.identities) identities.push_back(IdentityJson(identity));
        items.push_back(boost::json::object{
            {"id", profile.id.value()}, {"identities", std::move(identities)}, {"traits", TraitsJson(profile.traits)}});
    }
    return ItemsResponse(std::move(items));
}

Result<Response> Get(events::CustomerRecords* records, Request& request, const staff::Principal& who) {
    YT_ASSIGN_OR_RETURN(CustomerId id, PathCustomer(request));
    YT_ASSIGN_OR_RETURN(auto profile, records->Profile(who.tenant, id));
    boost::json::array identities, orders, events, merged;
    for (const auto& identity : profile.identities) identities.push_back(IdentityJson(identity));
    for (const auto& o : profile.orders) {
        orders.push_back(boost::json::object{{"source", o.source},
                                             {"order_id", o.external_id},
                                             {"status", o.status},
                                             {"total_fen", o.total.fen()},
                                             {"paid_fen", o.paid.fen()},
                                             {"refunded_fen", o.refunded.fen()},
                                             {"ordered_at", o.ordered_at.micros()},
                                             {"buyer_hint", o.buyer_hint}});
    }
    for (const auto& e : profile.events) {
        events.push_back(
            boost::json::object{{"type", e.type}, {"name", e.name}, {"occurred_at", e.occurred_at.micros()}});
    }
    for (CustomerId m : profile.merged_ids) merged.push_back(m.value());
    return JsonResponse({{"id", profile.id.value()},
                         {"merged_ids", std::move(merged)},
                         {"created_at", profile.created_at.micros()},
                         {"updated_at", profile.updated_at.micros()},
                         {"identities", std::move(identities)},
                         {"traits", TraitsJson(profile.traits)},
                         {"orders", std::move(orders)},
                         {"events", std::move(events)}});
}

Result<Response> Reveal(events::CustomerRecords* records, Request& request, const staff::Principal& who) {
    YT_ASSIGN_OR_RETURN(CustomerId id, PathCustomer(request));
    YT_ASSIGN_OR_RETURN(auto identities, records->Reveal(who.tenant, id, ActorFor(who, request)));
    boost::json::array items;
    for (const auto& identity : identities) items.push_back(IdentityJson(identity));
    return ItemsResponse(std::move(items));
}

Result<Response> Export(events::CustomerRecords* records, Request& request, const staff::Principal& who) {
    YT_ASSIGN_OR_RETURN(CustomerId id, PathCustomer(request));
    YT_ASSIGN_OR_RETURN(std::string document, records->Export(who.tenant, id, ActorFor(who, request)));
    Response response = Response::Json(std::move(document));
    response.headers.emplace_back("Content-Disposition",
                                  "attachment; filename=\"customer-" + std::to_string(id.value()) + ".json\"");
    return response;
}

Result<Response> Erase(events::CustomerRecords* records, Request& request, const staff::Principal& who) {
    YT_ASSIGN_OR_RETURN(CustomerId id, PathCustomer(request));
    YT_TRY(records->Erase(who.tenant, id, ActorFor(who, request)));
    return NoContent();
}

}  // namespace

void AddCustomerRoutes(Router& router, const Guard& guard, events::CustomerRecords* records) {
    auto add = [&](RouteInfo info,
                   Result<Response> (*fn)(events::CustomerRecords*, Request&, const staff::Principal&)) {
        AddGuardedRoute(router, guard, std::move(info),
                        [records, fn](Request& r, const staff::Principal& p) { return fn(records, r, p); });
    };
    add({Method::kGet, "/api/v1/customers", "searchCustomers", "customers.read",
         "Find customers by phone, email or account id"},
        Search);
    add({Method::kGet, "/api/v1/customers/{customer_id}", "getCustomer", "customers.read", "A customer's profile"},
        Get);
    add({Method::kPost, "/api/v1/customers/{customer_id}/reveal", "revealCustomer", "customers.read_pii",
         "Full identity values (audited)"},
        Reveal);
    add({Method::kPost, "/api/v1/customers/{customer_id}/export", "exportCustomer", "customers.export",
         "Everything held about the person (audited)"},
        Export);
    add({Method::kDelete, "/api/v1/customers/{customer_id}", "eraseCustomer", "customers.delete",
         "Erase the person's personal information (audited)"},
        Erase);
}

}  // namespace yutang::http
