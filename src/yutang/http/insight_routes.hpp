// Reports for the console's dashboards.
//
//   GET /api/v1/overview?days=30   insight.read
//       → the pool, its growth and sales per merchant-local day (insight/overview.hpp)
#pragma once

#include "yutang/http/guard.hpp"
#include "yutang/http/router.hpp"
#include "yutang/insight/overview.hpp"

namespace yutang::http {

// `overview` may be null when only registering.
void AddInsightRoutes(Router& router, const Guard& guard, insight::OverviewReport* overview);

}  // namespace yutang::http
