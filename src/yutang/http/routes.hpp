// Route registration. Every route the server serves is added by one of the Add*Routes
// functions here, and openapi_test builds a Router with the same functions and checks it
// against openapi.json both ways — so a route added here without documenting it fails the
// build's tests.
//
//   Router router;
//   AddApiRoutes(router, services);                   // the app's /api/v1 and /v1 routes
//   auto server = Server::Create(settings, router, readiness);  // adds AddSystemRoutes itself
//
// Registration must not call into services (handlers capture them and call them only when a
// request comes), so the OpenAPI test can pass empty services.
#pragma once

#include <functional>

#include "yutang/audience/segments.hpp"
#include "yutang/audience/service.hpp"
#include "yutang/base/status.hpp"
#include "yutang/events/customer_edits.hpp"
#include "yutang/events/customer_records.hpp"
#include "yutang/events/failed_events.hpp"
#include "yutang/events/import_jobs.hpp"
#include "yutang/events/ingest.hpp"
#include "yutang/http/import_routes.hpp"
#include "yutang/http/metrics.hpp"
#include "yutang/http/router.hpp"
#include "yutang/insight/overview.hpp"
#include "yutang/staff/api_keys.hpp"
#include "yutang/staff/audit.hpp"
#include "yutang/staff/sessions.hpp"
#include "yutang/staff/staff.hpp"
#include "yutang/staff/stores.hpp"

namespace yutang::http {

struct SystemRouteOptions {
    // Called per GET /readyz: OK → 200 {"status":"ready"}; an error → 503 with the error JSON.
    // Empty means always ready.
    std::function<Status()> readiness;
    // Rendered by GET /metrics; null → /metrics answers 503 unavailable.
    Metrics* metrics = nullptr;
};

// GET /healthz (liveness: the process answers), GET /readyz, GET /metrics,
// GET /api/openapi.json. All "public". Server::Create calls this; aborts if already added.
void AddSystemRoutes(Router& router, SystemRouteOptions options);

// The services the API handlers call, owned by the app. Grows with each module
// (e.g. `staff::StaffService* staff = nullptr;`). Pointers may be null during registration-only
// use (the OpenAPI test).
struct ApiServices {
    staff::StaffService* staff = nullptr;
    staff::SessionService* sessions = nullptr;
    staff::StoreService* stores = nullptr;
    staff::ApiKeyService* api_keys = nullptr;
    staff::AuditReader* audit = nullptr;
    events::Ingestor* ingestor = nullptr;
    events::FailedEvents* failed_events = nullptr;
    events::CustomerRecords* customers = nullptr;
    events::CustomerEditor* customer_editor = nullptr;
    events::ImportJobs* imports = nullptr;
    audience::AudienceService* audiences = nullptr;
    audience::SegmentService* segments = nullptr;
    insight::OverviewReport* overview = nullptr;
    size_t max_import_bytes = kDefaultMaxImportBytes;  // the upload limit of POST /api/v1/imports
};

// All /api/v1 and /v1 routes. Later modules add their Register*Routes calls inside.
void AddApiRoutes(Router& router, const ApiServices& services);

}  // namespace yutang::http
