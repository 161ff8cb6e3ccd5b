// The Segment-compatible tracking API: POST /v1/track|identify|alias|group|page|screen|batch.
//
// Any Segment or RudderStack SDK can send here: the merchant's write key goes as the Basic-auth
// user name (or as a Bearer token). Responses are {"success": true, …} with what was accepted,
// deduplicated and rejected; a rejected message is kept in failed_events with its reason.
//
//   AddTrackingRoutes(router, guard, &ingestor);
#pragma once

#include "yutang/events/ingest.hpp"
#include "yutang/http/guard.hpp"
#include "yutang/http/router.hpp"

namespace yutang::http {

// `ingestor` may be null when only registering (OpenAPI and authorization tests).
void AddTrackingRoutes(Router& router, const Guard& guard, events::Ingestor* ingestor);

}  // namespace yutang::http
