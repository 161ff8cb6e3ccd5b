#include "yutang/base/money.hpp"

#include <limits>

namespace yutang {
namespace {

Status OutOfRange(std::string_view field) { return InvalidArgument("amount out of range", std::string(field)); }

std::string_view TrimSpaces(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Result<Money> Money::Add(Money other) const {
    int64_t out = 0;
    if (__builtin_add_overflow(fen_, other.fen_, &out)) return OutOfRange("");
    return Money(out);
}

Result<Money> Money::Subtract(Money other) const {
    int64_t out = 0;
    if (__builtin_sub_overflow(fen_, other.fen_, &out)) return OutOfRange("");
    return Money(out);
}

Result<Money> ParseYuan(std::string_view text, std::string_view field) {
    const std::string field_name(field);
    auto invalid = [&] {
        return InvalidArgument("not a valid yuan amount (expected e.g. 12.30 or 1,234.50)", field_name);
    };
    std::string_view s = TrimSpaces(text);
    bool negative = false;
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
        negative = s.front() == '-';
        s.remove_prefix(1);
    }
    const size_t dot = s.find('.');
    std::string_view integer_part = s.substr(0, dot);
    std::string_view fraction_part = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
    if (integer_part.empty()) return invalid();
    if (dot != std::string_view::npos && (fraction_part.empty() || fraction_part.size() > 2)) return invalid();

    // Integer part: plain digits, or groups of three separated by commas ("1,234,567"):
    // a comma may stand only at first_comma + 4k, and the last group has three digits.
    const size_t first_comma = integer_part.find(',');
    if (first_comma != std::string_view::npos) {
        if (first_comma == 0 || first_comma > 3 || (integer_part.size() - first_comma) % 4 != 0) return invalid();
    }
    // Accumulate as negative numbers so that INT64_MIN fen parses.
    int64_t fen = 0;
    for (size_t j = 0; j < integer_part.size(); ++j) {
        const char c = integer_part[j];
        const bool comma_slot = first_comma != std::string_view::npos && j >= first_comma && (j - first_comma) % 4 == 0;
        if (comma_slot != (c == ',')) return invalid();
        if (comma_slot) continue;
        if (!IsDigit(c)) return invalid();
        if (__builtin_mul_overflow(fen, 10, &fen) || __builtin_sub_overflow(fen, c - '0', &fen)) {
            return OutOfRange(field);
        }
    }
    for (size_t i = 0; i < 2; ++i) {
        int digit = 0;
        if (i < fraction_part.size()) {
            if (!IsDigit(fraction_part[i])) return invalid();
            digit = fraction_part[i] - '0';
        }
        if (__builtin_mul_overflow(fen, 10, &fen) || __builtin_sub_overflow(fen, digit, &fen)) {
            return OutOfRange(field);
        }
    }
    if (!negative) {
        if (fen == std::numeric_limits<int64_t>::min()) return OutOfRange(field);
        fen = -fen;
    }
    return Money::FromFen(fen);
}

std::string FormatYuan(Money amount, Grouping grouping) {
    const int64_t fen = amount.fen();
    // Work in unsigned to format INT64_MIN without overflow.
    const uint64_t magnitude = fen < 0 ? ~static_cast<uint64_t>(fen) + 1 : static_cast<uint64_t>(fen);
    const std::string digits = std::to_string(magnitude / 100);
    std::string integer;
    integer.reserve(digits.size() + digits.size() / 3);
    for (size_t i = 0; i < digits.size(); ++i) {
        if (grouping == Grouping::kThousands && i > 0 && (digits.size() - i) % 3 == 0) integer += ',';
        integer += digits[i];
    }
    const uint64_t cents = magnitude % 100;
    std::string out;
    if (fen < 0) out += '-';
    out += integer;
    out += '.';
    out += static_cast<char>('0' + cents / 10);
    out += static_cast<char>('0' + cents % 10);
    return out;
}

}  // namespace yutang
