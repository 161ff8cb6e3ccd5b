#include "yutang/http/tracking_routes.hpp"

#include "yutang/http/errors.hpp"
#include "yutang/http/json_body.hpp"
#include "yutang/http/json_out.hpp"

namespace yutang::http {
namespace {

Result<Response> Ingest(events::Ingestor* ingestor, std::optional<events::MessageType> type, Request& request,
                        const staff::Principal& who) {
    // Syntax errors are reported with their byte offset before anything else happens; the
    // refusal is kept among the failed events like any other.
    if (Status syntax = CheckJson(request.body); !syntax.ok())
        return ingestor->KeepRefused(
            who.tenant, syntax, request.body,
            type ? events::Ingestor::RefusedBody::kMessage : events::Ingestor::RefusedBody::kBatch);
    YT_ASSIGN_OR_RETURN(events::IngestResult result, type ? ingestor->IngestSingle(who.tenant, *type, request.body)
                                                          : ingestor->IngestBatch(who.tenant, request.body));
    boost::json::array rejected;
    for (const auto& r : result.rejected) {
        boost::json::object item{{"index", r.index}, {"reason", r.reason}};
        if (!r.field.empty()) item["field"] = r.field;
        rejected.push_back(std::move(item));
    }
    // Segment answers {"success": true}; the counts tell a careful sender what happened.
    return JsonResponse({{"success", true},
                         {"accepted", result.accepted},
                         {"duplicates", result.duplicates},
                         {"rejected", std::move(rejected)}});
}

}  // namespace

void AddTrackingRoutes(Router& router, const Guard& guard, events::Ingestor* ingestor) {
    const std::pair<events::MessageType, const char*> singles[] = {
        {events::MessageType::kTrack, "track"}, {events::MessageType::kIdentify, "identify"},
        {events::MessageType::kAlias, "alias"}, {events::MessageType::kGroup, "group"},
        {events::MessageType::kPage, "page"},   {events::MessageType::kScreen, "screen"}};
    for (const auto& [type, name] : singles) {
        std::string operation = std::string("ingest") + static_cast<char>(name[0] - 'a' + 'A') + (name + 1);
        AddGuardedRoute(router, guard,
                        {Method::kPost, std::string("/v1/") + name, operation, "events.write",
                         std::string("Segment ") + name + " call"},
                        [ingestor, message_type = type](Request& r, const staff::Principal& p) {
                            return Ingest(ingestor, message_type, r, p);
                        });
    }
    AddGuardedRoute(router, guard,
                    {Method::kPost, "/v1/batch", "ingestBatch", "events.write", "Segment batch of messages"},
                    [ingestor](Request& r, const staff::Principal& p) { return Ingest(ingestor, std::nullopt, r, p); });
}

}  // namespace yutang::http
