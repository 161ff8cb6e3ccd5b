// The Segment-compatible tracking API: POST /v1/track|identify|alias|group|page|screen|batch.
//
// Any Segment or RudderStack SDK can send here: the merchant's write key goes as the Basic-auth
// user name (or as a Bearer token). Responses are {"success": true, …} with what was accepted,
// deduplicated and rejected; a rejected message is kept in failed_events with its reason.
//
// What was refused can be read back under /api/v1/failed-events: the list and a summary for
// those who manage the integration (apikeys.read), one message as sent for those who may
// export customers' data (customers.export; audited).
//
//   AddTrackingRoutes(router, guard, &ingestor);
//   AddFailedEventRoutes(router, guard, &failed_events);
#pragma once

#include "yutang/events/failed_events.hpp"
#include "yutang/events/ingest.hpp"
#include "yutang/http/guard.hpp"
#include "yutang/http/router.hpp"

namespace yutang::http {

// `ingestor` may be null when only registering (OpenAPI and authorization tests).
void AddTrackingRoutes(Router& router, const Guard& guard, events::Ingestor* ingestor);
// `failed` may be null when only registering.
void AddFailedEventRoutes(Router& router, const Guard& guard, events::FailedEvents* failed);

}  // namespace yutang::http
