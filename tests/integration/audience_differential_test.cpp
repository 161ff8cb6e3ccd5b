// The audience engine against a plain reference evaluation (audience_reference.hpp): random
// customers made through the real write paths (IdentityResolver with merges, OrderStore,
// ProfileStore, the daily TraitRefresher; events inserted directly, for speed), thousands of
// random rules over what that data holds, each evaluated at several moments around the
// merchant's midnight — the members must be exactly the same. Then some customers change, the
// index refreshes just them, and the two must agree again (and with a fresh build).
#include <cstdio>
#include <functional>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "yutang/audience/engine.hpp"
#include "yutang/audience/index.hpp"
#include "yutang/audience/rule.hpp"
#include "yutang/customers/profile.hpp"
#include "yutang/customers/resolver.hpp"
#include "yutang/events/orders.hpp"
#include "yutang/events/trait_refresh.hpp"
#include "yutang/store/sequences.hpp"

#include "tests/integration/audience_reference.hpp"
#include "tests/support/test_store.hpp"

namespace yutang {
namespace {

using namespace audience;  // NOLINT(google-build-using-namespace): the rule model, throughout
using customers::AttributeType;
using customers::AttributeValue;
using customers::IdentityKind;

constexpr int64_t kTenant = 1;
constexpr int kPeople = 500;
constexpr int kRules = 1200;  // per moment; three moments, then kRefreshRules after the refresh
constexpr int kRefreshRules = 1000;
constexpr int kSavedRules = 400;  // brought up to date from the changed customers

const std::vector<std::string> kTagNames = {"人群/母婴",       "兴趣/母婴", "人群/美妆", "会员等级/金卡",
                                            "会员等级/钻石卡", "兴趣/运动", "学生"};
const std::vector<std::string> kRuleTags = {"人群/母婴", "兴趣/母婴",     "母婴",        "人群/美妆",
                                            "美妆",      "会员等级/金卡", "金卡",        "会员等级/钻石卡",
                                            "运动",      "学生",          "未分组/学生", "没有的标签"};
const std::vector<std::string> kEventNames = {"Order Completed", "Product Viewed", "Signed Up", "Coupon Used"};
const std::vector<std::string> kStrings = {"female", "male", "杭州", "上海", "gold", "1", "奶粉", "纸尿裤", "玩具"};
const std::vector<std::string> kChannels = {"import:jd", "import:taobao", "segment",
                                            "console",   "douyin_live",   "package_card"};

class Random {
  public:
    explicit Random(uint32_t seed) : engine_(seed) {}
    int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(engine_); }
    int64_t Between(int64_t low, int64_t high) { return std::uniform_int_distribution<int64_t>(low, high)(engine_); }
    bool OneIn(int n) { return Pick(n) == 0; }
    template <typename T>
    const T& Of(const std::vector<T>& v) {
        return v[static_cast<size_t>(Pick(static_cast<int>(v.size())))];
    }

  private:
    std::mt19937 engine_;
};

// Random rules over the vocabulary the data uses (plus names it does not), valid by construction.
class RuleMaker {
  public:
    RuleMaker(Random& random, Timestamp now) : r_(random), today_(TimeZone::Default().ToLocal(now).date) {}

    Rule Make(int depth = 0) {
        if (depth < 3 && r_.OneIn(depth == 0 ? 2 : 4)) {
            switch (r_.Pick(3)) {
                case 0:
                    return Rule::Not(Make(depth + 1));
                default: {
                    std::vector<Rule> children;
                    const int n = 2 + r_.Pick(2);
                    for (int i = 0; i < n; ++i) children.push_back(Make(depth + 1));
                    return r_.OneIn(2) ? Rule::All(std::move(children)) : Rule::Any(std::move(children));
                }
            }
        }
        return Rule::Of(Leaf());
    }

  private:
    Duration Window() {
        static const std::vector<Duration> kWindows = {
            {1, TimeUnit::kDays},   {2, TimeUnit::kDays},   {7, TimeUnit::kDays},    {30, TimeUnit::kDays},
            {90, TimeUnit::kDays},  {365, TimeUnit::kDays}, {1000, TimeUnit::kDays}, {1, TimeUnit::kHours},
            {12, TimeUnit::kHours}, {24, TimeUnit::kHours}, {72, TimeUnit::kHours}};
        return r_.Of(kWindows);
    }
    LocalDate Date() {
        const int32_t base = DayOf(today_);
        return FromDay(base + static_cast<int32_t>(r_.Between(-900, 40)));
    }
    static int32_t DayOf(const LocalDate& d) {
        const auto days = std::chrono::sys_days{std::chrono::year{d.year} / d.month / d.day};
        return static_cast<int32_t>(days.time_since_epoch().count());
    }
    static LocalDate FromDay(int32_t day) {
        const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
        return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
                static_cast<int>(static_cast<unsigned>(ymd.day()))};
    }
    yutang::Money Yuan() { return Money::FromFen(r_.OneIn(3) ? r_.Between(0, 300000) : r_.Between(0, 3000) * 100); }

