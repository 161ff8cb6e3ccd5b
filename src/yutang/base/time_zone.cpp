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

TimeZone TimeZone::LoadOrDefault(std::string_view name) {
    auto zone = Load(name);
    return zone.ok() ? *zone : Default();
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
