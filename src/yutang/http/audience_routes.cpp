#include "yutang/http/audience_routes.hpp"

#include "yutang/http/errors.hpp"
#include "yutang/http/json_body.hpp"
#include "yutang/http/json_out.hpp"

namespace yutang::http {

// The raw JSON text of a value, as sent (so that the rule parser sees duplicate keys and reports
// positions in what the client wrote).
Result<std::string_view> RawJson(simdjson::ondemand::value value, std::string_view field) {
    auto malformed = [&] { return InvalidArgument(std::string(field) + " is not valid JSON", std::string(field)); };
    simdjson::ondemand::json_type type;
    if (value.type().get(type) != simdjson::SUCCESS) return malformed();
    std::string_view raw;
    if (type == simdjson::ondemand::json_type::object) {
        simdjson::ondemand::object object;
        if (value.get_object().get(object) != simdjson::SUCCESS || object.raw_json().get(raw) != simdjson::SUCCESS) {
            return malformed();
        }
    } else if (type == simdjson::ondemand::json_type::array) {
        simdjson::ondemand::array array;
        if (value.get_array().get(array) != simdjson::SUCCESS || array.raw_json().get(raw) != simdjson::SUCCESS) {
            return malformed();
        }
    } else {
        raw = value.raw_json_token();
    }
    return raw;
}

// A rule that does not parse: 400 with where it went wrong and why, in both languages.
Response RuleErrorResponse(const audience::RuleError& error, std::string_view field, const Request& request) {
    const std::string where = error.where();
    ErrorDetails details{.message_zh = where + ": " + error.message_zh};
    if (error.line > 0) {
        details.offset = error.offset;
        details.line = error.line;
        details.column = error.column;
    } else {
        details.pointer = where;  // "/" for the whole rule
    }
    return ErrorResponse(InvalidArgument(where + ": " + error.message_en, std::string(field)), request.request_id,
                         details);
}

namespace {

Result<Response> Preview(audience::AudienceService* audiences, audience::SegmentService* segments, Request& request,
                         const staff::Principal& who) {
    JsonBody json;
    YT_TRY(json.Parse(request.body));
    YT_ASSIGN_OR_RETURN(auto rule_value, json.root().Find("rule"));
    std::optional<audience::RuleResult> parsed;
    std::string_view field = "rule";
    if (rule_value) {
        YT_ASSIGN_OR_RETURN(std::string_view raw, RawJson(*rule_value, "rule"));
        parsed.emplace(audience::ParseRuleJson(raw));
    }
    YT_ASSIGN_OR_RETURN(auto text, json.root().GetOptionalString("text"));
    if (text) {
        if (parsed) return InvalidArgument("give either rule (JSON) or text, not both", "text");
        field = "text";
        parsed.emplace(audience::ParseRuleText(*text));
    }
    if (!parsed) return InvalidArgument("rule (the JSON form) or text (the text form) is required", "rule");
    if (!parsed->ok()) return RuleErrorResponse(parsed->error(), field, request);
    const audience::Rule& rule = parsed->value();

    // Guides count only their own customers (docs/security.md).
    std::optional<StaffId> owner;
    if (who.kind == staff::Principal::Kind::kStaff && who.role == staff::Role::kGuide) owner = who.staff;
    // Segment conditions name saved segments when the segment service is there.
    YT_ASSIGN_OR_RETURN(audience::Evaluation result, segments ? segments->Count(who.tenant, rule, owner)
                                                              : audiences->Count(who.tenant, rule, owner));
    boost::json::array sample, sample_members;
    for (CustomerId id : result.sample) sample.push_back(id.value());
    // The sample with masked identities, so that the operator sees who the rule holds.
    if (segments) {
        YT_ASSIGN_OR_RETURN(auto described, segments->DescribeCustomers(who.tenant, result.sample));
        for (const auto& member : described) {
            sample_members.push_back(
                {{"customer_id", member.customer.value()}, {"identities", IdentityHintsJson(member)}});
        }
    }
    return JsonResponse({{"count", result.count},
                         {"sample", std::move(sample)},
                         {"sample_members", std::move(sample_members)},
                         {"took_ms", static_cast<double>(result.took.count()) / 1000.0},
                         {"as_of", result.as_of.micros()},
                         {"index_built_at", result.index_built_at.micros()},
                         {"rule", boost::json::parse(audience::ToJson(rule))},
                         {"text", audience::ToText(rule)}});
}

}  // namespace

void AddAudienceRoutes(Router& router, const Guard& guard, audience::AudienceService* audiences,
                       audience::SegmentService* segments) {
    AddGuardedRoute(
        router, guard,
        {Method::kPost, "/api/v1/audience/preview", "previewAudience", "customers.read",
         "Count the customers a rule holds, with a sample"},
        [audiences, segments](Request& r, const staff::Principal& p) { return Preview(audiences, segments, r, p); });
}

}  // namespace yutang::http
