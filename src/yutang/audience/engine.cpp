#include "yutang/audience/engine.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <string>

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

// Collects ids, in batches, into a bitmap.
class Collector {
  public:
    Collector() { buffer_.reserve(4096); }
    void Add(uint32_t id) {
        buffer_.push_back(id);
        if (buffer_.size() == buffer_.capacity()) Flush();
    }
    Bitmap Done() {
        Flush();
        return std::move(out_);
    }

  private:
    void Flush() {
        out_.AddMany(buffer_);
        buffer_.clear();
        buffer_.reserve(4096);
    }
    std::vector<uint32_t> buffer_;
    Bitmap out_;
};

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

    Result<Bitmap> Eval(const Rule& rule) {
        switch (rule.kind) {
            case Rule::Kind::kCondition: {
                YT_ASSIGN_OR_RETURN(Bitmap out, Condition(rule.condition));
                out &= d_.live;
                return out;
            }
            case Rule::Kind::kNot: {
                YT_ASSIGN_OR_RETURN(Bitmap child, Eval(rule.children[0]));
                return d_.live - child;
            }
            case Rule::Kind::kAll: {
                YT_ASSIGN_OR_RETURN(Bitmap out, Eval(rule.children[0]));
                for (size_t i = 1; i < rule.children.size() && !out.Empty(); ++i) {
                    YT_ASSIGN_OR_RETURN(Bitmap next, Eval(rule.children[i]));
                    out &= next;
                }
                return out;
            }
            case Rule::Kind::kAny: {
                YT_ASSIGN_OR_RETURN(Bitmap out, Eval(rule.children[0]));
                for (size_t i = 1; i < rule.children.size(); ++i) {
                    YT_ASSIGN_OR_RETURN(Bitmap next, Eval(rule.children[i]));
                    out |= next;
                }
                return out;
            }
        }
        return Bitmap();
    }

  private:
    Result<Bitmap> Condition(const audience::Condition& condition) {
        return std::visit([this](const auto& c) { return Of(c); }, condition);
    }

    Result<Bitmap> Of(const Everyone&) { return d_.live; }

    Result<Bitmap> Of(const TagCondition& c) {
        switch (c.op) {
            case TagOp::kHas:
                return TagMembers(c.tags[0]);
            case TagOp::kHasNot:
                return d_.live - TagMembers(c.tags[0]);
            case TagOp::kAnyOf: {
                Bitmap out;
                for (const std::string& tag : c.tags) out |= TagMembers(tag);
                return out;
            }
            case TagOp::kAllOf: {
                Bitmap out = TagMembers(c.tags[0]);
                for (size_t i = 1; i < c.tags.size(); ++i) out &= TagMembers(c.tags[i]);
                return out;
            }
        }
        return Bitmap();
    }

    // "group/name" is that tag; "name" is a tag of that name in any group.
    Bitmap TagMembers(const std::string& spec) const {
        const size_t slash = spec.find('/');
        const std::string_view group =
            slash == std::string::npos ? std::string_view() : std::string_view(spec).substr(0, slash);
        const std::string_view name =
            slash == std::string::npos ? std::string_view(spec) : std::string_view(spec).substr(slash + 1);
        Bitmap out;
        for (const internal::TagInfo& tag : d_.tags) {
            if (tag.name != name || (slash != std::string::npos && tag.group != group)) continue;
            if (auto it = d_.tag_members.find(tag.id); it != d_.tag_members.end()) out |= it->second;
        }
        return out;
    }

    Result<Bitmap> Of(const AttributeCondition& c) {
        const auto it = d_.attributes.find(c.attribute);
        if (it == d_.attributes.end()) return Bitmap();
        const AttributeColumn& column = it->second;
        const Comparison& test = c.test;
        if (test.op == Op::kIsSet) return column.present;
        switch (FamilyOf(test)) {
            case Family::kString: {
                const StringTest match = TextTest(test);
                Bitmap out;
                for (size_t code = 0; code < column.texts.size(); ++code) {
                    if (match(column.texts[code])) out |= column.text_members[code];
                }
                return out;
            }
            case Family::kBool: {
                Bitmap out;
                if (BoolMatches(test, true)) out |= column.bool_true;
                if (BoolMatches(test, false)) out |= column.bool_false;
                return out;
            }
            case Family::kNumber: {
                const OrderTest<double> match = NumberTest(test);
                return Scan(column.number_of, [&](double x) { return !std::isnan(x) && match(x); });
            }
            case Family::kDate: {
                const RangeTest match = Calendar::DayRanges(test);
                return Scan(column.day_of, [&](int32_t day) { return day != kNoDay && match(day); });
            }
            case Family::kDuration: {
                const RangeTest match = calendar_.TimeRanges(test);
                return Scan(column.instant_of, [&](int64_t t) { return t != kNoTime && match(t); });
            }
            case Family::kOther:
                break;
        }
        return Bitmap();
    }

    template <typename T, typename F>
    static Bitmap Scan(const std::vector<T>& column, F&& match) {
        Collector out;
        for (size_t c = 0; c < column.size(); ++c) {
            if (match(column[c])) out.Add(static_cast<uint32_t>(c));
        }
        return out.Done();
    }

    Result<Bitmap> Of(const TraitCondition& c) {
        const Comparison& test = c.test;
        const int platform = PlatformOf(c.trait);
        if (c.window) return Windowed(c, platform);
        switch (c.trait) {
            case Trait::kOrderCount: {
                const auto match = IntegerTest(test);
                return Scan(d_.order_count, match);
            }
            case Trait::kTotalSpend: {
                const auto match = IntegerTest(test);
                return Scan(d_.net_spend, match);
            }
            case Trait::kAverageOrderValue: {
                Collector out;
                for (uint32_t id = 0; id < d_.capacity; ++id) {
                    if (d_.order_count[id] > 0 && AverageMatches(test, d_.net_spend[id], d_.order_count[id]))
                        out.Add(id);
                }
                return out.Done();
            }
            case Trait::kFirstOrderAt:
                return Times(d_.first_order_at, test, false);
            case Trait::kLastOrderAt:
                return Times(d_.last_order_at, test, false);
            case Trait::kDaysSinceLastOrder:
                return Times(d_.last_order_at, test, true);
            case Trait::kDaysSinceLastSeen:
                return Times(d_.last_seen, test, true);
            case Trait::kRfmRecency:
            case Trait::kRfmFrequency:
            case Trait::kRfmMonetary: {
                const auto& column = d_.rfm[static_cast<size_t>(c.trait) - static_cast<size_t>(Trait::kRfmRecency)];
                if (test.op == Op::kIsSet) return Scan(column, [](uint8_t s) { return s != 0; });
                const auto match = IntegerTest(test);
                return Scan(column, [&](uint8_t s) { return s != 0 && match(s); });
            }
            case Trait::kLifecycleStage: {
                auto stage = [&](const Value& v) -> Bitmap {
                    const auto stages = internal::LifecycleStages();
                    for (size_t i = 0; i < stages.size(); ++i) {
                        if (stages[i] == std::get<std::string>(v)) return d_.stages[i];
                    }
                    return Bitmap();
                };
                if (test.op == Op::kNe) return d_.live - stage(test.values[0]);
                Bitmap out;
                for (const Value& v : test.values) out |= stage(v);
                return out;
            }
            case Trait::kOwner: {
                auto owner = [&](const Value& v) -> Bitmap {
                    const int64_t staff = std::get<StaffId>(v).value();
                    if (staff == 0) return d_.live - d_.owned;
                    auto it = d_.owner_members.find(staff);
                    return it == d_.owner_members.end() ? Bitmap() : it->second;
                };
                if (test.op == Op::kNe) return d_.live - owner(test.values[0]);
                Bitmap out;
                for (const Value& v : test.values) out |= owner(v);
                return out;
            }
            case Trait::kSourceChannel: {
                Bitmap out;
                const StringTest match = TextTest(test);
                for (size_t code = 0; code < d_.channels.size(); ++code) {
                    if (test.op == Op::kIsSet || match(d_.channels[code])) out |= d_.channel_members[code];
                }
                return out;
            }
            default:
                break;
        }
        if (platform >= 0) {
            const auto match = IntegerTest(test);
            return Scan(d_.platform_orders[static_cast<size_t>(platform)], [&](int32_t n) { return match(n); });
        }
        return Bitmap();
    }

    // A time column compared to dates or a window, or (days_since) its local-day distance from
    // today compared to whole numbers.
    Bitmap Times(const std::vector<int64_t>& column, const Comparison& test, bool days_since) const {
        if (test.op == Op::kIsSet) return Scan(column, [](int64_t t) { return t != kNoTime; });
        const RangeTest match = days_since ? calendar_.DaysSinceRanges(test) : calendar_.TimeRanges(test);
        return Scan(column, [&](int64_t t) { return t != kNoTime && match(t); });
    }

    // Order traits over the purchases placed in the window (local midnight N-1 days ago, or N
    // hours ago, until now).
    Bitmap Windowed(const TraitCondition& c, int platform) const {
        const int64_t start = calendar_.WindowStart(*c.window);
        const int64_t end = calendar_.now();
        const auto match = IntegerTest(c.test);
        Collector out;
        for (uint32_t id = 0; id < d_.capacity; ++id) {
            const auto* first = d_.purchases.data() + d_.purchase_offsets[id];
            const auto* last = d_.purchases.data() + d_.purchase_offsets[id + 1];
            first =
                std::lower_bound(first, last, start, [](const internal::Purchase& p, int64_t t) { return p.at < t; });
            last = std::upper_bound(first, last, end, [](int64_t t, const internal::Purchase& p) { return t < p.at; });
            int64_t count = 0, spend = 0;
            for (const auto* p = first; p != last; ++p) {
                if (platform >= 0 && p->platform != platform) continue;
                ++count;
                spend += p->net_fen;
            }
            bool ok = false;
            switch (c.trait) {
                case Trait::kTotalSpend:
                    ok = match(spend);
                    break;
                case Trait::kAverageOrderValue:
                    ok = count > 0 && AverageMatches(c.test, spend, count);
                    break;
                default:  // order_count, orders_on.*
                    ok = match(count);
                    break;
            }
            if (ok) out.Add(id);
        }
        return out.Done();
    }

    Result<Bitmap> Of(const IdentityCondition& c) { return d_.identities[static_cast<size_t>(c.kind)]; }

    Result<Bitmap> Of(const ConsentCondition& c) {
        const Bitmap& granted = d_.consented[static_cast<size_t>(c.purpose)];
        return c.consented ? granted : d_.live - granted;
    }

    Result<Bitmap> Of(const EventCondition& c) {
        const auto it = d_.events.find(c.event);
        if (it == d_.events.end()) {
            // Nobody did it: a count of 0 for everyone.
            if (c.measure == EventMeasure::kCount && IntegerTest(c.test)(0)) return d_.live;
            return Bitmap();
        }
        const internal::EventRuns& runs = it->second;
        std::vector<char> matches;  // per occurrence; empty = every occurrence matches
        if (c.where) {
            YT_ASSIGN_OR_RETURN(matches, PropertyMatches(c.event, *c.where));
        }
        auto matching = [&](uint32_t i) { return matches.empty() || matches[i] != 0; };
        Collector out;
        if (c.measure == EventMeasure::kCount) {
            const auto match = IntegerTest(c.test);
            const int64_t start = c.window ? calendar_.WindowStart(*c.window) : kMinTime;
            const int64_t end = c.window ? calendar_.now() : kMaxTime;
            for (size_t k = 0; k < runs.customers.size(); ++k) {
                const int64_t* times = runs.times.data();
                const int64_t* first = std::lower_bound(times + runs.offsets[k], times + runs.offsets[k + 1], start);
                const int64_t* last = std::upper_bound(first, times + runs.offsets[k + 1], end);
                int64_t count = 0;
                for (const int64_t* t = first; t != last; ++t)
                    count += matching(static_cast<uint32_t>(t - times)) ? 1 : 0;
                if (match(count)) out.Add(runs.customers[k]);
            }
            Bitmap members = out.Done();
            if (match(0)) members |= d_.live - Bitmap::Of(runs.customers);
            return members;
        }
        const RangeTest match = calendar_.TimeRanges(c.test);
        for (size_t k = 0; k < runs.customers.size(); ++k) {
            int64_t when = kNoTime;
            if (c.measure == EventMeasure::kFirst) {
                for (uint32_t i = runs.offsets[k]; i < runs.offsets[k + 1]; ++i) {
                    if (matching(i)) {
                        when = runs.times[i];
                        break;
                    }
                }
            } else {
                for (uint32_t i = runs.offsets[k + 1]; i > runs.offsets[k]; --i) {
                    if (matching(i - 1)) {
                        when = runs.times[i - 1];
                        break;
                    }
                }
            }
            if (when != kNoTime && match(when)) out.Add(runs.customers[k]);
        }
        return out.Done();
    }

    // Which occurrences of `event` pass a property filter, one flag each.
    Result<std::vector<char>> PropertyMatches(const std::string& event, const PropertyFilter& where) {
        YT_ASSIGN_OR_RETURN(auto column, IndexAccess::Property(d_, event, where.property));
        using Kind = internal::PropertyValue::Kind;
        const Comparison& test = where.test;
        const Family family = test.op == Op::kIsSet ? Family::kOther : FamilyOf(test);
        // Strings are decided once per distinct value.
        std::vector<char> text_matches(column->texts.size(), 0);
        if (family == Family::kString || family == Family::kDate || family == Family::kDuration) {
            const StringTest text = TextTest(test);
            const RangeTest days = family == Family::kDate ? Calendar::DayRanges(test) : RangeTest();
            const RangeTest times = family == Family::kDuration ? calendar_.TimeRanges(test) : RangeTest();
            for (size_t i = 0; i < column->texts.size(); ++i) {
                const internal::PropertyText& t = column->texts[i];
                if (family == Family::kString) text_matches[i] = text(t.text) ? 1 : 0;
                if (family == Family::kDate) text_matches[i] = t.day != kNoDay && days(t.day) ? 1 : 0;
                if (family == Family::kDuration) text_matches[i] = t.instant != kNoTime && times(t.instant) ? 1 : 0;
            }
        }
        const OrderTest<double> number = family == Family::kNumber ? NumberTest(test) : OrderTest<double>();
        std::vector<char> out(column->values.size(), 0);
        for (size_t i = 0; i < column->values.size(); ++i) {
            const internal::PropertyValue& v = column->values[i];
            bool ok = false;
            if (test.op == Op::kIsSet) {
                ok = v.kind != Kind::kMissing;
            } else if (family == Family::kBool) {
                ok = v.kind == Kind::kBool && BoolMatches(test, v.boolean);
            } else if (family == Family::kNumber) {
                ok = v.kind == Kind::kNumber && number(v.number);
            } else if (family != Family::kOther) {
                ok = v.kind == Kind::kString && text_matches[v.text] != 0;
            }
            out[i] = ok ? 1 : 0;
        }
        return out;
    }

    Result<Bitmap> Of(const SegmentCondition& c) {
        for (const auto& [ref, members] : segments_) {
            if (ref == c.segment) return members;
        }
        return InvalidArgument("unknown segment " + SegmentText(c.segment), "rule");  // resolved before: unreachable
    }

    Result<Bitmap> Of(const BirthdayCondition& c) {
        const auto it = d_.attributes.find(c.attribute);
        if (it == d_.attributes.end()) return Bitmap();
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
        return Scan(it->second.day_of, [&](int32_t day) {
            if (day == kNoDay) return false;
            const LocalDate date = DateOfDay(day);
            return days[static_cast<size_t>(date.month)][static_cast<size_t>(date.day)];
        });
    }

    Result<Bitmap> Of(const MonthsSinceCondition& c) {
        const auto it = d_.attributes.find(c.attribute);
        if (it == d_.attributes.end()) return Bitmap();
        const auto match = IntegerTest(c.test);
        const LocalDate today = calendar_.date();
        return Scan(it->second.day_of, [&](int32_t day) {
            if (day == kNoDay || day > calendar_.today()) return false;
            const LocalDate date = DateOfDay(day);
            // Whole months, as ages are counted; a day the month lacks (the 31st) is its last day.
            const int anniversary = std::min(date.day, internal::DaysInMonth(today.year, today.month));
            const int64_t months =
                (today.year - date.year) * 12 + (today.month - date.month) - (today.day < anniversary ? 1 : 0);
            return match(months);
        });
    }

    const IndexData& d_;
    const Calendar& calendar_;
    std::vector<std::pair<SegmentRef, Bitmap>> segments_;
};

}  // namespace

Result<Evaluation> Evaluate(const AudienceIndex& index, const Rule& rule, const EvaluateOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    const IndexData& d = IndexAccess::Data(index);
    std::shared_lock lock(d.mutex);
    const Timestamp now = options.now ? *options.now : d.clock->Now();
    const Calendar calendar(d.zone, now);
    Evaluator evaluator(d, calendar);
    YT_TRY(evaluator.ResolveSegments(rule, "", options.segments));
    YT_ASSIGN_OR_RETURN(Bitmap members, evaluator.Eval(rule));
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
    out.as_of = d.built_at;
    out.took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    return out;
}

}  // namespace yutang::audience
