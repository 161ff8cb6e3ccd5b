#include "tests/integration/audience_reference.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <sstream>

namespace yutang::testing {
namespace {

using audience::Comparison;
using audience::Duration;
using audience::Op;
using audience::Rule;
using audience::TimeUnit;
using audience::Value;

namespace chrono = std::chrono;

chrono::sys_days SysDays(const LocalDate& d) {
    return chrono::sys_days{chrono::year{d.year} / chrono::month{static_cast<unsigned>(d.month)} /
                            chrono::day{static_cast<unsigned>(d.day)}};
}

LocalDate FromSysDays(chrono::sys_days days) {
    const chrono::year_month_day ymd{days};
    return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
            static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

LocalDate AddDays(const LocalDate& d, int64_t n) { return FromSysDays(SysDays(d) + chrono::days{n}); }

bool Leap(int year) { return chrono::year{year}.is_leap(); }

// `d` plus `months` months; a day the month lacks becomes its last day (31 Jan + 1 month = 28 Feb).
LocalDate AddMonths(const LocalDate& d, int64_t months) {
    const int64_t index = d.year * 12LL + (d.month - 1) + months;
    const int year = static_cast<int>(index / 12);
    const int month = static_cast<int>(index % 12) + 1;
    const auto last =
        chrono::year_month_day_last{chrono::year{year} / chrono::month{static_cast<unsigned>(month)} / chrono::last};
    const int day = std::min(d.day, static_cast<int>(static_cast<unsigned>(last.day())));
    return {year, month, day};
}

template <typename T>
bool Compare(Op op, const T& x, const std::vector<T>& v) {
    switch (op) {
        case Op::kEq:
            return x == v[0];
        case Op::kNe:
            return !(x == v[0]);
        case Op::kLt:
            return x < v[0];
        case Op::kLe:
            return !(v[0] < x);
        case Op::kGt:
            return v[0] < x;
        case Op::kGe:
            return !(x < v[0]);
        case Op::kBetween:
            return !(x < v[0]) && !(v[1] < x);
        case Op::kIn:
            return std::find(v.begin(), v.end(), x) != v.end();
        default:
            return false;
    }
}

std::vector<int64_t> Integers(const Comparison& c) {
    std::vector<int64_t> out;
    for (const Value& v : c.values) {
        if (auto* i = std::get_if<int64_t>(&v)) out.push_back(*i);
        if (auto* m = std::get_if<Money>(&v)) out.push_back(m->fen());
        if (auto* s = std::get_if<StaffId>(&v)) out.push_back(s->value());
    }
    return out;
}

std::vector<double> Doubles(const Comparison& c) {
    std::vector<double> out;
    for (const Value& v : c.values) {
        if (auto* i = std::get_if<int64_t>(&v)) out.push_back(static_cast<double>(*i));
        if (auto* d = std::get_if<double>(&v)) out.push_back(*d);
        // A money literal is that many yuan.
        if (auto* m = std::get_if<Money>(&v)) out.push_back(std::strtod(FormatYuan(*m).c_str(), nullptr));
    }
    return out;
}

std::vector<LocalDate> Dates(const Comparison& c) {
    std::vector<LocalDate> out;
    for (const Value& v : c.values) {
        if (auto* d = std::get_if<LocalDate>(&v)) out.push_back(*d);
    }
    return out;
}

std::vector<std::string> Strings(const Comparison& c) {
    std::vector<std::string> out;
    for (const Value& v : c.values) {
        if (auto* s = std::get_if<std::string>(&v)) out.push_back(*s);
    }
    return out;
}

std::vector<bool> Bools(const Comparison& c) {
    std::vector<bool> out;
    for (const Value& v : c.values) {
        if (auto* b = std::get_if<bool>(&v)) out.push_back(*b);
    }
    return out;
}

bool TextMatches(const std::string& text, const Comparison& c) {
    const auto v = Strings(c);
    switch (c.op) {
        case Op::kContains:
            return text.find(v[0]) != std::string::npos;
        case Op::kStartsWith:
            return text.rfind(v[0], 0) == 0;
        default:
            return Compare(c.op, text, v);
    }
}

enum class Literal { kString, kBool, kNumber, kDate, kDuration, kNone };

Literal LiteralOf(const Comparison& c) {
    if (c.op == Op::kIsSet || c.values.empty()) return Literal::kNone;
    const Value& v = c.values[0];
    if (std::holds_alternative<std::string>(v)) return Literal::kString;
    if (std::holds_alternative<bool>(v)) return Literal::kBool;
    if (std::holds_alternative<int64_t>(v) || std::holds_alternative<double>(v) || std::holds_alternative<Money>(v)) {
        return Literal::kNumber;
    }
    if (std::holds_alternative<LocalDate>(v)) return Literal::kDate;
    if (std::holds_alternative<Duration>(v)) return Literal::kDuration;
    return Literal::kNone;
}

std::string_view KindName(audience::IdentityKind kind) {
    switch (kind) {
        case audience::IdentityKind::kUserId:
            return "user_id";
        case audience::IdentityKind::kWechatUnionId:
            return "wechat_unionid";
        case audience::IdentityKind::kPhone:
            return "phone";
        case audience::IdentityKind::kWecomExternalUserId:
            return "wecom_external_userid";
        case audience::IdentityKind::kEmail:
            return "email";
        case audience::IdentityKind::kJdBuyer:
            return "jd";
        case audience::IdentityKind::kTaobaoBuyer:
            return "taobao";
        case audience::IdentityKind::kDouyinBuyer:
            return "douyin";
        case audience::IdentityKind::kPddBuyer:
            return "pdd";
        case audience::IdentityKind::kYouzanBuyer:
            return "youzan";
        case audience::IdentityKind::kWechatOpenId:
            return "wechat_openid";
        case audience::IdentityKind::kAnonymousId:
            return "anonymous_id";
    }
    return "";
}

std::string_view PurposeName(audience::ConsentPurpose purpose) {
    switch (purpose) {
        case audience::ConsentPurpose::kMarketingSms:
            return "marketing.sms";
        case audience::ConsentPurpose::kMarketingWecom:
            return "marketing.wecom";
        case audience::ConsentPurpose::kMarketingEmail:
            return "marketing.email";
        case audience::ConsentPurpose::kMarketingPhone:
            return "marketing.phone";
        case audience::ConsentPurpose::kConversationArchive:
            return "conversation_archive";
    }
    return "";
}

std::string_view PlatformOf(audience::Trait trait) {
    using audience::Trait;
    switch (trait) {
        case Trait::kOrdersOnJd:
            return "jd";
        case Trait::kOrdersOnTaobao:
            return "taobao";
        case Trait::kOrdersOnDouyin:
            return "douyin";
        case Trait::kOrdersOnPdd:
            return "pdd";
        case Trait::kOrdersOnYouzan:
            return "youzan";
        case Trait::kOrdersOnSegment:
            return "segment";
        default:
            return "";
    }
}

// Decides conditions for one customer at one moment.
class Decider {
  public:
    Decider(const TimeZone& zone, Timestamp now, const RefSegments& segments)
        : zone_(zone), now_(now.micros()), today_(zone.ToLocal(now).date), segments_(segments) {}

    bool unknown_segment = false;

    bool Matches(const RefCustomer& c, const Rule& rule) {
        switch (rule.kind) {
            case Rule::Kind::kCondition:
                return std::visit([&](const auto& condition) { return Decide(c, condition); }, rule.condition);
            case Rule::Kind::kNot:
                return !Matches(c, rule.children[0]);
            case Rule::Kind::kAll:
                for (const Rule& child : rule.children) {
                    if (!Matches(c, child)) return false;
                }
                return true;
            case Rule::Kind::kAny:
                for (const Rule& child : rule.children) {
                    if (Matches(c, child)) return true;
                }
                return false;
        }
        return false;
    }

  private:
    LocalDate DateOf(int64_t t) const { return zone_.ToLocal(Timestamp::FromMicros(t)).date; }

    int64_t WindowStart(const Duration& w) const {
        if (w.unit == TimeUnit::kHours) return now_ - w.amount * 3600LL * 1000000LL;
        return zone_.StartOfDay(AddDays(today_, -(w.amount - 1))).micros();
    }

    // A time compared to dates (by its local date) or to a window.
    bool TimeMatches(int64_t t, const Comparison& c) const {
        if (c.op == Op::kWithin) return t >= WindowStart(std::get<Duration>(c.values[0])) && t <= now_;
        if (c.op == Op::kBefore) return t < WindowStart(std::get<Duration>(c.values[0]));
        return Compare(c.op, DateOf(t), Dates(c));
    }

    bool InWindow(int64_t t, const std::optional<Duration>& window) const {
        return !window || (t >= WindowStart(*window) && t <= now_);
    }

    int64_t DaysSince(int64_t t) const { return std::max<int64_t>(0, (SysDays(today_) - SysDays(DateOf(t))).count()); }

    bool Decide(const RefCustomer&, const audience::Everyone&) { return true; }

    static bool HasTag(const RefCustomer& c, const std::string& spec) {
        const size_t slash = spec.find('/');
        for (const auto& [group, name] : c.tags) {
            if (slash == std::string::npos ? name == spec
                                           : (group == spec.substr(0, slash) && name == spec.substr(slash + 1))) {
                return true;
            }
        }
        return false;
    }

    bool Decide(const RefCustomer& c, const audience::TagCondition& t) {
        switch (t.op) {
            case audience::TagOp::kHas:
                return HasTag(c, t.tags[0]);
            case audience::TagOp::kHasNot:
                return !HasTag(c, t.tags[0]);
            case audience::TagOp::kAnyOf:
                return std::any_of(t.tags.begin(), t.tags.end(), [&](const std::string& s) { return HasTag(c, s); });
            case audience::TagOp::kAllOf:
                return std::all_of(t.tags.begin(), t.tags.end(), [&](const std::string& s) { return HasTag(c, s); });
        }
        return false;
    }

    bool Decide(const RefCustomer& c, const audience::AttributeCondition& a) {
        auto it = c.attributes.find(a.attribute);
        if (it == c.attributes.end()) return false;
        const auto& [type, text] = it->second;
        const Comparison& test = a.test;
        switch (LiteralOf(test)) {
            case Literal::kNone:
                return test.op == Op::kIsSet;
            case Literal::kString:
                return type == "string" && TextMatches(text, test);
            case Literal::kBool:
                return type == "boolean" && (text == "true" || text == "false") &&
                       Compare(test.op, text == "true", Bools(test));
            case Literal::kNumber: {
                if (type != "number") return false;
                char* end = nullptr;
                const double x = std::strtod(text.c_str(), &end);
                if (end != text.c_str() + text.size() || text.empty()) return false;
                return Compare(test.op, x, Doubles(test));
            }
            case Literal::kDate:
                if (type == "date") {
                    auto d = ParseIsoDate(text);
                    return d.ok() && Compare(test.op, *d, Dates(test));
                }
                if (type == "datetime") {
                    auto t = ParseRfc3339(text);
                    return t.ok() && Compare(test.op, DateOf(t->micros()), Dates(test));
                }
                return false;
            case Literal::kDuration:
                if (type == "date") {
                    auto d = ParseIsoDate(text);
                    return d.ok() && TimeMatches(zone_.StartOfDay(*d).micros(), test);
                }
                if (type == "datetime") {
                    auto t = ParseRfc3339(text);
                    return t.ok() && TimeMatches(t->micros(), test);
                }
                return false;
        }
        return false;
    }

    bool Decide(const RefCustomer& c, const audience::TraitCondition& t) {
        using audience::Trait;
        const Comparison& test = t.test;
        const std::string_view platform = PlatformOf(t.trait);
        if (t.window) {
            int64_t count = 0, spend = 0;
            for (const auto& p : c.purchases) {
                if (!InWindow(p.at, t.window)) continue;
                if (!platform.empty() && p.source != platform) continue;
                ++count;
                spend += p.net_fen;
            }
            if (t.trait == Trait::kTotalSpend) return Compare(test.op, spend, Integers(test));
            if (t.trait == Trait::kAverageOrderValue) return Average(spend, count, test);
            return Compare(test.op, count, Integers(test));
        }
        const std::optional<int64_t> last_seen =
            c.last_order_at && (!c.last_seen_at || *c.last_order_at > *c.last_seen_at) ? c.last_order_at
                                                                                       : c.last_seen_at;
        auto optional_time = [&](const std::optional<int64_t>& at) {
            if (!at) return false;
            return test.op == Op::kIsSet || TimeMatches(*at, test);
        };
        auto days_since = [&](const std::optional<int64_t>& at) {
            if (!at) return false;
            return test.op == Op::kIsSet || Compare(test.op, DaysSince(*at), Integers(test));
        };
        switch (t.trait) {
            case Trait::kOrderCount:
                return Compare(test.op, c.order_count, Integers(test));
            case Trait::kTotalSpend:
                return Compare(test.op, c.spend_fen - c.refunded_fen, Integers(test));
            case Trait::kAverageOrderValue:
                return Average(c.spend_fen - c.refunded_fen, c.order_count, test);
            case Trait::kFirstOrderAt:
                return optional_time(c.first_order_at);
            case Trait::kLastOrderAt:
                return optional_time(c.last_order_at);
            case Trait::kDaysSinceLastOrder:
                return days_since(c.last_order_at);
            case Trait::kDaysSinceLastSeen:
                return days_since(last_seen);
            case Trait::kRfmRecency:
            case Trait::kRfmFrequency:
            case Trait::kRfmMonetary: {
                const auto& score = c.rfm[static_cast<int>(t.trait) - static_cast<int>(Trait::kRfmRecency)];
                if (!score || *score < 1 || *score > 5) return false;
                return test.op == Op::kIsSet || Compare(test.op, *score, Integers(test));
            }
            case Trait::kLifecycleStage:
                return Compare(test.op, c.has_traits ? c.stage : std::string("prospect"), Strings(test));
            case Trait::kOwner:
                return Compare(test.op, c.owner.value_or(0), Integers(test));
            case Trait::kSourceChannel:
                if (c.channel.empty()) return false;
                return test.op == Op::kIsSet || TextMatches(c.channel, test);
            default: {
                auto it = c.platform_counts.find(std::string(platform));
                return Compare(test.op, it == c.platform_counts.end() ? 0 : it->second, Integers(test));
            }
        }
    }

    static bool Average(int64_t spend, int64_t count, const Comparison& test) {
        if (count == 0) return false;
        // spend / count compared exactly: compare spend with value × count.
        std::vector<int64_t> scaled;
        for (int64_t v : Integers(test)) scaled.push_back(v * count);
        return Compare(test.op, spend, scaled);
    }

    bool Decide(const RefCustomer& c, const audience::IdentityCondition& i) {
        return c.identity_kinds.contains(std::string(KindName(i.kind)));
    }

    bool Decide(const RefCustomer& c, const audience::ConsentCondition& consent) {
        const RefCustomer::Consent* latest = nullptr;
        for (const auto& r : c.consent) {
            if (r.purpose != PurposeName(consent.purpose)) continue;
            if (latest == nullptr || std::pair(r.given_at, r.id) > std::pair(latest->given_at, latest->id)) latest = &r;
        }
        const bool granted = latest != nullptr && latest->granted;
        return granted == consent.consented;
    }

    bool PropertyMatches(const boost::json::object& properties, const audience::PropertyFilter& where) const {
        const auto* value = properties.if_contains(where.property);
        if (value == nullptr || value->is_null()) return false;
        const Comparison& test = where.test;
        switch (LiteralOf(test)) {
            case Literal::kNone:
                return test.op == Op::kIsSet;
            case Literal::kString:
                return value->is_string() && TextMatches(std::string(value->get_string()), test);
            case Literal::kBool:
                return value->is_bool() && Compare(test.op, value->get_bool(), Bools(test));
            case Literal::kNumber:
                return value->is_number() && Compare(test.op, value->to_number<double>(), Doubles(test));
            case Literal::kDate:
            case Literal::kDuration: {
                if (!value->is_string()) return false;
                const std::string text(value->get_string());
                std::optional<int64_t> instant;
                std::optional<LocalDate> date;
                if (auto d = ParseIsoDate(text); d.ok()) {
                    date = *d;
                    instant = zone_.StartOfDay(*d).micros();
                } else if (auto t = ParseRfc3339(text); t.ok()) {
                    instant = t->micros();
                    date = DateOf(t->micros());
                }
                if (!instant) return false;
                if (LiteralOf(test) == Literal::kDate) return Compare(test.op, *date, Dates(test));
                return TimeMatches(*instant, test);
            }
        }
        return false;
    }

    bool Decide(const RefCustomer& c, const audience::EventCondition& e) {
        std::vector<int64_t> times;
        for (const auto& event : c.events) {
            if (event.name != e.event) continue;
            if (e.where && !PropertyMatches(event.properties, *e.where)) continue;
            times.push_back(event.at);
        }
        std::sort(times.begin(), times.end());
        switch (e.measure) {
            case audience::EventMeasure::kCount: {
                int64_t count = 0;
                for (int64_t t : times) count += InWindow(t, e.window) ? 1 : 0;
                return Compare(e.test.op, count, Integers(e.test));
            }
            case audience::EventMeasure::kFirst:
                return !times.empty() && TimeMatches(times.front(), e.test);
            case audience::EventMeasure::kLast:
                return !times.empty() && TimeMatches(times.back(), e.test);
        }
        return false;
    }

    bool Decide(const RefCustomer& c, const audience::SegmentCondition& s) {
        auto members = segments_ ? segments_(s.segment) : std::nullopt;
        if (!members) {
            unknown_segment = true;
            return false;
        }
        return members->contains(c.id);
    }

    std::optional<LocalDate> DateAttribute(const RefCustomer& c, const std::string& name) const {
        auto it = c.attributes.find(name);
        if (it == c.attributes.end()) return std::nullopt;
        const auto& [type, text] = it->second;
        if (type == "date") {
            if (auto d = ParseIsoDate(text); d.ok()) return *d;
        }
        if (type == "datetime") {
            if (auto t = ParseRfc3339(text); t.ok()) return DateOf(t->micros());
        }
        return std::nullopt;
    }

    // Whether `day` is the anniversary of `birth` (29 February's is 28 February in other years).
    static bool Anniversary(const LocalDate& birth, const LocalDate& day) {
        if (birth.month == day.month && birth.day == day.day) return true;
        return birth.month == 2 && birth.day == 29 && day.month == 2 && day.day == 28 && !Leap(day.year);
    }

    bool Decide(const RefCustomer& c, const audience::BirthdayCondition& b) {
        const auto birth = DateAttribute(c, b.attribute);
        if (!birth) return false;
        switch (b.period) {
            case audience::BirthdayPeriod::kThisMonth:
                return birth->month == today_.month;
            case audience::BirthdayPeriod::kThisWeek: {
                const chrono::weekday weekday{SysDays(today_)};
                const LocalDate monday = AddDays(today_, -static_cast<int64_t>((weekday.c_encoding() + 6) % 7));
                for (int i = 0; i < 7; ++i) {
                    if (Anniversary(*birth, AddDays(monday, i))) return true;
                }
                return false;
            }
            case audience::BirthdayPeriod::kNextDays:
                for (int64_t i = 0; i < b.days; ++i) {
                    if (Anniversary(*birth, AddDays(today_, i))) return true;
                }
                return false;
        }
        return false;
    }

    bool Decide(const RefCustomer& c, const audience::MonthsSinceCondition& m) {
        const auto birth = DateAttribute(c, m.attribute);
        if (!birth || today_ < *birth) return false;
        int64_t months = 0;
        while (!(today_ < AddMonths(*birth, months + 1))) ++months;
        return Compare(m.test.op, months, Integers(m.test));
    }

    const TimeZone& zone_;
    int64_t now_;
    LocalDate today_;
    const RefSegments& segments_;
};

}  // namespace

Result<ReferenceAudience> ReferenceAudience::Load(store::Database& db, const KeyRing& keys, TenantId tenant) {
    const int64_t t = tenant.value();
    std::optional<ReferenceAudience> out;
    YT_TRY(db.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto zone_row, s.QueryOne("SELECT time_zone FROM tenants WHERE tenant_id = $1", {t}));
        if (!zone_row) return NotFound("no such tenant");
        YT_ASSIGN_OR_RETURN(TimeZone zone, TimeZone::Load(zone_row->Text(0)));
        out.emplace(ReferenceAudience(zone));
        auto& customers = out->customers_;
        std::map<int64_t, int64_t> merged_into;
        YT_ASSIGN_OR_RETURN(auto rows, s.Query("SELECT customer_id, merged_into, owner_staff_id, source_channel, "
                                               "last_seen_at FROM customers WHERE tenant_id = $1",
                                               {t}));
        for (const auto& row : rows) {
            if (!row.IsNull(1)) {
                merged_into[row.Int(0)] = row.Int(1);
                continue;
            }
            RefCustomer& c = customers[row.Int(0)];
            c.id = row.Int(0);
            c.owner = row.OptionalInt(2);
            c.channel = row.Text(3);
            c.last_seen_at = row.OptionalInt(4);
        }
        // id → the customer it is now (or nothing).
        auto person = [&](int64_t id) -> RefCustomer* {
            for (int hop = 0; hop < 100; ++hop) {
                if (auto it = customers.find(id); it != customers.end()) return &it->second;
                auto m = merged_into.find(id);
                if (m == merged_into.end()) return nullptr;
                id = m->second;
            }
            return nullptr;
        };
        YT_ASSIGN_OR_RETURN(rows, s.Query("SELECT customer_id, order_count, total_spend_fen, refunded_fen, "
                                          "first_order_at, last_order_at, platform_counts, lifecycle_stage, "
                                          "rfm_recency, rfm_frequency, rfm_monetary FROM customer_traits "
                                          "WHERE tenant_id = $1",
                                          {t}));
        for (const auto& row : rows) {
            auto it = customers.find(row.Int(0));  // a tombstone's leftover row is not the person's
            if (it == customers.end()) continue;
            RefCustomer& c = it->second;
            c.has_traits = true;
            c.order_count = row.Int(1);
            c.spend_fen = row.Int(2);
            c.refunded_fen = row.Int(3);
            c.first_order_at = row.OptionalInt(4);
            c.last_order_at = row.OptionalInt(5);
            const boost::json::value counts = boost::json::parse(row.Text(6));
            for (const auto& [source, n] : counts.as_object()) c.platform_counts[std::string(source)] = n.as_int64();
            c.stage = row.Text(7);
            for (size_t i = 0; i < 3; ++i) c.rfm[i] = row.OptionalInt(8 + i);
        }
        YT_ASSIGN_OR_RETURN(rows, s.Query("SELECT c.customer_id, g.name, t.name FROM customer_tags c JOIN tags t ON "
                                          "t.tenant_id = c.tenant_id AND t.tag_id = c.tag_id JOIN tag_groups g ON "
                                          "g.tenant_id = t.tenant_id AND g.group_id = t.group_id "
                                          "WHERE c.tenant_id = $1 AND t.deleted_at IS NULL",
                                          {t}));
        for (const auto& row : rows) {
            if (RefCustomer* c = person(row.Int(0))) c->tags.insert({row.Text(1), row.Text(2)});
        }
        YT_ASSIGN_OR_RETURN(rows,
                            s.Query("SELECT customer_id, kind FROM customer_identities WHERE tenant_id = $1", {t}));
        for (const auto& row : rows) {
            if (RefCustomer* c = person(row.Int(0))) c->identity_kinds.insert(row.Text(1));
        }
        // Own attributes first, then those of merged ids (lowest id first) where the name is free.
        YT_ASSIGN_OR_RETURN(rows, s.Query("SELECT customer_id, name, type, value_cipher FROM customer_attributes "
                                          "WHERE tenant_id = $1 ORDER BY customer_id",
                                          {t}));
        const std::string attribute_context = "t" + std::to_string(t) + "/customer.attribute";
        for (int pass = 0; pass < 2; ++pass) {
            for (const auto& row : rows) {
                RefCustomer* c = person(row.Int(0));
                if (c == nullptr || (c->id == row.Int(0)) != (pass == 0)) continue;
                if (c->attributes.contains(row.Text(1))) continue;
                YT_ASSIGN_OR_RETURN(std::string text, keys.Decrypt(row.Text(3), attribute_context));
                c->attributes[row.Text(1)] = {row.Text(2), text};
            }
        }
        YT_ASSIGN_OR_RETURN(rows, s.Query("SELECT customer_id, purpose, granted, given_at, consent_id FROM "
                                          "consent_records WHERE tenant_id = $1",
                                          {t}));
        for (const auto& row : rows) {
            if (RefCustomer* c = person(row.Int(0))) {
                c->consent.push_back({row.Text(1), row.Int(2) != 0, row.Int(3), row.Int(4)});
            }
        }
        YT_ASSIGN_OR_RETURN(rows, s.Query("SELECT customer_id, source, paid_fen, refunded_fen, ordered_at, status "
                                          "FROM orders WHERE tenant_id = $1 AND customer_id IS NOT NULL",
                                          {t}));
        for (const auto& row : rows) {
            const std::string status = row.Text(5);
            if (status != "paid" && status != "shipped" && status != "completed" && status != "refunded") continue;
            if (RefCustomer* c = person(row.Int(0))) {
                c->purchases.push_back({row.Text(1), row.Int(2) - row.Int(3), row.Int(4)});
            }
        }
        YT_ASSIGN_OR_RETURN(rows, s.Query("SELECT customer_id, type, name, occurred_at, payload FROM events "
                                          "WHERE tenant_id = $1 AND customer_id IS NOT NULL",
                                          {t}));
        const std::string event_context = "t" + std::to_string(t) + "/event";
        for (const auto& row : rows) {
            if (row.Text(1) != "track") continue;
            RefCustomer* c = person(row.Int(0));
            if (c == nullptr) continue;
            YT_ASSIGN_OR_RETURN(std::string payload, keys.Decrypt(row.Text(4), event_context));
            boost::json::object properties;
            const boost::json::value message = boost::json::parse(payload);
            if (const auto* p = message.as_object().if_contains("properties"); p != nullptr && p->is_object()) {
                properties = p->as_object();
            }
            c->events.push_back({row.Text(2), row.Int(3), std::move(properties)});
        }
        return OkStatus();
    }));
    return std::move(*out);
}

