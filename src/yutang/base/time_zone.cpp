#include "yutang/base/time_zone.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include <date/date.h>
#include <date/tz.h>

namespace yutang {
namespace {

using Micros = std::chrono::microseconds;
using SysMicros = date::sys_time<Micros>;

const date::time_zone* Zone(const void* p) { return static_cast<const date::time_zone*>(p); }

date::local_time<Micros> ToLocalTimePoint(const LocalDateTime& l) {
    const date::local_days days{date::year{l.date.year} / l.date.month / l.date.day};
    return date::local_time<Micros>{days} + std::chrono::hours(l.hour) + std::chrono::minutes(l.minute) +
           std::chrono::seconds(l.second) + Micros(l.microsecond);
}

}  // namespace

Result<TimeZone> TimeZone::Load(std::string_view name) {
    try {
        const date::time_zone* zone = date::locate_zone(name);
        return TimeZone(std::string(name), zone);
    } catch (const std::exception& e) {
        return InvalidArgument("unknown time zone: " + std::string(name), "time_zone");
    }
}

TimeZone TimeZone::Default() {
    auto zone = Load(kDefaultTimeZone);
    if (!zone.ok()) {
        std::fputs("fatal: the system time zone database (tzdata) has no Asia/Shanghai\n", stderr);
        std::abort();
    }
    return *zone;
}

LocalDateTime TimeZone::ToLocal(Timestamp t) const {
    const SysMicros sys{Micros(t.micros())};
    const auto local = Zone(zone_)->to_local(sys);
    const auto days = date::floor<date::days>(local);
    const date::year_month_day ymd{days};
    const date::hh_mm_ss<Micros> hms{local - days};
    LocalDateTime out;
    out.date = {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
                static_cast<int>(static_cast<unsigned>(ymd.day()))};
    out.hour = static_cast<int>(hms.hours().count());
    out.minute = static_cast<int>(hms.minutes().count());
    out.second = static_cast<int>(hms.seconds().count());
    out.microsecond = static_cast<int>(hms.subseconds().count());
    out.weekday = static_cast<int>(date::weekday{days}.c_encoding());
    return out;
}

Timestamp TimeZone::FromLocal(const LocalDateTime& local) const {
    const auto tp = ToLocalTimePoint(local);
    const date::local_info info = Zone(zone_)->get_info(tp);
    // Unique and ambiguous times take the first (earlier) offset. For a time in a DST gap the
    // first offset is the one before the gap, which moves the instant forward by the gap.
    const SysMicros sys{tp.time_since_epoch() - info.first.offset};
    return Timestamp::FromMicros(sys.time_since_epoch().count());
}

Timestamp TimeZone::StartOfDay(LocalDate date) const { return FromLocal(LocalDateTime{date, 0, 0, 0, 0, 0}); }

std::string TimeZone::Format(Timestamp t) const {
    const LocalDateTime l = ToLocal(t);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", l.date.year, l.date.month, l.date.day, l.hour,
                  l.minute, l.second);
    return buf;
}

