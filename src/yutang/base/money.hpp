// Money as integer fen (分). Never floating point for value.
//
//   YT_ASSIGN_OR_RETURN(Money price, ParseYuan("1,234.50"));   // 123450 fen
//   FormatYuan(price);                                       // "1234.50"
//   FormatYuan(price, Grouping::kThousands);                 // "1,234.50"
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "yutang/base/status.hpp"

namespace yutang {

class Money {
  public:
    constexpr Money() = default;
    static constexpr Money FromFen(int64_t fen) { return Money(fen); }
    constexpr int64_t fen() const { return fen_; }
    constexpr auto operator<=>(const Money&) const = default;

    // Checked arithmetic: resource_exhausted is never right for money, so overflow is
    // invalid_argument ("amount out of range").
    Result<Money> Add(Money other) const;
    Result<Money> Subtract(Money other) const;

  private:
    constexpr explicit Money(int64_t fen) : fen_(fen) {}
    int64_t fen_ = 0;
};

// Parses a yuan amount strictly: optional sign, digits (optionally grouped by commas in
// threes: "1,234"), optional '.' followed by one or two digits. Surrounding ASCII spaces are
// ignored. "12.3" → 1230 fen, "1,234.50" → 123450 fen, "-0.01" → -1 fen.
// Returns invalid_argument (field `field`) for anything else: "12.345", "abc", "1,23", "",
// or a value outside int64 fen.
Result<Money> ParseYuan(std::string_view text, std::string_view field = {});

enum class Grouping { kNone, kThousands };

// "1234.50", "-0.01", or with Grouping::kThousands "1,234.50". Always two decimals.
std::string FormatYuan(Money amount, Grouping grouping = Grouping::kNone);

}  // namespace yutang
