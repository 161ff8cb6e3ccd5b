#include "yutang/http/errors.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace yutang::http {
namespace {

TEST(HttpStatusForTest, EveryCodeHasItsStatus) {
    struct Row {
        ErrorCode code;
        unsigned status;
    };
    const Row kTable[] = {
        {ErrorCode::kOk, 200},
        {ErrorCode::kInvalidArgument, 400},
        {ErrorCode::kUnauthenticated, 401},
        {ErrorCode::kPermissionDenied, 403},
        {ErrorCode::kNotFound, 404},
        {ErrorCode::kAlreadyExists, 409},
        {ErrorCode::kAborted, 409},
        {ErrorCode::kFailedPrecondition, 409},
        {ErrorCode::kResourceExhausted, 429},
        {ErrorCode::kInternal, 500},
        {ErrorCode::kUnavailable, 503},
        {ErrorCode::kDeadlineExceeded, 504},
    };
    // The table above must cover the whole enum: kInternal is the last enumerator.
    ASSERT_EQ(std::size(kTable), static_cast<size_t>(ErrorCode::kInternal) + 1);
    for (const Row& row : kTable) {
        EXPECT_EQ(HttpStatusFor(row.code), row.status) << ErrorCodeName(row.code);
    }
}

TEST(ErrorResponseTest, HasTheDocumentedShape) {
    Response response = ErrorResponse(InvalidArgument("email is required", "email"), "req-1");
    EXPECT_EQ(response.status, 400u);
    EXPECT_EQ(response.content_type, "application/json");
    boost::json::value json = boost::json::parse(response.body);
    const auto& error = json.at("error").as_object();
    EXPECT_EQ(error.at("code").as_string(), "invalid_argument");
    EXPECT_EQ(error.at("message").as_string(), "email is required");
    EXPECT_EQ(error.at("field").as_string(), "email");
    EXPECT_EQ(json.as_object().size(), 1u);
    EXPECT_EQ(error.size(), 3u);
}

TEST(ErrorResponseTest, OmitsEmptyField) {
    Response response = ErrorResponse(NotFound("no such staff member"));
    EXPECT_EQ(response.status, 404u);
    EXPECT_EQ(response.body, R"({"error":{"code":"not_found","message":"no such staff member"}})");
}

TEST(ErrorResponseTest, NeverLeaksDetail) {
    Response internal = ErrorResponse(Internal("SQLITE_CORRUPT at /var/lib/yutang/db.sqlite"));
    EXPECT_EQ(internal.status, 500u);
    EXPECT_EQ(internal.body, R"({"error":{"code":"internal","message":"internal error"}})");
    Response unavailable = ErrorResponse(Unavailable("store unavailable", "connection refused to 10.0.0.5:5432"));
    EXPECT_EQ(unavailable.status, 503u);
    EXPECT_EQ(unavailable.body.find("10.0.0.5"), std::string::npos);
    Status with_detail = PermissionDenied("not allowed").WithDetail("role=viewer tenant=7");
    EXPECT_EQ(ErrorResponse(with_detail).body.find("viewer"), std::string::npos);
}

TEST(ErrorResponseTest, EscapesMessages) {
    Response response = ErrorResponse(InvalidArgument("bad \"name\"\n", "a\\b"));
    boost::json::value json = boost::json::parse(response.body);
    EXPECT_EQ(json.at("error").at("message").as_string(), "bad \"name\"\n");
    EXPECT_EQ(json.at("error").at("field").as_string(), "a\\b");
}

TEST(ErrorResponseTest, OkStatusIsABug) { EXPECT_EQ(ErrorResponse(OkStatus()).status, 500u); }

}  // namespace
}  // namespace yutang::http
