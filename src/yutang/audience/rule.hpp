// The audience rule language: which customers a segment holds, as a tree of conditions.
//
// A rule is AND / OR / NOT at any depth over conditions on tags, attributes, computed traits,
// identities, consent, events, other segments and the calendar. It has two written forms that
// round-trip: a JSON form for the API and a one-line text form for the CLI and the advanced
// editor. Both parsers report the first error with where it is (byte offset and line:column in
// text, a JSON pointer in JSON) and a message in English and Simplified Chinese.
// docs/design/rules.md is the language reference.
//
//   auto parsed = ParseRuleText(R"(order_count >= 2 within 90d and tag = "母婴" and has wecom)");
//   if (!parsed.ok()) return parsed.error().ToStatus();       // "1:17: expected …"
//   std::string json = ToJson(parsed.value());                // {"all":[{"trait":"order_count",…
//   auto again = ParseRuleJson(json);                         // again.value() == parsed.value()
//   YT_TRY(CheckCycles(parsed.value(), self_id, resolve));    // no segment refers back to itself
//
// Evaluating rules (the engine) lives elsewhere; this module is only the language.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "yutang/base/ids.hpp"
#include "yutang/base/money.hpp"
#include "yutang/base/status.hpp"
#include "yutang/base/time_zone.hpp"

