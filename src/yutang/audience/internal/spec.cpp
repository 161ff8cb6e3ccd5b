#include "yutang/audience/internal/spec.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <system_error>

#include "yutang/base/text.hpp"

namespace yutang::audience::internal {
namespace {

// Keep in sync with enum Trait (rule.hpp) and the trait table in docs/design/rules.md.
constexpr std::array<TraitInfo, 19> kTraits = {{
    {Trait::kOrderCount, "order_count", ValueKind::kCount, true, false},
    {Trait::kTotalSpend, "total_spend", ValueKind::kMoney, true, false},
    {Trait::kAverageOrderValue, "average_order_value", ValueKind::kMoney, true, false},
    {Trait::kFirstOrderAt, "first_order_at", ValueKind::kTime, false, true},
    {Trait::kLastOrderAt, "last_order_at", ValueKind::kTime, false, true},
    {Trait::kDaysSinceLastOrder, "days_since_last_order", ValueKind::kCount, false, true},
    {Trait::kDaysSinceLastSeen, "days_since_last_seen", ValueKind::kCount, false, true},
    {Trait::kRfmRecency, "rfm_recency", ValueKind::kScore, false, true},
    {Trait::kRfmFrequency, "rfm_frequency", ValueKind::kScore, false, true},
    {Trait::kRfmMonetary, "rfm_monetary", ValueKind::kScore, false, true},
    {Trait::kLifecycleStage, "lifecycle_stage", ValueKind::kStage, false, false},
    {Trait::kOrdersOnJd, "orders_on.jd", ValueKind::kCount, true, false},
    {Trait::kOrdersOnTaobao, "orders_on.taobao", ValueKind::kCount, true, false},
    {Trait::kOrdersOnDouyin, "orders_on.douyin", ValueKind::kCount, true, false},
    {Trait::kOrdersOnPdd, "orders_on.pdd", ValueKind::kCount, true, false},
    {Trait::kOrdersOnYouzan, "orders_on.youzan", ValueKind::kCount, true, false},
    {Trait::kOrdersOnSegment, "orders_on.segment", ValueKind::kCount, true, false},
    {Trait::kOwner, "owner", ValueKind::kStaff, false, false},
    {Trait::kSourceChannel, "source_channel", ValueKind::kString, false, true},
}};

struct IdentityNames {
    IdentityKind kind;
    std::string_view json;
    std::string_view text;
};

// Names as in customers/identity.cpp (kKindRules). Keep in sync.
constexpr std::array<IdentityNames, 12> kIdentities = {{
    {IdentityKind::kUserId, "user_id", "user_id"},
    {IdentityKind::kWechatUnionId, "wechat_unionid", "wechat_unionid"},
    {IdentityKind::kPhone, "phone", "phone"},
    {IdentityKind::kWecomExternalUserId, "wecom_external_userid", "wecom"},
    {IdentityKind::kEmail, "email", "email"},
    {IdentityKind::kJdBuyer, "jd", "jd"},
    {IdentityKind::kTaobaoBuyer, "taobao", "taobao"},
    {IdentityKind::kDouyinBuyer, "douyin", "douyin"},
    {IdentityKind::kPddBuyer, "pdd", "pdd"},
    {IdentityKind::kYouzanBuyer, "youzan", "youzan"},
    {IdentityKind::kWechatOpenId, "wechat_openid", "wechat_openid"},
    {IdentityKind::kAnonymousId, "anonymous_id", "anonymous_id"},
}};
constexpr std::array<IdentityKind, 12> kIdentityKinds = {
    IdentityKind::kUserId,       IdentityKind::kWechatUnionId,
    IdentityKind::kPhone,        IdentityKind::kWecomExternalUserId,
    IdentityKind::kEmail,        IdentityKind::kJdBuyer,
    IdentityKind::kTaobaoBuyer,  IdentityKind::kDouyinBuyer,
    IdentityKind::kPddBuyer,     IdentityKind::kYouzanBuyer,
    IdentityKind::kWechatOpenId, IdentityKind::kAnonymousId};

struct PurposeNames {
    ConsentPurpose purpose;
    std::string_view name;
};
constexpr std::array<PurposeNames, 5> kPurposes = {{
    {ConsentPurpose::kMarketingSms, "marketing.sms"},
    {ConsentPurpose::kMarketingWecom, "marketing.wecom"},
    {ConsentPurpose::kMarketingEmail, "marketing.email"},
    {ConsentPurpose::kMarketingPhone, "marketing.phone"},
    {ConsentPurpose::kConversationArchive, "conversation_archive"},
}};
constexpr std::array<ConsentPurpose, 5> kPurposeList = {
    ConsentPurpose::kMarketingSms, ConsentPurpose::kMarketingWecom, ConsentPurpose::kMarketingEmail,
    ConsentPurpose::kMarketingPhone, ConsentPurpose::kConversationArchive};

constexpr std::array<std::string_view, 5> kStages = {"prospect", "new", "repeat", "at_risk", "churned"};

struct OpNames {
    Op op;
    std::string_view json;
    std::string_view text;
};
constexpr std::array<OpNames, 13> kOps = {{
    {Op::kEq, "=", "="},
    {Op::kNe, "!=", "!="},
    {Op::kLt, "<", "<"},
    {Op::kLe, "<=", "<="},
    {Op::kGt, ">", ">"},
    {Op::kGe, ">=", ">="},
    {Op::kBetween, "between", "between"},
    {Op::kIn, "in", "in"},
    {Op::kContains, "contains", "contains"},
    {Op::kStartsWith, "starts_with", "starts with"},
    {Op::kIsSet, "is_set", "is set"},
    {Op::kWithin, "within", "within"},
    {Op::kBefore, "before", "before"},
}};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
    static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && IsLeapYear(year)) return 29;
    return kDays[static_cast<size_t>(month - 1)];
}

