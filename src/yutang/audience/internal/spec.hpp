// What the two rule forms share: the names of traits, identities, purposes and operators, how
// literals are spelled, and the checks every condition passes. Private to the audience module.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "yutang/audience/rule.hpp"

namespace yutang::audience::internal {

struct Message {
    std::string en;
    std::string zh;
};

// A problem in one condition. `part` is the JSON pointer of the offending piece relative to the
// condition in canonical JSON ("/value/1", "/within", "/where/op"; "" for the whole condition).
struct Problem {
    std::string part;
    Message message;
};

// What a comparison compares, which decides its operators and literal types.
enum class ValueKind {
    kCount,   // a whole number ≥ 0
    kScore,   // a whole number 1 … 5 (RFM)
    kMonths,  // a whole number 0 … 1200
    kMoney,   // yuan, at most two decimals, ≥ 0
    kTime,    // a date (tenant's calendar), or a duration after within/before
    kStage,   // a lifecycle stage name
    kStaff,   // a staff id or none
    kString,  // text
    kAny,     // attributes and event properties: the literal's own type
};

struct TraitInfo {
    Trait trait;
    std::string_view name;
    ValueKind kind;
    bool windowed;  // takes a window: only the orders `within 90d`
    bool settable;  // takes `is set` (may be missing)
};

std::span<const TraitInfo> AllTraits();
const TraitInfo& InfoOf(Trait trait);
std::optional<Trait> TraitByName(std::string_view name);

// JSON names ("wecom_external_userid"); text prints `wecom` for that kind.
std::string_view IdentityName(IdentityKind kind);
std::string_view IdentityTextName(IdentityKind kind);
std::optional<IdentityKind> IdentityByName(std::string_view name);  // also "wecom"
std::span<const IdentityKind> AllIdentityKinds();

std::string_view PurposeName(ConsentPurpose purpose);
std::optional<ConsentPurpose> PurposeByName(std::string_view name);
std::span<const ConsentPurpose> AllPurposes();

std::span<const std::string_view> LifecycleStages();

std::string_view OpName(Op op);                     // JSON: "=", "!=", "<=", "starts_with", "is_set" …
std::string_view OpText(Op op);                     // text: "=", "!=", "<=", "starts with", "is set" …
std::optional<Op> OpByName(std::string_view name);  // JSON names and ≠ ≤ ≥ ==
bool OpAllowed(ValueKind kind, Op op);
// "=, !=, <, <=, >, >=, between, in" — the operators a kind takes, for messages.
std::string AllowedOpsText(ValueKind kind, bool settable);
// What a value of `kind` must be after `op`: {"a whole number ≥ 0", "不小于 0 的整数"}.
Message Expectation(ValueKind kind, Op op);

std::string_view TagOpName(TagOp op);                        // "has", "has_not", "any_of", "all_of"
std::string_view EventMeasureName(EventMeasure measure);     // "count", "first", "last"
std::string_view BirthdayPeriodName(BirthdayPeriod period);  // "this_month", "this_week", "next_days"

// Literals, the same in both forms.
std::string FormatInteger(int64_t value);
std::string FormatDouble(double value);         // shortest round-trip form, always with '.' or 'e'
std::string FormatYuanValue(Money money);       // "500", "500.50", "-0.01"
std::string FormatDuration(Duration duration);  // "90d", "12h"

// Parse a literal's spelling; nullopt when it does not have that shape.
std::optional<int64_t> ParseIntegerText(std::string_view text);    // -?(0|[1-9][0-9]*), in range
std::optional<double> ParseDoubleText(std::string_view text);      // a JSON number, finite
std::optional<Money> ParseYuanText(std::string_view text);         // [¥|￥]yuan, ≤ 2 decimals
std::optional<LocalDate> ParseDateText(std::string_view text);     // YYYY-MM-DD (range unchecked)
std::optional<Duration> ParseDurationText(std::string_view text);  // [0-9]+[dh]
bool IsIntegerText(std::string_view text);                         // no '.', 'e' or 'E'

// Attribute names: 1–64 of [A-Za-z0-9_.-], as customers::ValidateAttributeName.
bool IsAttributeName(std::string_view name);

// Checks on one condition (operators, value types and ranges, names); nullopt when fine.
std::optional<Problem> CheckCondition(const Condition& condition);

// Messages both parsers use.
Message InvalidUtf8Message();
Message TooLargeMessage(size_t limit);
Message TooDeepMessage();
Message TooManyConditionsMessage();
// "unknown trait 'x'" with "did you mean 'y'?" when one is close.
std::string Suggestion(std::string_view word, std::span<const std::string_view> candidates);

// 1-based line and column (in code points) of a byte offset.
std::pair<int, int> LineColumn(std::string_view text, size_t offset);

// Decodes the UTF-8 code point at text[i]; its length in bytes, or 0 when the bytes there are
// not valid UTF-8 (truncated, overlong, surrogate, above U+10FFFF).
size_t DecodeUtf8(std::string_view text, size_t i, char32_t* code_point);

}  // namespace yutang::audience::internal
