#include "yutang/imports/internal/cells.hpp"

#include <array>
#include <charconv>

namespace yutang::imports::internal {
namespace {

std::string_view Trim(std::string_view s) {
    constexpr std::string_view kBlank = " \t\r\n";
    const size_t first = s.find_first_not_of(kBlank);
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(kBlank) - first + 1);
}

void ReplaceAll(std::string& s, std::string_view from, std::string_view to) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
}

bool AllDigits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

// Reads digits at s[i…] into `value`; false when there are none or too many.
bool ReadNumber(std::string_view s, size_t& i, int& value, size_t max_digits) {
    const size_t start = i;
    value = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < max_digits) value = value * 10 + (s[i++] - '0');
    return i > start && (i >= s.size() || s[i] < '0' || s[i] > '9');
}

}  // namespace

std::string NormalizeHeader(std::string_view header) {
    std::string name(Trim(header));
    ReplaceAll(name, "\xEF\xBC\x88", "(");  // （
    ReplaceAll(name, "\xEF\xBC\x89", ")");  // ）
    return name;
}

std::string CleanCell(std::string_view cell) {
    std::string_view v = Trim(cell);
    // `="10000000000000001"` when the cell was quoted as a whole ("=""…""").
    if (v.size() >= 3 && v.starts_with("=\"") && v.ends_with("\"")) v = Trim(v.substr(2, v.size() - 3));
    if (v == "-") return {};
    return std::string(v);
}

std::string CleanPhone(std::string_view cell) {
    std::string v = CleanCell(cell);
    if (v.starts_with('\'')) v.erase(0, 1);
    return v;
}

Result<std::optional<Money>> ParseAmountCell(std::string_view cell, std::string_view field) {
    std::string v = CleanCell(cell);
    // JD: `499.00（系统计算中，该值仅供参考）` — the note in parentheses is dropped.
    for (std::string_view open : {"\xEF\xBC\x88", "("})
        if (const size_t at = v.find(open); at != std::string::npos) v.erase(at);
    for (std::string_view sign : {"\xC2\xA5", "\xEF\xBF\xA5"})  // ¥ ￥
        if (v.starts_with(sign)) v.erase(0, sign.size());
    // Taobao 买家服务费 `0元`.
    if (v.ends_with("\xE5\x85\x83")) v.erase(v.size() - 3);  // 元
    v = std::string(Trim(v));
    if (v.empty()) return std::optional<Money>();
    // Excel floats: `12.300000000000001` is not an amount, `12.3000` is.
    if (const size_t dot = v.find('.'); dot != std::string::npos && v.size() - dot > 3) {
        const std::string_view extra = std::string_view(v).substr(dot + 3);
        if (extra.find_first_not_of('0') == std::string_view::npos) v.erase(dot + 3);
    }
    auto money = ParseYuan(v, field);
    if (!money.ok()) return InvalidArgument("not an amount", std::string(field));
    return std::optional<Money>(*money);
}

Result<std::optional<LocalDateTime>> ParseDateTimeCell(std::string_view cell, std::string_view field) {
    const std::string v = CleanCell(cell);
    if (v.empty()) return std::optional<LocalDateTime>();
    const Status bad = InvalidArgument("not a date and time", std::string(field));
    const std::string_view s = v;
    size_t i = 0;
    LocalDateTime t;
    if (!ReadNumber(s, i, t.date.year, 4) || i != 4 || i >= s.size()) return bad;
    const char separator = s[i];
    if (separator != '-' && separator != '/') return bad;
    ++i;
    if (!ReadNumber(s, i, t.date.month, 2) || i >= s.size() || s[i] != separator) return bad;
    ++i;
    if (!ReadNumber(s, i, t.date.day, 2)) return bad;
    if (!IsValidDate(t.date)) return bad;
    if (i < s.size()) {
        if (s[i] != ' ' && s[i] != 'T') return bad;
        while (i < s.size() && (s[i] == ' ' || s[i] == 'T')) ++i;
        if (!ReadNumber(s, i, t.hour, 2) || i >= s.size() || s[i] != ':') return bad;
        ++i;
        if (!ReadNumber(s, i, t.minute, 2)) return bad;
        if (i < s.size() && s[i] == ':') {
            ++i;
            if (!ReadNumber(s, i, t.second, 2)) return bad;
            if (i < s.size() && s[i] == '.') {
                ++i;
                const size_t start = i;
                while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
                std::string micros(s.substr(start, std::min<size_t>(i - start, 6)));
                if (micros.empty()) return bad;
                micros.resize(6, '0');
                t.microsecond = std::stoi(micros);
            }
        }
        if (i != s.size()) return bad;
        if (t.hour > 23 || t.minute > 59 || t.second > 59) return bad;
    }
    return std::optional<LocalDateTime>(t);
}