// base's IsValidDate needs the tz library; this also bounds the year.
bool IsDateInRange(const LocalDate& date) {
    return date.year >= 1900 && date.year <= 2200 && date.month >= 1 && date.month <= 12 && date.day >= 1 &&
           date.day <= DaysInMonth(date.year, date.month);
}

Problem At(std::string part, std::string en, std::string zh) {
    return Problem{.part = std::move(part), .message = {.en = std::move(en), .zh = std::move(zh)}};
}

// Names, tag names and text values: UTF-8 without control characters, 1 … max bytes.
std::optional<Message> CheckText(std::string_view text, size_t max_bytes, std::string_view what_en,
                                 std::string_view what_zh) {
    if (text.empty()) return Message{std::string(what_en) + " cannot be empty", std::string(what_zh) + "不能为空"};
    if (text.size() > max_bytes) {
        return Message{std::string(what_en) + " is longer than " + std::to_string(max_bytes) + " bytes",
                       std::string(what_zh) + "超过 " + std::to_string(max_bytes) + " 字节"};
    }
    if (!Utf8Length(text)) {
        return Message{std::string(what_en) + " is not valid UTF-8", std::string(what_zh) + "不是有效的 UTF-8 文本"};
    }
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7F) {
            return Message{std::string(what_en) + " cannot contain control characters (line breaks, tabs …)",
                           std::string(what_zh) + "不能包含控制字符（换行、制表符等）"};
        }
    }
    return std::nullopt;
}

std::optional<Message> CheckTagName(std::string_view tag) {
    if (auto m = CheckText(tag, kMaxNameBytes, "a tag", "标签")) return m;
    const size_t slash = tag.find('/');
    if (slash != std::string_view::npos &&
        (slash == 0 || slash + 1 == tag.size() || tag.find('/', slash + 1) != std::string_view::npos)) {
        return Message{"a tag is \"group/name\" or \"name\": one '/' between two non-empty parts",
                       "标签写作 \"分组/名称\" 或 \"名称\"：最多一个 '/'，两侧都不能为空"};
    }
    if (tag.front() == ' ' || tag.back() == ' ') {
        return Message{"a tag cannot begin or end with a space", "标签首尾不能有空格"};
    }
    return std::nullopt;
}

std::optional<Message> CheckWindow(const Duration& window) {
    const int64_t max = window.unit == TimeUnit::kDays ? kMaxWindowDays : kMaxWindowHours;
    if (window.amount < 1 || window.amount > max) {
        return Message{"a window is 1d to " + std::to_string(kMaxWindowDays) + "d or 1h to " +
                           std::to_string(kMaxWindowHours) + "h",
                       "时间窗口为 1d 到 " + std::to_string(kMaxWindowDays) + "d，或 1h 到 " +
                           std::to_string(kMaxWindowHours) + "h"};
    }
    return std::nullopt;
}

