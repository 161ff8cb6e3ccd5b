// Status and Result<T>: how Yutang reports recoverable errors.
//
// Every fallible function returns a Status (no value) or a Result<T> (a value or an error).
// An error carries a canonical code, a client-safe message (shown to API callers, never
// containing personal data or SQL), an optional field name the message is about, and a
// log-only detail that stays on the server.
//
//   Result<Fen> ParsePrice(std::string_view text) {
//       if (text.empty()) return InvalidArgument("price is empty", "price");
//       YT_ASSIGN_OR_RETURN(Fen fen, ParseYuan(text));
//       return fen;
//   }
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace yutang {

// The canonical error codes. Keep in sync with the HTTP status table in http/errors.cpp
// and with ErrorCodeName().
enum class ErrorCode {
    kOk = 0,
    kInvalidArgument,
    kNotFound,
    kAlreadyExists,
    kFailedPrecondition,
    kAborted,
    kPermissionDenied,
    kUnauthenticated,
    kResourceExhausted,
    kUnavailable,
    kDeadlineExceeded,
    kInternal,
};

// "invalid_argument", "not_found", … — the wire names used in API errors.
std::string_view ErrorCodeName(ErrorCode code);

class [[nodiscard]] Status {
  public:
    Status() = default;  // OK.
    Status(ErrorCode code, std::string message, std::string field = {}, std::string detail = {});

    bool ok() const { return code_ == ErrorCode::kOk; }
    ErrorCode code() const { return code_; }
    // Safe to show to the caller: no personal data, no SQL, no stack.
    const std::string& message() const { return message_; }
    // The request field (JSON path, CSV column, CLI flag) the error is about, or empty.
    const std::string& field() const { return field_; }
    // Server-side detail for the log only (driver messages, file paths, SQL state).
    const std::string& detail() const { return detail_; }

    // Returns a copy with log detail appended ("context: detail").
    Status WithDetail(std::string_view more) const;
    // "invalid_argument: message [field] (detail)" for logs and test failures.
    std::string ToString() const;

  private:
    ErrorCode code_ = ErrorCode::kOk;
    std::string message_;
    std::string field_;
    std::string detail_;
};

inline Status OkStatus() { return Status(); }
Status InvalidArgument(std::string message, std::string field = {});
Status NotFound(std::string message);
Status AlreadyExists(std::string message, std::string field = {});
Status FailedPrecondition(std::string message);
Status Aborted(std::string message);
Status PermissionDenied(std::string message);
Status Unauthenticated(std::string message);
Status ResourceExhausted(std::string message);
Status Unavailable(std::string message, std::string detail = {});
Status DeadlineExceeded(std::string message);
// The message shown to clients for internal errors is always generic; `detail` goes to the log.
Status Internal(std::string detail);

// A value of type T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
  public:
    Result(T value) : state_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
    Result(Status status) : state_(std::move(status)) {  // NOLINT(google-explicit-constructor)
        if (std::get<Status>(state_).ok())
            state_ = Status(ErrorCode::kInternal, "internal error", {}, "OK status used as an error");
    }

    bool ok() const { return std::holds_alternative<T>(state_); }
    // OK when a value is held.
    Status status() const { return ok() ? Status() : std::get<Status>(state_); }

    // Precondition: ok().
    T& value() & { return std::get<T>(state_); }
    const T& value() const& { return std::get<T>(state_); }
    T&& value() && { return std::get<T>(std::move(state_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    T value_or(T fallback) const& { return ok() ? std::get<T>(state_) : std::move(fallback); }

  private:
    std::variant<T, Status> state_;
};

namespace internal {
inline Status AsStatus(Status s) { return s; }
template <typename T>
Status AsStatus(const Result<T>& r) {
    return r.status();
}
}  // namespace internal

}  // namespace yutang

#define YT_CONCAT_INNER(a, b) a##b
#define YT_CONCAT(a, b) YT_CONCAT_INNER(a, b)

// Returns the error from the enclosing function when `expr` (a Status or Result) is not OK.
#define YT_TRY(expr) YT_TRY_IMPL(YT_CONCAT(yt_try_status_, __COUNTER__), expr)
#define YT_TRY_IMPL(name, expr)                                                      \
    do {                                                                             \
        if (auto name = ::yutang::internal::AsStatus(expr); !name.ok()) return name; \
    } while (false)

// YT_ASSIGN_OR_RETURN(auto x, MakeX()); — declares/assigns the value or returns the error.
#define YT_ASSIGN_OR_RETURN(lhs, expr) YT_ASSIGN_OR_RETURN_IMPL(YT_CONCAT(yt_result_, __COUNTER__), lhs, expr)
#define YT_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
    auto tmp = (expr);                           \
    if (!tmp.ok()) return tmp.status();          \
    lhs = std::move(tmp).value()
