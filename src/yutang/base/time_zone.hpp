// Tenant time zones: turning UTC timestamps into the merchant's calendar and back.
//
// GCC 12 has no std::chrono zones, so this wraps Howard Hinnant's date/tz over the system
// tz database (Debian's tzdata). The date library stays out of this header.
//
//   YT_ASSIGN_OR_RETURN(TimeZone zone, TimeZone::Load("Asia/Shanghai"));
//   LocalDateTime local = zone.ToLocal(clock.Now());      // 2026-11-23 11:54:27
//   Timestamp midnight = zone.StartOfDay({2026, 11, 23});  // 2026-11-22T16:00:00Z
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "yutang/base/clock.hpp"
#include "yutang/base/status.hpp"

namespace yutang {

inline constexpr std::string_view kDefaultTimeZone = "Asia/Shanghai";

struct LocalDate {
    int year = 1970;
    int month = 1;  // 1..12
    int day = 1;    // 1..31
    auto operator<=>(const LocalDate&) const = default;
};

struct LocalDateTime {
    LocalDate date;
    int hour = 0;
    int minute = 0;
    int second = 0;
    int microsecond = 0;
    int weekday = 4;  // 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday)
    auto operator<=>(const LocalDateTime&) const = default;
};

class TimeZone {
  public:
    // Loads an IANA zone ("Asia/Shanghai"). invalid_argument (field "time_zone") if unknown.
    static Result<TimeZone> Load(std::string_view name);
    // Asia/Shanghai. Aborts only if the system tz database is missing entirely.
    static TimeZone Default();
    // A merchant's stored zone: Load, or Default when this machine's tz database does not know
    // the name (it was checked when stored; the database may have changed since).
    static TimeZone LoadOrDefault(std::string_view name);

    const std::string& name() const { return name_; }

    LocalDateTime ToLocal(Timestamp t) const;
    // The instant the local day begins (DST-aware: the first existing local time of that day).
    Timestamp StartOfDay(LocalDate date) const;
    // A local wall time to UTC. Ambiguous times take the earlier instant; times that do not
    // exist (DST gap) move forward by the gap.
    Timestamp FromLocal(const LocalDateTime& local) const;
    // "2026-11-23 11:54:27" in this zone.
    std::string Format(Timestamp t) const;

  private:
    TimeZone(std::string name, const void* zone) : name_(std::move(name)), zone_(zone) {}
    std::string name_;
    const void* zone_;  // const date::time_zone*, kept opaque to keep date/tz out of headers.
};

// RFC 3339 / ISO 8601 instants as tracking SDKs send them: "2026-11-23T03:54:27.123Z",
// "2026-11-23T11:54:27+08:00", "…+0800"; fractions to microseconds (extra digits dropped).
// A value without an offset is UTC. invalid_argument naming `field` otherwise.
Result<Timestamp> ParseRfc3339(std::string_view text, std::string_view field = {});
// "2026-11-23T03:54:27.123456Z".
std::string FormatRfc3339(Timestamp t);

// Days since 1970-01-01 of a proleptic Gregorian date, and back: plain date arithmetic without a
// zone (DateOfDay(DayNumber(d) + 1) is the day after d).
int32_t DayNumber(const LocalDate& date);
LocalDate DateOfDay(int32_t day);
// "2026-11-23".
std::string FormatIsoDate(LocalDate date);

// Checks that a date is a real calendar date (2026-02-29 is not).
bool IsValidDate(LocalDate date);
// "2026-11-23" → LocalDate; invalid_argument naming `field` otherwise.
Result<LocalDate> ParseIsoDate(std::string_view text, std::string_view field = {});

}  // namespace yutang