enum class Family { kBool, kNumber, kMoney, kString, kDate, kDuration, kStaff };

Family FamilyOf(const Value& value) {
    switch (value.index()) {
        case 0:
            return Family::kBool;
        case 1:
        case 2:
            return Family::kNumber;
        case 3:
            return Family::kMoney;
        case 4:
            return Family::kString;
        case 5:
            return Family::kDate;
        case 6:
            return Family::kDuration;
        default:
            return Family::kStaff;
    }
}

}  // namespace

Message Expectation(ValueKind kind, Op op) {
    if (op == Op::kWithin || op == Op::kBefore) return {"a duration such as 30d or 12h", "时长，如 30d 或 12h"};
    switch (kind) {
        case ValueKind::kCount:
            return {"a whole number ≥ 0", "不小于 0 的整数"};
        case ValueKind::kScore:
            return {"an RFM score from 1 to 5", "1 到 5 的 RFM 评分"};
        case ValueKind::kMonths:
            return {"a whole number of months from 0 to 1200", "0 到 1200 的整月数"};
        case ValueKind::kMoney:
            return {"an amount in yuan ≥ 0 with at most two decimals, e.g. 500 or 99.90",
                    "不小于 0、最多两位小数的金额（元），如 500 或 99.90"};
        case ValueKind::kTime:
            return {"a date such as 2024-03-08", "日期，如 2024-03-08"};
        case ValueKind::kStage:
            return {"a lifecycle stage: prospect, new, repeat, at_risk or churned",
                    "生命周期阶段：prospect、new、repeat、at_risk 或 churned"};
        case ValueKind::kStaff:
            return {"a staff id or none", "员工 id 或 none"};
        case ValueKind::kString:
            return {"text in quotes", "带引号的文本"};
        case ValueKind::kAny:
            break;
    }
    switch (op) {
        case Op::kContains:
        case Op::kStartsWith:
            return {"text in quotes", "带引号的文本"};
        case Op::kLt:
        case Op::kLe:
        case Op::kGt:
        case Op::kGe:
        case Op::kBetween:
            return {"a number, an amount (¥) or a date", "数字、金额（¥）或日期"};
        default:
            return {"text, a number, an amount (¥), a date, true or false",
                    "文本、数字、金额（¥）、日期、true 或 false"};
    }
}

