#include "yutang/audience/engine.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>

#include "yutang/audience/internal/bitmap.hpp"
#include "yutang/audience/internal/index_data.hpp"
#include "yutang/audience/internal/spec.hpp"

namespace yutang::audience {
namespace {

using internal::AttributeColumn;
using internal::Bitmap;
using internal::IndexAccess;
using internal::IndexData;
using internal::kNoDay;
using internal::kNoTime;

constexpr int64_t kMinTime = std::numeric_limits<int64_t>::min() + 1;  // kNoTime is never inside a range
constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();
constexpr int64_t kMicrosPerHour = int64_t{3'600'000'000};
// Days before this are treated as the beginning of time (no stored time is that old).
const int32_t kFirstDay = DayNumber(LocalDate{1800, 1, 1});

// ---- tests on one value ---------------------------------------------------------------------

int64_t AsInteger(const Value& v) {
    if (const auto* money = std::get_if<Money>(&v)) return money->fen();
    if (const auto* staff = std::get_if<StaffId>(&v)) return staff->value();
    if (const auto* i = std::get_if<int64_t>(&v)) return *i;
    return 0;
}

double AsDouble(const Value& v) {
    if (const auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
    if (const auto* d = std::get_if<double>(&v)) return *d;
    // Money compares with numbers as yuan; fen / 100.0 is the double nearest the decimal amount,
    // as the number's own text reads.
    if (const auto* money = std::get_if<Money>(&v)) return static_cast<double>(money->fen()) / 100.0;
    return 0;
}

// =, !=, <, <=, >, >=, between, in over ordered values.
template <typename T>
struct OrderTest {
    Op op = Op::kEq;
    std::vector<T> v;
    bool operator()(T x) const {
        switch (op) {
            case Op::kEq:
                return x == v[0];
            case Op::kNe:
                return x != v[0];
            case Op::kLt:
                return x < v[0];
            case Op::kLe:
                return x <= v[0];
            case Op::kGt:
                return x > v[0];
            case Op::kGe:
                return x >= v[0];
            case Op::kBetween:
                return v[0] <= x && x <= v[1];
            case Op::kIn:
                return std::find(v.begin(), v.end(), x) != v.end();
            default:
                return false;
        }
    }
};

OrderTest<int64_t> IntegerTest(const Comparison& c) {
    OrderTest<int64_t> t{.op = c.op};
    for (const Value& v : c.values) t.v.push_back(AsInteger(v));
    return t;
}

OrderTest<double> NumberTest(const Comparison& c) {
    OrderTest<double> t{.op = c.op};
    for (const Value& v : c.values) t.v.push_back(AsDouble(v));
    return t;
}

// Membership in a union of half-open ranges [low, high), optionally negated: times and days.
struct RangeTest {
    std::vector<std::pair<int64_t, int64_t>> ranges;
    bool negate = false;
    bool operator()(int64_t x) const {
        bool in = false;
        for (const auto& [low, high] : ranges) in = in || (low <= x && x < high);
        return in != negate;
    }
};

// Membership in a union of inclusive ranges of integers: every integer test (a comparison, a
// window, a day range) becomes one, so that a scan tests each value with a subtraction and a
// compare per range, whatever the operator. Sorted and disjoint.
struct IntRanges {
    static constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
    static constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    std::vector<std::pair<int64_t, int64_t>> ranges;

    bool operator()(int64_t x) const {
        for (const auto& [low, high] : ranges) {
            if (static_cast<uint64_t>(x) - static_cast<uint64_t>(low) <=
                static_cast<uint64_t>(high) - static_cast<uint64_t>(low))
                return true;
        }
        return false;
    }
    void Add(int64_t low, int64_t high) {
        if (low <= high) ranges.emplace_back(low, high);
    }
    // Sorts and merges overlapping or adjacent ranges.
    IntRanges& Normalize() {
        std::sort(ranges.begin(), ranges.end());
        std::vector<std::pair<int64_t, int64_t>> out;
        for (const auto& r : ranges) {
            if (!out.empty() && (out.back().second == kMax || r.first <= out.back().second + 1)) {
                out.back().second = std::max(out.back().second, r.second);
            } else {
                out.push_back(r);
            }
        }
        ranges = std::move(out);
        return *this;
    }
    // Keeps only [low, high].
    IntRanges& Clip(int64_t low, int64_t high) {
        std::vector<std::pair<int64_t, int64_t>> out;
        for (const auto& [a, b] : ranges) {
            if (std::max(a, low) <= std::min(b, high)) out.emplace_back(std::max(a, low), std::min(b, high));
        }
        ranges = std::move(out);
        return *this;
    }
    // The complement within [low, high].
    IntRanges Complement(int64_t low, int64_t high) const {
        IntRanges sorted = *this;
        sorted.Normalize();
        IntRanges out;
        int64_t next = low;
        bool done = false;
        for (const auto& [a, b] : sorted.ranges) {
            if (b < next) continue;
            if (a > high) break;
            if (a > next) out.Add(next, a - 1);
            if (b >= high) {
                done = true;
                break;
            }
            next = b + 1;
        }
        if (!done) out.Add(next, high);
        return out;
    }

    // An integer comparison.
    static IntRanges Of(const OrderTest<int64_t>& t) {
        IntRanges out;
        const auto& v = t.v;
        switch (t.op) {
            case Op::kEq:
                out.Add(v[0], v[0]);
                break;
            case Op::kNe:
                if (v[0] > kMin) out.Add(kMin, v[0] - 1);
                if (v[0] < kMax) out.Add(v[0] + 1, kMax);
                break;
            case Op::kLt:
                if (v[0] > kMin) out.Add(kMin, v[0] - 1);
                break;
            case Op::kLe:
                out.Add(kMin, v[0]);
                break;
            case Op::kGt:
                if (v[0] < kMax) out.Add(v[0] + 1, kMax);
                break;
            case Op::kGe:
                out.Add(v[0], kMax);
                break;
            case Op::kBetween:
                out.Add(v[0], v[1]);
                break;
            case Op::kIn:
                for (int64_t x : v) out.Add(x, x);
                break;
            default:
                break;
        }
        return std::move(out.Normalize());
    }
    // Half-open ranges, optionally negated, within [low, high] (which leaves out the "none" value).
    static IntRanges Of(const RangeTest& t, int64_t low, int64_t high) {
        IntRanges out;
        for (const auto& [a, b] : t.ranges) {
            if (a < b) out.Add(a, b - 1);
        }
        if (t.negate) return out.Complement(low, high);
        return std::move(out.Normalize().Clip(low, high));
    }
};

struct StringTest {
    Op op = Op::kEq;
    std::vector<std::string_view> v;
    bool operator()(std::string_view s) const {
        switch (op) {
            case Op::kEq:
                return s == v[0];
            case Op::kNe:
                return s != v[0];
            case Op::kIn:
                return std::find(v.begin(), v.end(), s) != v.end();
            case Op::kContains:
                return s.find(v[0]) != std::string_view::npos;
            case Op::kStartsWith:
                return s.starts_with(v[0]);
            default:
                return false;
        }
    }
};

StringTest TextTest(const Comparison& c) {
    StringTest t{.op = c.op};
    for (const Value& v : c.values) {
        if (const auto* s = std::get_if<std::string>(&v)) t.v.emplace_back(*s);
    }
    return t;
}

// =, !=, in over booleans.
bool BoolMatches(const Comparison& c, bool x) {
    switch (c.op) {
        case Op::kEq:
            return std::get<bool>(c.values[0]) == x;
        case Op::kNe:
            return std::get<bool>(c.values[0]) != x;
        case Op::kIn:
            return std::any_of(c.values.begin(), c.values.end(),
                               [x](const Value& v) { return std::get<bool>(v) == x; });
        default:
            return false;
    }
}

enum class Family { kString, kBool, kNumber, kDate, kDuration, kOther };

Family FamilyOf(const Comparison& c) {
    if (c.values.empty()) return Family::kOther;
    switch (c.values[0].index()) {
        case 0:
            return Family::kBool;
        case 1:
        case 2:
        case 3:
            return Family::kNumber;
        case 4:
            return Family::kString;
        case 5:
            return Family::kDate;
        case 6:
            return Family::kDuration;
        default:
            return Family::kOther;
    }
}

// "Now" in the merchant's calendar.
class Calendar {
  public:
    Calendar(const TimeZone& zone, Timestamp now)
        : zone_(zone), now_(now), local_(zone.ToLocal(now)), today_(DayNumber(local_.date)) {}

    int64_t now() const { return now_.micros(); }
    int32_t today() const { return today_; }
    const LocalDate& date() const { return local_.date; }
    int weekday() const { return local_.weekday; }
    int64_t StartOfDay(int64_t day) const { return zone_.StartOfDay(DateOfDay(static_cast<int32_t>(day))).micros(); }
    // The local day (DayNumber) of an instant.
    int64_t DayOf(int64_t t) const { return DayNumber(zone_.ToLocal(Timestamp::FromMicros(t)).date); }

    // Where `within N` starts: local midnight N-1 days ago, or N hours ago.
    int64_t WindowStart(const Duration& window) const {
        if (window.unit == TimeUnit::kHours) return now() - window.amount * kMicrosPerHour;
        return StartOfDay(today_ - (window.amount - 1));
    }

    // A time compared to dates (its local date) or to a window: the ranges of times that match.
    RangeTest TimeRanges(const Comparison& c) const {
        RangeTest t;
        auto day_of = [](const Value& v) { return static_cast<int64_t>(DayNumber(std::get<LocalDate>(v))); };
        switch (c.op) {
            case Op::kWithin:
                t.ranges.emplace_back(WindowStart(std::get<Duration>(c.values[0])), now() + 1);
                break;
            case Op::kBefore:
                t.ranges.emplace_back(kMinTime, WindowStart(std::get<Duration>(c.values[0])));
                break;
            case Op::kEq:
            case Op::kNe:
                t.ranges.emplace_back(StartOfDay(day_of(c.values[0])), StartOfDay(day_of(c.values[0]) + 1));
                t.negate = c.op == Op::kNe;
                break;
            case Op::kLt:
                t.ranges.emplace_back(kMinTime, StartOfDay(day_of(c.values[0])));
                break;
            case Op::kLe:
                t.ranges.emplace_back(kMinTime, StartOfDay(day_of(c.values[0]) + 1));
                break;
            case Op::kGt:
                t.ranges.emplace_back(StartOfDay(day_of(c.values[0]) + 1), kMaxTime);
                break;
            case Op::kGe:
                t.ranges.emplace_back(StartOfDay(day_of(c.values[0])), kMaxTime);
                break;
            case Op::kBetween:
                t.ranges.emplace_back(StartOfDay(day_of(c.values[0])), StartOfDay(day_of(c.values[1]) + 1));
                break;
            case Op::kIn:
                for (const Value& v : c.values) t.ranges.emplace_back(StartOfDay(day_of(v)), StartOfDay(day_of(v) + 1));
                break;
            default:
                break;
        }
        return t;
    }

    // A local day compared to dates.
    static RangeTest DayRanges(const Comparison& c) {
        RangeTest t;
        auto day_of = [](const Value& v) { return static_cast<int64_t>(DayNumber(std::get<LocalDate>(v))); };
        switch (c.op) {
            case Op::kEq:
            case Op::kNe:
                t.ranges.emplace_back(day_of(c.values[0]), day_of(c.values[0]) + 1);
                t.negate = c.op == Op::kNe;
                break;
            case Op::kLt:
                t.ranges.emplace_back(kMinTime, day_of(c.values[0]));
                break;
            case Op::kLe:
                t.ranges.emplace_back(kMinTime, day_of(c.values[0]) + 1);
                break;
            case Op::kGt:
                t.ranges.emplace_back(day_of(c.values[0]) + 1, kMaxTime);
                break;
            case Op::kGe:
                t.ranges.emplace_back(day_of(c.values[0]), kMaxTime);
                break;
            case Op::kBetween:
                t.ranges.emplace_back(day_of(c.values[0]), day_of(c.values[1]) + 1);
                break;
            case Op::kIn:
                for (const Value& v : c.values) t.ranges.emplace_back(day_of(v), day_of(v) + 1);
                break;
            default:
                break;
        }
        return t;
    }

    // "Days since" a time (local calendar days, 0 today; a time after now counts as today)
    // compared to whole numbers, as ranges of the time itself: k days ago is the local day
    // today-k, so k ≤ b is "at or after the start of day today-b" and k ≥ a "before the start of
    // day today-a+1".
    RangeTest DaysSinceRanges(const Comparison& c) const {
        std::vector<std::pair<int64_t, int64_t>> days;  // inclusive [a, b] of k ≥ 0
        const int64_t kForever = kMaxTime;
        auto v = [&](size_t i) { return AsInteger(c.values[i]); };
        switch (c.op) {
            case Op::kEq:
                days.emplace_back(v(0), v(0));
                break;
            case Op::kNe:
                if (v(0) > 0) days.emplace_back(0, v(0) - 1);
                if (v(0) < kForever) days.emplace_back(v(0) + 1, kForever);
                break;
            case Op::kLt:
                if (v(0) > 0) days.emplace_back(0, v(0) - 1);
                break;
            case Op::kLe:
                days.emplace_back(0, v(0));
                break;
            case Op::kGt:
                if (v(0) < kForever) days.emplace_back(v(0) + 1, kForever);
                break;
            case Op::kGe:
                days.emplace_back(v(0), kForever);
                break;
            case Op::kBetween:
                days.emplace_back(v(0), v(1));
                break;
            case Op::kIn:
                for (size_t i = 0; i < c.values.size(); ++i) days.emplace_back(v(i), v(i));
                break;
            default:
                break;
        }
        RangeTest t;
        for (const auto& [a, b] : days) {
            if (a > b) continue;
            const int64_t oldest = today_ - b;  // k ≤ b
            const int64_t newest = today_ - a;  // k ≥ a
            if (newest < kFirstDay) continue;
            const int64_t low = oldest < kFirstDay ? kMinTime : StartOfDay(oldest);
            const int64_t high = a == 0 ? kMaxTime : StartOfDay(newest + 1);
            t.ranges.emplace_back(low, high);
        }
        return t;
    }

  private:
    const TimeZone& zone_;
    Timestamp now_;
    LocalDateTime local_;
    int32_t today_;
};

std::string SegmentText(const SegmentRef& ref) {
    if (const auto* id = std::get_if<SegmentId>(&ref)) return std::to_string(id->value());
    return "'" + std::get<std::string>(ref) + "'";
}

int PlatformOf(Trait trait) {
    switch (trait) {
        case Trait::kOrdersOnJd:
            return 0;
        case Trait::kOrdersOnTaobao:
            return 1;
        case Trait::kOrdersOnDouyin:
            return 2;
        case Trait::kOrdersOnPdd:
            return 3;
        case Trait::kOrdersOnYouzan:
            return 4;
        case Trait::kOrdersOnSegment:
            return 5;
        default:
            return -1;
    }
}

// Whether spend / count (exactly, not rounded to the fen) passes a money test. count > 0.
bool AverageMatches(const Comparison& c, int64_t spend, int64_t count) {
    auto cmp = [&](const Value& v) {
        int64_t product = 0;
        // Amounts are ≥ 0 and count > 0, so an overflowing product is above any spend.
        if (__builtin_mul_overflow(AsInteger(v), count, &product)) return -1;
        return spend < product ? -1 : (spend > product ? 1 : 0);
    };
    switch (c.op) {
        case Op::kEq:
            return cmp(c.values[0]) == 0;
        case Op::kNe:
            return cmp(c.values[0]) != 0;
        case Op::kLt:
            return cmp(c.values[0]) < 0;
        case Op::kLe:
            return cmp(c.values[0]) <= 0;
        case Op::kGt:
            return cmp(c.values[0]) > 0;
        case Op::kGe:
            return cmp(c.values[0]) >= 0;
        case Op::kBetween:
            return cmp(c.values[0]) >= 0 && cmp(c.values[1]) <= 0;
        default:
            return false;
    }
}

// The test no customer passes (a column nobody has values in).
struct Nobody {
    bool operator()(uint32_t) const { return false; }
};

// What testing a condition costs: a bitmap the index holds, a window tally (an intersection, then
// sorted arrays read in order), a column read per customer, or runs (purchases, events) searched
// per customer.
enum class Cost { kBitmap = 0, kTally = 1, kColumn = 2, kRuns = 3 };

Cost ConditionCost(const AttributeCondition& c) {
    const Family family = c.test.op == Op::kIsSet ? Family::kOther : FamilyOf(c.test);
    return family == Family::kString || family == Family::kBool || family == Family::kOther ? Cost::kBitmap
                                                                                            : Cost::kColumn;
}
Cost ConditionCost(const TraitCondition& c) {
    if (c.window) return c.window->unit == TimeUnit::kDays ? Cost::kTally : Cost::kRuns;
    switch (c.trait) {
        case Trait::kLifecycleStage:
        case Trait::kOwner:
        case Trait::kSourceChannel:
            return Cost::kBitmap;
        default:
            return Cost::kColumn;
    }
}
// Whether a tally answers `c` (EventTallyFor, FirstOrLastFromTallies): a count over all time or a
// day window, or `first`/`last` against one day bound — since it (`within Nd`, `>=`, `>`; `since`
// set) or before it (`before Nd`, `<`, `<=`) —, and no property filter whose test moves with
// "now" (a relative date). The rest search every run.
bool Tallied(const EventCondition& c, bool* since = nullptr) {
    if (c.where && c.where->test.op != Op::kIsSet && FamilyOf(c.where->test) == Family::kDuration) return false;
    if (c.measure == EventMeasure::kCount) return !c.window || c.window->unit == TimeUnit::kDays;
    bool starts = false;
    switch (c.test.op) {
        case Op::kWithin:
        case Op::kBefore:
            if (std::get<Duration>(c.test.values[0]).unit != TimeUnit::kDays) return false;
            starts = c.test.op == Op::kWithin;
            break;
        case Op::kGe:
        case Op::kGt:
            starts = true;
            break;
        case Op::kLt:
        case Op::kLe:
            break;
        default:
            return false;
    }
    if (since != nullptr) *since = starts;
    return true;
}

// Tallied conditions read the customers active since a bound, usually few: they go before the
// columns.
Cost ConditionCost(const EventCondition& c) { return Tallied(c) ? Cost::kTally : Cost::kRuns; }
Cost ConditionCost(const BirthdayCondition&) { return Cost::kColumn; }
Cost ConditionCost(const MonthsSinceCondition&) { return Cost::kColumn; }
template <typename C>
Cost ConditionCost(const C&) {
    return Cost::kBitmap;  // tags, identities, consent, segments, everyone
}

class Evaluator {
  public:
    Evaluator(const IndexData& d, const Calendar& calendar) : d_(d), calendar_(calendar) {}

    // Resolves every segment the rule names, in document order, before anything is evaluated, so
    // that which error a rule gets never depends on the data.
    Status ResolveSegments(const Rule& rule, const std::string& pointer, const SegmentMembers& segments) {
        switch (rule.kind) {
            case Rule::Kind::kCondition: {
                const auto* c = std::get_if<SegmentCondition>(&rule.condition);
                if (c == nullptr) return OkStatus();
                for (const auto& [ref, members] : segments_) {
                    if (ref == c->segment) return OkStatus();
                }
                const std::string where = pointer + "/segment";
                if (!segments) return InvalidArgument(where + ": unknown segment " + SegmentText(c->segment), "rule");
                Result<CustomerSet> members = segments(c->segment);
                if (!members.ok()) {
                    if (members.status().code() == ErrorCode::kNotFound) {
                        return InvalidArgument(where + ": unknown segment " + SegmentText(c->segment), "rule");
                    }
                    return members.status();
                }
                segments_.emplace_back(c->segment, IndexAccess::Bits(*members));
                return OkStatus();
            }
            case Rule::Kind::kNot:
                return ResolveSegments(rule.children[0], pointer + "/not", segments);
            case Rule::Kind::kAll:
            case Rule::Kind::kAny: {
                const std::string group = rule.kind == Rule::Kind::kAll ? "/all/" : "/any/";
                for (size_t i = 0; i < rule.children.size(); ++i) {
                    YT_TRY(ResolveSegments(rule.children[i], pointer + group + std::to_string(i), segments));
                }
                return OkStatus();
            }
        }
        return OkStatus();
    }

    // Eval(rule, within) is the rule's members among `within` (a subset of the live customers).
    // AND narrows `within` child by child, cheapest first, so that columns and purchase runs are
    // read only for the customers still in; OR tests a costly child only on those not yet in.
    Result<Bitmap> Eval(const Rule& rule, const Bitmap& within) {
        switch (rule.kind) {
            case Rule::Kind::kCondition:
                return Condition(rule.condition, within);
            case Rule::Kind::kNot: {
                YT_ASSIGN_OR_RETURN(Bitmap child, Eval(rule.children[0], within));
                return within - child;
            }
            case Rule::Kind::kAll: {
                Bitmap out = within;
                std::vector<bool> done(rule.children.size());
                for (size_t i : ByCost(rule.children)) {
                    if (out.Empty()) break;
                    if (done[i]) continue;
                    const Rule& child = rule.children[i];
                    if (CostOf(child) != Cost::kBitmap && PerCustomer(child) && Sparse(out)) {
                        // Few candidates left: every child decided customer by customer is tested
                        // over one list of their ids, most selective first, rather than a bitmap
                        // made for each.
                        std::vector<const Rule*> rules;
                        for (size_t j = 0; j < rule.children.size(); ++j) {
                            if (done[j] || CostOf(rule.children[j]) == Cost::kBitmap || !PerCustomer(rule.children[j]))
                                continue;
                            rules.push_back(&rule.children[j]);
                            done[j] = true;
                        }
                        std::vector<uint32_t> ids = out.ToVector();
                        KeepPassingAll(std::move(rules), ids);
                        out = OfSorted(ids);
                        continue;
                    }
                    YT_ASSIGN_OR_RETURN(Bitmap next, Eval(child, out));
                    out = std::move(next);
                    done[i] = true;
                }
                return out;
            }
            case Rule::Kind::kAny: {
                Bitmap out;
                for (size_t i : ByCost(rule.children)) {
                    const Rule& child = rule.children[i];
                    if (CostOf(child) == Cost::kBitmap || out.Empty()) {
                        YT_ASSIGN_OR_RETURN(Bitmap next, Eval(child, within));
                        out |= next;
                    } else {
                        const Bitmap rest = within - out;
                        if (rest.Empty()) break;
                        YT_ASSIGN_OR_RETURN(Bitmap next, Eval(child, rest));
                        out |= next;
                    }
                }
                return out;
            }
        }
        return Bitmap();
    }

    static Cost CostOf(const audience::Condition& condition) {
        return std::visit([](const auto& c) { return ConditionCost(c); }, condition);
    }

    // The costliest condition's.
    static Cost CostOf(const Rule& rule) {
        if (rule.kind == Rule::Kind::kCondition) return CostOf(rule.condition);
        Cost cost = Cost::kBitmap;
        for (const Rule& child : rule.children) cost = std::max(cost, CostOf(child));
        return cost;
    }

  private:
    // The children's positions, cheapest first (document order among equals).
    static std::vector<size_t> ByCost(const std::vector<Rule>& children) {
        std::vector<std::pair<Cost, size_t>> costs;
        for (size_t i = 0; i < children.size(); ++i) costs.emplace_back(CostOf(children[i]), i);
        std::stable_sort(costs.begin(), costs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        std::vector<size_t> out;
        for (const auto& [cost, i] : costs) out.push_back(i);
        return out;
    }

    Result<Bitmap> Condition(const audience::Condition& condition, const Bitmap& within) {
        return std::visit(
            [&](const auto& c) -> Result<Bitmap> {
                if constexpr (requires { Of(c, within); }) {
                    return Of(c, within);
                } else {
                    YT_ASSIGN_OR_RETURN(Bitmap out, Of(c));
                    out &= within;
                    return out;
                }
            },
            condition);
    }

    // ---- scans ---------------------------------------------------------------------------------

    // The customers of `within` that pass `test(id)`. Few candidates are tested one by one;
    // when `within` holds a good share of the index, every slot is tested, 64 to a word, and
    // the result intersected (a bitmap operation) instead.
    template <typename Test>
    Bitmap Filter(const Bitmap& within, const Test& test) const {
        if constexpr (std::is_same_v<Test, Nobody>) return Bitmap();
        if (within.Empty()) return Bitmap();
        if (Sparse(within)) {
            // The candidates as one array (CRoaring's bulk conversion), filtered in place.
            std::vector<uint32_t> ids = within.ToVector();
            Keep(ids, test, false);
            return OfSorted(ids);
        }
        // The 2^16-id chunks `within` spans: only their slots are tested.
        const auto [first, last] = SpanOf(within);
        internal::BitmapBuilder out;
        std::array<uint64_t, internal::BitmapBuilder::kChunkWords> words;
        for (uint64_t start = first; start < last; start += kChunk) {
            const auto end = static_cast<uint32_t>(std::min<uint64_t>(last, start + kChunk));
            words.fill(0);
            for (auto id = static_cast<uint32_t>(start); id < end; id += 64) {
                const uint32_t n = std::min<uint32_t>(64, end - id);
                uint64_t bits = 0;
                for (uint32_t j = 0; j < n; ++j) bits |= static_cast<uint64_t>(test(id + j)) << j;
                words[(id - start) >> 6] = bits;
            }
            out.AddWords(static_cast<uint16_t>(start >> 16), words.data());
        }
        Bitmap all = out.Done();
        all &= within;
        return all;
    }

    // Whether `within` is better tested one candidate at a time than slot by slot: it holds less
    // than 1 / kDenseShare of the ids it spans.
    bool Sparse(const Bitmap& within) const {
        if (within.Empty()) return true;
        const auto [first, last] = SpanOf(within);
        return within.Cardinality() * kDenseShare < last - first;
    }
    // [first, last): from the start of the 2^16-id chunk of `within`'s smallest id (not empty) to
    // past its largest.
    std::pair<uint64_t, uint64_t> SpanOf(const Bitmap& within) const {
        return {uint64_t{within.Minimum()} & ~(kChunk - 1),
                std::min<uint64_t>(d_.capacity, uint64_t{within.Maximum()} + 1)};
    }

    // Keeps the ids (ascending) that pass `test` (with `negate`, that fail it), in order.
    template <typename Test>
    static void Keep(std::vector<uint32_t>& ids, const Test& test, bool negate) {
        if constexpr (std::is_same_v<Test, Nobody>) {
            if (!negate) ids.clear();
            return;
        }
        size_t kept = 0;
        for (uint32_t id : ids) {
            ids[kept] = id;
            kept += test(id) != negate ? size_t{1} : size_t{0};
        }
        ids.resize(kept);
    }

    // ids − gone, both ascending (gone ⊆ ids or not).
    static void Subtract(std::vector<uint32_t>& ids, const std::vector<uint32_t>& gone) {
        size_t kept = 0, g = 0;
        for (uint32_t id : ids) {
            while (g < gone.size() && gone[g] < id) ++g;
            ids[kept] = id;
            kept += g < gone.size() && gone[g] == id ? size_t{0} : size_t{1};
        }
        ids.resize(kept);
    }

    static Bitmap OfSorted(std::span<const uint32_t> ids) {
        internal::BitmapBuilder out;
        out.AddSorted(ids);
        return out.Done();
    }

    // ---- column tests ----------------------------------------------------------------------------
    // A condition of cost kColumn is decided by reading the customer's own values (numbers, times,
    // days). Its *Test function calls use(test), test(id) → bool, with the test chosen once per
    // rule (operator, ranges); customers without a value fail it. Of() runs the test over a
    // bitmap (Filter); AND runs several over one list of ids (KeepPassing).

    // A column of integers (any width) against ranges; `column` empty = nobody has a value.
    template <typename T, typename Use>
    static void ColumnTest(const std::vector<T>& column, const IntRanges& ranges, Use&& use) {
        if (column.empty() || ranges.ranges.empty()) return use(Nobody());
        const T* values = column.data();
        if (ranges.ranges.size() == 1) {
            const auto low = static_cast<uint64_t>(ranges.ranges[0].first);
            const uint64_t width = static_cast<uint64_t>(ranges.ranges[0].second) - low;
            return use(
                [=](uint32_t id) { return static_cast<uint64_t>(static_cast<int64_t>(values[id])) - low <= width; });
        }
        return use([&](uint32_t id) { return ranges(static_cast<int64_t>(values[id])); });
    }
    // The same over a narrow column: values too wide for it are looked up aside.
    template <typename T, typename Use>
    static void ColumnTest(const internal::NarrowColumn<T>& column, const IntRanges& ranges, Use&& use) {
        if (column.values.empty() || ranges.ranges.empty()) return use(Nobody());
        const T* values = column.values.data();
        constexpr T kWide = internal::NarrowColumn<T>::kWide;
        if (ranges.ranges.size() == 1) {
            const auto low = static_cast<uint64_t>(ranges.ranges[0].first);
            const uint64_t width = static_cast<uint64_t>(ranges.ranges[0].second) - low;
            return use([&, low, width](uint32_t id) {
                const T v = values[id];
                const auto x = static_cast<uint64_t>(v != kWide ? int64_t{v} : column.wide.at(id));
                return x - low <= width;
            });
        }
        return use([&](uint32_t id) { return ranges(column.Get(id)); });
    }

    // Whether the rule is decided customer by customer from values read for each (columns, a
    // window's tally or purchases), or is NOT, AND or OR of such rules.
    static bool PerCustomer(const Rule& rule) {
        if (rule.kind != Rule::Kind::kCondition) {
            return std::all_of(rule.children.begin(), rule.children.end(),
                               [](const Rule& r) { return PerCustomer(r); });
        }
        if (const auto* c = std::get_if<TraitCondition>(&rule.condition)) return ConditionCost(*c) != Cost::kBitmap;
        return CostOf(rule.condition) == Cost::kColumn;
    }

    // Keeps the ids (ascending) of customers that pass a PerCustomer rule.
    void KeepPassing(const Rule& rule, std::vector<uint32_t>& ids) const {
        switch (rule.kind) {
            case Rule::Kind::kCondition: {
                auto keep = [&](const auto& test) { Keep(ids, test, false); };
                const audience::Condition& condition = rule.condition;
                if (const auto* c = std::get_if<TraitCondition>(&condition)) {
                    return c->window ? WindowTest(*c, keep) : TraitTest(*c, keep);
                }
                if (const auto* c = std::get_if<AttributeCondition>(&condition)) return AttributeTest(*c, keep);
                if (const auto* c = std::get_if<BirthdayCondition>(&condition)) return BirthdayTest(*c, keep);
                if (const auto* c = std::get_if<MonthsSinceCondition>(&condition)) return MonthsSinceTest(*c, keep);
                return;
            }
            case Rule::Kind::kNot: {
                std::vector<uint32_t> in = ids;
                KeepPassing(rule.children[0], in);
                Subtract(ids, in);
                return;
            }
            case Rule::Kind::kAll: {
                std::vector<const Rule*> children;
                for (const Rule& child : rule.children) children.push_back(&child);
                return KeepPassingAll(children, ids);
            }
            case Rule::Kind::kAny: {
                // Each child tests only the customers no child before it let in.
                std::vector<uint32_t> out, rest = ids, passed;
                for (const Rule& child : rule.children) {
                    if (rest.empty()) break;
                    passed = rest;
                    KeepPassing(child, passed);
                    if (passed.empty()) continue;
                    std::vector<uint32_t> merged;
                    merged.reserve(out.size() + passed.size());
                    std::merge(out.begin(), out.end(), passed.begin(), passed.end(), std::back_inserter(merged));
                    out = std::move(merged);
                    Subtract(rest, passed);
                }
                ids = std::move(out);
                return;
            }
        }
    }

    // What testing one customer against a PerCustomer rule costs, in cache misses roughly: a
    // column's value 1, a tally's block, word and value 3, a search in the purchases 6.
    static double TestCost(const Rule& rule) {
        if (rule.kind != Rule::Kind::kCondition) {
            double cost = 0;
            for (const Rule& child : rule.children) cost += TestCost(child);
            return cost;
        }
        if (const auto* c = std::get_if<TraitCondition>(&rule.condition); c != nullptr && c->window) {
            return c->window->unit == TimeUnit::kDays ? 3 : 6;
        }
        return 1;
    }

    // Keeps the ids that pass every one of `rules` (each PerCustomer). The tests go in the order
    // that reads the least: by cost ÷ the share of an evenly spread sample of the ids they
    // reject, so that a selective cheap test thins the candidates for the costly ones.
    void KeepPassingAll(std::vector<const Rule*> rules, std::vector<uint32_t>& ids) const {
        if (rules.size() > 1 && ids.size() >= kSampleFrom) {
            std::vector<uint32_t> sample;
            for (size_t i = 0; i < kSampleSize; ++i) sample.push_back(ids[i * ids.size() / kSampleSize]);
            std::vector<std::pair<double, const Rule*>> ranked;
            for (const Rule* rule : rules) {
                std::vector<uint32_t> passed = sample;
                KeepPassing(*rule, passed);
                const double rejected = static_cast<double>(kSampleSize - passed.size() + 1) / (kSampleSize + 1);
                ranked.emplace_back(TestCost(*rule) / rejected, rule);
            }
            std::stable_sort(ranked.begin(), ranked.end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; });
            for (size_t i = 0; i < rules.size(); ++i) rules[i] = ranked[i].second;
        }
        for (const Rule* rule : rules) {
            if (ids.empty()) return;
            KeepPassing(*rule, ids);
        }
    }

    // ---- conditions --------------------------------------------------------------------------

    // Whether a number (NaN = none, which no comparison passes) passes `match`, with the operator
    // chosen once rather than per value.
    template <typename Use>
    static void NumbersTest(const double* values, const OrderTest<double>& match, Use&& use) {
        const std::vector<double>& v = match.v;
        switch (match.op) {
            case Op::kEq:
                return use([&, x = v[0]](uint32_t id) { return values[id] == x; });
            case Op::kNe:
                return use([&, x = v[0]](uint32_t id) { return values[id] != x && !std::isnan(values[id]); });
            case Op::kLt:
                return use([&, x = v[0]](uint32_t id) { return values[id] < x; });
            case Op::kLe:
                return use([&, x = v[0]](uint32_t id) { return values[id] <= x; });
            case Op::kGt:
                return use([&, x = v[0]](uint32_t id) { return values[id] > x; });
            case Op::kGe:
                return use([&, x = v[0]](uint32_t id) { return values[id] >= x; });
            case Op::kBetween:
                return use([&, a = v[0], b = v[1]](uint32_t id) { return a <= values[id] && values[id] <= b; });
            default:
                return use([&](uint32_t id) { return !std::isnan(values[id]) && match(values[id]); });
        }
    }

    // within ∩ (parts[0] ∪ parts[1] ∪ …), intersecting each part with the candidates rather than
    // copying the index's (large) bitmaps into a union first.
    static Bitmap Among(const Bitmap& within, const std::vector<const Bitmap*>& parts) {
        Bitmap out;
        for (size_t i = 0; i < parts.size(); ++i) {
            if (i == 0) {
                out = within & *parts[0];
            } else {
                out |= within & *parts[i];
            }
        }
        return out;
    }
    // within − (parts[0] ∪ parts[1] ∪ …).
    static Bitmap Outside(const Bitmap& within, const std::vector<const Bitmap*>& parts) {
        Bitmap out = within;
        for (const Bitmap* part : parts) out -= *part;
        return out;
    }

    Result<Bitmap> Of(const Everyone&, const Bitmap& within) { return within; }

    Result<Bitmap> Of(const TagCondition& c, const Bitmap& within) {
        switch (c.op) {
            case TagOp::kHas:
                return Among(within, TagMembers(c.tags[0]));
            case TagOp::kHasNot:
                return Outside(within, TagMembers(c.tags[0]));
            case TagOp::kAnyOf: {
                std::vector<const Bitmap*> parts;
                for (const std::string& tag : c.tags) {
                    for (const Bitmap* part : TagMembers(tag)) parts.push_back(part);
                }
                return Among(within, parts);
            }
            case TagOp::kAllOf: {
                Bitmap out = Among(within, TagMembers(c.tags[0]));
                for (size_t i = 1; i < c.tags.size() && !out.Empty(); ++i) out = Among(out, TagMembers(c.tags[i]));
                return out;
            }
        }
        return Bitmap();
    }

    // "group/name" is that tag; "name" is a tag of that name in any group: their members.
    std::vector<const Bitmap*> TagMembers(const std::string& spec) const {
        const size_t slash = spec.find('/');
        const std::string_view group =
            slash == std::string::npos ? std::string_view() : std::string_view(spec).substr(0, slash);
        const std::string_view name =
            slash == std::string::npos ? std::string_view(spec) : std::string_view(spec).substr(slash + 1);
        std::vector<const Bitmap*> out;
        for (const internal::TagInfo& tag : d_.tags) {
            if (tag.name != name || (slash != std::string::npos && tag.group != group)) continue;
            if (auto it = d_.tag_members.find(tag.id); it != d_.tag_members.end()) out.push_back(&it->second);
        }
        return out;
    }

    Result<Bitmap> Of(const AttributeCondition& c, const Bitmap& within) {
        const auto it = d_.attributes.find(c.attribute);
        if (it == d_.attributes.end()) return Bitmap();
        const AttributeColumn& column = it->second;
        const Comparison& test = c.test;
        if (test.op == Op::kIsSet) return column.present & within;
        switch (FamilyOf(test)) {
            case Family::kString: {
                const StringTest match = TextTest(test);
                std::vector<const Bitmap*> parts;
                for (size_t code = 0; code < column.texts.size(); ++code) {
                    if (match(column.texts[code])) parts.push_back(&column.text_members[code]);
                }
                return Among(within, parts);
            }
            case Family::kBool: {
                std::vector<const Bitmap*> parts;
                if (BoolMatches(test, true)) parts.push_back(&column.bool_true);
                if (BoolMatches(test, false)) parts.push_back(&column.bool_false);
                return Among(within, parts);
            }
            case Family::kNumber:
            case Family::kDate:
            case Family::kDuration:
                return AmongHolders(c.attribute, within, [&](const auto& use) { AttributeTest(c, use); });
            case Family::kOther:
                break;
        }
        return Bitmap();
    }

    // The candidates holding `attribute` (its `present` bitmap first) that pass the test
    // `make(use)` hands to `use` (one of the *Test functions).
    template <typename Make>
    Bitmap AmongHolders(const std::string& attribute, const Bitmap& within, Make&& make) const {
        const auto it = d_.attributes.find(attribute);
        if (it == d_.attributes.end()) return Bitmap();
        Bitmap out;
        make([&](const auto& match) { out = Filter(within & it->second.present, match); });
        return out;
    }

    // A number, date or datetime attribute compared (cost kColumn).
    template <typename Use>
    void AttributeTest(const AttributeCondition& c, Use&& use) const {
        const auto it = d_.attributes.find(c.attribute);
        if (it == d_.attributes.end()) return use(Nobody());
        const AttributeColumn& column = it->second;
        const Comparison& test = c.test;
        switch (FamilyOf(test)) {
            case Family::kNumber:
                if (column.number_of.empty()) return use(Nobody());
                return NumbersTest(column.number_of.data(), NumberTest(test), use);
            case Family::kDate:
                return ColumnTest(column.day_of, DayRanges(test), use);
            case Family::kDuration: {
                // A datetime's own time; a date's time is the start of its local day, so the
                // ranges of times become ranges of days (StartOfDay only grows with the day).
                const RangeTest times = calendar_.TimeRanges(test);
                const IntRanges instants = IntRanges::Of(times, kMinTime, kMaxTime);
                IntRanges days;
                for (const auto& [low, high] : instants.ranges) days.Add(FirstDayFrom(low), LastDayUpTo(high));
                days.Normalize();
                const bool has_instants = !column.instant_of.empty();
                const int64_t* instant = column.instant_of.data();
                const int32_t* day = column.day_of.data();
                if (column.day_of.empty()) return use(Nobody());
                return use([&](uint32_t id) {
                    if (has_instants && instant[id] != kNoTime) return instants(instant[id]);
                    return day[id] != kNoDay && days(day[id]);
                });
            }
            default:
                return use(Nobody());  // not a column condition (ConditionCost)
        }
    }

    // The first local day whose start is at or after `t` (days before year 0 and after 9999
    // hold no stored date), for turning ranges of times into ranges of days.
    int64_t FirstDayFrom(int64_t t) const {
        if (t <= kMinTime || calendar_.StartOfDay(kSearchFirstDay) >= t) return IntRanges::kMin;
        if (calendar_.StartOfDay(kSearchLastDay) < t) return int64_t{std::numeric_limits<int32_t>::max()} + 1;
        int64_t low = kSearchFirstDay, high = kSearchLastDay;  // start(low) < t ≤ start(high)
        while (high - low > 1) {
            const int64_t mid = low + (high - low) / 2;
            (calendar_.StartOfDay(mid) >= t ? high : low) = mid;
        }
        return high;
    }
    // The last local day whose start is at or before `t`.
    int64_t LastDayUpTo(int64_t t) const {
        return t == kMaxTime ? int64_t{std::numeric_limits<int32_t>::max()} : FirstDayFrom(t + 1) - 1;
    }

    static IntRanges DayRanges(const Comparison& test) {
        return IntRanges::Of(Calendar::DayRanges(test), static_cast<int64_t>(kNoDay) + 1, IntRanges::kMax);
    }

    Result<Bitmap> Of(const TraitCondition& c, const Bitmap& within) {
        const Comparison& test = c.test;
        if (c.window) return Windowed(c, within);
        if (ConditionCost(c) == Cost::kColumn) {
            Bitmap out;
            TraitTest(c, [&](const auto& match) { out = Filter(within, match); });
            return out;
        }
        switch (c.trait) {
            case Trait::kLifecycleStage: {
                auto stage = [&](const Value& v) -> const Bitmap* {
                    const auto stages = internal::LifecycleStages();
                    for (size_t i = 0; i < stages.size(); ++i) {
                        if (stages[i] == std::get<std::string>(v)) return &d_.stages[i];
                    }
                    return nullptr;
                };
                std::vector<const Bitmap*> parts;
                for (const Value& v : test.values) {
                    if (const Bitmap* part = stage(v)) parts.push_back(part);
                }
                return test.op == Op::kNe ? Outside(within, parts) : Among(within, parts);
            }
            case Trait::kOwner: {
                // Guide 0 is "none": the customers outside `owned`.
                std::vector<const Bitmap*> parts;
                bool none = false;
                for (const Value& v : test.values) {
                    const int64_t staff = std::get<StaffId>(v).value();
                    if (staff == 0) {
                        none = true;
                    } else if (auto it = d_.owner_members.find(staff); it != d_.owner_members.end()) {
                        parts.push_back(&it->second);
                    }
                }
                if (test.op == Op::kNe) {
                    return none ? within & d_.owned : Outside(within, parts);
                }
                Bitmap out = Among(within, parts);
                if (none) out |= within - d_.owned;
                return out;
            }
            case Trait::kSourceChannel: {
                const StringTest match = TextTest(test);
                std::vector<const Bitmap*> parts;
                for (size_t code = 0; code < d_.channels.size(); ++code) {
                    if (test.op == Op::kIsSet || match(d_.channels[code])) parts.push_back(&d_.channel_members[code]);
                }
                return Among(within, parts);
            }
            default:
                break;
        }
        return Bitmap();
    }

    // An order trait, RFM score or time without a window (cost kColumn).
    template <typename Use>
    void TraitTest(const TraitCondition& c, Use&& use) const {
        const Comparison& test = c.test;
        switch (c.trait) {
            case Trait::kOrderCount:
                return ColumnTest(d_.order_count, IntRanges::Of(IntegerTest(test)), use);
            case Trait::kTotalSpend:
                return ColumnTest(d_.net_spend, IntRanges::Of(IntegerTest(test)), use);
            case Trait::kAverageOrderValue:
                return use([&](uint32_t id) {
                    const int64_t count = d_.order_count.Get(id);
                    return count > 0 && AverageMatches(test, d_.net_spend.Get(id), count);
                });
            case Trait::kFirstOrderAt:
                return TimesTest(d_.first_order_at, test, false, use);
            case Trait::kLastOrderAt:
                return TimesTest(d_.last_order_at, test, false, use);
            case Trait::kDaysSinceLastOrder:
                return TimesTest(d_.last_order_at, test, true, use);
            case Trait::kDaysSinceLastSeen:
                return TimesTest(d_.last_seen, test, true, use);
            case Trait::kRfmRecency:
            case Trait::kRfmFrequency:
            case Trait::kRfmMonetary: {
                const auto& column = d_.rfm[static_cast<size_t>(c.trait) - static_cast<size_t>(Trait::kRfmRecency)];
                IntRanges ranges;
                ranges.Add(1, IntRanges::kMax);  // 0 = not ranked
                if (test.op != Op::kIsSet) ranges = IntRanges::Of(IntegerTest(test)).Clip(1, IntRanges::kMax);
                return ColumnTest(column, ranges, use);
            }
            default:
                break;
        }
        if (const int platform = PlatformOf(c.trait); platform >= 0) {
            return ColumnTest(d_.platform_orders[static_cast<size_t>(platform)], IntRanges::Of(IntegerTest(test)), use);
        }
        return use(Nobody());  // not a column condition (ConditionCost)
    }

    // A time column compared to dates or a window, or (days_since) its local-day distance from
    // today compared to whole numbers.
    // One range of instants reads the local days first (internal::TimeColumn): a customer whose
    // day lies wholly inside the range passes, one whose day a bound falls inside (or out of the
    // days' range) is tested on the instant.
    template <typename Use>
    void TimesTest(const internal::TimeColumn& column, const Comparison& test, bool days_since, Use&& use) const {
        using internal::TimeColumn;
        IntRanges ranges;
        ranges.Add(kMinTime, kMaxTime);  // kNoTime is never in
        if (test.op != Op::kIsSet) {
            const RangeTest match = days_since ? calendar_.DaysSinceRanges(test) : calendar_.TimeRanges(test);
            ranges = IntRanges::Of(match, kMinTime, kMaxTime);
        }
        if (ranges.ranges.size() != 1 || column.at.empty()) return ColumnTest(column.at, ranges, use);
        const auto [a, b] = ranges.ranges[0];  // inclusive
        // Days 0 … kLastDay have codes (TimeColumn::DayCodeOf); instants outside them are kOutside.
        constexpr int64_t kLastDay = TimeColumn::kOutside - 2;
        int64_t first = 0, last = kLastDay;                                          // the days wholly inside [a, b]
        uint16_t low_edge = TimeColumn::kOutside, high_edge = TimeColumn::kOutside;  // days a bound cuts
        // Whole days: the first that starts at or after a, the last that ends at or before b
        // (a local date can run back across midnight in some zones' history, so the day of a
        // bound is only where the search starts). The day before the first and the day after the
        // last are cut by a bound when they do not end at a or start after b.
        if (a > calendar_.StartOfDay(0)) {
            first = calendar_.DayOf(a);
            while (calendar_.StartOfDay(first) < a) ++first;
            if (calendar_.StartOfDay(first) > a) low_edge = TimeColumn::DayCodeOf(first - 1);
        }
        if (b < calendar_.StartOfDay(kLastDay + 1) - 1) {
            last = calendar_.DayOf(b);
            while (calendar_.StartOfDay(last + 1) - 1 > b) --last;
            if (calendar_.StartOfDay(last + 1) <= b) high_edge = TimeColumn::DayCodeOf(last + 1);
        }
        // Codes first+1 … last+1; none when the range holds no whole day.
        const uint32_t from = first <= last ? static_cast<uint32_t>(first + 1) : uint32_t{0x10000};
        const uint32_t span = first <= last ? static_cast<uint32_t>(last - first) : 0;
        const int64_t* at = column.at.data();
        const uint16_t* day = column.day.data();
        const auto low = static_cast<uint64_t>(a);
        const uint64_t width = static_cast<uint64_t>(b) - low;
        return use([=](uint32_t id) {
            const uint16_t d = day[id];
            if (uint32_t{d} - from <= span) return true;
            if (d == low_edge || d == high_edge || d == TimeColumn::kOutside) {
                return static_cast<uint64_t>(at[id]) - low <= width;
            }
            return false;
        });
    }

    // What a windowed order trait reads: where its window starts, the platform (-1 = all), the day
    // window's tally (none for hour windows, or when the tally cannot answer at this evaluation's
    // now, IndexAccess::Tally: those search the purchases), and the test.
    struct Window {
        int platform = -1;
        int64_t start = 0;
        std::shared_ptr<const internal::WindowTally> tally;
        IntRanges match;
        bool average = false, spend = false;
    };
    Window WindowOf(const TraitCondition& c) const {
        Window w;
        w.platform = PlatformOf(c.trait);
        w.start = calendar_.WindowStart(*c.window);
        if (c.window->unit == TimeUnit::kDays) w.tally = IndexAccess::Tally(d_, w.start, w.platform, calendar_.now());
        w.match = IntRanges::Of(IntegerTest(c.test));
        w.average = c.trait == Trait::kAverageOrderValue;
        w.spend = c.trait == Trait::kTotalSpend;
        return w;
    }

    // Order traits over the purchases placed in the window (local midnight N-1 days ago, or N
    // hours ago, until now). A day window reads its tally (window_tally.hpp): the window's buyers
    // are one intersection; a count is then read from the tally's count steps, a spend or an
    // average tested buyer by buyer; everyone else has a count and spend of 0. Customers the tally cannot answer
    // exactly (a purchase after the time they were tallied), and hour windows, are searched in their purchases.
    Bitmap Windowed(const TraitCondition& c, const Bitmap& within) const {
        const Window w = WindowOf(c);
        if (w.tally == nullptr) return SearchWindow(c, w.platform, w.start, within);
        const std::shared_ptr<const internal::WindowTally>& tally = w.tally;
        const IntRanges& match = w.match;
        const bool average = w.average, spend = w.spend;
        Bitmap buyers = within & tally->buyers;
        buyers -= tally->late;
        Bitmap out;
        const int64_t low = spend ? tally->min_spend : tally->min_count;
        const int64_t high = spend ? tally->max_spend : tally->max_count;
        if (!average && std::any_of(match.ranges.begin(), match.ranges.end(),
                                    [&](const auto& r) { return r.first <= low && high <= r.second; })) {
            out = std::move(buyers);  // every buyer's value is in one range
        } else if (!average && !spend) {
            out = CountsAmong(*tally, buyers, match);
        } else {
            TallyValueTest(c, w, [&](const auto& test) { out = FilterTally(*tally, buyers, test); });
        }
        if (!average && match(0)) out |= within - tally->buyers;
        if (!tally->late.Empty()) {
            const Bitmap late = within & tally->late;
            if (!late.Empty()) out |= SearchWindow(c, w.platform, w.start, late);
        }
        return out;
    }

    // The buyers among `candidates` (all of them buyers) whose count in the window is in `match`:
    // each range [a, b] is "at least a" minus "at least b + 1", read from the tally's count steps;
    // only counts beyond the last step are tested buyer by buyer.
    static Bitmap CountsAmong(const internal::WindowTally& tally, const Bitmap& candidates, const IntRanges& match) {
        auto at_least = [&](const Bitmap& among, int64_t k) -> Bitmap {
            if (k <= 1) return among;  // every buyer bought at least once
            if (k - 2 < static_cast<int64_t>(internal::kCountSteps))
                return among & tally.at_least[static_cast<size_t>(k - 2)];
            const Bitmap most = among & tally.at_least.back();
            return FilterTally(tally, most, [k](int64_t count, int64_t) { return count >= k; });
        };
        Bitmap out;
        for (const auto& [a, b] : match.ranges) {
            if (b < 1) continue;
            Bitmap part = at_least(candidates, a);
            if (b < IntRanges::kMax && !part.Empty()) part -= at_least(part, b + 1);
            out |= part;
        }
        return out;
    }

    // FilterTally with the test chosen once: the average, or one range of counts or of spend (a
    // subtraction and a compare per buyer), or any ranges.
    // Calls use(test), test(count, fen) → bool: the average, or one range of counts or of spend,
    // or any ranges.
    template <typename Use>
    static void TallyValueTest(const TraitCondition& c, const Window& w, Use&& use) {
        const IntRanges& match = w.match;
        const bool spend = w.spend;
        if (w.average) return use([&](int64_t count, int64_t fen) { return AverageMatches(c.test, fen, count); });
        if (match.ranges.size() == 1) {
            const auto low = static_cast<uint64_t>(match.ranges[0].first);
            const uint64_t width = static_cast<uint64_t>(match.ranges[0].second) - low;
            if (spend) return use([=](int64_t, int64_t fen) { return static_cast<uint64_t>(fen) - low <= width; });
            return use([=](int64_t count, int64_t) { return static_cast<uint64_t>(count) - low <= width; });
        }
        return use([&](int64_t count, int64_t fen) { return match(spend ? fen : count); });
    }

    // A window condition as a test of one customer: from the day window's tally (a buyer's count
    // and spend found by its place, a customer who is not a buyer 0 and 0), or from the
    // customer's purchases for hour windows and customers the tally cannot answer (`late`).
    template <typename Use>
    void WindowTest(const TraitCondition& c, Use&& use) const {
        const Window w = WindowOf(c);
        if (w.tally == nullptr) return WindowSearchTest(c, w.platform, w.start, use);
        const bool zero = !w.average && w.match(0);  // what a customer with no purchase in the window gets
        const internal::WindowTally& t = *w.tally;
        WindowSearchTest(c, w.platform, w.start, [&](const auto& search) {
            TallyValueTest(c, w, [&](const auto& test) {
                auto tallied = [&](uint32_t id) {
                    const size_t b = id >> internal::kPurchaseBlockBits;
                    if (b >= t.blocks.size()) return zero;
                    const internal::TallyBlock& block = t.blocks[b];
                    const int64_t at = block.PlaceOf(id & (internal::kPurchaseBlock - 1));
                    if (at < 0) return zero;
                    return test(block.counts[static_cast<size_t>(at)], block.spend[static_cast<size_t>(at)]);
                };
                if (t.late.Empty()) return use(tallied);
                return use([&](uint32_t id) { return t.late.Contains(id) ? search(id) : tallied(id); });
            });
        });
    }

    // The buyers of `tally` among `candidates` (all of them buyers) whose count and net spend
    // pass `test`.
    template <typename Test>
    static Bitmap FilterTally(const internal::WindowTally& tally, const Bitmap& candidates, const Test& test) {
        using internal::kPurchaseBlockBits;
        using internal::TallyBlock;
        if (candidates.Empty()) return Bitmap();
        const size_t first = candidates.Minimum() >> kPurchaseBlockBits;
        const size_t last = std::min<size_t>(tally.blocks.size(), (candidates.Maximum() >> kPurchaseBlockBits) + 1);
        // The buyers in those blocks, approximately (in proportion to the blocks).
        const uint64_t buyers = tally.buyers.Cardinality() * (last - first) / std::max<size_t>(1, tally.blocks.size());
        if (candidates.Cardinality() * 4 >= buyers) {
            // Most buyers are candidates: every buyer of those blocks is tested, in id order, into
            // the words of a 2^16-id chunk, and the result intersected with the candidates.
            constexpr size_t kBlocksPerChunk = size_t{1} << (16 - kPurchaseBlockBits);
            internal::BitmapBuilder out;
            std::array<uint64_t, internal::BitmapBuilder::kChunkWords> words;
            for (size_t b = first; b < last;) {
                const size_t chunk = b / kBlocksPerChunk;
                words.fill(0);
                for (; b < last && b / kBlocksPerChunk == chunk; ++b) {
                    const TallyBlock& block = tally.blocks[b];
                    uint64_t* passed = words.data() + (b % kBlocksPerChunk) * TallyBlock::kWords;
                    size_t i = 0;
                    for (size_t w = 0; w < TallyBlock::kWords; ++w) {
                        uint64_t pass = 0;
                        for (uint64_t bits = block.words[w]; bits != 0; bits &= bits - 1, ++i) {
                            pass |= static_cast<uint64_t>(test(block.counts[i], block.spend[i]))
                                    << std::countr_zero(bits);
                        }
                        passed[w] = pass;
                    }
                }
                out.AddWords(static_cast<uint16_t>(chunk), words.data());
            }
            Bitmap all = out.Done();
            all &= candidates;
            return all;
        }
        // Few candidates: each is found in its block by its place (TallyBlock::PlaceOf).
        std::vector<uint32_t> ids = candidates.ToVector();
        size_t kept = 0;
        for (uint32_t id : ids) {
            const size_t b = id >> kPurchaseBlockBits;
            if (b >= tally.blocks.size()) break;
            const TallyBlock& block = tally.blocks[b];
            const int64_t at = block.PlaceOf(id & (internal::kPurchaseBlock - 1));
            ids[kept] = id;
            kept += at >= 0 && test(block.counts[static_cast<size_t>(at)], block.spend[static_cast<size_t>(at)])
                        ? size_t{1}
                        : size_t{0};
        }
        internal::BitmapBuilder out;
        out.AddSorted(std::span<const uint32_t>(ids.data(), kept));
        return out.Done();
    }

    // Order traits in the window [start, now], from each candidate's purchases.
    Bitmap SearchWindow(const TraitCondition& c, int platform, int64_t start, const Bitmap& within) const {
        Bitmap out;
        WindowSearchTest(c, platform, start, [&](const auto& test) { out = Filter(within, test); });
        return out;
    }
    template <typename Use>
    void WindowSearchTest(const TraitCondition& c, int platform, int64_t start, Use&& use) const {
        const int64_t end = calendar_.now();
        const IntRanges match = IntRanges::Of(IntegerTest(c.test));
        return use([&](uint32_t id) {
            const std::span<const internal::Purchase> runs = d_.PurchasesOf(id);
            // Ascending times: the window is found from the end, where recent purchases are.
            auto first = runs.end();
            while (first != runs.begin() && (first - 1)->at >= start) --first;
            int64_t count = 0, spend = 0;
            for (auto p = first; p != runs.end() && p->at <= end; ++p) {
                if (platform >= 0 && p->platform() != platform) continue;
                ++count;
                spend += p->net_fen();
            }
            switch (c.trait) {
                case Trait::kTotalSpend:
                    return match(spend);
                case Trait::kAverageOrderValue:
                    return count > 0 && AverageMatches(c.test, spend, count);
                default:  // order_count, orders_on.*
                    return match(count);
            }
        });
    }

    Result<Bitmap> Of(const IdentityCondition& c, const Bitmap& within) {
        return within & d_.identities[static_cast<size_t>(c.kind)];
    }

    Result<Bitmap> Of(const ConsentCondition& c, const Bitmap& within) {
        const Bitmap& granted = d_.consented[static_cast<size_t>(c.purpose)];
        return c.consented ? within & granted : within - granted;
    }

    Result<Bitmap> Of(const EventCondition& c) {
        const auto it = d_.events.find(c.event);
        if (it == d_.events.end()) {
            // Nobody did it: a count of 0 for everyone.
            if (c.measure == EventMeasure::kCount && IntegerTest(c.test)(0)) return d_.live;
            return Bitmap();
        }
        const internal::EventRuns& runs = it->second;
        std::shared_ptr<const internal::PropertyColumn> column;
        std::function<bool(const internal::PropertyValue&)> property;
        if (c.where) {
            YT_ASSIGN_OR_RETURN(column, IndexAccess::Property(d_, c.event, c.where->property));
            property = PropertyTest(*column, *c.where);
        }
        const Occurrences occurrences{runs, column.get(), property};
        internal::BitmapBuilder out;
        internal::BitmapBuilder did;  // every customer with a run (for a count that 0 passes)
        std::vector<uint32_t> passed;
        const auto match_count = IntegerTest(c.test);
        const bool zero_passes = c.measure == EventMeasure::kCount && match_count(0);
        const int64_t start = c.window ? calendar_.WindowStart(*c.window) : kMinTime;
        const int64_t end = c.window ? calendar_.now() : kMaxTime;
        if (c.measure == EventMeasure::kCount) {
            // Day windows and all-time counts read a tally: only the customers with a matching
            // occurrence since the window's start, each with its count.
            if (const auto tally = EventTallyFor(c, occurrences, start)) {
                std::vector<uint32_t> seen;
                for (size_t b = 0; b < tally->blocks.size(); ++b) {
                    passed.clear();
                    seen.clear();
                    for (const internal::EventTallyEntry& e : tally->blocks[b]) {
                        const int64_t count =
                            e.late ? occurrences.Count(b, runs.RunOf(e.customer).second, start, end) : e.count;
                        if (match_count(count)) passed.push_back(e.customer);
                        if (zero_passes) seen.push_back(e.customer);
                    }
                    out.AddSorted(passed);
                    if (zero_passes) did.AddSorted(seen);
                }
                Bitmap members = out.Done();
                if (zero_passes) members |= d_.live - did.Done();
                return members;
            }
        }
        const RangeTest match_time = c.measure == EventMeasure::kCount ? RangeTest() : calendar_.TimeRanges(c.test);
        if (c.measure != EventMeasure::kCount) {
            if (auto members = FirstOrLastFromTallies(c, occurrences, match_time)) return std::move(*members);
        }
        for (size_t b = 0; b < runs.blocks.size(); ++b) {
            const internal::EventBlock& block = runs.blocks[b];
            if (block.empty()) continue;
            passed.clear();
            for (size_t k = 0; k < block.customers.size(); ++k) {
                if (c.measure == EventMeasure::kCount) {
                    if (match_count(occurrences.Count(b, k, start, end))) passed.push_back(block.customers[k]);
                    continue;
                }
                const int64_t when = occurrences.Extreme(b, k, c.measure == EventMeasure::kFirst);
                if (when != kNoTime && match_time(when)) passed.push_back(block.customers[k]);
            }
            out.AddSorted(passed);
            if (zero_passes) did.AddSorted(block.customers);
        }
        Bitmap members = out.Done();
        if (zero_passes) members |= d_.live - did.Done();
        return members;
    }

    // The occurrences of one event name that pass a property filter (all of them without one).
    struct Occurrences {
        const internal::EventRuns& runs;
        const internal::PropertyColumn* column;  // null: no filter
        const std::function<bool(const internal::PropertyValue&)>& property;

        bool Matches(size_t b, size_t i) const {
            if (column == nullptr) return true;
            // A column parallels every block (Refresh patches it with the runs); were one short,
            // its values would read as missing rather than out of bounds.
            static const internal::PropertyValue kMissingValue{};
            const bool have = b < column->values.size() && column->values[b].size() == runs.blocks[b].times.size();
            return property(have ? column->values[b][i] : kMissingValue);
        }
        // How many of the run at `k` of block `b` are in [start, end].
        int64_t Count(size_t b, size_t k, int64_t start, int64_t end) const {
            const internal::EventBlock& block = runs.blocks[b];
            const int64_t* times = block.times.data();
            const int64_t* first = std::lower_bound(times + block.offsets[k], times + block.offsets[k + 1], start);
            const int64_t* last = std::upper_bound(first, times + block.offsets[k + 1], end);
            if (column == nullptr) return last - first;
            int64_t count = 0;
            for (const int64_t* t = first; t != last; ++t) count += Matches(b, static_cast<size_t>(t - times)) ? 1 : 0;
            return count;
        }
        // The time of the first (or last) of the run at `k` of block `b`; kNoTime when none.
        int64_t Extreme(size_t b, size_t k, bool first) const {
            const internal::EventBlock& block = runs.blocks[b];
            const uint32_t from = block.offsets[k], to = block.offsets[k + 1];
            if (first) {
                for (uint32_t i = from; i < to; ++i) {
                    if (Matches(b, i)) return block.times[i];
                }
            } else {
                for (uint32_t i = to; i > from; --i) {
                    if (Matches(b, i - 1)) return block.times[i - 1];
                }
            }
            return kNoTime;
        }
    };

    // `first`/`last` compared with one bound — since a local midnight or a date (`within 14d`,
    // `>= 2024-06-18`) or before one (`before 30d`, `< 2024-06-18`) — from two tallies: T(x), the
    // matching occurrences at or after x, all time and at the bound. Since: the last is when
    // T(bound) ≥ 1, the first when T(bound) = T(all) ≥ 1; before: the last is when T(all) ≥ 1 and
    // T(bound) = 0, the first when T(all) > T(bound). Late customers are tested on their runs.
    // nullopt when the comparison is not of that form or a tally cannot answer.
    std::optional<Bitmap> FirstOrLastFromTallies(const EventCondition& c, const Occurrences& occurrences,
                                                 const RangeTest& match_time) const {
        bool since = false;
        if (!Tallied(c, &since) || match_time.ranges.size() != 1 || match_time.negate) return std::nullopt;
        const int64_t bound = since ? match_time.ranges[0].first : match_time.ranges[0].second;
        const auto all = EventTallyFor(c, occurrences, kMinTime);
        const auto part = all != nullptr ? EventTallyFor(c, occurrences, bound) : nullptr;
        if (all == nullptr || part == nullptr) return std::nullopt;
        const bool first = c.measure == EventMeasure::kFirst;
        static const std::vector<internal::EventTallyEntry> kNone;
        internal::BitmapBuilder out;
        std::vector<uint32_t> passed;
        for (size_t b = 0; b < all->blocks.size(); ++b) {
            passed.clear();
            const std::vector<internal::EventTallyEntry>& everything = all->blocks[b];
            const std::vector<internal::EventTallyEntry>& at_bound = b < part->blocks.size() ? part->blocks[b] : kNone;
            const auto from_runs = [&](uint32_t customer) {
                const int64_t when = occurrences.Extreme(b, occurrences.runs.RunOf(customer).second, first);
                return when != kNoTime && match_time(when);
            };
            if (since) {
                // Only customers with an occurrence since the bound (or late) can pass: read those,
                // each found among all the block's customers by a search from the last one.
                auto cursor = everything.begin();
                for (const internal::EventTallyEntry& e : at_bound) {
                    cursor = std::lower_bound(
                        cursor, everything.end(), e.customer,
                        [](const internal::EventTallyEntry& x, uint32_t id) { return x.customer < id; });
                    const bool found = cursor != everything.end() && cursor->customer == e.customer;
                    bool pass = false;
                    if (e.late || !found || cursor->late) {
                        pass = from_runs(e.customer);
                    } else {
                        pass = first ? e.count > 0 && e.count == cursor->count : e.count > 0;
                    }
                    if (pass) passed.push_back(e.customer);
                }
                out.AddSorted(passed);
                continue;
            }
            size_t p = 0;
            for (const internal::EventTallyEntry& e : everything) {
                while (p < at_bound.size() && at_bound[p].customer < e.customer) ++p;
                const bool in_part = p < at_bound.size() && at_bound[p].customer == e.customer;
                const uint32_t counted = in_part ? at_bound[p].count : 0;
                bool pass = false;
                if (e.late || (in_part && at_bound[p].late)) {
                    pass = from_runs(e.customer);
                } else {
                    pass = first ? e.count > counted : e.count > 0 && counted == 0;
                }
                if (pass) passed.push_back(e.customer);
            }
            out.AddSorted(passed);
        }
        return out.Done();
    }

    // The tally of `c`'s occurrences at or after `start`, made on first use and tallied again
    // where refreshes marked it stale; null when a tally cannot answer: an hour window, a filter
    // whose test moves with "now" (a relative date), or an evaluation at a "now" before the
    // tally's.
    std::shared_ptr<const internal::EventTally> EventTallyFor(const EventCondition& c, const Occurrences& occurrences,
                                                              int64_t start) const {
        if (!Tallied(c)) return nullptr;
        const int64_t now = calendar_.now();
        std::lock_guard lock(d_.event_tallies_mutex);
        auto& tallies = d_.event_tallies;
        const internal::EventTallyKey key{.event = c.event, .where = c.where, .start = start};
        auto it = std::find_if(tallies.begin(), tallies.end(), [&](const auto& t) { return t->key == key; });
        if (it == tallies.end()) {
            auto& requests = d_.event_tally_requests;
            if (std::find(requests.begin(), requests.end(), key) == requests.end()) {
                requests.push_back(key);
                if (requests.size() > internal::kEventTallyRequests) requests.pop_front();
                return nullptr;
            }
            if (tallies.size() >= internal::kKeptEventTallies) {
                tallies.erase(std::min_element(tallies.begin(), tallies.end(), [](const auto& x, const auto& y) {
                    return x->last_used < y->last_used;
                }));
            }
            auto tally = std::make_shared<internal::EventTally>();
            tally->key = key;
            tallies.push_back(std::move(tally));
            it = std::prev(tallies.end());
        }
        internal::EventTally& tally = **it;
        if (now < tally.checked_at) return nullptr;
        const internal::EventRuns& runs = occurrences.runs;
        if (tally.blocks.size() < runs.blocks.size()) {
            tally.blocks.resize(runs.blocks.size());
            tally.stale.resize(runs.blocks.size(), 1);
        }
        bool tallied = false;
        for (size_t b = 0; b < tally.blocks.size(); ++b) {
            if (tally.stale[b] == 0) continue;
            tallied = true;
            std::vector<internal::EventTallyEntry>& entries = tally.blocks[b];
            entries.clear();
            if (b < runs.blocks.size()) {
                const internal::EventBlock& block = runs.blocks[b];
                for (size_t k = 0; k < block.customers.size(); ++k) {
                    const bool late = block.times[block.offsets[k + 1] - 1] > now;
                    const int64_t count = occurrences.Count(b, k, start, kMaxTime);
                    if (count > 0 || late) {
                        entries.push_back(
                            {block.customers[k], static_cast<uint32_t>(std::min<int64_t>(count, UINT32_MAX)), late});
                    }
                }
            }
            entries.shrink_to_fit();
            tally.stale[b] = 0;
        }
        // Only what was tallied now moves the time the tally holds for: an evaluation at an
        // earlier "now" (taken before this one) can still read it.
        if (tallied) tally.checked_at = std::max(tally.checked_at, now);
        tally.last_used = ++d_.event_tally_uses;
        return *it;
    }

    // Whether one value of a property passes a filter; strings are decided once per distinct
    // value of the column.
    std::function<bool(const internal::PropertyValue&)> PropertyTest(const internal::PropertyColumn& column,
                                                                     const PropertyFilter& where) const {
        using Kind = internal::PropertyValue::Kind;
        const Comparison& test = where.test;
        if (test.op == Op::kIsSet) return [](const internal::PropertyValue& v) { return v.kind != Kind::kMissing; };
        const Family family = FamilyOf(test);
        switch (family) {
            case Family::kBool:
                return [test](const internal::PropertyValue& v) {
                    return v.kind == Kind::kBool && BoolMatches(test, v.boolean);
                };
            case Family::kNumber:
                return [number = NumberTest(test)](const internal::PropertyValue& v) {
                    return v.kind == Kind::kNumber && number(v.number);
                };
            case Family::kString:
            case Family::kDate:
            case Family::kDuration: {
                std::vector<char> text_matches(column.texts.size(), 0);
                const StringTest text = TextTest(test);
                const RangeTest days = family == Family::kDate ? Calendar::DayRanges(test) : RangeTest();
                const RangeTest times = family == Family::kDuration ? calendar_.TimeRanges(test) : RangeTest();
                for (size_t i = 0; i < column.texts.size(); ++i) {
                    const internal::PropertyText& t = column.texts[i];
                    if (family == Family::kString) text_matches[i] = text(t.text) ? 1 : 0;
                    if (family == Family::kDate) text_matches[i] = t.day != kNoDay && days(t.day) ? 1 : 0;
                    if (family == Family::kDuration) text_matches[i] = t.instant != kNoTime && times(t.instant) ? 1 : 0;
                }
                return [text_matches = std::move(text_matches)](const internal::PropertyValue& v) {
                    return v.kind == Kind::kString && v.text < text_matches.size() && text_matches[v.text] != 0;
                };
            }
            default:
                return [](const internal::PropertyValue&) { return false; };
        }
    }

    Result<Bitmap> Of(const SegmentCondition& c, const Bitmap& within) {
        for (const auto& [ref, members] : segments_) {
            if (ref == c.segment) return within & members;
        }
        return InvalidArgument("unknown segment " + SegmentText(c.segment), "rule");  // resolved before: unreachable
    }

    Result<Bitmap> Of(const BirthdayCondition& c, const Bitmap& within) {
        return AmongHolders(c.attribute, within, [&](const auto& use) { BirthdayTest(c, use); });
    }

    template <typename Use>
    void BirthdayTest(const BirthdayCondition& c, Use&& use) const {
        const auto it = d_.attributes.find(c.attribute);
        if (it == d_.attributes.end() || it->second.day_of.empty()) return use(Nobody());
        // Which (month, day) anniversaries fall in the period.
        std::array<std::array<bool, 32>, 13> days{};
        auto mark = [&](int64_t day) {
            const LocalDate date = DateOfDay(static_cast<int32_t>(day));
            days[static_cast<size_t>(date.month)][static_cast<size_t>(date.day)] = true;
            // 29 February birthdays are celebrated on 28 February in other years.
            if (date.month == 2 && date.day == 28 && !internal::IsLeapYear(date.year)) days[2][29] = true;
        };
        switch (c.period) {
            case BirthdayPeriod::kThisMonth:
                for (auto& day : days[static_cast<size_t>(calendar_.date().month)]) day = true;
                break;
            case BirthdayPeriod::kThisWeek: {
                const int64_t monday = calendar_.today() - (calendar_.weekday() + 6) % 7;
                for (int i = 0; i < 7; ++i) mark(monday + i);
                break;
            }
            case BirthdayPeriod::kNextDays:
                for (int64_t i = 0; i < c.days; ++i) mark(calendar_.today() + i);
                break;
        }
        // Whether each day of the last 150 years and the next 10 is such an anniversary, walked
        // through the calendar once, instead of a date conversion per customer.
        const int32_t first = calendar_.today() - 150 * 366;
        const int32_t last = calendar_.today() + 10 * 366;
        std::vector<char> table(static_cast<size_t>(last - first + 1));
        LocalDate date = DateOfDay(first);
        for (size_t i = 0; i < table.size(); ++i) {
            table[i] = days[static_cast<size_t>(date.month)][static_cast<size_t>(date.day)] ? 1 : 0;
            if (++date.day > internal::DaysInMonth(date.year, date.month)) {
                date.day = 1;
                if (++date.month > 12) {
                    date.month = 1;
                    ++date.year;
                }
            }
        }
        const int32_t* day_of = it->second.day_of.data();
        return use([&](uint32_t id) {
            const int32_t day = day_of[id];
            if (day == kNoDay) return false;
            if (day >= first && day <= last) return table[static_cast<size_t>(day - first)] != 0;
            const LocalDate d = DateOfDay(day);
            return days[static_cast<size_t>(d.month)][static_cast<size_t>(d.day)];
        });
    }

    // Whole months since a date, as ages are counted; a day the month lacks (the 31st) is its
    // last day. Only for days up to today.
    int64_t MonthsSince(int32_t day) const {
        const LocalDate today = calendar_.date();
        const LocalDate date = DateOfDay(day);
        const int anniversary = std::min(date.day, internal::DaysInMonth(today.year, today.month));
        return (int64_t{today.year} - date.year) * 12 + (today.month - date.month) - (today.day < anniversary ? 1 : 0);
    }

    Result<Bitmap> Of(const MonthsSinceCondition& c, const Bitmap& within) {
        return AmongHolders(c.attribute, within, [&](const auto& use) { MonthsSinceTest(c, use); });
    }

    template <typename Use>
    void MonthsSinceTest(const MonthsSinceCondition& c, Use&& use) const {
        const auto it = d_.attributes.find(c.attribute);
        if (it == d_.attributes.end()) return use(Nobody());
        // Months since never grow as the date moves later, so each range of months is a range
        // of days up to today, found by bisection, and the column is tested against days.
        const IntRanges months = IntRanges::Of(IntegerTest(c.test));
        const int64_t today = calendar_.today();
        IntRanges days;
        for (const auto& [a, b] : months.ranges) {
            // The earliest day with months ≤ b (from) and the latest with months ≥ a (to).
            int64_t low = kSearchFirstDay - 1, high = today + 1;  // months(low) > b ≥ months(high)
            while (high - low > 1) {
                const int64_t mid = low + (high - low) / 2;
                (MonthsSince(static_cast<int32_t>(mid)) <= b ? high : low) = mid;
            }
            const int64_t from = high;
            low = kSearchFirstDay - 1, high = today + 1;  // months(low) ≥ a > months(high)
            while (high - low > 1) {
                const int64_t mid = low + (high - low) / 2;
                (MonthsSince(static_cast<int32_t>(mid)) >= a ? low : high) = mid;
            }
            const int64_t to = low;
            days.Add(from, to);
        }
        return ColumnTest(it->second.day_of, days.Normalize(), use);
    }

    static constexpr uint64_t kDenseShare = 4;  // test one by one below capacity / kDenseShare
    // AND orders its per-customer tests by what they keep of kSampleSize of the candidates, when
    // there are kSampleFrom candidates or more.
    static constexpr size_t kSampleSize = 128;
    static constexpr size_t kSampleFrom = 4096;
    static constexpr uint64_t kChunk = uint64_t{1} << 16;
    // Days searched when turning times or months into days: years 0 to 9999, as dates are stored.
    static constexpr int64_t kSearchFirstDay = -719528;  // 0000-01-01
    static constexpr int64_t kSearchLastDay = 2932896;   // 9999-12-31

    const IndexData& d_;
    const Calendar& calendar_;
    std::vector<std::pair<SegmentRef, Bitmap>> segments_;
};

}  // namespace

namespace {

Timing Later(Timing a, Timing b) { return std::max(a, b); }

// Relative to now: a window or a "within"/"before" comparison, by its unit.
Timing TimingOf(const Comparison& test, const std::optional<Duration>& window) {
    Timing out = Timing::kFixed;
    auto unit = [](const Duration& d) { return d.unit == TimeUnit::kHours ? Timing::kContinuous : Timing::kDaily; };
    if (window) out = unit(*window);
    if (test.op == Op::kWithin || test.op == Op::kBefore) {
        for (const Value& v : test.values) {
            if (const auto* d = std::get_if<Duration>(&v)) out = Later(out, unit(*d));
        }
    }
    return out;
}

Timing ConditionTiming(const AttributeCondition& c) { return TimingOf(c.test, std::nullopt); }
Timing ConditionTiming(const TraitCondition& c) {
    if (c.trait == Trait::kDaysSinceLastOrder || c.trait == Trait::kDaysSinceLastSeen)
        return Later(Timing::kDaily, TimingOf(c.test, c.window));
    return TimingOf(c.test, c.window);
}
Timing ConditionTiming(const EventCondition& c) {
    Timing out = TimingOf(c.test, c.window);
    if (c.where) out = Later(out, TimingOf(c.where->test, std::nullopt));
    return out;
}
Timing ConditionTiming(const BirthdayCondition&) { return Timing::kDaily; }
Timing ConditionTiming(const MonthsSinceCondition&) { return Timing::kDaily; }
Timing ConditionTiming(const SegmentCondition&) { return Timing::kContinuous; }
template <typename C>
Timing ConditionTiming(const C&) {
    return Timing::kFixed;  // tags, identities, consent, everyone
}

Facets ConditionFacets(const TraitCondition& c) {
    if (c.window) return kFacetPurchases;
    switch (c.trait) {
        case Trait::kDaysSinceLastSeen:
            return kFacetLastSeen;
        case Trait::kOwner:
        case Trait::kSourceChannel:
            return kFacetProfile;
        default:
            return kFacetTraits;  // order traits, RFM, stage, orders per platform
    }
}
Facets ConditionFacets(const Everyone&) { return 0; }
Facets ConditionFacets(const TagCondition&) { return kFacetTags; }
Facets ConditionFacets(const IdentityCondition&) { return kFacetIdentities; }
Facets ConditionFacets(const ConsentCondition&) { return kFacetConsent; }
Facets ConditionFacets(const AttributeCondition&) { return kFacetAttributes; }
Facets ConditionFacets(const BirthdayCondition&) { return kFacetAttributes; }
Facets ConditionFacets(const MonthsSinceCondition&) { return kFacetAttributes; }
Facets ConditionFacets(const EventCondition&) { return kFacetEvents; }
Facets ConditionFacets(const SegmentCondition&) { return kAllFacets; }

// The rule's members among `within`. Many candidates are split into kParts parts of equal
// numbers of candidates, which two threads take one at a time until none is left (conditions are
// decided customer by customer, so the parts' members are the whole's): when the other thread
// starts late or is held up by other work on the machine, this one takes more of the parts rather
// than waiting for a fixed half. The caller's shared lock on the index covers both.
Result<Bitmap> EvalInParts(Evaluator& evaluator, const IndexData& d, const Rule& rule, const Bitmap& within) {
    constexpr uint64_t kParts = 4;
    const uint64_t n = within.Cardinality();
    // Rules of bitmap conditions only take a few operations: a thread would cost more than it saves.
    if (n < kParts || n < static_cast<uint64_t>(std::max<int64_t>(1, d.settings.parallel_from)) ||
        Evaluator::CostOf(rule) == Cost::kBitmap) {
        return evaluator.Eval(rule, within);
    }
    std::array<uint64_t, kParts + 1> bounds{};  // part k holds ids in [bounds[k], bounds[k + 1])
    for (uint64_t k = 1; k < kParts; ++k) bounds[k] = within.Select(static_cast<uint32_t>(n * k / kParts));
    bounds[kParts] = uint64_t{within.Maximum()} + 1;
    std::array<std::optional<Result<Bitmap>>, kParts> members;
    std::atomic<uint64_t> next{0};
    auto work = [&](Evaluator& e) {
        for (uint64_t k = next.fetch_add(1); k < kParts; k = next.fetch_add(1)) {
            members[k].emplace(e.Eval(rule, within & Bitmap::Range(bounds[k], bounds[k + 1])));
        }
    };
    Evaluator other = evaluator;
    std::thread helper;
    try {
        helper = std::thread([&] { work(other); });
    } catch (const std::system_error&) {
        // No thread to be had: this one takes every part.
    }
    work(evaluator);
    if (helper.joinable()) helper.join();
    Bitmap out;
    for (auto& part : members) {
        YT_TRY(part->status());
        out |= **part;
    }
    return out;
}

}  // namespace

Facets FacetsOf(const Rule& rule) {
    if (rule.kind == Rule::Kind::kCondition) {
        return kFacetLive | std::visit([](const auto& c) { return ConditionFacets(c); }, rule.condition);
    }
    Facets out = kFacetLive;
    for (const Rule& child : rule.children) out |= FacetsOf(child);
    return out;
}

Timing TimingOf(const Rule& rule) {
    if (rule.kind == Rule::Kind::kCondition) {
        return std::visit([](const auto& c) { return ConditionTiming(c); }, rule.condition);
    }
    Timing out = Timing::kFixed;
    for (const Rule& child : rule.children) out = Later(out, TimingOf(child));
    return out;
}

Result<Evaluation> Evaluate(const AudienceIndex& index, const Rule& rule, const EvaluateOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    const IndexData& d = IndexAccess::Data(index);
    std::shared_lock lock(d.mutex);
    const Timestamp now = options.now ? *options.now : d.clock->Now();
    const Calendar calendar(d.zone, now);
    Evaluator evaluator(d, calendar);
    YT_TRY(evaluator.ResolveSegments(rule, "", options.segments));
    Bitmap within = d.live;
    if (options.within != nullptr) within &= IndexAccess::Bits(*options.within);
    YT_ASSIGN_OR_RETURN(Bitmap members, EvalInParts(evaluator, d, rule, within));
    if (options.owner) {
        auto it = d.owner_members.find(options.owner->value());
        if (it == d.owner_members.end()) {
            members.Clear();
        } else {
            members &= it->second;
        }
    }
    Evaluation out;
    out.count = static_cast<int64_t>(members.Cardinality());
    for (uint32_t id : members.First(options.sample_size)) out.sample.emplace_back(id);
    out.members = IndexAccess::Wrap(std::move(members));
    out.as_of = Timestamp::FromMicros(d.current_at.load(std::memory_order_acquire));
    out.index_built_at = d.built_at;
    out.took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    return out;
}

}  // namespace yutang::audience
