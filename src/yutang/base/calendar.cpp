// Plain calendar arithmetic declared in time_zone.hpp, kept apart from the zone code so that
// code without the tz database (the rule parsers' fuzz target) can use it.
#include <cstdio>
#include <string>

#include "yutang/base/time_zone.hpp"

namespace yutang {

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

}  // namespace yutang