namespace {

Message Mismatch(ValueKind kind, Op op, std::string_view subject) {
    const Message expected = Expectation(kind, op);
    return {"'" + std::string(OpText(op)) + "' on " + std::string(subject) + " takes " + expected.en,
            std::string(subject) + " 的 '" + std::string(OpText(op)) + "' 应为" + expected.zh};
}

std::optional<Message> CheckValue(const Value& value, ValueKind kind, Op op, std::string_view subject) {
    const Family family = FamilyOf(value);
    if (op == Op::kWithin || op == Op::kBefore) {
        if (family != Family::kDuration) return Mismatch(kind, op, subject);
        return CheckWindow(std::get<Duration>(value));
    }
    if (family == Family::kDuration) return Mismatch(kind, op, subject);
    auto integer_in = [&](int64_t low, int64_t high) -> std::optional<Message> {
        if (!std::holds_alternative<int64_t>(value)) return Mismatch(kind, op, subject);
        const int64_t v = std::get<int64_t>(value);
        if (v < low || v > high) {
            const Message expected = Expectation(kind, op);
            return Message{std::string(subject) + " takes " + expected.en + ", not " + std::to_string(v),
                           std::string(subject) + " 应为" + expected.zh + "，不能是 " + std::to_string(v)};
        }
        return std::nullopt;
    };
    switch (kind) {
        case ValueKind::kCount:
            return integer_in(0, std::numeric_limits<int64_t>::max());
        case ValueKind::kScore:
            return integer_in(1, 5);
        case ValueKind::kMonths:
            return integer_in(0, 1200);
        case ValueKind::kMoney:
            if (family != Family::kMoney) return Mismatch(kind, op, subject);
            if (std::get<Money>(value).fen() < 0) {
                return Message{std::string(subject) + " cannot be compared to a negative amount",
                               std::string(subject) + " 不能与负数金额比较"};
            }
            return std::nullopt;
        case ValueKind::kTime:
            if (family != Family::kDate) return Mismatch(kind, op, subject);
            break;
        case ValueKind::kStage:
            if (family != Family::kString ||
                std::find(kStages.begin(), kStages.end(), std::get<std::string>(value)) == kStages.end()) {
                return Mismatch(kind, op, subject);
            }
            return std::nullopt;
        case ValueKind::kStaff:
            if (family != Family::kStaff || std::get<StaffId>(value).value() < 0) return Mismatch(kind, op, subject);
            return std::nullopt;
        case ValueKind::kString:
            if (family != Family::kString) return Mismatch(kind, op, subject);
            break;
        case ValueKind::kAny:
            switch (op) {
                case Op::kContains:
                case Op::kStartsWith:
                    if (family != Family::kString) return Mismatch(kind, op, subject);
                    break;
                case Op::kLt:
                case Op::kLe:
                case Op::kGt:
                case Op::kGe:
                case Op::kBetween:
                    if (family != Family::kNumber && family != Family::kMoney && family != Family::kDate) {
                        return Mismatch(kind, op, subject);
                    }
                    break;
                default:
                    if (family == Family::kStaff) return Mismatch(kind, op, subject);
                    break;
            }
            break;
    }
    // Shape checks shared by every kind.
    if (family == Family::kString) {
        return CheckText(std::get<std::string>(value), kMaxTextValueBytes, "a text value", "文本值");
    }
    if (family == Family::kDate && !IsDateInRange(std::get<LocalDate>(value))) {
        return Message{"not a date between 1900-01-01 and 2200-12-31", "不是 1900-01-01 到 2200-12-31 之间的有效日期"};
    }
    if (std::holds_alternative<double>(value) && !std::isfinite(std::get<double>(value))) {
        return Message{"numbers must be finite", "数字必须是有限值"};
    }
    return std::nullopt;
}

// -1, 0, 1; nullopt when the two cannot be ordered.
std::optional<int> Order(const Value& a, const Value& b) {
    auto sign = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
    auto as_double = [](const Value& v) {
        return std::holds_alternative<int64_t>(v) ? static_cast<double>(std::get<int64_t>(v)) : std::get<double>(v);
    };
    if (std::holds_alternative<int64_t>(a) && std::holds_alternative<int64_t>(b)) {
        return sign(std::get<int64_t>(a), std::get<int64_t>(b));
    }
    if (FamilyOf(a) == Family::kNumber && FamilyOf(b) == Family::kNumber) return sign(as_double(a), as_double(b));
    if (std::holds_alternative<Money>(a) && std::holds_alternative<Money>(b)) {
        return sign(std::get<Money>(a).fen(), std::get<Money>(b).fen());
    }
    if (std::holds_alternative<LocalDate>(a) && std::holds_alternative<LocalDate>(b)) {
        return sign(std::get<LocalDate>(a), std::get<LocalDate>(b));
    }
    return std::nullopt;
}

}  // namespace

std::string AllowedOpsText(ValueKind kind, bool settable) {
    std::string list;
    for (const OpNames& names : kOps) {
        if (!OpAllowed(kind, names.op) || (names.op == Op::kIsSet && !settable)) continue;
        if (!list.empty()) list += ", ";
        list += names.text;
    }
    return list;
}

