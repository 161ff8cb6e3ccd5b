// Audiences (圈人): counting who a rule holds while the operator writes it.
//
//   POST /api/v1/audience/preview   customers.read
//        {"rule": <the JSON form>} or {"text": "<the text form>"} (docs/design/rules.md)
//        → {"count", "sample": [customer ids], "sample_members": [{customer_id, identities}],
//           "took_ms", "as_of", "index_built_at", "rule": <canonical JSON>, "text": "<canonical text>"}
//
// A rule that does not parse is 400 with where ("offset", "line", "column" for text, "pointer"
// for JSON) and the message in English ("message") and Chinese ("message_zh"). Guides (导购)
// count only the customers they own. The count comes from the merchant's in-memory index, caught
// up with every change committed before the request: "as_of" is when it caught up (the data is
// current as of then), "index_built_at" when the index itself was built.
#pragma once

#include <string_view>

#include "yutang/audience/rule.hpp"
#include "yutang/audience/segments.hpp"
#include "yutang/audience/service.hpp"
#include "yutang/http/guard.hpp"
#include "yutang/http/json_body.hpp"
#include "yutang/http/router.hpp"

namespace yutang::http {

// `audiences` may be null when only registering.
// POST /api/v1/audience/preview. With `segments`, segment conditions name saved segments;
// without, they are unknown segments.
void AddAudienceRoutes(Router& router, const Guard& guard, audience::AudienceService* audiences,
                       audience::SegmentService* segments = nullptr);

// Shared with the segment routes: the raw JSON text of a value as the client sent it (so the
// rule parser reports positions in what was written), and a 400 for a rule that does not parse,
// located in both languages.
Result<std::string_view> RawJson(simdjson::ondemand::value value, std::string_view field);
Response RuleErrorResponse(const audience::RuleError& error, std::string_view field, const Request& request);

}  // namespace yutang::http