// Howard Hinnant's days_from_civil / civil_from_days (public-domain algorithms, written out).
int32_t DayNumber(const LocalDate& date) {
    const int y = date.year - (date.month <= 2 ? 1 : 0);
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int mp = (date.month + 9) % 12;
    const int doy = (153 * mp + 2) / 5 + date.day - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

LocalDate DateOfDay(int32_t day) {
    const int z = day + 719468;
    const int era = (z >= 0 ? z : z - 146096) / 146097;
    const int doe = z - era * 146097;
    const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int mp = (5 * doy + 2) / 153;
    const int d = doy - (153 * mp + 2) / 5 + 1;
    const int m = mp < 10 ? mp + 3 : mp - 9;
    return LocalDate{yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

std::string FormatIsoDate(LocalDate date) {
    char buffer[32];
    const int n = std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", date.year, date.month, date.day);
    return std::string(buffer, static_cast<size_t>(n > 0 ? n : 0));
}

bool IsValidDate(LocalDate d) {
    if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31) return false;
    return date::year_month_day{date::year{d.year}, date::month{static_cast<unsigned>(d.month)},
                                date::day{static_cast<unsigned>(d.day)}}
        .ok();
}

Result<LocalDate> ParseIsoDate(std::string_view text, std::string_view field) {
    auto invalid = [&] { return InvalidArgument("not a valid date (expected YYYY-MM-DD)", std::string(field)); };
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return invalid();
    LocalDate out;
    auto parse = [&](std::string_view part, int& value) {
        auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
        return ec == std::errc() && ptr == part.data() + part.size();
    };
    if (!parse(text.substr(0, 4), out.year) || !parse(text.substr(5, 2), out.month) ||
        !parse(text.substr(8, 2), out.day) || !IsValidDate(out)) {
        return invalid();
    }
    return out;
}

Result<Timestamp> ParseRfc3339(std::string_view text, std::string_view field) {
    auto invalid = [&] {
        return InvalidArgument("not an ISO 8601 time (expected e.g. 2026-11-23T03:54:27.123Z)", std::string(field));
    };
    if (text.size() < 19 || (text[10] != 'T' && text[10] != 't' && text[10] != ' ')) return invalid();
    auto number = [&](size_t at, size_t length, int& out) {
        const auto [end, ec] = std::from_chars(text.data() + at, text.data() + at + length, out);
        return ec == std::errc() && end == text.data() + at + length;
    };
    LocalDate date;
    int hour = 0, minute = 0, second = 0;
    if (text[4] != '-' || text[7] != '-' || text[13] != ':' || text[16] != ':' || !number(0, 4, date.year) ||
        !number(5, 2, date.month) || !number(8, 2, date.day) || !number(11, 2, hour) || !number(14, 2, minute) ||
        !number(17, 2, second) || !IsValidDate(date) || hour > 23 || minute > 59 || second > 60) {
        return invalid();
    }
    size_t at = 19;
    int64_t micros = 0;
    if (at < text.size() && text[at] == '.') {
        ++at;
        int digits = 0;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
            if (digits < 6) micros = micros * 10 + (text[at] - '0');
            ++digits;
            ++at;
        }
        if (digits == 0) return invalid();
        for (int d = digits; d < 6; ++d) micros *= 10;
    }
    int64_t offset_seconds = 0;
    if (at < text.size()) {
        const char sign = text[at];
        if (sign == 'Z' || sign == 'z') {
            ++at;
        } else if (sign == '+' || sign == '-') {
            int oh = 0, om = 0;
            const std::string_view rest = text.substr(at + 1);
            if (rest.size() == 5 && rest[2] == ':' && number(at + 1, 2, oh) && number(at + 4, 2, om)) {
                at += 6;
            } else if (rest.size() == 4 && number(at + 1, 2, oh) && number(at + 3, 2, om)) {
                at += 5;
            } else {
                return invalid();
            }
            if (oh > 23 || om > 59) return invalid();
            offset_seconds = (sign == '+' ? 1 : -1) * (oh * 3600 + om * 60);
        } else {
            return invalid();
        }
    }
    if (at != text.size()) return invalid();
    const date::sys_days days{date::year{date.year} / date.month / date.day};
    const int64_t seconds = std::chrono::duration_cast<std::chrono::seconds>(days.time_since_epoch()).count() +
                            hour * 3600 + minute * 60 + std::min(second, 59) - offset_seconds;
    return Timestamp::FromMicros(seconds * 1'000'000 + micros);
}

std::string FormatRfc3339(Timestamp t) {
    const int64_t micros = t.micros();
    const int64_t seconds = micros >= 0 ? micros / 1'000'000 : (micros - 999'999) / 1'000'000;
    const int64_t fraction = micros - seconds * 1'000'000;
    const date::sys_seconds tp{std::chrono::seconds(seconds)};
    const auto days = date::floor<date::days>(tp);
    const date::year_month_day ymd{days};
    const date::hh_mm_ss<std::chrono::seconds> hms{tp - days};
    char buf[64];  // room for any int year, so -Wformat-truncation stays quiet
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()), static_cast<long long>(fraction));
    return buf;
}

}  // namespace yutang