namespace {

std::optional<Problem> CheckComparison(const Comparison& test, ValueKind kind, std::string_view subject,
                                       bool settable) {
    const std::string op(OpText(test.op));
    if (!OpAllowed(kind, test.op) || (test.op == Op::kIsSet && !settable)) {
        const std::string allowed = AllowedOpsText(kind, settable);
        return At("/op", "'" + op + "' cannot be used with " + std::string(subject) + " (use " + allowed + ")",
                  std::string(subject) + " 不能使用 '" + op + "'（可用：" + allowed + "）");
    }
    const size_t n = test.values.size();
    switch (test.op) {
        case Op::kIsSet:
            if (n != 0) return At("/value", "'is set' takes no value", "'is set' 不带值");
            return std::nullopt;
        case Op::kBetween:
            if (n != 2) {
                return At("/value", "'between' takes two values, low and high", "'between' 需要两个值：下限和上限");
            }
            break;
        case Op::kIn:
            if (n == 0) return At("/value", "'in' needs at least one value", "'in' 至少需要一个值");
            if (n > kMaxListValues) {
                return At("/value", "'in' takes at most " + std::to_string(kMaxListValues) + " values",
                          "'in' 最多 " + std::to_string(kMaxListValues) + " 个值");
            }
            break;
        default:
            if (n != 1) return At("/value", "'" + op + "' takes one value", "'" + op + "' 只带一个值");
            break;
    }
    const bool list = test.op == Op::kBetween || test.op == Op::kIn;
    for (size_t i = 0; i < n; ++i) {
        const std::string part = list ? "/value/" + std::to_string(i) : "/value";
        if (auto m = CheckValue(test.values[i], kind, test.op, subject)) return Problem{part, std::move(*m)};
        if (list && i > 0) {
            const Family first = FamilyOf(test.values[0]);
            if (FamilyOf(test.values[i]) != first) {
                return At(part, "all values of '" + op + "' must have the same type",
                          "'" + op + "' 的所有值必须是同一类型");
            }
        }
    }
    if (test.op == Op::kBetween) {
        const std::optional<int> order = Order(test.values[0], test.values[1]);
        if (order && *order > 0) {
            return At("/value", "'between' needs low ≤ high", "'between' 的下限不能大于上限");
        }
    }
    return std::nullopt;
}

std::optional<Problem> Prefixed(std::string_view prefix, std::optional<Problem> problem) {
    if (problem) problem->part = std::string(prefix) + problem->part;
    return problem;
}

std::optional<Problem> CheckAttributeName(std::string_view name, std::string part) {
    if (IsAttributeName(name)) return std::nullopt;
    return At(std::move(part), "an attribute name is 1 to 64 letters, digits, '_', '.' or '-'",
              "属性名为 1 到 64 个字母、数字、'_'、'.' 或 '-'");
}

std::optional<Problem> CheckOne(const Everyone&) { return std::nullopt; }

std::optional<Problem> CheckOne(const TagCondition& c) {
    const bool single = c.op == TagOp::kHas || c.op == TagOp::kHasNot;
    const std::string op(TagOpName(c.op));
    if (single && c.tags.size() != 1) {
        return At("/tag", "'" + op + "' takes one tag; use any_of or all_of for several",
                  "'" + op + "' 只带一个标签；多个标签请用 any_of 或 all_of");
    }
    if (c.tags.empty()) return At("/tag", "'" + op + "' needs at least one tag", "'" + op + "' 至少需要一个标签");
    if (c.tags.size() > kMaxListValues) {
        return At("/tag", "at most " + std::to_string(kMaxListValues) + " tags",
                  "最多 " + std::to_string(kMaxListValues) + " 个标签");
    }
    for (size_t i = 0; i < c.tags.size(); ++i) {
        if (auto m = CheckTagName(c.tags[i])) {
            return Problem{single ? "/tag" : "/tag/" + std::to_string(i), std::move(*m)};
        }
    }
    return std::nullopt;
}

std::optional<Problem> CheckOne(const AttributeCondition& c) {
    if (auto p = CheckAttributeName(c.attribute, "/attribute")) return p;
    return CheckComparison(c.test, ValueKind::kAny, "attr." + c.attribute, true);
}

std::optional<Problem> CheckOne(const TraitCondition& c) {
    const TraitInfo& info = InfoOf(c.trait);
    if (auto p = CheckComparison(c.test, info.kind, info.name, info.settable)) return p;
    if (c.window) {
        if (!info.windowed) {
            return At("/within",
                      "only order_count, total_spend, average_order_value and orders_on.* take a window, not " +
                          std::string(info.name),
                      "只有 order_count、total_spend、average_order_value 和 orders_on.* 可以加时间窗口，" +
                          std::string(info.name) + " 不可以");
        }
        if (auto m = CheckWindow(*c.window)) return Problem{"/within", std::move(*m)};
    }
    return std::nullopt;
}

std::optional<Problem> CheckOne(const IdentityCondition& c) {
    if (IdentityName(c.kind).empty()) return At("/has", "unknown identity kind", "未知的身份类型");
    return std::nullopt;
}

std::optional<Problem> CheckOne(const ConsentCondition& c) {
    if (PurposeName(c.purpose).empty()) return At("/consent", "unknown consent purpose", "未知的授权用途");
    return std::nullopt;
}

std::optional<Problem> CheckOne(const EventCondition& c) {
    if (auto m = CheckText(c.event, kMaxNameBytes, "an event name", "事件名")) return Problem{"/event", std::move(*m)};
    if (c.where) {
        if (auto m = CheckText(c.where->property, kMaxNameBytes, "a property name", "属性名")) {
            return Problem{"/where/property", std::move(*m)};
        }
        const std::string subject = "property " + c.where->property;
        if (auto p = Prefixed("/where", CheckComparison(c.where->test, ValueKind::kAny, subject, true))) return p;
    }
    if (c.measure == EventMeasure::kCount) {
        if (auto p = Prefixed("/count", CheckComparison(c.test, ValueKind::kCount, "the event count", false))) {
            return p;
        }
        if (c.window) {
            if (auto m = CheckWindow(*c.window)) return Problem{"/within", std::move(*m)};
        }
        return std::nullopt;
    }
    const std::string name(EventMeasureName(c.measure));
    if (auto p = Prefixed("/" + name, CheckComparison(c.test, ValueKind::kTime, "the " + name + " event", false))) {
        return p;
    }
    if (c.window) {
        return At("/within", "a window applies to event counts; write '" + name + " within 30d' instead",
                  "时间窗口只用于事件次数；请写作 '" + name + " within 30d'");
    }
    return std::nullopt;
}

std::optional<Problem> CheckOne(const SegmentCondition& c) {
    if (const auto* id = std::get_if<SegmentId>(&c.segment)) {
        if (!id->valid()) return At("/segment", "segment ids are positive", "分群 id 必须是正整数");
        return std::nullopt;
    }
    if (auto m = CheckText(std::get<std::string>(c.segment), kMaxNameBytes, "a segment name", "分群名")) {
        return Problem{"/segment", std::move(*m)};
    }
    return std::nullopt;
}

std::optional<Problem> CheckOne(const BirthdayCondition& c) {
    if (auto p = CheckAttributeName(c.attribute, "/birthday")) return p;
    if (c.period == BirthdayPeriod::kNextDays) {
        if (c.days < 1 || c.days > 366) {
            return At("/value", "'next' takes 1 to 366 days", "'next' 的天数为 1 到 366");
        }
    } else if (c.days != 0) {
        return At("/value", "'" + std::string(BirthdayPeriodName(c.period)) + "' takes no value",
                  "'" + std::string(BirthdayPeriodName(c.period)) + "' 不带值");
    }
    return std::nullopt;
}

std::optional<Problem> CheckOne(const MonthsSinceCondition& c) {
    if (auto p = CheckAttributeName(c.attribute, "/months_since")) return p;
    return CheckComparison(c.test, ValueKind::kMonths, "months_since", false);
}

size_t EditDistance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

}  // namespace