    Comparison Integers(int64_t low, int64_t high, bool allow_in = true) {
        switch (r_.Pick(allow_in ? 4 : 3)) {
            case 0: {
                const int64_t a = r_.Between(low, high);
                return {.op = Op::kBetween, .values = {a, r_.Between(a, high)}};
            }
            case 1:
                return {.op = r_.OneIn(2) ? Op::kEq : Op::kNe, .values = {r_.Between(low, high)}};
            case 2: {
                const Op ops[] = {Op::kLt, Op::kLe, Op::kGt, Op::kGe};
                return {.op = ops[r_.Pick(4)], .values = {r_.Between(low, high)}};
            }
            default: {
                Comparison c{.op = Op::kIn};
                for (int i = 0, n = 1 + r_.Pick(3); i < n; ++i) c.values.push_back(r_.Between(low, high));
                return c;
            }
        }
    }
    Comparison MoneyComparison(bool allow_between = true) {
        if (allow_between && r_.OneIn(3)) {
            const auto low = Yuan();
            return {.op = Op::kBetween, .values = {low, Money::FromFen(low.fen() + r_.Between(0, 100000))}};
        }
        const Op ops[] = {Op::kEq, Op::kNe, Op::kLt, Op::kLe, Op::kGt, Op::kGe};
        return {.op = ops[r_.Pick(6)], .values = {Yuan()}};
    }
    Comparison Times(bool settable) {
        if (settable && r_.OneIn(6)) return {.op = Op::kIsSet};
        switch (r_.Pick(4)) {
            case 0:
                return {.op = r_.OneIn(2) ? Op::kWithin : Op::kBefore, .values = {Window()}};
            case 1: {
                const LocalDate low = Date();
                return {.op = Op::kBetween,
                        .values = {low, FromDay(DayOf(low) + static_cast<int32_t>(r_.Between(0, 60)))}};
            }
            default: {
                const Op ops[] = {Op::kEq, Op::kNe, Op::kLt, Op::kLe, Op::kGt, Op::kGe};
                return {.op = ops[r_.Pick(6)], .values = {Date()}};
            }
        }
    }
    // Attributes and properties: a literal of any type (so types that differ from the stored ones
    // are compared too).
    Comparison Any() {
        switch (r_.Pick(7)) {
            case 0:
                return {.op = Op::kIsSet};
            case 1: {  // text
                const Op ops[] = {Op::kEq, Op::kNe, Op::kIn, Op::kContains, Op::kStartsWith};
                const Op op = ops[r_.Pick(5)];
                Comparison c{.op = op, .values = {r_.Of(kStrings)}};
                if (op == Op::kIn) c.values.push_back(r_.Of(kStrings));
                if (op == Op::kContains || op == Op::kStartsWith) c.values[0] = std::string(r_.OneIn(2) ? "a" : "奶");
                return c;
            }
            case 2: {  // boolean
                const Op ops[] = {Op::kEq, Op::kNe, Op::kIn};
                Comparison c{.op = ops[r_.Pick(3)], .values = {r_.OneIn(2)}};
                if (c.op == Op::kIn) c.values.push_back(r_.OneIn(2));
                return c;
            }
            case 3: {  // numbers, whole and not
                Comparison c = Integers(0, 200);
                if (r_.OneIn(3)) {
                    for (Value& v : c.values) v = static_cast<double>(std::get<int64_t>(v)) + 0.5;
                }
                return c;
            }
            case 4:
                return MoneyComparison();
            default:
                if (r_.OneIn(3)) {
                    Comparison c{.op = Op::kIn, .values = {Date(), Date()}};
                    return c;
                }
                return Times(false);
        }
    }

