#include "yutang/http/import_routes.hpp"

#include <charconv>

#include "yutang/http/errors.hpp"
#include "yutang/http/json_out.hpp"

namespace yutang::http {
namespace {

using events::ImportId;
using events::ImportJob;
using events::ImportJobs;
using events::ImportStatus;

constexpr int kDefaultListLimit = 50;

// A malformed id and another merchant's id look the same: not found.
Result<ImportId> PathImport(const Request& request) {
    const std::string_view text = request.PathParam("import_id");
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value <= 0) return NotFound("no such import");
    return ImportId(value);
}

Result<int> QueryLimit(const Request& request) {
    const auto text = request.QueryParam("limit");
    if (!text) return kDefaultListLimit;
    int value = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || end != text->data() + text->size()) return InvalidArgument("must be an integer", "limit");
    return value;
}

boost::json::value OptionalMicros(const std::optional<Timestamp>& at) {
    if (!at) return nullptr;
    return at->micros();
}

std::string ImportPath(ImportId id) { return "/api/v1/imports/" + std::to_string(id.value()); }

// `detail`: with the first rejections (one job), or without (listings).
boost::json::object JobJson(const ImportJob& job, bool detail) {
    boost::json::object out{{"id", job.id.value()},
                            {"status", events::ImportStatusName(job.status)},
                            {"filename", job.filename},
                            {"platform", job.platform},
                            {"created_at", job.created_at.micros()},
                            {"started_at", OptionalMicros(job.started_at)},
                            {"finished_at", OptionalMicros(job.finished_at)},
                            {"progress",
                             {{"bytes_read", job.bytes_read},
                              {"bytes_total", job.bytes_total},
                              {"orders_read", job.orders_read},
                              {"rows_rejected", job.rows_rejected}}},
                            {"report", nullptr},
                            {"error", nullptr},
                            {"links", {{"self", ImportPath(job.id)}}}};
    const bool done = job.status == ImportStatus::kSucceeded || job.status == ImportStatus::kFailed;
    if (done) {
        // A failed job reports what the batches before the failure committed.
        boost::json::object report{{"platform", job.detected_platform},
                                   {"encoding", job.encoding},
                                   {"orders_read", job.orders_read},
                                   {"orders_created", job.orders_created},
                                   {"orders_updated", job.orders_updated},
                                   {"orders_unchanged", job.orders_unchanged},
                                   {"customers_created", job.customers_created},
                                   {"customers_matched", job.customers_matched},
                                   {"orders_unidentified", job.orders_unidentified},
                                   {"rows_rejected", job.rows_rejected}};
        if (detail) {
            boost::json::array rejections;
            for (const auto& r : job.first_rejections) {
                rejections.push_back(boost::json::object{{"line", r.line}, {"column", r.column}, {"reason", r.reason}});
            }
            report["rejections"] = std::move(rejections);
        }
        out["report"] = std::move(report);
    }
    if (job.status == ImportStatus::kSucceeded && job.rows_rejected > 0) {
        out["links"].as_object()["rejected"] = ImportPath(job.id) + "/rejected";
    }
    if (job.status == ImportStatus::kFailed) {
        boost::json::object error{{"code", ErrorCodeName(job.error.code())}, {"message", job.error.message()}};
        if (!job.error.field().empty()) error["field"] = job.error.field();
        out["error"] = std::move(error);
    }
    return out;
}

Status Available(const ImportJobs* jobs) {
    if (jobs == nullptr) return Unavailable("imports are not available");
    return OkStatus();
}

Result<Response> Create(ImportJobs* jobs, Request& request, const staff::Principal& who) {
    YT_TRY(Available(jobs));
    events::NewImport input;
    input.platform = request.QueryParam("platform").value_or("auto");
    input.mapping = request.QueryParam("mapping").value_or("");
    input.filename = request.QueryParam("filename").value_or("");
    if (auto key = request.Header("Idempotency-Key")) input.idempotency_key = std::string(*key);
    input.spooled_file = request.body_file;  // the server's spool file (taken over), or
    if (input.spooled_file.empty()) input.content = std::move(request.body);  // the body in memory
    YT_ASSIGN_OR_RETURN(events::SubmittedImport submitted,
                        jobs->Submit(who.tenant, std::move(input), ActorFor(who, request)));
    // 202 for a replay too (as the first answer was); Idempotent-Replayed tells them apart.
    Response response = JsonResponse(JobJson(submitted.job, false), 202);
    response.headers.emplace_back("Location", ImportPath(submitted.job.id));
    if (submitted.replayed) response.headers.emplace_back("Idempotent-Replayed", "true");
    return response;
}

Result<Response> List(ImportJobs* jobs, Request& request, const staff::Principal& who) {
    YT_TRY(Available(jobs));
    YT_ASSIGN_OR_RETURN(int limit, QueryLimit(request));
    YT_ASSIGN_OR_RETURN(auto found, jobs->List(who.tenant, limit));
    boost::json::array items;
    for (const ImportJob& job : found) items.push_back(JobJson(job, false));
    return ItemsResponse(std::move(items));
}

Result<Response> Get(ImportJobs* jobs, Request& request, const staff::Principal& who) {
    YT_TRY(Available(jobs));
    YT_ASSIGN_OR_RETURN(ImportId id, PathImport(request));
    YT_ASSIGN_OR_RETURN(ImportJob job, jobs->Get(who.tenant, id));
    return JsonResponse(JobJson(job, true));
}

Result<Response> Rejected(ImportJobs* jobs, Request& request, const staff::Principal& who) {
    YT_TRY(Available(jobs));
    YT_ASSIGN_OR_RETURN(ImportId id, PathImport(request));
    YT_ASSIGN_OR_RETURN(std::string csv, jobs->RejectedCsv(who.tenant, id, ActorFor(who, request)));
    Response response;
    response.content_type = "text/csv; charset=utf-8";
    response.body = std::move(csv);
    response.headers.emplace_back("Content-Disposition",
                                  "attachment; filename=\"import-" + std::to_string(id.value()) + "-rejected.csv\"");
    // Buyers' personal data: no cache may keep it (the server adds this only to JSON by itself).
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
}

}  // namespace

void AddImportRoutes(Router& router, const Guard& guard, const ImportRouteOptions& options) {
    ImportJobs* jobs = options.jobs;
    auto add = [&](RouteInfo info, Result<Response> (*fn)(ImportJobs*, Request&, const staff::Principal&)) {
        AddGuardedRoute(router, guard, std::move(info),
                        [jobs, fn](Request& r, const staff::Principal& p) { return fn(jobs, r, p); });
    };
    add({.method = Method::kPost,
         .pattern = "/api/v1/imports",
         .name = "createImport",
         .permission = "imports.write",
         .summary = "Import a platform's order export (the file as the body)",
         .max_body_bytes = options.max_file_bytes,
         .spool_body = true},
        Create);
    add({Method::kGet, "/api/v1/imports", "listImports", "customers.read", "The merchant's imports, newest first"},
        List);
    add({Method::kGet, "/api/v1/imports/{import_id}", "getImport", "customers.read",
         "An import's status, progress and report"},
        Get);
    add({Method::kGet, "/api/v1/imports/{import_id}/rejected", "getImportRejectedRows", "customers.export",
         "The rows an import rejected, as CSV (audited)"},
        Rejected);
}

}  // namespace yutang::http
