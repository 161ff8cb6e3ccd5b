#include "yutang/http/segment_routes.hpp"

#include "yutang/base/temp_file.hpp"
#include "yutang/http/audience_routes.hpp"
#include "yutang/http/errors.hpp"
#include "yutang/http/json_body.hpp"
#include "yutang/http/json_out.hpp"
#include "yutang/http/params.hpp"
#include "yutang/http/segment_export.hpp"

namespace yutang::http {
namespace {

using audience::SegmentService;
using staff::Principal;

// Guides see only the customers they own (docs/security.md).
std::optional<StaffId> OwnerFor(const Principal& who) {
    if (who.kind == Principal::Kind::kStaff && who.role == staff::Role::kGuide) return who.staff;
    return std::nullopt;
}

Status Available(SegmentService* segments) {
    if (segments == nullptr) return Unavailable("segments are not available");
    return OkStatus();
}

Result<audience::SegmentId> PathSegment(const Request& request) {
    auto id = PathId(request, "segment_id");
    if (!id.ok()) return NotFound("no such segment");
    return audience::SegmentId(*id);
}

boost::json::object SegmentJson(const audience::Segment& s, const Principal& who) {
    boost::json::object out{{"id", s.id.value()},
                            {"name", s.name},
                            {"rule", boost::json::parse(audience::ToJson(s.rule))},
                            {"text", audience::ToText(s.rule)},
                            {"created_at", s.created_at.micros()},
                            {"updated_at", s.updated_at.micros()}};
    // A guide is not told how many of the merchant's customers a segment holds.
    out["size"] = OwnerFor(who) ? boost::json::value(nullptr) : boost::json::value(s.size);
    out["created_by"] = s.created_by ? boost::json::value(s.created_by->value()) : boost::json::value(nullptr);
    out["evaluated_at"] = s.evaluated_at ? boost::json::value(s.evaluated_at->micros()) : boost::json::value(nullptr);
    return out;
}

// The rule of a request body: "rule" (JSON form) or "text" (text form), not both; nullopt when
// neither is there. A rule that does not parse is a located 400 (`error`).
struct BodyRule {
    std::optional<audience::Rule> rule;
    std::optional<Response> error;
};

Result<BodyRule> ReadRule(JsonObject& root, const Request& request) {
    BodyRule out;
    std::optional<audience::RuleResult> parsed;
    std::string_view field = "rule";
    YT_ASSIGN_OR_RETURN(auto rule_value, root.Find("rule"));
    if (rule_value) {
        YT_ASSIGN_OR_RETURN(std::string_view raw, RawJson(*rule_value, "rule"));
        parsed.emplace(audience::ParseRuleJson(raw));
    }
    YT_ASSIGN_OR_RETURN(auto text, root.GetOptionalString("text"));
    if (text) {
        if (parsed) return InvalidArgument("give either rule (JSON) or text, not both", "text");
        field = "text";
        parsed.emplace(audience::ParseRuleText(*text));
    }
    if (!parsed) return out;
    if (!parsed->ok()) {
        out.error = RuleErrorResponse(parsed->error(), field, request);
        return out;
    }
    out.rule = std::move(*parsed).value();
    return out;
}

Result<Response> List(SegmentService* segments, Request&, const Principal& who) {
    YT_TRY(Available(segments));
    YT_ASSIGN_OR_RETURN(auto list, segments->List(who.tenant));
    boost::json::array items;
    for (const auto& s : list) items.push_back(SegmentJson(s, who));
    return JsonResponse({{"items", std::move(items)}});
}

Result<Response> Create(SegmentService* segments, Request& request, const Principal& who) {
    YT_TRY(Available(segments));
    JsonBody json;
    YT_TRY(json.Parse(request.body));
    YT_ASSIGN_OR_RETURN(std::string name, json.root().GetString("name"));
    YT_ASSIGN_OR_RETURN(BodyRule body, ReadRule(json.root(), request));
    if (body.error) return std::move(*body.error);
    if (!body.rule) return InvalidArgument("rule (the JSON form) or text (the text form) is required", "rule");
    std::optional<StaffId> by;
    if (who.kind == Principal::Kind::kStaff) by = who.staff;
    YT_ASSIGN_OR_RETURN(audience::Segment created, segments->Create(who.tenant, name, *body.rule, by));
    return JsonResponse(SegmentJson(created, who), 201);
}

Result<Response> Get(SegmentService* segments, Request& request, const Principal& who) {
    YT_TRY(Available(segments));
    YT_ASSIGN_OR_RETURN(audience::SegmentId id, PathSegment(request));
    YT_ASSIGN_OR_RETURN(audience::Segment segment, segments->Get(who.tenant, id));
    return JsonResponse(SegmentJson(segment, who));
}

Result<Response> Update(SegmentService* segments, Request& request, const Principal& who) {
    YT_TRY(Available(segments));
    YT_ASSIGN_OR_RETURN(audience::SegmentId id, PathSegment(request));
    JsonBody json;
    YT_TRY(json.Parse(request.body));
    YT_ASSIGN_OR_RETURN(std::optional<std::string> name, json.root().GetOptionalString("name"));
    YT_ASSIGN_OR_RETURN(BodyRule body, ReadRule(json.root(), request));
    if (body.error) return std::move(*body.error);
    std::optional<std::string_view> new_name;
    if (name) new_name = *name;
    YT_ASSIGN_OR_RETURN(audience::Segment updated, segments->Update(who.tenant, id, new_name, body.rule));
    return JsonResponse(SegmentJson(updated, who));
}

Result<Response> Delete(SegmentService* segments, Request& request, const Principal& who) {
    YT_TRY(Available(segments));
    YT_ASSIGN_OR_RETURN(audience::SegmentId id, PathSegment(request));
    YT_TRY(segments->Delete(who.tenant, id));
    return NoContent();
}

Result<Response> Members(SegmentService* segments, Request& request, const Principal& who) {
    YT_TRY(Available(segments));
    YT_ASSIGN_OR_RETURN(audience::SegmentId id, PathSegment(request));
    YT_ASSIGN_OR_RETURN(auto before, QueryInt(request, "before"));
    YT_ASSIGN_OR_RETURN(auto limit, QueryInt(request, "limit"));
    std::optional<CustomerId> cursor;
    if (before) cursor = CustomerId(*before);
    YT_ASSIGN_OR_RETURN(audience::SegmentMembersPage page,
                        segments->Members(who.tenant, id, cursor, limit.value_or(50), OwnerFor(who)));
    boost::json::array items;
    for (const auto& m : page.members) {
        items.push_back({{"customer_id", m.customer.value()},
                         {"entered_at", m.entered_at.micros()},
                         {"identities", IdentityHintsJson(m)}});
    }
    return JsonResponse(
        {{"items", std::move(items)}, {"next_before", page.next ? boost::json::value(page.next->value()) : nullptr}});
}

Result<Response> History(SegmentService* segments, Request& request, const Principal& who) {
    YT_TRY(Available(segments));
    YT_ASSIGN_OR_RETURN(audience::SegmentId id, PathSegment(request));
    YT_ASSIGN_OR_RETURN(audience::SegmentHistory history, segments->History(who.tenant, id, OwnerFor(who)));
    boost::json::array sizes, changes;
    for (const auto& s : history.sizes) sizes.push_back({{"at", s.at.micros()}, {"size", s.size}});
    for (const auto& c : history.changes) {
        changes.push_back({{"id", c.change_id},
                           {"customer_id", c.customer.value()},
                           {"kind", c.entered ? "enter" : "exit"},
                           {"at", c.at.micros()}});
    }
    return JsonResponse({{"sizes", std::move(sizes)}, {"changes", std::move(changes)}});
}

Result<Response> Export(SegmentService* segments, Request& request, const Principal& who) {
    YT_TRY(Available(segments));
    YT_ASSIGN_OR_RETURN(audience::SegmentId id, PathSegment(request));
    YT_ASSIGN_OR_RETURN(SegmentExportFormat format,
                        ParseSegmentExportFormat(request.QueryParam("format").value_or("csv"), "format"));
    // Written to an anonymous temporary file and sent from there, so that neither the members nor
    // the body are held in memory.
    YT_ASSIGN_OR_RETURN(UniqueFile file, AnonymousTempFile("the export"));
    YT_TRY(WriteSegmentExport(*segments, who.tenant, id, OwnerFor(who), ActorFor(who, request), format, file.get())
               .status());
    Response response;
    response.content_type = SegmentExportContentType(format);
    response.body_file = std::move(file);
    response.headers.emplace_back("Content-Disposition",
                                  "attachment; filename=\"" + SegmentExportFilename(id, format) + "\"");
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
}

}  // namespace

void AddSegmentRoutes(Router& router, const Guard& guard, audience::SegmentService* segments) {
    auto add = [&](RouteInfo info, Result<Response> (*handler)(SegmentService*, Request&, const Principal&)) {
        AddGuardedRoute(router, guard, std::move(info),
                        [segments, handler](Request& r, const Principal& p) { return handler(segments, r, p); });
    };
    add({Method::kGet, "/api/v1/segments", "listSegments", "customers.read", "Saved segments with their sizes"}, List);
    add({Method::kPost, "/api/v1/segments", "createSegment", "segments.write",
         "Save a segment (rule in JSON or text form) and evaluate it"},
        Create);
    add({Method::kGet, "/api/v1/segments/{segment_id}", "getSegment", "customers.read", "One saved segment"}, Get);
    add({Method::kPatch, "/api/v1/segments/{segment_id}", "updateSegment", "segments.write",
         "Rename a segment or change its rule"},
        Update);
    add({Method::kGet, "/api/v1/segments/{segment_id}/members", "listSegmentMembers", "customers.read",
         "A segment's members, newest id first, identities masked"},
        Members);
    add({Method::kGet, "/api/v1/segments/{segment_id}/history", "getSegmentHistory", "customers.read",
         "A segment's size over time and its latest entries and exits"},
        History);
    add({Method::kGet, "/api/v1/segments/{segment_id}/export", "exportSegment", "customers.export",
         "A segment's members as CSV or XLSX, identities masked (audited)"},
        Export);
    // Last, so that a client (or the authorization test) walking the routes in order meets it last.
    add({Method::kDelete, "/api/v1/segments/{segment_id}", "deleteSegment", "segments.write",
         "Delete a segment (its id is never reused)"},
        Delete);
}

}  // namespace yutang::http
