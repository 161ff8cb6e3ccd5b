#include "yutang/http/routes.hpp"

#include "yutang/http/admin_routes.hpp"
#include "yutang/http/audience_routes.hpp"
#include "yutang/http/auth_routes.hpp"
#include "yutang/http/customer_routes.hpp"
#include "yutang/http/errors.hpp"
#include "yutang/http/import_routes.hpp"
#include "yutang/http/insight_routes.hpp"
#include "yutang/http/openapi.hpp"
#include "yutang/http/segment_routes.hpp"
#include "yutang/http/tracking_routes.hpp"

namespace yutang::http {

void AddSystemRoutes(Router& router, SystemRouteOptions options) {
    // Liveness only: no dependency checks here, or a database hiccup would get the process
    // restarted by the orchestrator instead of merely taken out of rotation (that is /readyz).
    router.Add({Method::kGet, "/healthz", "getHealth", "public", "Liveness probe"},
               [](Request&) { return Response::Json(R"({"status":"ok"})"); });

    router.Add({Method::kGet, "/readyz", "getReadiness", "public", "Readiness probe"},
               [readiness = std::move(options.readiness)](Request& request) {
                   Status status = readiness ? readiness() : OkStatus();
                   if (status.ok()) return Response::Json(R"({"status":"ready"})");
                   // Whatever the cause's code, "not ready" is 503 so that load balancers act on it.
                   Response response = ErrorResponse(status, request.request_id);
                   response.status = 503;
                   return response;
               });

    router.Add({Method::kGet, "/metrics", "getMetrics", "public", "Prometheus metrics"},
               [metrics = options.metrics](Request& request) {
                   if (metrics == nullptr) {
                       return ErrorResponse(Unavailable("metrics are not enabled"), request.request_id);
                   }
                   Response response = Response::Text(metrics->Render());
                   response.content_type = std::string(Metrics::kContentType);
                   return response;
               });

    router.Add({Method::kGet, "/api/openapi.json", "getOpenApi", "public", "This API's OpenAPI 3 document"},
               [](Request&) { return Response::Json(std::string(OpenApiDocument())); });
}

void AddApiRoutes(Router& router, const ApiServices& services) {
    const Guard guard(services.sessions, services.api_keys);
    AddAuthRoutes(router, guard, {.staff = services.staff, .sessions = services.sessions});
    AddAdminRoutes(
        router, guard,
        {.staff = services.staff, .stores = services.stores, .api_keys = services.api_keys, .audit = services.audit});
    AddTrackingRoutes(router, guard, services.ingestor);
    AddFailedEventRoutes(router, guard, services.failed_events);
    AddCustomerRoutes(router, guard, {.records = services.customers, .editor = services.customer_editor});
    AddImportRoutes(router, guard, {.jobs = services.imports, .max_file_bytes = services.max_import_bytes});
    AddAudienceRoutes(router, guard, services.audiences, services.segments);
    AddSegmentRoutes(router, guard, services.segments);
    AddInsightRoutes(router, guard, services.overview);
}

}  // namespace yutang::http