namespace yutang::audience {

using SegmentId = Id<struct SegmentIdTag>;

// Limits. Keep in sync with docs/design/rules.md.
inline constexpr int kMaxRuleDepth = 32;                 // nesting levels, a lone condition being 1
inline constexpr int kMaxRuleConditions = 1000;          // leaf conditions in one rule
inline constexpr size_t kMaxRuleTextBytes = 64 * 1024;   // text form
inline constexpr size_t kMaxRuleJsonBytes = 256 * 1024;  // JSON form
inline constexpr size_t kMaxListValues = 1000;           // values in one `in (…)` or tag list
inline constexpr size_t kMaxNameBytes = 200;             // tag, event, property and segment names
inline constexpr size_t kMaxTextValueBytes = 1000;       // a text value
inline constexpr int64_t kMaxWindowDays = 3650;          // relative windows: 1d … 3650d
inline constexpr int64_t kMaxWindowHours = 87600;        //                   1h … 87600h

enum class TimeUnit { kDays, kHours };

// A relative window: "90d", "12h".
struct Duration {
    int64_t amount = 0;
    TimeUnit unit = TimeUnit::kDays;
    bool operator==(const Duration&) const = default;
};

// A literal in a comparison. Which alternatives a comparison accepts depends on what it
// compares (see docs/design/rules.md): order_count takes int64_t, total_spend Money,
// last_order_at LocalDate (or Duration after within/before), owner StaffId (StaffId{} = "none"),
// attributes and event properties any of bool, int64_t, double, Money, std::string, LocalDate.
using Value = std::variant<bool, int64_t, double, Money, std::string, LocalDate, Duration, StaffId>;

enum class Op {
    kEq,          // =
    kNe,          // !=  (≠)
    kLt,          // <
    kLe,          // <=  (≤)
    kGt,          // >
    kGe,          // >=  (≥)
    kBetween,     // between low and high, both included
    kIn,          // in (a, b, …)
    kContains,    // contains "x"      (text)
    kStartsWith,  // starts with "x"   (text)
    kIsSet,       // is set            (no value)
    kWithin,      // within 30d        (a time in the last 30 days)
    kBefore,      // before 30d        (a time earlier than that)
};

// An operator and its values: none for kIsSet, two for kBetween, one or more for kIn, one
// otherwise.
struct Comparison {
    Op op = Op::kEq;
    std::vector<Value> values;
    bool operator==(const Comparison&) const = default;
};

// ---- Conditions ----

// Every customer: {"all":[]} in JSON, `everyone` in text.
struct Everyone {
    bool operator==(const Everyone&) const = default;
};

enum class TagOp { kHas, kHasNot, kAnyOf, kAllOf };

// Tags are "group/name" (one tag of that group) or a plain "name" (a tag of that name in any
// group). kHas and kHasNot take exactly one tag, kAnyOf and kAllOf one or more.
struct TagCondition {
    TagOp op = TagOp::kHas;
    std::vector<std::string> tags;
    bool operator==(const TagCondition&) const = default;
};

// A customer attribute by name (`attr.gender`, `attr.baby_birthday`): 1–64 ASCII letters,
// digits, '_', '.' or '-', as customers/profile.hpp allows. The values' types say how to compare.
struct AttributeCondition {
    std::string attribute;
    Comparison test;
    bool operator==(const AttributeCondition&) const = default;
};

// Computed traits. Keep in sync with kTraits in internal/spec.cpp and docs/design/rules.md.
enum class Trait {
    kOrderCount,
    kTotalSpend,
    kAverageOrderValue,
    kFirstOrderAt,
    kLastOrderAt,
    kDaysSinceLastOrder,
    kDaysSinceLastSeen,
    kRfmRecency,
    kRfmFrequency,
    kRfmMonetary,
    kLifecycleStage,  // prospect, new, repeat, at_risk, churned
    kOrdersOnJd,
    kOrdersOnTaobao,
    kOrdersOnDouyin,
    kOrdersOnPdd,
    kOrdersOnYouzan,
    kOrdersOnSegment,
    kOwner,          // the owning guide (导购): StaffId, StaffId{} for none
    kSourceChannel,  // where the customer came from: "douyin_live", "package_card" …
};

// A trait compared to values; order traits (order_count, total_spend, average_order_value,
// orders_on.*) may count only the orders within a relative window.
struct TraitCondition {
    Trait trait = Trait::kOrderCount;
    Comparison test;
    std::optional<Duration> window;
    bool operator==(const TraitCondition&) const = default;
};

// The identity kinds of customers/identity.hpp (this module may not include it). Keep in sync.
enum class IdentityKind {
    kUserId,
    kWechatUnionId,
    kPhone,
    kWecomExternalUserId,
    kEmail,
    kJdBuyer,
    kTaobaoBuyer,
    kDouyinBuyer,
    kPddBuyer,
    kYouzanBuyer,
    kWechatOpenId,
    kAnonymousId,
};

// The customer has at least one usable identity of this kind (`has phone`, `has wecom`).
struct IdentityCondition {
    IdentityKind kind = IdentityKind::kPhone;
    bool operator==(const IdentityCondition&) const = default;
};

enum class ConsentPurpose { kMarketingSms, kMarketingWecom, kMarketingEmail, kMarketingPhone, kConversationArchive };

// Consent currently granted for a purpose (`consent marketing.sms`), or not granted — never
// asked, refused or withdrawn (`no consent marketing.sms`).
struct ConsentCondition {
    ConsentPurpose purpose = ConsentPurpose::kMarketingSms;
    bool consented = true;
    bool operator==(const ConsentCondition&) const = default;
};

// An event property compared to values (`where category = "奶粉"`).
struct PropertyFilter {
    std::string property;
    Comparison test;
    bool operator==(const PropertyFilter&) const = default;
};

enum class EventMeasure {
    kCount,  // how many matching events (in the window): an integer comparison
    kFirst,  // when the first matching event happened: a time comparison
    kLast,   // when the last matching event happened: a time comparison
};

// A named event, optionally filtered on one property. kCount compares the number of matching
// events (within `window`, or all time) — `event "X"` alone means count >= 1; kFirst and kLast
// compare the time of the first or last one (`event "X" last before 30d`) and take no window.
struct EventCondition {
    std::string event;
    std::optional<PropertyFilter> where;
    EventMeasure measure = EventMeasure::kCount;
    Comparison test{.op = Op::kGe, .values = {Value(int64_t{1})}};
    std::optional<Duration> window;
    bool operator==(const EventCondition&) const = default;
};

using SegmentRef = std::variant<SegmentId, std::string>;  // by id, or by name

// Member of another segment.
struct SegmentCondition {
    SegmentRef segment;
    bool operator==(const SegmentCondition&) const = default;
};

enum class BirthdayPeriod { kThisMonth, kThisWeek, kNextDays };

// The anniversary of a date attribute falls this month, this week (Monday–Sunday) or in the
// next `days` days (today included), in the tenant's time zone.
struct BirthdayCondition {
    std::string attribute;
    BirthdayPeriod period = BirthdayPeriod::kThisMonth;
    int64_t days = 0;  // kNextDays only: 1 … 366
    bool operator==(const BirthdayCondition&) const = default;
};

// Whole months from a date attribute to today in the tenant's time zone (a baby born
// 2025-01-15 is 5 months old from 2025-06-15 to 2025-07-14), compared to integers.
struct MonthsSinceCondition {
    std::string attribute;
    Comparison test;
    bool operator==(const MonthsSinceCondition&) const = default;
};

using Condition =
    std::variant<Everyone, TagCondition, AttributeCondition, TraitCondition, IdentityCondition, ConsentCondition,
                 EventCondition, SegmentCondition, BirthdayCondition, MonthsSinceCondition>;

// A node of the rule tree. A valid rule's kAll and kAny nodes have at least two children and
// kNot exactly one; parsers build only valid rules (a JSON group of one condition is that
// condition, an empty "all" is Everyone).
struct Rule {
    enum class Kind { kCondition, kAll, kAny, kNot };

