#include "yutang/http/errors.hpp"

#include "yutang/base/log.hpp"

namespace yutang::http {

// Keep in sync with ErrorCode in base/status.hpp (the switch has no default so that the compiler
// warns when a code is added) and with the Error schema in openapi.json.
unsigned HttpStatusFor(ErrorCode code) {
    switch (code) {
        case ErrorCode::kOk:
            return 200;
        case ErrorCode::kInvalidArgument:
            return 400;
        case ErrorCode::kUnauthenticated:
            return 401;
        case ErrorCode::kPermissionDenied:
            return 403;
        case ErrorCode::kNotFound:
            return 404;
        case ErrorCode::kAlreadyExists:
            return 409;
        // aborted: a concurrency conflict (optimistic lock lost, transaction retried out); the
        // client may retry the whole sequence. RFC 9110 §15.5.10 409 "a conflict with the current
        // state of the target resource".
        case ErrorCode::kAborted:
            return 409;
        // failed_precondition → 409, not 412 and not Google's 400. RFC 9110 §15.5.13 reserves 412
        // for "one or more conditions given in the request header fields" (If-Match,
        // If-Unmodified-Since) — a client that never sent a conditional header would be misled, and
        // caches/proxies treat 412 specially. 400 would tell the client its input is wrong, when
        // in fact the request is fine but the system is in the wrong state ("store still has
        // customers", "campaign already started"); RFC 9110's 409 text — "used in situations where
        // the user might be able to resolve the conflict and resubmit the request" — is exactly
        // that. Clients tell it apart from already_exists/aborted by the "code" in the body.
        case ErrorCode::kFailedPrecondition:
            return 409;
        // RFC 6585 §4: "The 429 status code indicates that the user has sent too many requests in
        // a given amount of time" — quotas and rate limits are our resource_exhausted.
        case ErrorCode::kResourceExhausted:
            return 429;
        case ErrorCode::kInternal:
            return 500;
        case ErrorCode::kUnavailable:
            return 503;
        case ErrorCode::kDeadlineExceeded:
            return 504;
    }
    return 500;
}

std::string ErrorJson(const Status& status) { return ErrorJson(status, ErrorDetails{}); }

std::string ErrorJson(const Status& status, const ErrorDetails& details) {
    std::string out;
    out.reserve(64 + status.message().size() + status.field().size());
    out += R"({"error":{"code":")";
    out += ErrorCodeName(status.code());
    out += R"(","message":")";
    AppendJsonEscaped(out, status.message());
    out += '"';
    if (!status.field().empty()) {
        out += R"(,"field":")";
        AppendJsonEscaped(out, status.field());
        out += '"';
    }
    if (!details.message_zh.empty()) {
        out += R"(,"message_zh":")";
        AppendJsonEscaped(out, details.message_zh);
        out += '"';
    }
    if (details.offset) out += R"(,"offset":)" + std::to_string(*details.offset);
    if (details.line > 0) out += R"(,"line":)" + std::to_string(details.line);
    if (details.column > 0) out += R"(,"column":)" + std::to_string(details.column);
    if (!details.pointer.empty()) {
        out += R"(,"pointer":")";
        AppendJsonEscaped(out, details.pointer);
        out += '"';
    }
    out += "}}";
    return out;
}

Response ErrorResponse(const Status& status, std::string_view request_id) {
    return ErrorResponse(status, request_id, ErrorDetails{});
}

Response ErrorResponse(const Status& status, std::string_view request_id, const ErrorDetails& details) {
    if (status.ok()) {
        return ErrorResponse(Internal("ErrorResponse called with an OK status"), request_id);
    }
    unsigned http_status = HttpStatusFor(status.code());
    // 4xx are the client's doing and frequent (bad input, expired sessions): warn. 5xx mean
    // something on our side needs attention: error.
    auto level = http_status >= 500 ? spdlog::level::err : spdlog::level::warn;
    if (spdlog::should_log(level)) {
        spdlog::log(level, "request {} failed: {}", request_id, status.ToString());
    }
    return Response::Json(ErrorJson(status, details), http_status);
}

}  // namespace yutang::http
