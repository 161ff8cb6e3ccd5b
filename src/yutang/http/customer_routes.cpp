#include "yutang/http/customer_routes.hpp"

#include "yutang/base/time_zone.hpp"
#include "yutang/http/errors.hpp"
#include "yutang/http/json_body.hpp"
#include "yutang/http/json_out.hpp"
#include "yutang/http/params.hpp"

namespace yutang::http {
namespace {

using staff::Principal;

// Guides see only the customers they own (docs/security.md).
events::Viewer ViewerFor(const Principal& who) {
    if (who.kind == Principal::Kind::kStaff && who.role == staff::Role::kGuide) return {who.staff};
    return {};
}

Result<CustomerId> PathCustomer(const Request& request) {
    auto id = PathId(request, "customer_id");
    if (!id.ok()) return NotFound("no such customer");
    return CustomerId(*id);
}

boost::json::value OptionalMicros(const std::optional<Timestamp>& t) {
    if (!t) return nullptr;
    return t->micros();
}

boost::json::value OptionalStaffJson(const std::optional<StaffId>& id) {
    if (!id) return nullptr;
    return id->value();
}

boost::json::object IdentityJson(const events::IdentityView& identity) {
    boost::json::object out{{"kind", customers::IdentityKindName(identity.kind)},
                            {"hint", identity.hint},
                            {"source", identity.source},
                            {"created_at", identity.created_at.micros()}};
    if (!identity.value.empty()) out["value"] = identity.value;
    return out;
}

// An attribute value as JSON of its type; the text when masked or not parseable.
boost::json::value AttributeJsonValue(const customers::AttributeValue& value) {
    using customers::AttributeType;
    boost::system::error_code ec;
    switch (value.type) {
        case AttributeType::kNumber:
        case AttributeType::kBoolean:
        case AttributeType::kJson: {
            boost::json::value parsed = boost::json::parse(value.text, ec);
            if (!ec) return parsed;
            return boost::json::string(value.text);
        }
        default:
            return boost::json::string(value.text);
    }
}

boost::json::object AttributesJson(const std::vector<customers::Attribute>& attributes) {
    boost::json::object out;
    for (const auto& a : attributes) {
        out[a.name] = boost::json::object{{"type", customers::AttributeTypeName(a.value.type)},
                                          {"value", AttributeJsonValue(a.value)},
                                          {"source", a.source},
                                          {"updated_at", a.updated_at.micros()}};
    }
    return out;
}

boost::json::object TagJson(const customers::Tag& tag) {
    return {{"id", tag.id}, {"group_id", tag.group_id}, {"group", tag.group}, {"name", tag.name}};
}

boost::json::array CustomerTagsJson(const std::vector<customers::CustomerTag>& tags) {
    boost::json::array out;
    for (const auto& t : tags) {
        boost::json::object o = TagJson(t.tag);
        o["source"] = t.source;
        o["tagged_by"] = OptionalStaffJson(t.tagged_by);
        o["tagged_at"] = t.tagged_at.micros();
        out.push_back(std::move(o));
    }
    return out;
}

boost::json::object NoteJson(const customers::Note& note) {
    return {{"id", note.id},
            {"author_staff_id", OptionalStaffJson(note.author)},
            {"body", note.body},
            {"created_at", note.created_at.micros()}};
}

boost::json::object ConsentJson(const customers::ConsentRecord& c) {
    return {{"id", c.id},
            {"purpose", c.purpose},
            {"granted", c.granted},
            {"given_at", c.given_at.micros()},
            {"recorded_at", c.recorded_at.micros()},
            {"source", c.source},
            {"notice_version", c.notice_version},
            {"recorded_by", OptionalStaffJson(c.recorded_by)}};
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
                            {"first_order_at", OptionalMicros(traits->first_order_at)},
                            {"last_order_at", OptionalMicros(traits->last_order_at)},
                            {"platform_counts", std::move(platforms)},
                            {"lifecycle_stage", traits->lifecycle_stage},
                            {"rfm", nullptr}};
    if (traits->rfm) {
        out["rfm"] = boost::json::object{{"recency", traits->rfm->recency},
                                         {"frequency", traits->rfm->frequency},
                                         {"monetary", traits->rfm->monetary}};
    }
    return out;
}

// The last time the customer was seen: the latest event or order.
boost::json::value LastSeen(const std::optional<Timestamp>& seen, const std::optional<events::CustomerTraits>& traits) {
    std::optional<Timestamp> latest = seen;
    if (traits && traits->last_order_at && (!latest || *traits->last_order_at > *latest)) {
        latest = traits->last_order_at;
    }
    return OptionalMicros(latest);
}

std::string_view Lifecycle(const std::optional<events::CustomerTraits>& traits) {
    return traits ? std::string_view(traits->lifecycle_stage) : std::string_view("prospect");
}

Result<Response> List(const CustomerServices& s, Request& request, const Principal& who) {
    events::CustomerFilter filter;
    filter.query = request.QueryParam("q").value_or("");
    YT_ASSIGN_OR_RETURN(filter.tag_id, QueryInt(request, "tag_id"));
    YT_ASSIGN_OR_RETURN(filter.segment_id, QueryInt(request, "segment_id"));
    filter.platform = request.QueryParam("platform").value_or("");
    YT_ASSIGN_OR_RETURN(auto owner, QueryInt(request, "owner_staff_id"));
    if (owner) filter.owner = StaffId(*owner);
    filter.unowned = request.QueryParam("unowned").value_or("") == "true";
    filter.lifecycle_stage = request.QueryParam("lifecycle_stage").value_or("");
    filter.source_channel = request.QueryParam("source_channel").value_or("");
    YT_ASSIGN_OR_RETURN(auto before, QueryInt(request, "before"));
    filter.before = before.value_or(0);
    YT_ASSIGN_OR_RETURN(auto limit, QueryInt(request, "limit"));
    filter.limit = limit.value_or(50);
    YT_ASSIGN_OR_RETURN(events::CustomerPage page, s.records->List(who.tenant, filter, ViewerFor(who)));
    boost::json::array items;
    for (const auto& c : page.items) {
        boost::json::array identities, tags;
        for (const auto& identity : c.identities) identities.push_back(IdentityJson(identity));
        for (const auto& tag : c.tags) tags.push_back(TagJson(tag));
        items.push_back(boost::json::object{{"id", c.id.value()},
                                            {"name", c.name},
                                            {"identities", std::move(identities)},
                                            {"tags", std::move(tags)},
                                            {"traits", TraitsJson(c.traits)},
                                            {"lifecycle_stage", Lifecycle(c.traits)},
                                            {"owner_staff_id", OptionalStaffJson(c.owner)},
                                            {"source_channel", c.source_channel},
                                            {"last_seen_at", LastSeen(c.last_seen_at, c.traits)},
                                            {"created_at", c.created_at.micros()}});
    }
    return JsonResponse(
        {{"items", std::move(items)},
         {"total", page.total},
         {"next_before", page.next_before == 0 ? boost::json::value(nullptr) : boost::json::value(page.next_before)}});
}

Result<Response> ProfileResponse(const CustomerServices& s, TenantId tenant, CustomerId id, const Principal& who) {
    YT_ASSIGN_OR_RETURN(auto profile, s.records->Profile(tenant, id, ViewerFor(who)));
    boost::json::array identities, orders, events, merged, notes, consent, consent_log;
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
    for (const auto& n : profile.notes) notes.push_back(NoteJson(n));
    for (const auto& c : profile.consent) consent.push_back(ConsentJson(c));
    for (const auto& c : profile.consent_log) consent_log.push_back(ConsentJson(c));
    return JsonResponse({{"id", profile.id.value()},
                         {"merged_ids", std::move(merged)},
                         {"created_at", profile.created_at.micros()},
                         {"updated_at", profile.updated_at.micros()},
                         {"owner_staff_id", OptionalStaffJson(profile.owner)},
                         {"source_channel", profile.source_channel},
                         {"last_seen_at", LastSeen(profile.last_seen_at, profile.traits)},
                         {"lifecycle_stage", Lifecycle(profile.traits)},
                         {"identities", std::move(identities)},
                         {"attributes", AttributesJson(profile.attributes)},
                         {"tags", CustomerTagsJson(profile.tags)},
                         {"notes", std::move(notes)},
                         {"consent", std::move(consent)},
                         {"consent_log", std::move(consent_log)},
                         {"traits", TraitsJson(profile.traits)},
                         {"orders", std::move(orders)},
                         {"events", std::move(events)}});
}

Result<Response> Get(const CustomerServices& s, Request& request, const Principal& who) {
    YT_ASSIGN_OR_RETURN(CustomerId id, PathCustomer(request));
    return ProfileResponse(s, who.tenant, id, who);
}

// {"name": "王小明", "vip": true, "points": 120, "baby_birthday": "2025-06-01", "old": null}:
// strings that are dates become dates; null removes the attribute.
Result<std::vector<customers::AttributeInput>> ReadAttributes(const boost::json::object& body) {
    using customers::AttributeType;
    std::vector<customers::AttributeInput> out;
    const auto* found = body.if_contains("attributes");
    if (found == nullptr || found->is_null()) return out;
    if (!found->is_object()) return InvalidArgument("attributes must be an object", "attributes");
    for (const auto& [key, value] : found->as_object()) {
        const std::string name(key);
        YT_TRY(customers::ValidateAttributeName(name, "attributes." + name));
        customers::AttributeInput input{name, std::nullopt};
        if (value.is_string()) {
            input.value = customers::ClassifyString(std::string(value.as_string()));
        } else if (value.is_bool()) {
            input.value = customers::AttributeValue{AttributeType::kBoolean, value.as_bool() ? "true" : "false"};
        } else if (value.is_number()) {
            input.value = customers::AttributeValue{AttributeType::kNumber, boost::json::serialize(value)};
        } else if (!value.is_null()) {
            input.value = customers::AttributeValue{AttributeType::kJson, boost::json::serialize(value)};
        }
        out.push_back(std::move(input));
    }
    return out;
}

// PATCH (RFC 7396 style) {"attributes": {…}, "owner_staff_id": 12 | null}
Result<Response> Update(const CustomerServices& s, Request& request, const Principal& who) {
    YT_ASSIGN_OR_RETURN(CustomerId id, PathCustomer(request));
    YT_TRY(CheckJson(request.body));
    boost::system::error_code ec;
    const boost::json::value doc = boost::json::parse(request.body, ec);
    if (ec || !doc.is_object()) return InvalidArgument("request body must be a JSON object", "body");
    const boost::json::object& body = doc.as_object();
    events::CustomerUpdate update;
    YT_ASSIGN_OR_RETURN(update.attributes, ReadAttributes(body));
    if (const auto* owner = body.if_contains("owner_staff_id")) {
        if (owner->is_null()) {
            update.owner = std::optional<StaffId>();  // nobody
        } else if (owner->is_int64() && owner->as_int64() > 0) {
            update.owner = std::optional<StaffId>(StaffId(owner->as_int64()));
        } else {
            return InvalidArgument("owner_staff_id must be a staff id or null", "owner_staff_id");
        }
    }
    YT_TRY(s.editor->Update(who.tenant, id, update, ActorFor(who, request), ViewerFor(who)));
    return ProfileResponse(s, who.tenant, id, who);
}

Result<std::vector<int64_t>> ReadIds(JsonObject& body, std::string_view key) {
    std::vector<int64_t> out;
    YT_ASSIGN_OR_RETURN(auto found, body.Find(key));
    if (!found) return out;
    simdjson::ondemand::array array;
    if (found->get_array().get(array) != simdjson::SUCCESS) {
        return InvalidArgument("must be an array of tag ids", body.FieldName(key));
    }
    for (auto element : array) {
        int64_t id = 0;
        if (element.get_int64().get(id) != simdjson::SUCCESS) {
            return InvalidArgument("must be an array of tag ids", body.FieldName(key));
        }
        out.push_back(id);
    }
    return out;
}

// POST {"add": [tag ids], "remove": [tag ids]}
Result<Response> ChangeTags(const CustomerServices& s, Request& request, const Principal& who) {
    YT_ASSIGN_OR_RETURN(CustomerId id, PathCustomer(request));
    JsonBody json;
    YT_TRY(json.Parse(request.body));
    YT_ASSIGN_OR_RETURN(auto add, ReadIds(json.root(), "add"));
    YT_ASSIGN_OR_RETURN(auto remove, ReadIds(json.root(), "remove"));
    YT_ASSIGN_OR_RETURN(auto tags,
                        s.editor->ChangeTags(who.tenant, id, add, remove, ActorFor(who, request), ViewerFor(who)));
    return ItemsResponse(CustomerTagsJson(tags));
}

Result<Response> AddNote(const CustomerServices& s, Request& request, const Principal& who) {
    YT_ASSIGN_OR_RETURN(CustomerId id, PathCustomer(request));
    JsonBody json;
    YT_TRY(json.Parse(request.body));
    YT_ASSIGN_OR_RETURN(std::string body, json.root().GetString("body"));
    YT_ASSIGN_OR_RETURN(auto note, s.editor->AddNote(who.tenant, id, body, ActorFor(who, request), ViewerFor(who)));
    return JsonResponse(NoteJson(note), 201);
}

// POST {"purpose": "marketing.wecom", "granted": true, "given_at": "RFC 3339"?, "source"?,
// "notice_version"?}
Result<Response> RecordConsent(const CustomerServices& s, Request& request, const Principal& who) {
    YT_ASSIGN_OR_RETURN(CustomerId id, PathCustomer(request));
    JsonBody json;
    YT_TRY(json.Parse(request.body));
    customers::ConsentInput consent;
    YT_ASSIGN_OR_RETURN(consent.purpose, json.root().GetString("purpose"));
    YT_ASSIGN_OR_RETURN(consent.granted, json.root().GetBool("granted"));
    YT_ASSIGN_OR_RETURN(auto given_at, json.root().GetOptionalString("given_at"));
    if (given_at) {
        YT_ASSIGN_OR_RETURN(consent.given_at, ParseRfc3339(*given_at, "given_at"));
    }
    YT_ASSIGN_OR_RETURN(auto source, json.root().GetOptionalString("source"));
    YT_ASSIGN_OR_RETURN(auto notice, json.root().GetOptionalString("notice_version"));
    consent.source = source.value_or("");
    consent.notice_version = notice.value_or("");
    YT_ASSIGN_OR_RETURN(auto record, s.editor->RecordConsent(who.tenant, id, std::move(consent), ActorFor(who, request),
                                                             ViewerFor(who)));
    return JsonResponse(ConsentJson(record), 201);
}

Result<Response> Reveal(const CustomerServices& s, Request& request, const Principal& who) {
    YT_ASSIGN_OR_RETURN(CustomerId id, PathCustomer(request));
    YT_ASSIGN_OR_RETURN(auto revealed, s.records->Reveal(who.tenant, id, ActorFor(who, request), ViewerFor(who)));
    boost::json::array items;
    for (const auto& identity : revealed.identities) items.push_back(IdentityJson(identity));
    return JsonResponse({{"items", std::move(items)}, {"attributes", AttributesJson(revealed.attributes)}});
}

Result<Response> Export(const CustomerServices& s, Request& request, const Principal& who) {
    YT_ASSIGN_OR_RETURN(CustomerId id, PathCustomer(request));
    YT_ASSIGN_OR_RETURN(std::string document, s.records->Export(who.tenant, id, ActorFor(who, request)));
    Response response = Response::Json(std::move(document));
    response.headers.emplace_back("Content-Disposition",
                                  "attachment; filename=\"customer-" + std::to_string(id.value()) + ".json\"");
    return response;
}

Result<Response> Erase(const CustomerServices& s, Request& request, const Principal& who) {
    YT_ASSIGN_OR_RETURN(CustomerId id, PathCustomer(request));
    YT_TRY(s.records->Erase(who.tenant, id, ActorFor(who, request)));
    return NoContent();
}

// ---- the tag catalogue ------------------------------------------------------------------------

// Groups, each with its tags and how many customers hold each.
Result<Response> ListTags(const CustomerServices& s, Request&, const Principal& who) {
    YT_ASSIGN_OR_RETURN(auto groups, s.editor->TagGroups(who.tenant));
    YT_ASSIGN_OR_RETURN(auto tags, s.editor->Tags(who.tenant));
    boost::json::array items;
    for (const auto& g : groups) {
        boost::json::array group_tags;
        for (const auto& t : tags) {
            if (t.group_id == g.id) {
                group_tags.push_back(boost::json::object{{"id", t.id}, {"name", t.name}, {"customers", t.customers}});
            }
        }
        items.push_back(boost::json::object{
            {"id", g.id}, {"name", g.name}, {"exclusive", g.exclusive}, {"tags", std::move(group_tags)}});
    }
    return ItemsResponse(std::move(items));
}

Result<Response> CreateTagGroup(const CustomerServices& s, Request& request, const Principal& who) {
    JsonBody json;
    YT_TRY(json.Parse(request.body));
    YT_ASSIGN_OR_RETURN(std::string name, json.root().GetString("name"));
    YT_ASSIGN_OR_RETURN(auto exclusive, json.root().GetOptionalBool("exclusive"));
    YT_ASSIGN_OR_RETURN(auto group, s.editor->CreateTagGroup(who.tenant, name, exclusive.value_or(false)));
    return JsonResponse({{"id", group.id}, {"name", group.name}, {"exclusive", group.exclusive}}, 201);
}

// {"group_id": 3, "name": "母婴"}
Result<Response> CreateTag(const CustomerServices& s, Request& request, const Principal& who) {
    JsonBody json;
    YT_TRY(json.Parse(request.body));
    YT_ASSIGN_OR_RETURN(int64_t group_id, json.root().GetInt("group_id"));
    YT_ASSIGN_OR_RETURN(std::string name, json.root().GetString("name"));
    auto tag = s.editor->CreateTag(who.tenant, group_id, name);
    if (!tag.ok() && tag.status().code() == ErrorCode::kNotFound) {
        return InvalidArgument("no such tag group", "group_id");
    }
    YT_TRY(tag.status());
    return JsonResponse(TagJson(*tag), 201);
}

Result<Response> DeleteTag(const CustomerServices& s, Request& request, const Principal& who) {
    YT_ASSIGN_OR_RETURN(int64_t id, PathId(request, "tag_id"));
    YT_TRY(s.editor->DeleteTag(who.tenant, id));
    return NoContent();
}

}  // namespace