std::span<const TraitInfo> AllTraits() { return kTraits; }

const TraitInfo& InfoOf(Trait trait) {
    for (const TraitInfo& info : kTraits) {
        if (info.trait == trait) return info;
    }
    return kTraits[0];  // unreachable for a declared enumerator
}

std::optional<Trait> TraitByName(std::string_view name) {
    for (const TraitInfo& info : kTraits) {
        if (info.name == name) return info.trait;
    }
    return std::nullopt;
}

std::string_view IdentityName(IdentityKind kind) {
    for (const IdentityNames& names : kIdentities) {
        if (names.kind == kind) return names.json;
    }
    return {};
}

std::string_view IdentityTextName(IdentityKind kind) {
    for (const IdentityNames& names : kIdentities) {
        if (names.kind == kind) return names.text;
    }
    return {};
}

std::optional<IdentityKind> IdentityByName(std::string_view name) {
    for (const IdentityNames& names : kIdentities) {
        if (names.json == name || names.text == name) return names.kind;
    }
    return std::nullopt;
}

std::span<const IdentityKind> AllIdentityKinds() { return kIdentityKinds; }

std::string_view PurposeName(ConsentPurpose purpose) {
    for (const PurposeNames& names : kPurposes) {
        if (names.purpose == purpose) return names.name;
    }
    return {};
}

std::optional<ConsentPurpose> PurposeByName(std::string_view name) {
    for (const PurposeNames& names : kPurposes) {
        if (names.name == name) return names.purpose;
    }
    return std::nullopt;
}

std::span<const ConsentPurpose> AllPurposes() { return kPurposeList; }

std::span<const std::string_view> LifecycleStages() { return kStages; }

std::string_view OpName(Op op) {
    for (const OpNames& names : kOps) {
        if (names.op == op) return names.json;
    }
    return "?";
}

std::string_view OpText(Op op) {
    for (const OpNames& names : kOps) {
        if (names.op == op) return names.text;
    }
    return "?";
}

