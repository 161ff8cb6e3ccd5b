#include "yutang/base/status.hpp"

#include <gtest/gtest.h>

namespace yutang {
namespace {

Result<int> Half(int n) {
    if (n % 2 != 0) return InvalidArgument("odd", "n");
    return n / 2;
}

Result<int> Quarter(int n) {
    YT_ASSIGN_OR_RETURN(int half, Half(n));
    YT_ASSIGN_OR_RETURN(int quarter, Half(half));
    return quarter;
}

Status CheckEven(int n) {
    YT_TRY(Half(n));
    return OkStatus();
}

TEST(Status, PropagatesErrorsThroughMacros) {
    EXPECT_EQ(*Quarter(8), 2);
    const Result<int> bad = Quarter(6);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(bad.status().field(), "n");
    EXPECT_TRUE(CheckEven(4).ok());
    EXPECT_EQ(CheckEven(3).code(), ErrorCode::kInvalidArgument);
}

TEST(Status, InternalKeepsDetailOutOfTheMessage) {
    const Status s = Internal("sqlite: no such table: secrets");
    EXPECT_EQ(s.message(), "internal error");
    EXPECT_EQ(s.detail(), "sqlite: no such table: secrets");
    EXPECT_EQ(s.WithDetail("loading").detail(), "loading: sqlite: no such table: secrets");
}

TEST(Status, OkStatusAsResultErrorBecomesInternal) {
    const Result<int> r{OkStatus()};
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kInternal);
}

TEST(Status, CodeNamesAreTheWireNames) {
    EXPECT_EQ(ErrorCodeName(ErrorCode::kInvalidArgument), "invalid_argument");
    EXPECT_EQ(ErrorCodeName(ErrorCode::kFailedPrecondition), "failed_precondition");
    EXPECT_EQ(ErrorCodeName(ErrorCode::kResourceExhausted), "resource_exhausted");
    EXPECT_EQ(ErrorCodeName(ErrorCode::kDeadlineExceeded), "deadline_exceeded");
}

}  // namespace
}  // namespace yutang