    Condition Leaf() {
        switch (r_.Pick(20)) {
            case 0:
                return Everyone{};
            case 1:
            case 2: {
                TagCondition c{.op = static_cast<TagOp>(r_.Pick(4))};
                const int n = c.op == TagOp::kHas || c.op == TagOp::kHasNot ? 1 : 1 + r_.Pick(3);
                for (int i = 0; i < n; ++i) c.tags.push_back(r_.Of(kRuleTags));
                return c;
            }
            case 3:
            case 4:
            case 5: {
                static const std::vector<std::string> kNames = {"gender",   "city",          "points",    "vip",
                                                                "birthday", "baby_birthday", "signed_up", "level",
                                                                "prefs",    "missing"};
                return AttributeCondition{.attribute = r_.Of(kNames), .test = Any()};
            }
            case 6:
            case 7:
            case 8:
            case 9:
            case 10:
                return TraitLeaf();
            case 11:
                return IdentityCondition{.kind = static_cast<audience::IdentityKind>(r_.Pick(12))};
            case 12:
                return ConsentCondition{.purpose = static_cast<ConsentPurpose>(r_.Pick(5)), .consented = r_.OneIn(2)};
            case 13:
            case 14:
            case 15: {
                EventCondition c{.event = r_.OneIn(10) ? std::string("Never") : r_.Of(kEventNames)};
                if (r_.OneIn(2)) {
                    static const std::vector<std::string> kProperties = {"category", "total", "vip",
                                                                         "launched", "sku",   "missing"};
                    c.where = PropertyFilter{.property = r_.Of(kProperties), .test = Any()};
                }
                switch (r_.Pick(3)) {
                    case 0:
                        c.measure = EventMeasure::kCount;
                        c.test = Integers(0, 4);
                        if (r_.OneIn(2)) c.window = Window();
                        break;
                    default:
                        c.measure = r_.OneIn(2) ? EventMeasure::kFirst : EventMeasure::kLast;
                        c.test = Times(false);
                        break;
                }
                return c;
            }
            case 16:
                return SegmentCondition{.segment = r_.OneIn(2) ? SegmentRef(SegmentId(7))
                                                               : SegmentRef(std::string("复购客户"))};
            case 17:
            case 18: {
                BirthdayCondition c{
                    .attribute = r_.OneIn(4) ? "signed_up" : (r_.OneIn(2) ? "birthday" : "baby_birthday"),
                    .period = static_cast<BirthdayPeriod>(r_.Pick(3))};
                if (c.period == BirthdayPeriod::kNextDays)
                    c.days = r_.OneIn(4) ? r_.Between(1, 366) : r_.Between(1, 10);
                return c;
            }
            default:
                return MonthsSinceCondition{.attribute = r_.OneIn(3) ? "birthday" : "baby_birthday",
                                            .test = Integers(0, r_.OneIn(3) ? 600 : 30)};
        }
    }

    Condition TraitLeaf() {
        const audience::Trait trait = static_cast<audience::Trait>(r_.Pick(19));
        TraitCondition c{.trait = trait};
        switch (trait) {
            case Trait::kTotalSpend:
            case Trait::kAverageOrderValue:
                c.test = MoneyComparison();
                break;
            case Trait::kFirstOrderAt:
            case Trait::kLastOrderAt:
                c.test = Times(true);
                break;
            case Trait::kDaysSinceLastOrder:
            case Trait::kDaysSinceLastSeen:
                c.test = r_.OneIn(8) ? Comparison{.op = Op::kIsSet} : Integers(0, r_.OneIn(2) ? 3 : 800);
                break;
            case Trait::kRfmRecency:
            case Trait::kRfmFrequency:
            case Trait::kRfmMonetary:
                c.test = r_.OneIn(6) ? Comparison{.op = Op::kIsSet} : Integers(1, 5);
                break;
            case Trait::kLifecycleStage: {
                static const std::vector<std::string> kStages = {"prospect", "new", "repeat", "at_risk", "churned"};
                const Op ops[] = {Op::kEq, Op::kNe, Op::kIn};
                c.test = {.op = ops[r_.Pick(3)], .values = {r_.Of(kStages)}};
                if (c.test.op == Op::kIn) c.test.values.push_back(r_.Of(kStages));
                break;
            }
            case Trait::kOwner: {
                const Op ops[] = {Op::kEq, Op::kNe, Op::kIn};
                c.test = {.op = ops[r_.Pick(3)], .values = {StaffId(r_.Between(0, 5))}};
                if (c.test.op == Op::kIn) c.test.values.push_back(StaffId(r_.Between(0, 5)));
                break;
            }
            case Trait::kSourceChannel:
                switch (r_.Pick(4)) {
                    case 0:
                        c.test = {.op = Op::kIsSet};
                        break;
                    case 1:
                        c.test = {.op = Op::kStartsWith, .values = {std::string(r_.OneIn(2) ? "import" : "s")}};
                        break;
                    case 2:
                        c.test = {.op = Op::kIn, .values = {r_.Of(kChannels), r_.Of(kChannels)}};
                        break;
                    default:
                        c.test = {.op = r_.OneIn(2) ? Op::kEq : Op::kNe, .values = {r_.Of(kChannels)}};
                        break;
                }
                break;
            default:  // order_count, orders_on.*
                c.test = Integers(0, 5);
                break;
        }
        const bool windowed = trait == Trait::kOrderCount || trait == Trait::kTotalSpend ||
                              trait == Trait::kAverageOrderValue ||
                              (trait >= Trait::kOrdersOnJd && trait <= Trait::kOrdersOnSegment);
        if (windowed && r_.OneIn(2)) c.window = Window();
        return c;
    }