void AddCustomerRoutes(Router& router, const Guard& guard, const CustomerServices& services) {
    auto add = [&](RouteInfo info, Result<Response> (*fn)(const CustomerServices&, Request&, const Principal&)) {
        AddGuardedRoute(router, guard, std::move(info),
                        [services, fn](Request& r, const Principal& p) { return fn(services, r, p); });
    };
    add({Method::kGet, "/api/v1/customers", "listCustomers", "customers.read",
         "List and find customers (filters, cursor paging)"},
        List);
    add({Method::kGet, "/api/v1/customers/{customer_id}", "getCustomer", "customers.read", "A customer's profile"},
        Get);
    add({Method::kPatch, "/api/v1/customers/{customer_id}", "updateCustomer", "customers.write",
         "Change attributes and the owner guide"},
        Update);
    add({Method::kPost, "/api/v1/customers/{customer_id}/tags", "changeCustomerTags", "customers.write",
         "Add and remove tags"},
        ChangeTags);
    add({Method::kPost, "/api/v1/customers/{customer_id}/notes", "addCustomerNote", "customers.write", "Add a note"},
        AddNote);
    add({Method::kPost, "/api/v1/customers/{customer_id}/consent", "recordCustomerConsent", "customers.write",
         "Record a consent decision (audited)"},
        RecordConsent);
    add({Method::kPost, "/api/v1/customers/{customer_id}/reveal", "revealCustomer", "customers.read_pii",
         "Full identity values and personal attributes (audited)"},
        Reveal);
    add({Method::kPost, "/api/v1/customers/{customer_id}/export", "exportCustomer", "customers.export",
         "Everything held about the person (audited)"},
        Export);
    add({Method::kDelete, "/api/v1/customers/{customer_id}", "eraseCustomer", "customers.delete",
         "Erase the person's personal information (audited)"},
        Erase);
    add({Method::kGet, "/api/v1/tags", "listTags", "customers.read", "Tag groups with their tags and counts"},
        ListTags);
    add({Method::kPost, "/api/v1/tag-groups", "createTagGroup", "tags.write", "Create a tag group"}, CreateTagGroup);
    add({Method::kPost, "/api/v1/tags", "createTag", "tags.write", "Create a tag in a group"}, CreateTag);
    add({Method::kDelete, "/api/v1/tags/{tag_id}", "deleteTag", "tags.write",
         "Delete a tag (and remove it from every customer)"},
        DeleteTag);
}

}  // namespace yutang::http
