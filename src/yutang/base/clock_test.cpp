#include "yutang/base/clock.hpp"

#include <gtest/gtest.h>

namespace yutang {
namespace {

TEST(ManualClock, MovesOnlyWhenTold) {
    ManualClock clock(Timestamp::FromSeconds(100));
    EXPECT_EQ(clock.Now().seconds(), 100);
    clock.Advance(std::chrono::minutes(2));
    EXPECT_EQ(clock.Now().seconds(), 220);
    clock.Set(Timestamp::FromMicros(5));
    EXPECT_EQ(clock.Now().micros(), 5);
}

TEST(SystemClock, IsAfter2026) {
    EXPECT_GT(SystemClock::Instance().Now().seconds(), 1767225600);  // 2026-01-01T00:00:00Z
}

TEST(Timestamp, Arithmetic) {
    const Timestamp t = Timestamp::FromSeconds(10);
    EXPECT_EQ((t + std::chrono::seconds(5)).seconds(), 15);
    EXPECT_EQ((t - Timestamp::FromSeconds(4)).count(), 6'000'000);
    EXPECT_LT(Timestamp::FromMicros(1), Timestamp::FromMicros(2));
}

}  // namespace
}  // namespace yutang