    Random& r_;
    LocalDate today_;
};

class AudienceDifferentialTest : public ::testing::Test {
  protected:
    void SetUp() override {
        db_ = testing::OpenTestStore(dir_, clock_);
        ASSERT_NE(db_, nullptr);
        clock_.Set(now_);
        ASSERT_TRUE(db_->Write([&](store::Session& s) {
                           return s
                               .Execute(
                                   "INSERT INTO tenants (tenant_id, name, time_zone, created_at) "
                                   "VALUES ($1, '比对店', 'Asia/Shanghai', 0)",
                                   {kTenant})
                               .status();
                       })
                        .ok());
    }

    // A time around now: mostly in the last ~800 days, some exactly at a local midnight, a few
    // just ahead of now.
    Timestamp SomeTime() {
        const int64_t day = 24LL * 3600 * 1000000;
        if (random_.OneIn(10)) {
            const LocalDate date = zone_.ToLocal(now_ - std::chrono::microseconds(random_.Between(0, 800) * day)).date;
            return zone_.StartOfDay(date) - std::chrono::microseconds(random_.Between(-1, 0));
        }
        if (random_.OneIn(30)) return now_ + std::chrono::microseconds(random_.Between(0, 3LL * 3600 * 1000000));
        return now_ - std::chrono::microseconds(random_.Between(0, 800 * day));
    }

    customers::IdentityInput IdentityOf(int person) {
        const std::string n = std::to_string(person);
        switch (random_.Pick(7)) {
            case 0:
                return {IdentityKind::kUserId, "u" + n, ""};
            case 1:
                // A mainland mobile built at run time (no full number stands in the source).
                return {IdentityKind::kPhone, "13" + std::to_string(800000000 + person), ""};
            case 2:
                return {IdentityKind::kEmail, "p" + n + "@example.com", ""};
            case 3:
                return {IdentityKind::kJdBuyer, "jd_" + n, ""};
            case 4:
                return {IdentityKind::kWecomExternalUserId, "wm" + n, ""};
            case 5:
                return {IdentityKind::kDouyinBuyer, "dy" + n, ""};
            default:
                return {IdentityKind::kAnonymousId, "anon-" + n + "-" + std::to_string(random_.Pick(3)), ""};
        }
    }

    // Runs `ops` operations, `per_transaction` to a transaction; each op gets the session.
    void Batch(int ops, const std::function<Status(store::Session&)>& op, int per_transaction = 200) {
        for (int done = 0; done < ops; done += per_transaction) {
            const Status status = db_->Write([&](store::Session& s) -> Status {
                for (int i = done; i < std::min(ops, done + per_transaction); ++i) YT_TRY(op(s));
                return OkStatus();
            });
            ASSERT_TRUE(status.ok()) << status.ToString();
        }
    }

    // A live customer (the canonical id of a random known one).
    Result<CustomerId> SomeCustomer(store::Session& s) { return resolver_.Canonical(s, tenant_, random_.Of(created_)); }

