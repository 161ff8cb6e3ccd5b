// Order-export imports (订单导入) over HTTP: upload a platform's export, poll the job, download
// the rejected rows.
//
//   POST /api/v1/imports?platform=…&filename=…&mapping=…   customers.write; the raw file as the
//        body (any Content-Type), spooled to disk; optional Idempotency-Key header → 202 + Location
//   GET  /api/v1/imports                              customers.read: the merchant's jobs, newest first
//   GET  /api/v1/imports/{import_id}                  customers.read: status, progress, report
//   GET  /api/v1/imports/{import_id}/rejected         customers.export: rejected rows as CSV (audited)
//
// platform is auto (recognised from the header), jd, taobao, douyin, pdd, youzan or mapped; mapped
// needs `mapping`, the column mapping as JSON (see imports::ParseColumnMapping), URL-encoded.
// Only the upload route takes large bodies (ImportRouteOptions::max_file_bytes, checked from
// Content-Length before reading, 413 beyond); its credentials are checked before the body is read.
#pragma once

#include <cstddef>

#include "yutang/events/import_jobs.hpp"
#include "yutang/http/guard.hpp"
#include "yutang/http/router.hpp"

namespace yutang::http {

inline constexpr size_t kDefaultMaxImportBytes = size_t{200} << 20;  // 200 MiB

struct ImportRouteOptions {
    events::ImportJobs* jobs = nullptr;  // null when only registering
    size_t max_file_bytes = kDefaultMaxImportBytes;
};

void AddImportRoutes(Router& router, const Guard& guard, const ImportRouteOptions& options);

}  // namespace yutang::http
