// The OpenAPI 3.0 document describing every route (src/yutang/http/openapi.json, embedded into
// the binary at build time), and the check that keeps it true to the Router.
//
//   Response r = Response::Json(std::string(OpenApiDocument()));
//   Status s = CheckOpenApiCoverage(router, OpenApiDocument());  // in tests
#pragma once

#include <string_view>

#include "yutang/base/status.hpp"
#include "yutang/http/router.hpp"

namespace yutang::http {

// The embedded openapi.json, byte for byte. Static storage; thread-safe.
std::string_view OpenApiDocument();

// Compares `router` with an OpenAPI document: every route (method + pattern) must be an
// operation in the document with operationId == RouteInfo::name, and every operation in the
// document must be a route. OK, or invalid_argument whose message lists every mismatch
// ("undocumented route GET /x (getX)", "documented but not routed: POST /y"); invalid_argument
// also when the document is not JSON or has no "paths" object.
Status CheckOpenApiCoverage(const Router& router, std::string_view document);

}  // namespace yutang::http