    // People arrive (and merge), buy, get profiles, tags, consent, owners and events. `touched`
    // collects every customer id a change was made for.
    void Populate(int people, int resolves, int orders, int profile_ops, int events) {
        // Resolutions: one to three identities of one person, sometimes mixed with another
        // person's (two customers become one, or the merge is refused).
        Batch(resolves, [&](store::Session& s) -> Status {
            const int person = random_.Pick(people);
            std::vector<customers::IdentityInput> ids = {IdentityOf(person)};
            if (random_.OneIn(2)) ids.push_back(IdentityOf(person));
            if (random_.OneIn(4)) ids.push_back(IdentityOf(random_.Pick(people)));
            YT_ASSIGN_OR_RETURN(auto r, resolver_.Resolve(s, tenant_, ids, random_.Of(kChannels)));
            if (!r.identified()) return OkStatus();
            YT_TRY(orders_.Reassign(s, tenant_, r.customer, r.merged));
            created_.push_back(r.customer);
            touched_.push_back(r.customer);
            for (CustomerId m : r.merged) touched_.push_back(m);
            return OkStatus();
        });
        static const std::vector<std::string> kSources = {"jd",     "taobao",  "douyin", "pdd",
                                                          "youzan", "segment", "mapped"};
        static const std::vector<std::string> kStatuses = {"pending_payment", "paid",      "shipped",
                                                           "completed",       "cancelled", "refunded"};
        Batch(orders, [&](store::Session& s) -> Status {
            YT_ASSIGN_OR_RETURN(CustomerId customer, SomeCustomer(s));
            const int64_t paid = random_.OneIn(10) ? 0 : random_.Between(100, 80000);
            events::OrderInput order{.source = random_.Of(kSources),
                                     .external_id = "o" + std::to_string(++order_ids_),
                                     .customer = customer,
                                     .status = random_.Of(kStatuses),
                                     .total = Money::FromFen(paid),
                                     .paid = Money::FromFen(paid),
                                     .refunded = Money::FromFen(random_.OneIn(5) ? random_.Between(0, paid) : 0),
                                     .ordered_at = SomeTime()};
            touched_.push_back(customer);
            return orders_.Upsert(s, tenant_, order).status();
        });
        Batch(profile_ops, [&](store::Session& s) -> Status {
            YT_ASSIGN_OR_RETURN(CustomerId customer, SomeCustomer(s));
            const int op = random_.Pick(10);
            if (op >= 8) {
                // Consent decisions of a few customers, so that a purpose is often decided
                // several times on one day.
                YT_ASSIGN_OR_RETURN(customer,
                                    resolver_.Canonical(s, tenant_,
                                                        created_[static_cast<size_t>(random_.Pick(
                                                            std::min<int>(40, static_cast<int>(created_.size()))))]));
            }
            touched_.push_back(customer);
            switch (op) {
                case 0:
                case 1:
                case 2:
                    return profiles_
                        .SetAttributes(s, tenant_, customer, std::vector<customers::AttributeInput>{SomeAttribute()},
                                       "test")
                        .status();
                case 3:
                case 4: {
                    const std::string& spec = random_.Of(kTagNames);
                    const size_t slash = spec.find('/');
                    YT_ASSIGN_OR_RETURN(
                        auto tag,
                        profiles_.EnsureTag(s, tenant_, slash == std::string::npos ? "" : spec.substr(0, slash),
                                            spec.substr(slash == std::string::npos ? 0 : slash + 1)));
                    if (random_.OneIn(4)) return profiles_.RemoveTag(s, tenant_, customer, tag.id);
                    return profiles_.AddTag(s, tenant_, customer, tag.id, "test", std::nullopt);
                }
                case 8:
                case 9: {
                    static const std::vector<std::string> kPurposes = {"marketing.sms", "marketing.wecom",
                                                                       "marketing.email", "marketing.phone",
                                                                       "conversation_archive"};
                    // One of four days, so that records of a customer often share a given_at (the
                    // latest record id decides then).
                    const Timestamp given =
                        Timestamp::FromSeconds(now_.seconds() / 86400 * 86400 - random_.Between(0, 3) * 86400);
                    return profiles_
                        .RecordConsent(s, tenant_, customer,
                                       {.purpose = random_.Of(kPurposes),
                                        .granted = !random_.OneIn(3),
                                        .given_at = given,
                                        .source = "test"})
                        .status();
                }
                case 5:
                    return profiles_.SetOwner(
                        s, tenant_, customer,
                        random_.OneIn(4) ? std::nullopt : std::optional(StaffId(random_.Between(1, 4))));
                case 6:
                    return profiles_.MarkSeen(s, tenant_, customer, SomeTime());
                default:
                    return s
                        .Execute("UPDATE customers SET source_channel = $3 WHERE tenant_id = $1 AND customer_id = $2",
                                 {tenant_.value(), customer.value(),
                                  random_.OneIn(3) ? std::string() : random_.Of(kChannels)})
                        .status();
            }
        });
        // Events stay on the id they were recorded for, tombstones included.
        Batch(
            events,
            [&](store::Session& s) -> Status {
                const int64_t id = ++event_ids_;
                const CustomerId customer = random_.Of(created_);
                touched_.push_back(customer);
                const std::string name = random_.Of(kEventNames);
                const std::string payload =
                    R"({"type":"track","event":")" + name + R"(","properties":)" + SomeProperties() + "}";
                return s
                    .Execute(
                        "INSERT INTO events (tenant_id, event_id, message_id, type, name, customer_id, "
                        "occurred_at, received_at, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8)",
                        {tenant_.value(), id, "m" + std::to_string(id), random_.OneIn(12) ? "page" : "track", name,
                         random_.OneIn(40) ? store::Value() : store::Value(customer.value()), SomeTime().micros(),
                         store::Blob{keys_.Encrypt(payload, "t1/event")}})
                    .status();
            },
            500);
    }

