#include "yutang/base/time_zone.hpp"

#include <gtest/gtest.h>

namespace yutang {
namespace {

TEST(TimeZone, ShanghaiIsUtcPlusEight) {
    const TimeZone zone = TimeZone::Default();
    EXPECT_EQ(zone.name(), "Asia/Shanghai");
    // 2026-11-23T03:54:27Z is 11:54:27 in Shanghai, a Monday.
    const LocalDateTime local = zone.ToLocal(Timestamp::FromSeconds(1795406067));
    EXPECT_EQ(local.date, (LocalDate{2026, 11, 23}));
    EXPECT_EQ(local.hour, 11);
    EXPECT_EQ(local.minute, 54);
    EXPECT_EQ(local.second, 27);
    EXPECT_EQ(local.weekday, 1);
    EXPECT_EQ(zone.Format(Timestamp::FromSeconds(1795406067)), "2026-11-23 11:54:27");
}

TEST(TimeZone, StartOfDayIsLocalMidnight) {
    const TimeZone zone = TimeZone::Default();
    // Local midnight 2026-11-23 = 2026-11-22T16:00:00Z.
    EXPECT_EQ(zone.StartOfDay({2026, 11, 23}).seconds(), 1795363200);
}

TEST(TimeZone, DaylightSavingGapMovesForward) {
    auto zone = TimeZone::Load("America/New_York");
    ASSERT_TRUE(zone.ok());
    // 2026-03-08 02:30 does not exist in New York; it becomes 03:30 EDT = 07:30Z.
    const Timestamp t = zone->FromLocal({{2026, 3, 8}, 2, 30, 0, 0, 0});
    EXPECT_EQ(zone->ToLocal(t).hour, 3);
    EXPECT_EQ(zone->ToLocal(t).minute, 30);
    // 2026-11-01 01:30 happens twice; the earlier (EDT, 05:30Z) is chosen.
    const Timestamp ambiguous = zone->FromLocal({{2026, 11, 1}, 1, 30, 0, 0, 0});
    EXPECT_EQ(ambiguous.seconds(), 1793511000);
}

TEST(TimeZone, UnknownZoneIsInvalidArgument) {
    auto zone = TimeZone::Load("Mars/Olympus_Mons");
    ASSERT_FALSE(zone.ok());
    EXPECT_EQ(zone.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(zone.status().field(), "time_zone");
}

TEST(TimeZone, AStoredZoneThisMachineDoesNotKnowFallsBackToTheDefault) {
    EXPECT_EQ(TimeZone::LoadOrDefault("America/New_York").name(), "America/New_York");
    EXPECT_EQ(TimeZone::LoadOrDefault("Mars/Olympus_Mons").name(), "Asia/Shanghai");
}

TEST(ParseRfc3339, ReadsWhatSdksSend) {
    EXPECT_EQ(ParseRfc3339("2026-11-23T03:54:27Z")->seconds(), 1795406067);
    EXPECT_EQ(ParseRfc3339("2026-11-23T03:54:27.123Z")->micros(), 1795406067123000);
    EXPECT_EQ(ParseRfc3339("2026-11-23T11:54:27.1234567+08:00")->micros(), 1795406067123456);
    EXPECT_EQ(ParseRfc3339("2026-11-22T22:54:27-0500")->seconds(), 1795406067);
    EXPECT_EQ(ParseRfc3339("2026-11-23 03:54:27")->seconds(), 1795406067);
    for (const char* bad : {"", "2026-11-23", "2026-13-01T00:00:00Z", "2026-11-23T03:54:27+8", "yesterday",
                            "2026-11-23T03:54:27.Z", "2026-11-23T03:54:27Zjunk", "2026-02-30T00:00:00Z"}) {
        auto t = ParseRfc3339(bad, "timestamp");
        EXPECT_EQ(t.status().code(), ErrorCode::kInvalidArgument) << bad;
        EXPECT_EQ(t.status().field(), "timestamp");
    }
    EXPECT_EQ(FormatRfc3339(Timestamp::FromMicros(1795406067123456)), "2026-11-23T03:54:27.123456Z");
    EXPECT_EQ(*ParseRfc3339(FormatRfc3339(Timestamp::FromMicros(-1))), Timestamp::FromMicros(-1));
}

TEST(ParseIsoDate, AcceptsRealDatesOnly) {
    EXPECT_EQ(*ParseIsoDate("2024-02-29"), (LocalDate{2024, 2, 29}));
    for (const char* bad : {"2026-02-29", "2026-13-01", "2026-1-01", "20260101", "abcd-ef-gh", "2026-04-31"}) {
        auto d = ParseIsoDate(bad, "birthday");
        ASSERT_FALSE(d.ok()) << bad;
        EXPECT_EQ(d.status().field(), "birthday");
    }
}

}  // namespace
}  // namespace yutang

namespace yutang {
namespace {

TEST(Calendar, DayNumbersRoundTripAcrossLeapDaysAndCenturies) {
    EXPECT_EQ(DayNumber({1970, 1, 1}), 0);
    EXPECT_EQ(DayNumber({1969, 12, 31}), -1);
    EXPECT_EQ(DayNumber({2000, 3, 1}) - DayNumber({2000, 2, 28}), 2) << "2000 is a leap year";
    EXPECT_EQ(DayNumber({1900, 3, 1}) - DayNumber({1900, 2, 28}), 1) << "1900 is not";
    for (int32_t day = DayNumber({1899, 12, 25}); day < DayNumber({2101, 1, 5}); day += 13) {
        EXPECT_EQ(DayNumber(DateOfDay(day)), day);
    }
    EXPECT_EQ(FormatIsoDate(DateOfDay(DayNumber({2026, 11, 23}) + 39)), "2027-01-01");
}

}  // namespace
}  // namespace yutang