Result<std::optional<int64_t>> ParseQuantityCell(std::string_view cell, std::string_view field) {
    std::string v = CleanCell(cell);
    if (v.empty()) return std::optional<int64_t>();
    // Excel turns counts into `2.0`.
    if (const size_t dot = v.find('.');
        dot != std::string::npos && v.find_first_not_of('0', dot + 1) == std::string::npos)
        v.erase(dot);
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
    if (!AllDigits(v) || ec != std::errc() || end != v.data() + v.size() || value <= 0)
        return InvalidArgument("not a quantity", std::string(field));
    return std::optional<int64_t>(value);
}

Region SplitRegion(std::string_view address) {
    const std::string_view a = Trim(address);
    Region region;
    if (a.empty()) return region;
    if (const size_t space = a.find(' '); space != std::string_view::npos) {
        region.province = std::string(a.substr(0, space));
        std::string_view rest = Trim(a.substr(space + 1));
        const size_t next = rest.find(' ');
        if (next != std::string_view::npos) region.city = std::string(rest.substr(0, next));
        return region;
    }
    if (a.find(' ') == std::string_view::npos && a.size() <= 12 && a.find("\xE5\xB8\x82") == std::string_view::npos &&
        a.find("\xE7\x9C\x81") == std::string_view::npos) {
        region.province = std::string(a);  // a bare province, e.g. the Tmall sample's `上海`
        return region;
    }
    // Run together (JD): province ends at the first 省/自治区/特别行政区, or a municipality at 市.
    static constexpr std::array<std::string_view, 4> kProvinceEnds = {
        "\xE7\x9C\x81",                                                  // 省
        "\xE8\x87\xAA\xE6\xB2\xBB\xE5\x8C\xBA",                          // 自治区
        "\xE7\x89\xB9\xE5\x88\xAB\xE8\xA1\x8C\xE6\x94\xBF\xE5\x8C\xBA",  // 特别行政区
        "\xE5\xB8\x82",                                                  // 市
    };
    size_t province_end = std::string_view::npos;
    for (std::string_view suffix : kProvinceEnds) {
        const size_t at = a.find(suffix);
        if (at != std::string_view::npos &&
            (province_end == std::string_view::npos || at + suffix.size() < province_end))
            province_end = at + suffix.size();
    }
    if (province_end == std::string_view::npos) return region;
    region.province = std::string(a.substr(0, province_end));
    const std::string_view rest = a.substr(province_end);
    if (region.province.ends_with("\xE5\xB8\x82")) {  // 北京市朝阳区…: the municipality is also the city
        region.city = region.province;
        return region;
    }
    static constexpr std::array<std::string_view, 4> kCityEnds = {"\xE5\xB8\x82", "\xE5\xB7\x9E", "\xE7\x9B\x9F",
                                                                  "\xE5\x9C\xB0\xE5\x8C\xBA"};  // 市 州 盟 地区
    size_t city_end = std::string_view::npos;
    for (std::string_view suffix : kCityEnds) {
        const size_t at = rest.find(suffix);
        if (at != std::string_view::npos && (city_end == std::string_view::npos || at + suffix.size() < city_end))
            city_end = at + suffix.size();
    }
    if (city_end != std::string_view::npos) region.city = std::string(rest.substr(0, city_end));
    return region;
}

}  // namespace yutang::imports::internal