std::optional<Op> OpByName(std::string_view name) {
    for (const OpNames& names : kOps) {
        if (names.json == name) return names.op;
    }
    if (name == "==") return Op::kEq;
    if (name == "≠") return Op::kNe;
    if (name == "≤") return Op::kLe;
    if (name == "≥") return Op::kGe;
    return std::nullopt;
}

bool OpAllowed(ValueKind kind, Op op) {
    switch (op) {
        case Op::kEq:
        case Op::kNe:
            return true;
        case Op::kLt:
        case Op::kLe:
        case Op::kGt:
        case Op::kGe:
        case Op::kBetween:
            return kind == ValueKind::kCount || kind == ValueKind::kScore || kind == ValueKind::kMonths ||
                   kind == ValueKind::kMoney || kind == ValueKind::kTime || kind == ValueKind::kAny;
        case Op::kIn:
            return kind != ValueKind::kMoney && kind != ValueKind::kTime;
        case Op::kContains:
            return kind == ValueKind::kAny;
        case Op::kStartsWith:
            return kind == ValueKind::kString || kind == ValueKind::kAny;
        case Op::kIsSet:
            return kind != ValueKind::kStage && kind != ValueKind::kStaff;
        case Op::kWithin:
        case Op::kBefore:
            return kind == ValueKind::kTime || kind == ValueKind::kAny;
    }
    return false;
}

std::string_view TagOpName(TagOp op) {
    switch (op) {
        case TagOp::kHas:
            return "has";
        case TagOp::kHasNot:
            return "has_not";
        case TagOp::kAnyOf:
            return "any_of";
        case TagOp::kAllOf:
            return "all_of";
    }
    return "?";
}

std::string_view EventMeasureName(EventMeasure measure) {
    switch (measure) {
        case EventMeasure::kCount:
            return "count";
        case EventMeasure::kFirst:
            return "first";
        case EventMeasure::kLast:
            return "last";
    }
    return "?";
}

std::string_view BirthdayPeriodName(BirthdayPeriod period) {
    switch (period) {
        case BirthdayPeriod::kThisMonth:
            return "this_month";
        case BirthdayPeriod::kThisWeek:
            return "this_week";
        case BirthdayPeriod::kNextDays:
            return "next_days";
    }
    return "?";
}

std::string FormatInteger(int64_t value) { return std::to_string(value); }

std::string FormatDouble(double value) {
    std::array<char, 64> buffer{};
    const auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    if (error != std::errc()) return "0.0";
    std::string text(buffer.data(), end);
    // A double always reads back as a double: 2.0 stays "2.0", never the integer "2".
    if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
    return text;
}

std::string FormatYuanValue(Money money) {
    if (money.fen() % 100 == 0) return std::to_string(money.fen() / 100);
    return yutang::FormatYuan(money);
}

std::string FormatDuration(Duration duration) {
    return std::to_string(duration.amount) + (duration.unit == TimeUnit::kDays ? "d" : "h");
}

std::optional<int64_t> ParseIntegerText(std::string_view text) {
    std::string_view digits = text;
    if (!digits.empty() && digits.front() == '-') digits.remove_prefix(1);
    if (digits.empty() || !std::all_of(digits.begin(), digits.end(), IsDigit)) return std::nullopt;
    if (digits.size() > 1 && digits.front() == '0') return std::nullopt;
    int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::optional<double> ParseDoubleText(std::string_view text) {
    // RFC 8259 number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    size_t i = 0;
    auto digits = [&] {
        const size_t start = i;
        while (i < text.size() && IsDigit(text[i])) ++i;
        return i - start;
    };
    if (i < text.size() && text[i] == '-') ++i;
    const size_t integer_start = i;
    const size_t integer_digits = digits();
    if (integer_digits == 0 || (integer_digits > 1 && text[integer_start] == '0')) return std::nullopt;
    if (i < text.size() && text[i] == '.') {
        ++i;
        if (digits() == 0) return std::nullopt;
    }
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
        if (digits() == 0) return std::nullopt;
    }
    if (i != text.size()) return std::nullopt;
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
    return value;
}

std::optional<Money> ParseYuanText(std::string_view text) {
    for (std::string_view sign : {std::string_view("¥"), std::string_view("￥")}) {
        if (text.starts_with(sign)) {
            text.remove_prefix(sign.size());
            break;
        }
    }
    if (text.empty() || text.front() == ' ' || text.back() == ' ') return std::nullopt;
    auto money = ParseYuan(text);
    if (!money.ok()) return std::nullopt;
    return *money;
}

