// Saved segments over HTTP: /api/v1/segments (list, create), /api/v1/segments/{segment_id}
// (get, change, delete), its members (cursor paging, masked identities), its history (sizes and
// entries/exits) and a CSV or XLSX export of its members (audited; segment_export.hpp). Reads
// need customers.read, changes segments.write, the export customers.export; guides see only their
// own customers among the members (docs/security.md).
#pragma once

#include "yutang/audience/segments.hpp"
#include "yutang/http/guard.hpp"
#include "yutang/http/router.hpp"

namespace yutang::http {

void AddSegmentRoutes(Router& router, const Guard& guard, audience::SegmentService* segments);

}  // namespace yutang::http
