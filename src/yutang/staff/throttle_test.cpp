#include "yutang/staff/throttle.hpp"

#include <gtest/gtest.h>

namespace yutang::staff {
namespace {

using std::chrono::minutes;

TEST(LoginThrottle, LocksAfterTheLimitForTheLockout) {
    ManualClock clock(Timestamp::FromSeconds(1000));
    LoginThrottle throttle(clock, {.max_failures = 3, .window = minutes(15), .lockout = minutes(15)});
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(throttle.Allowed("a"));
        throttle.RecordFailure("a");
    }
    EXPECT_FALSE(throttle.Allowed("a"));
    EXPECT_TRUE(throttle.Allowed("b")) << "keys are independent";
    clock.Advance(minutes(14));
    EXPECT_FALSE(throttle.Allowed("a"));
    clock.Advance(minutes(1));
    EXPECT_TRUE(throttle.Allowed("a"));
}

TEST(LoginThrottle, OldFailuresLeaveTheWindowAndSuccessClears) {
    ManualClock clock(Timestamp::FromSeconds(1000));
    LoginThrottle throttle(clock, {.max_failures = 3, .window = minutes(10), .lockout = minutes(15)});
    throttle.RecordFailure("a");
    throttle.RecordFailure("a");
    clock.Advance(minutes(11));
    throttle.RecordFailure("a");  // the first two are outside the window now
    EXPECT_TRUE(throttle.Allowed("a"));
    throttle.RecordFailure("a");
    throttle.RecordSuccess("a");
    throttle.RecordFailure("a");
    EXPECT_TRUE(throttle.Allowed("a"));
}

TEST(LoginThrottle, MemoryIsBoundedButLockedKeysAreKept) {
    ManualClock clock(Timestamp::FromSeconds(1000));
    LoginThrottle throttle(clock, {.max_failures = 2, .lockout = minutes(15), .max_keys = 4});
    throttle.RecordFailure("locked");
    throttle.RecordFailure("locked");  // locked; the keys below have one failure each
    for (int i = 0; i < 20; ++i) {
        clock.Advance(std::chrono::seconds(1));
        throttle.RecordFailure("k" + std::to_string(i));
    }
    EXPECT_FALSE(throttle.Allowed("locked"));
}

}  // namespace
}  // namespace yutang::staff
