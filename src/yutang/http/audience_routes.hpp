// Audiences (圈人): counting who a rule holds while the operator writes it.
//
//   POST /api/v1/audience/preview   customers.read
//        {"rule": <the JSON form>} or {"text": "<the text form>"} (docs/design/rules.md)
//        → {"count", "sample": [customer ids], "took_ms", "as_of", "rule": <canonical JSON>,
//           "text": "<canonical text>"}
//
// A rule that does not parse is 400 with where ("offset", "line", "column" for text, "pointer"
// for JSON) and the message in English ("message") and Chinese ("message_zh"). Guides (导购)
// count only the customers they own. The count comes from the merchant's in-memory index, which
// is at most AudienceSettings::max_index_age old ("as_of" says when its data was read).
#pragma once

#include "yutang/audience/service.hpp"
#include "yutang/http/guard.hpp"
#include "yutang/http/router.hpp"

namespace yutang::http {

// `audiences` may be null when only registering.
void AddAudienceRoutes(Router& router, const Guard& guard, audience::AudienceService* audiences);

}  // namespace yutang::http