std::optional<std::set<int64_t>> ReferenceAudience::Members(const Rule& rule, Timestamp now,
                                                            const RefSegments& segments) const {
    Decider decider(zone_, now, segments);
    std::set<int64_t> out;
    for (const auto& [id, customer] : customers_) {
        if (decider.Matches(customer, rule)) out.insert(id);
    }
    if (decider.unknown_segment) return std::nullopt;
    return out;
}

std::string ReferenceAudience::Describe(int64_t id) const {
    auto it = customers_.find(id);
    if (it == customers_.end()) return "customer " + std::to_string(id) + ": not a canonical customer";
    const RefCustomer& c = it->second;
    std::ostringstream out;
    out << "customer " << id << ": owner " << c.owner.value_or(0) << ", channel '" << c.channel << "', last seen "
        << c.last_seen_at.value_or(0) << "\n  traits " << (c.has_traits ? "" : "(none) ") << c.order_count
        << " orders, spend " << c.spend_fen << " refunded " << c.refunded_fen << ", first "
        << c.first_order_at.value_or(0) << " last " << c.last_order_at.value_or(0) << ", stage '" << c.stage
        << "', rfm " << c.rfm[0].value_or(0) << c.rfm[1].value_or(0) << c.rfm[2].value_or(0) << "\n  tags:";
    for (const auto& [g, n] : c.tags) out << " " << g << "/" << n;
    out << "\n  identities:";
    for (const auto& k : c.identity_kinds) out << " " << k;
    out << "\n  attributes:";
    for (const auto& [name, v] : c.attributes) out << " " << name << "=" << v.first << ":" << v.second;
    out << "\n  consent:";
    for (const auto& r : c.consent) out << " " << r.purpose << "=" << r.granted << "@" << r.given_at << "#" << r.id;
    out << "\n  purchases:";
    for (const auto& p : c.purchases) out << " " << p.source << ":" << p.net_fen << "@" << p.at;
    out << "\n  events:";
    for (const auto& e : c.events) out << " " << e.name << "@" << e.at << boost::json::serialize(e.properties);
    return out.str();
}

}  // namespace yutang::testing
