#include "yutang/http/tracking_routes.hpp"

#include "yutang/http/errors.hpp"
#include "yutang/http/json_body.hpp"
#include "yutang/http/json_out.hpp"
#include "yutang/http/params.hpp"

namespace yutang::http {
namespace {

// Segment answers {"success": true}; the counts tell a careful sender what happened.
Response IngestResponse(const Result<events::IngestResult>& result, const std::string& request_id) {
    if (!result.ok()) return ErrorResponse(result.status(), request_id);
    boost::json::array rejected;
    for (const auto& r : result->rejected) {
        boost::json::object item{{"index", r.index}, {"reason", r.reason}};
        if (!r.field.empty()) item["field"] = r.field;
        rejected.push_back(std::move(item));
    }
    return JsonResponse({{"success", true},
                         {"accepted", result->accepted},
                         {"duplicates", result->duplicates},
                         {"rejected", std::move(rejected)}});
}

Result<Response> Ingest(events::Ingestor* ingestor, std::optional<events::MessageType> type, Request& request,
                        const staff::Principal& who) {
    // Syntax errors are reported with their byte offset before anything else happens; the
    // refusal is kept among the failed events like any other.
    if (Status syntax = CheckJson(request.body); !syntax.ok())
        return ingestor->KeepRefused(
            who.tenant, syntax, request.body,
            type ? events::Ingestor::RefusedBody::kMessage : events::Ingestor::RefusedBody::kBatch);
    if (!request.defer) {
        return IngestResponse(type ? ingestor->IngestSingle(who.tenant, *type, request.body)
                                   : ingestor->IngestBatch(who.tenant, request.body),
                              request.request_id);
    }
    // The thread goes on serving while the group commit makes the events durable: requests of
    // many senders then share a commit, however few the threads.
    auto done = [reply = request.defer(), request_id = request.request_id](Result<events::IngestResult> result) {
        reply(IngestResponse(result, request_id));
    };
    if (type) {
        ingestor->IngestSingleThen(who.tenant, *type, request.body, std::move(done));
    } else {
        ingestor->IngestBatchThen(who.tenant, request.body, std::move(done));
    }
    return Response::Deferred();
}

boost::json::object FailedEventJson(const events::FailedEvent& e) {
    return {{"id", e.id}, {"received_at", e.received_at.micros()}, {"reason", e.reason}, {"field", e.field}};
}

Result<Response> ListFailed(const events::FailedEvents& failed, Request& request, const staff::Principal& who) {
    events::FailedEventQuery query;
    YT_ASSIGN_OR_RETURN(query.before_id, QueryInt(request, "cursor"));
    YT_ASSIGN_OR_RETURN(auto limit, QueryInt(request, "limit"));
    if (limit) {
        if (*limit < 1 || *limit > 200) return InvalidArgument("limit must be 1 to 200", "limit");
        query.limit = static_cast<int>(*limit);
    }
    YT_ASSIGN_OR_RETURN(auto page, failed.List(who.tenant, query));
    boost::json::array items;
    for (const auto& e : page.items) items.push_back(FailedEventJson(e));
    boost::json::object body{{"items", std::move(items)}, {"next_cursor", nullptr}};
    if (page.next_before_id) body["next_cursor"] = std::to_string(*page.next_before_id);
    return JsonResponse(body);
}

Result<Response> SummarizeFailed(const events::FailedEvents& failed, Request& request, const staff::Principal& who) {
    YT_ASSIGN_OR_RETURN(auto days, QueryInt(request, "days"));
    if (days && (*days < 1 || *days > 31)) return InvalidArgument("days must be 1 to 31", "days");
    YT_ASSIGN_OR_RETURN(auto summary, failed.Summary(who.tenant, static_cast<int>(days.value_or(14))));
    boost::json::array by_day, reasons;
    for (const auto& d : summary.days) by_day.push_back({{"date", d.date}, {"count", d.count}});
    for (const auto& r : summary.reasons) {
        reasons.push_back(
            {{"reason", r.reason}, {"field", r.field}, {"count", r.count}, {"last_at", r.last_at.micros()}});
    }
    return JsonResponse({{"total", summary.total}, {"days", std::move(by_day)}, {"reasons", std::move(reasons)}});
}

Result<Response> GetFailed(const events::FailedEvents& failed, Request& request, const staff::Principal& who) {
    auto id = PathId(request, "failed_id");
    if (!id.ok()) return NotFound("no such failed event");
    YT_ASSIGN_OR_RETURN(events::FailedEvent e, failed.Get(who.tenant, *id, ActorFor(who, request)));
    boost::json::object body = FailedEventJson(e);
    body["payload"] = e.payload;
    // Someone's message: no cache may keep it.
    Response response = JsonResponse(body);
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
}

}  // namespace

void AddFailedEventRoutes(Router& router, const Guard& guard, events::FailedEvents* failed) {
    auto add = [&](RouteInfo info,
                   Result<Response> (*fn)(const events::FailedEvents&, Request&, const staff::Principal&)) {
        AddGuardedRoute(router, guard, std::move(info),
                        [failed, fn](Request& r, const staff::Principal& p) { return fn(*failed, r, p); });
    };
    add({Method::kGet, "/api/v1/failed-events", "listFailedEvents", "apikeys.read",
         "Tracking messages that were refused, newest first"},
        ListFailed);
    add({Method::kGet, "/api/v1/failed-events/summary", "getFailedEventSummary", "apikeys.read",
         "Refused tracking messages per day and per reason"},
        SummarizeFailed);
    add({Method::kGet, "/api/v1/failed-events/{failed_id}", "getFailedEvent", "customers.export",
         "One refused tracking message as it was sent (audited)"},
        GetFailed);
}

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