    customers::AttributeInput SomeAttribute() {
        auto date = [&](int from_year, int to_year) {
            if (random_.OneIn(20)) return std::string("2000-02-29");
            const LocalDate d{static_cast<int>(random_.Between(from_year, to_year)),
                              static_cast<int>(random_.Between(1, 12)), static_cast<int>(random_.Between(1, 28))};
            char text[16];
            std::snprintf(text, sizeof text, "%04d-%02d-%02d", d.year, d.month, d.day);
            return std::string(text);
        };
        auto number = [&] {
            return random_.OneIn(3) ? std::to_string(random_.Between(0, 200)) + ".5"
                                    : std::to_string(random_.Between(0, 200));
        };
        switch (random_.Pick(10)) {
            case 0:
                if (random_.OneIn(6)) return {"gender", AttributeValue{AttributeType::kNumber, "1"}};
                return {"gender", AttributeValue::String(random_.OneIn(2) ? "female" : "male")};
            case 1:
                return {"city", random_.OneIn(10)
                                    ? std::nullopt
                                    : std::optional(AttributeValue::String(random_.OneIn(2) ? "杭州" : "上海"))};
            case 2:
                return {"points", AttributeValue{AttributeType::kNumber, number()}};
            case 3:
                return {"vip", AttributeValue{AttributeType::kBoolean, random_.OneIn(2) ? "true" : "false"}};
            case 4:
                return {"birthday", AttributeValue{AttributeType::kDate, date(1970, 2010)}};
            case 5:
                return {"baby_birthday", AttributeValue{AttributeType::kDate, date(2023, 2026)}};
            case 6:
                return {"signed_up", AttributeValue{AttributeType::kDateTime, FormatRfc3339(SomeTime())}};
            case 7:
                if (random_.OneIn(2)) return {"level", AttributeValue{AttributeType::kNumber, number()}};
                return {"level", AttributeValue::String("gold")};
            case 8:
                return {"prefs", AttributeValue{AttributeType::kJson, R"({"size":"L"})"}};
            default:
                return {"baby_birthday", AttributeValue{AttributeType::kDateTime, FormatRfc3339(SomeTime())}};
        }
    }

    std::string SomeProperties() {
        std::string out = "{";
        auto add = [&](const std::string& member) {
            if (out.size() > 1) out += ",";
            out += member;
        };
        if (!random_.OneIn(5)) add(R"("category":")" + random_.Of(kStrings) + "\"");
        if (!random_.OneIn(4)) {
            add(R"("total":)" + (random_.OneIn(2) ? std::to_string(random_.Between(0, 300))
                                                  : std::to_string(random_.Between(0, 300)) + ".5"));
        }
        if (random_.OneIn(2)) add(std::string(R"("vip":)") + (random_.OneIn(2) ? "true" : "false"));
        switch (random_.Pick(5)) {
            case 0:
                add(R"("launched":")" + FormatRfc3339(SomeTime()) + "\"");
                break;
            case 1: {
                const LocalDate d = zone_.ToLocal(SomeTime()).date;
                char text[32];
                std::snprintf(text, sizeof text, R"("launched":"%04d-%02d-%02d")", d.year, d.month, d.day);
                add(text);
                break;
            }
            case 2:
                add(R"("launched":"soon")");
                break;
            default:
                break;
        }
        switch (random_.Pick(5)) {
            case 0:
                add(R"("sku":"A1")");
                break;
            case 1:
                add(R"("sku":7)");
                break;
            case 2:
                add(R"("sku":null)");
                break;
            case 3:
                add(R"("sku":{"id":1})");
                break;
            default:
                break;
        }
        return out + "}";
    }

    // Compares the engine with the reference on `rules` random rules at `now`.
    void Compare(const AudienceIndex& index, const testing::ReferenceAudience& reference, Timestamp now, int rules,
                 const std::string& label) {
        const std::set<int64_t> repeat_buyers = {created_[0].value(), created_[3].value(), created_[5].value(), 999999};
        std::set<int64_t> seven;
        for (size_t i = 0; i < created_.size(); i += 3) seven.insert(created_[i].value());
        auto engine_segments = [&](const SegmentRef& ref) -> Result<CustomerSet> {
            const std::set<int64_t>* members = nullptr;
            if (ref == SegmentRef(SegmentId(7))) members = &seven;
            if (ref == SegmentRef(std::string("复购客户"))) members = &repeat_buyers;
            if (members == nullptr) return NotFound("no such segment");
            std::vector<CustomerId> ids;
            for (int64_t id : *members) ids.emplace_back(id);
            return CustomerSet::Of(ids);
        };
        auto reference_segments = [&](const SegmentRef& ref) -> std::optional<std::set<int64_t>> {
            if (ref == SegmentRef(SegmentId(7))) return seven;
            if (ref == SegmentRef(std::string("复购客户"))) return repeat_buyers;
            return std::nullopt;
        };
        RuleMaker maker(random_, now);
        int nonempty = 0, partial = 0;
        for (int i = 0; i < rules; ++i) {
            const Rule rule = maker.Make();
            ASSERT_EQ(Validate(rule), std::nullopt) << ToText(rule);
            std::optional<StaffId> owner;
            if (random_.OneIn(10)) owner = StaffId(random_.Between(1, 4));
            auto engine =
                Evaluate(index, rule, {.now = now, .segments = engine_segments, .sample_size = 0, .owner = owner});
            ASSERT_TRUE(engine.ok()) << ToText(rule) << ": " << engine.status().ToString();
            auto expected = reference.Members(rule, now, reference_segments);
            ASSERT_TRUE(expected.has_value()) << ToText(rule);
            if (owner) {
                std::erase_if(*expected, [&](int64_t id) {
                    return reference.customers().at(id).owner.value_or(0) != owner->value();
                });
            }
            std::set<int64_t> actual;
            for (CustomerId id : engine->members.ToVector()) actual.insert(id.value());
            if (actual != *expected) {
                std::string diff;
                int shown = 0;
                for (int64_t id : actual) {
                    if (!expected->contains(id) && shown++ < 3) diff += "engine only: " + reference.Describe(id) + "\n";
                }
                for (int64_t id : *expected) {
                    if (!actual.contains(id) && shown++ < 6) diff += "reference only: " + reference.Describe(id) + "\n";
                }
                FAIL() << label << " rule " << i << " at " << FormatRfc3339(now) << ": " << ToText(rule) << "\nengine "
                       << actual.size() << ", reference " << expected->size() << "\n"
                       << diff;
            }
            nonempty += actual.empty() ? 0 : 1;
            partial += !actual.empty() && actual.size() < reference.customers().size() ? 1 : 0;
        }
        // The rules must say something about this data, not only "nobody" or "everybody".
        EXPECT_GT(partial, rules / 3) << label << ": " << nonempty << " non-empty";
    }

    testing::TempDir dir_;
    const TimeZone zone_ = TimeZone::Default();
    // 22:30 on 15 March 2026 in Shanghai.
    const Timestamp now_ = zone_.FromLocal({.date = {2026, 3, 15}, .hour = 22, .minute = 30});
    ManualClock clock_;
    KeyRing keys_ = KeyRing::Generate();
    std::unique_ptr<store::Database> db_;
    const TenantId tenant_{kTenant};
    customers::IdentityResolver resolver_{keys_, clock_};
    customers::ProfileStore profiles_{keys_, clock_};
    events::OrderStore orders_{keys_, clock_};
    Random random_{20260315};
    std::vector<CustomerId> created_, touched_;
    int64_t order_ids_ = 0, event_ids_ = 0;
};

