// The one table from Yutang's canonical error codes to HTTP statuses, and the error body
// every API error uses:
//
//   {"error":{"code":"invalid_argument","message":"email is required","field":"email"}}
//
// Handlers return ErrorResponse(status, request.request_id) for any non-OK Status:
//
//   Result<Staff> staff = service.Get(id);
//   if (!staff.ok()) return ErrorResponse(staff.status(), request.request_id);
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "yutang/base/status.hpp"
#include "yutang/http/message.hpp"

namespace yutang::http {

// The HTTP status for `code`. Total: every ErrorCode has a row (kOk → 200). Thread-safe.
unsigned HttpStatusFor(ErrorCode code);

// The JSON error document for `status` (no log detail, ever): code, message, and "field" only
// when the status names one. Exposed for tests and for callers that build bodies themselves.
std::string ErrorJson(const Status& status);

// More about an error in a request field that holds a small language (an audience rule): its
// message in Chinese, and where in the field the problem is — "offset" (bytes), "line" and
// "column" (1-based, characters) in a text, or "pointer" (RFC 6901) in JSON. Added to the "error"
// object after code, message and field; members left empty (0, "") are left out.
struct ErrorDetails {
    std::string message_zh;
    std::optional<size_t> offset;
    int line = 0;
    int column = 0;
    std::string pointer;
};
std::string ErrorJson(const Status& status, const ErrorDetails& details);

// A JSON error response with HttpStatusFor(status.code()). Logs status.detail() (the server-only
// part) with `request_id` at warn, or at error for 5xx, so that operators can find the cause from
// the X-Request-Id a client reports. Precondition: !status.ok() (an OK status gives a 500
// internal error, since returning "success" through the error path is a bug). Thread-safe.
Response ErrorResponse(const Status& status, std::string_view request_id = {});
// The same with details (see ErrorDetails).
Response ErrorResponse(const Status& status, std::string_view request_id, const ErrorDetails& details);

}  // namespace yutang::http