    Kind kind = Kind::kCondition;
    Condition condition;         // kCondition only
    std::vector<Rule> children;  // kAll, kAny, kNot

    static Rule Of(Condition condition);
    static Rule All(std::vector<Rule> children);
    static Rule Any(std::vector<Rule> children);
    static Rule Not(Rule child);

    bool operator==(const Rule& other) const;
};

// ---- Errors ----

// The first problem found in a rule. Text form and malformed JSON: `offset` (bytes from the
// start), `line` and `column` (1-based; the column counts characters, not bytes). A JSON rule
// that is well-formed JSON but not a valid rule, and Validate(): `pointer` (RFC 6901, e.g.
// "/all/1/value"), line = column = 0.
struct RuleError {
    size_t offset = 0;
    int line = 0;
    int column = 0;
    std::string pointer;
    std::string message_en;  // "expected a value after '>='"
    std::string message_zh;  // "'>=' 后面应为一个值"

    // "1:14" or "/all/1/value" (or "/" for the whole rule).
    std::string where() const;
    // invalid_argument, message "<where>: <message_en>", field "rule".
    Status ToStatus() const;
};

// A rule or the error that stopped parsing.
class [[nodiscard]] RuleResult {
  public:
    RuleResult(Rule rule) : state_(std::move(rule)) {}         // NOLINT(google-explicit-constructor)
    RuleResult(RuleError error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    bool ok() const { return std::holds_alternative<Rule>(state_); }
    // Precondition: ok().
    const Rule& value() const& { return std::get<Rule>(state_); }
    Rule&& value() && { return std::get<Rule>(std::move(state_)); }
    // Precondition: !ok().
    const RuleError& error() const { return std::get<RuleError>(state_); }
    // OK, or error().ToStatus().
    Status status() const { return ok() ? Status() : error().ToStatus(); }

  private:
    std::variant<Rule, RuleError> state_;
};

// ---- Forms ----

// Parses the text form (grammar in docs/design/rules.md), at most kMaxRuleTextBytes of UTF-8.
// The result is valid (Validate() finds nothing). Thread-safe.
RuleResult ParseRuleText(std::string_view text);

// Parses the JSON form, at most kMaxRuleJsonBytes. Strict: unknown fields, duplicate keys and
// wrong types are errors. The result is valid. Thread-safe.
RuleResult ParseRuleJson(std::string_view json);

// The canonical text of a valid rule: lower-case keywords, one space between tokens, text in
// double quotes, parentheses around every group inside another group. ParseRuleText gives the
// rule back.
std::string ToText(const Rule& rule);

// The canonical JSON of a valid rule: compact, fields in a fixed order, defaults left out.
// ParseRuleJson gives the rule back.
std::string ToJson(const Rule& rule);

// nullopt when `rule` is valid; otherwise its first problem, located by JSON pointer: group
// sizes, depth and condition limits, operators that do not apply, value types and ranges
// (RFM scores 1–5, windows > 0, between low ≤ high …), names. For rules built in code.
std::optional<RuleError> Validate(const Rule& rule);

// ---- Segment references ----

struct ResolvedSegment {
    SegmentId id;
    std::string name;
    Rule rule;
};

// Finds another segment by id or name; an error (e.g. not_found) is passed through.
using SegmentResolver = std::function<Result<ResolvedSegment>(const SegmentRef&)>;

// The segments `rule` refers to directly, in order, each once.
std::vector<SegmentRef> ReferencedSegments(const Rule& rule);

// Checks that `rule`, as the rule of segment `self` (SegmentId{} for a segment not saved yet),
// does not refer to itself through any chain of segment conditions. OK, invalid_argument
// ("the segment refers back to itself: 7 → 9 'B' → 7", field = JSON pointer of the reference in
// `rule`), invalid_argument when the chain is deeper than kMaxRuleDepth, or the resolver's error.
// Each segment is resolved at most once.
Status CheckCycles(const Rule& rule, SegmentId self, const SegmentResolver& resolve);

}  // namespace yutang::audience