TEST_F(AudienceDifferentialTest, EngineFindsTheSameMembersAsAPlainEvaluation) {
    Populate(kPeople, 700, 1300, 2000, 3500);
    // RFM scores and lifecycle stages as the daily refresh leaves them.
    events::TraitRefresher refresher(*db_, clock_);
    ASSERT_TRUE(refresher.Refresh(tenant_).ok());

    auto reference = testing::ReferenceAudience::Load(*db_, keys_, tenant_);
    ASSERT_TRUE(reference.ok()) << reference.status().ToString();
    // Evaluations of 50 candidates or more run in parts on two threads (the rebuilt index below does not).
    auto index =
        AudienceIndex::Build(*db_, keys_, tenant_, clock_, std::nullopt, {.chunk_customers = 97, .parallel_from = 50});
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    const IndexStats stats = (*index)->Stats();
    EXPECT_EQ(stats.customers, static_cast<int64_t>(reference->customers().size()));
    EXPECT_LT(stats.customers, static_cast<int64_t>(created_.size())) << "some customers were merged";
    std::printf("differential: %lld customers (capacity %lld), %lld purchases, %lld events, %lld attributes\n",
                static_cast<long long>(stats.customers), static_cast<long long>(stats.capacity),
                static_cast<long long>(stats.orders), static_cast<long long>(stats.events),
                static_cast<long long>(stats.attributes));

    // Now, the next local midnight exactly, and six weeks later.
    const Timestamp midnight = zone_.StartOfDay({2026, 3, 16});
    for (Timestamp now : {now_, midnight, midnight + std::chrono::hours(24 * 46 + 12)}) {
        Compare(**index, *reference, now, kRules, "built");
        if (HasFatalFailure()) return;
    }

    // Saved segments bring their members up to date by re-testing only the customers a refresh
    // found changed in what their rule reads: members as of now, before the changes.
    RuleMaker maker(random_, now_);
    std::vector<std::pair<Rule, CustomerSet>> saved;
    const uint64_t before = (*index)->version();
    while (saved.size() < static_cast<size_t>(kSavedRules)) {
        Rule rule = maker.Make();
        if (TimingOf(rule) == Timing::kContinuous) continue;  // segments, hour windows: evaluated whole
        auto members = Evaluate(**index, rule, {.now = now_, .sample_size = 0});
        ASSERT_TRUE(members.ok()) << ToText(rule) << ": " << members.status().ToString();
        saved.emplace_back(std::move(rule), std::move(members->members));
    }

    // Event counts read tallies that earlier evaluations made and refreshes keep current: these
    // rules make theirs now and read them again right after the refresh (eight: as many as an
    // index keeps, so none is made afresh).
    const std::vector<std::string> tallied = {
        R"(event "Product Viewed" count >= 2)",
        R"(event "Order Completed" within 30d)",
        R"(event "Signed Up" count = 0 within 90d)",
        R"(event "Coupon Used" where category = "奶粉" count >= 1)",
        R"(event "Order Completed" where total >= 100 count between 1 and 2 within 365d)",
        R"(event "Product Viewed" first within 30d)",
        R"(event "Signed Up" last before 60d)"};
    for (int twice = 0; twice < 2; ++twice) {  // a tally is made on the second request
        for (const std::string& text : tallied) {
            auto members = Evaluate(**index, ParseRuleText(text).value(), {.now = now_, .sample_size = 0});
            ASSERT_TRUE(members.ok()) << text;
        }
    }
    ASSERT_EQ((*index)->Stats().window_bytes > 0, true);

    // Some customers change (including merges); the index re-reads just them.
    touched_.clear();
    Populate(kPeople + 40, 80, 150, 250, 300);
    std::vector<CustomerId> changed = touched_;
    // Deleting a tag changes everyone who held it.
    ASSERT_TRUE(db_->Write([&](store::Session& s) -> Status {
                       YT_ASSIGN_OR_RETURN(auto tag, profiles_.EnsureTag(s, tenant_, "人群", "美妆"));
                       YT_ASSIGN_OR_RETURN(auto holders, s.Query("SELECT customer_id FROM customer_tags WHERE "
                                                                 "tenant_id = $1 AND tag_id = $2",
                                                                 {tenant_.value(), tag.id}));
                       for (const auto& row : holders) changed.emplace_back(row.Int(0));
                       return profiles_.DeleteTag(s, tenant_, tag.id);
                   })
                    .ok());
    ASSERT_TRUE((*index)->Refresh(changed).ok());
    reference = testing::ReferenceAudience::Load(*db_, keys_, tenant_);
    ASSERT_TRUE(reference.ok()) << reference.status().ToString();
    EXPECT_EQ((*index)->Stats().customers, static_cast<int64_t>(reference->customers().size()));
    for (const std::string& text : tallied) {
        const Rule rule = ParseRuleText(text).value();
        auto engine = Evaluate(**index, rule, {.now = now_, .sample_size = 0});
        ASSERT_TRUE(engine.ok()) << text;
        auto expected = reference->Members(rule, now_, [](const SegmentRef&) { return std::nullopt; });
        ASSERT_TRUE(expected.has_value()) << text;
        std::set<int64_t> got;
        for (CustomerId id : engine->members.ToVector()) got.insert(id.value());
        EXPECT_EQ(got, *expected) << text << ", from tallies kept over the refresh";
    }
    Compare(**index, *reference, now_, kRefreshRules, "refreshed");
    if (HasFatalFailure()) return;
    size_t narrowed = 0;
    for (const auto& [rule, members] : saved) {
        const std::optional<CustomerSet> all = (*index)->ChangedSince(before);
        const std::optional<CustomerSet> read = (*index)->ChangedSince(before, FacetsOf(rule));
        ASSERT_TRUE(read.has_value() && all.has_value());
        narrowed += read->size() < all->size() ? size_t{1} : size_t{0};
        auto retested = Evaluate(**index, rule, {.now = now_, .sample_size = 0, .within = &*read});
        auto whole = Evaluate(**index, rule, {.now = now_, .sample_size = 0});
        ASSERT_TRUE(retested.ok() && whole.ok()) << ToText(rule);
        const CustomerSet updated = (members - *read) | retested->members;
        EXPECT_TRUE(updated == whole->members)
            << ToText(rule) << ": re-testing the " << read->size() << " customers changed in what it reads gives "
            << updated.size() << " members, evaluating it whole " << whole->members.size();
    }
    EXPECT_GT(narrowed, saved.size() / 4) << "most rules read fewer facets than a refresh changes";
    auto rebuilt = AudienceIndex::Build(*db_, keys_, tenant_, clock_);
    ASSERT_TRUE(rebuilt.ok());
    Compare(**rebuilt, *reference, now_, kRefreshRules / 4, "rebuilt");
}

}  // namespace
}  // namespace yutang