std::optional<LocalDate> ParseDateText(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    for (const size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u}) {
        if (!IsDigit(text[i])) return std::nullopt;
    }
    auto number = [&](size_t from, size_t count) {
        int value = 0;
        for (size_t i = from; i < from + count; ++i) value = value * 10 + (text[i] - '0');
        return value;
    };
    return LocalDate{.year = number(0, 4), .month = number(5, 2), .day = number(8, 2)};
}

std::optional<Duration> ParseDurationText(std::string_view text) {
    if (text.size() < 2 || text.size() > 12) return std::nullopt;
    const char unit = text.back();
    if (unit != 'd' && unit != 'h') return std::nullopt;
    const std::string_view digits = text.substr(0, text.size() - 1);
    if (!std::all_of(digits.begin(), digits.end(), IsDigit)) return std::nullopt;
    int64_t amount = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), amount);
    if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    return Duration{.amount = amount, .unit = unit == 'd' ? TimeUnit::kDays : TimeUnit::kHours};
}

bool IsIntegerText(std::string_view text) { return text.find_first_of(".eE") == std::string_view::npos; }

bool IsAttributeName(std::string_view name) {
    // The rule of customers::ValidateAttributeName. Keep in sync.
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_' || c == '.' || c == '-';
    });
}

std::optional<Problem> CheckCondition(const Condition& condition) {
    return std::visit([](const auto& c) { return CheckOne(c); }, condition);
}

Message InvalidUtf8Message() { return {"the rule is not valid UTF-8 here", "此处不是有效的 UTF-8 文本"}; }

Message TooLargeMessage(size_t limit) {
    return {"the rule is longer than " + std::to_string(limit) + " bytes",
            "规则超过 " + std::to_string(limit) + " 字节"};
}

Message TooDeepMessage() {
    return {"the rule nests deeper than " + std::to_string(kMaxRuleDepth) + " levels",
            "规则嵌套超过 " + std::to_string(kMaxRuleDepth) + " 层"};
}

Message TooManyConditionsMessage() {
    return {"the rule has more than " + std::to_string(kMaxRuleConditions) + " conditions",
            "规则的条件超过 " + std::to_string(kMaxRuleConditions) + " 个"};
}

std::string Suggestion(std::string_view word, std::span<const std::string_view> candidates) {
    std::string_view best;
    size_t best_distance = std::numeric_limits<size_t>::max();
    for (std::string_view candidate : candidates) {
        const size_t distance = EditDistance(word, candidate);
        if (distance < best_distance) {
            best_distance = distance;
            best = candidate;
        }
    }
    if (best.empty() || best_distance == 0 || best_distance > std::max<size_t>(1, word.size() / 3)) return {};
    return std::string(best);
}

std::pair<int, int> LineColumn(std::string_view text, size_t offset) {
    int line = 1;
    int column = 1;
    offset = std::min(offset, text.size());
    for (size_t i = 0; i < offset;) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
            ++i;
            continue;
        }
        char32_t code_point = 0;
        const size_t length = DecodeUtf8(text, i, &code_point);
        i += length == 0 ? 1 : length;
        ++column;
    }
    return {line, column};
}

size_t DecodeUtf8(std::string_view text, size_t i, char32_t* code_point) {
    const auto byte = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    char32_t value = 0;
    if (byte < 0x80) {
        *code_point = byte;
        return 1;
    }
    if ((byte & 0xE0) == 0xC0) {
        length = 2;
        value = byte & 0x1Fu;
    } else if ((byte & 0xF0) == 0xE0) {
        length = 3;
        value = byte & 0x0Fu;
    } else if ((byte & 0xF8) == 0xF0) {
        length = 4;
        value = byte & 0x07u;
    } else {
        return 0;
    }
    if (i + length > text.size()) return 0;
    for (size_t k = 1; k < length; ++k) {
        const auto next = static_cast<unsigned char>(text[i + k]);
        if ((next & 0xC0) != 0x80) return 0;
        value = (value << 6) | (next & 0x3Fu);
    }
    static constexpr std::array<char32_t, 5> kMinimum = {0, 0, 0x80, 0x800, 0x10000};
    if (value < kMinimum[length] || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
    *code_point = value;
    return length;
}

}  // namespace yutang::audience::internal
