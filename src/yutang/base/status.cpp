#include "yutang/base/status.hpp"

namespace yutang {

std::string_view ErrorCodeName(ErrorCode code) {
    switch (code) {
        case ErrorCode::kOk:
            return "ok";
        case ErrorCode::kInvalidArgument:
            return "invalid_argument";
        case ErrorCode::kNotFound:
            return "not_found";
        case ErrorCode::kAlreadyExists:
            return "already_exists";
        case ErrorCode::kFailedPrecondition:
            return "failed_precondition";
        case ErrorCode::kAborted:
            return "aborted";
        case ErrorCode::kPermissionDenied:
            return "permission_denied";
        case ErrorCode::kUnauthenticated:
            return "unauthenticated";
        case ErrorCode::kResourceExhausted:
            return "resource_exhausted";
        case ErrorCode::kUnavailable:
            return "unavailable";
        case ErrorCode::kDeadlineExceeded:
            return "deadline_exceeded";
        case ErrorCode::kInternal:
            return "internal";
    }
    return "internal";
}

Status::Status(ErrorCode code, std::string message, std::string field, std::string detail)
    : code_(code), message_(std::move(message)), field_(std::move(field)), detail_(std::move(detail)) {}

Status Status::WithDetail(std::string_view more) const {
    Status copy = *this;
    if (copy.detail_.empty()) {
        copy.detail_ = std::string(more);
    } else {
        copy.detail_ = std::string(more) + ": " + copy.detail_;
    }
    return copy;
}

std::string Status::ToString() const {
    if (ok()) return "ok";
    std::string out(ErrorCodeName(code_));
    out += ": ";
    out += message_;
    if (!field_.empty()) out += " [" + field_ + "]";
    if (!detail_.empty()) out += " (" + detail_ + ")";
    return out;
}

Status InvalidArgument(std::string message, std::string field) {
    return Status(ErrorCode::kInvalidArgument, std::move(message), std::move(field));
}
Status NotFound(std::string message) { return Status(ErrorCode::kNotFound, std::move(message)); }
Status AlreadyExists(std::string message, std::string field) {
    return Status(ErrorCode::kAlreadyExists, std::move(message), std::move(field));
}
Status FailedPrecondition(std::string message) { return Status(ErrorCode::kFailedPrecondition, std::move(message)); }
Status Aborted(std::string message) { return Status(ErrorCode::kAborted, std::move(message)); }
Status PermissionDenied(std::string message) { return Status(ErrorCode::kPermissionDenied, std::move(message)); }
Status Unauthenticated(std::string message) { return Status(ErrorCode::kUnauthenticated, std::move(message)); }
Status ResourceExhausted(std::string message) { return Status(ErrorCode::kResourceExhausted, std::move(message)); }
Status Unavailable(std::string message, std::string detail) {
    return Status(ErrorCode::kUnavailable, std::move(message), {}, std::move(detail));
}
Status DeadlineExceeded(std::string message) { return Status(ErrorCode::kDeadlineExceeded, std::move(message)); }
Status Internal(std::string detail) { return Status(ErrorCode::kInternal, "internal error", {}, std::move(detail)); }

}  // namespace yutang
