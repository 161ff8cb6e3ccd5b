#include "yutang/events/demo.hpp"

#include <array>
#include <cmath>
#include <random>

#include "yutang/base/time_zone.hpp"

namespace yutang::events {
namespace {

using customers::IdentityInput;
using customers::IdentityKind;

struct PlatformInfo {
    const char* source;
    std::optional<IdentityKind> account;
    bool masked_phone;  // the platform exports masked phones
    double weight;
};

// Where buyers come from, roughly as a JD/Tmall-first merchant sees it.
constexpr std::array<PlatformInfo, 5> kPlatforms = {{{"jd", IdentityKind::kJdBuyer, true, 0.32},
                                                     {"taobao", IdentityKind::kTaobaoBuyer, false, 0.30},
                                                     {"douyin", IdentityKind::kDouyinBuyer, true, 0.18},
                                                     {"pdd", std::nullopt, true, 0.10},
                                                     {"youzan", std::nullopt, false, 0.10}}};

struct Product {
    const char* sku;
    const char* title;
    int64_t price_fen;
};
constexpr std::array<Product, 8> kProducts = {{{"MILK-900", "有机奶粉 900g", 32800},
                                               {"DIAPER-L", "纸尿裤 L 码 62 片", 12900},
                                               {"WIPES-80", "婴儿湿巾 80 抽 × 6", 4990},
                                               {"BOTTLE-240", "宽口玻璃奶瓶 240ml", 8900},
                                               {"CREAM-50", "婴儿面霜 50g", 6800},
                                               {"TOY-BLOCK", "软积木 24 块", 9900},
                                               {"CUP-300", "吸管学饮杯 300ml", 7900},
                                               {"BATH-1", "洗护礼盒", 15900}}};

std::string Phone(std::mt19937_64& rng) {
    static constexpr std::array<const char*, 8> kPrefixes = {"138", "139", "137", "136", "150", "186", "188", "159"};
    std::string phone = kPrefixes[rng() % kPrefixes.size()];
    for (int i = 0; i < 8; ++i) phone += static_cast<char>('0' + rng() % 10);
    return phone;
}

std::string MaskedLikeJd(const std::string& phone) { return phone.substr(0, 1) + "******" + phone.substr(7); }

constexpr std::array<const char*, 12> kSurnames = {"王", "李", "张", "刘", "陈", "杨",
                                                   "黄", "赵", "吴", "周", "徐", "孙"};
constexpr std::array<const char*, 12> kGivenNames = {"芳", "丽", "静", "敏", "婷", "雪",
                                                     "娜", "磊", "伟", "洋", "琳", "悦"};
constexpr std::array<const char*, 8> kCities = {"上海", "杭州", "北京", "深圳", "成都", "南京", "武汉", "苏州"};

}  // namespace

namespace internal {
// The tag catalogue of the demo merchant.
struct DemoTags {
    int64_t baby = 0, new_mum = 0, second_child = 0;  // 人群
    int64_t milk = 0, diapers = 0, care = 0;          // 偏好
    int64_t regular = 0, silver = 0, gold = 0;        // 会员等级 (exclusive)
    int64_t live = 0, package_card = 0;               // 来源
};
}  // namespace internal

namespace {
using internal::DemoTags;

Result<DemoTags> MakeDemoTags(store::Session& s, TenantId tenant, customers::ProfileStore& profiles) {
    DemoTags t;
    YT_ASSIGN_OR_RETURN(auto groups, profiles.TagGroups(s, tenant));
    const bool has_levels =
        std::any_of(groups.begin(), groups.end(), [](const auto& g) { return g.name == "会员等级"; });
    if (!has_levels) YT_TRY(profiles.CreateTagGroup(s, tenant, "会员等级", true).status());
    const auto tag = [&](const char* group, const char* name, int64_t& id) -> Status {
        YT_ASSIGN_OR_RETURN(auto created, profiles.EnsureTag(s, tenant, group, name));
        id = created.id;
        return OkStatus();
    };
    YT_TRY(tag("人群", "母婴", t.baby));
    YT_TRY(tag("人群", "新手妈妈", t.new_mum));
    YT_TRY(tag("人群", "二胎家庭", t.second_child));
    YT_TRY(tag("偏好", "奶粉", t.milk));
    YT_TRY(tag("偏好", "纸尿裤", t.diapers));
    YT_TRY(tag("偏好", "洗护", t.care));
    YT_TRY(tag("会员等级", "普通会员", t.regular));
    YT_TRY(tag("会员等级", "银卡", t.silver));
    YT_TRY(tag("会员等级", "金卡", t.gold));
    YT_TRY(tag("来源", "直播间", t.live));
    YT_TRY(tag("来源", "包裹卡", t.package_card));
    return t;
}

std::string DateText(int64_t micros) { return FormatRfc3339(Timestamp::FromMicros(micros)).substr(0, 10); }

}  // namespace

DemoGenerator::DemoGenerator(store::Database& db, customers::IdentityResolver& resolver, OrderStore& orders,
                             Ingestor& ingest, const KeyRing& keys, const Clock& clock)
    : db_(db), resolver_(resolver), orders_(orders), ingest_(ingest), keys_(keys), clock_(clock) {}

// What operators would have recorded about a buyer: a name for half of them, gender, city, the
// baby's birth date for most (a baby-goods merchant), tags by what and how often they buy and
// where they came from, marketing consent given at checkout or through WeCom, and a guide.
Status DemoGenerator::DecorateProfile(store::Session& s, TenantId tenant, CustomerId customer,
                                      customers::ProfileStore& profiles, const internal::DemoTags& tags,
                                      std::mt19937_64& rng, size_t favourite, int purchases, bool package_card,
                                      bool live, const DemoOptions& options) {
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    constexpr int64_t kDay = 86'400'000'000;
    const int64_t now = clock_.Now().micros();
    std::vector<customers::AttributeInput> attributes;
    if (unit(rng) < 0.5) {
        attributes.push_back(
            {"name", customers::AttributeValue::String(
                         std::string(kSurnames[rng() % kSurnames.size()]) + kGivenNames[rng() % kGivenNames.size()] +
                         (unit(rng) < 0.5 ? kGivenNames[rng() % kGivenNames.size()] : ""))});
    }
    attributes.push_back({"gender", customers::AttributeValue::String(unit(rng) < 0.82 ? "female" : "male")});
    attributes.push_back({"city", customers::AttributeValue::String(kCities[rng() % kCities.size()])});
    const bool has_baby = unit(rng) < 0.7;
    if (has_baby) {
        const int64_t born = now - static_cast<int64_t>(unit(rng) * 1100.0) * kDay;
        attributes.push_back(
            {"baby_birthday", customers::AttributeValue{customers::AttributeType::kDate, DateText(born)}});
    }
    if (unit(rng) < 0.3) {
        const int64_t born = now - (20 * 365 + static_cast<int64_t>(unit(rng) * 15.0 * 365.0)) * kDay;
        attributes.push_back({"birthday", customers::AttributeValue{customers::AttributeType::kDate, DateText(born)}});
    }
    YT_TRY(profiles.SetAttributes(s, tenant, customer, attributes, "demo").status());

    std::vector<int64_t> add;
    if (has_baby) add.push_back(tags.baby);
    if (has_baby && unit(rng) < 0.3) add.push_back(unit(rng) < 0.7 ? tags.new_mum : tags.second_child);
    add.push_back(favourite == 0 ? tags.milk : favourite == 1 ? tags.diapers : tags.care);
    add.push_back(purchases >= 6 ? tags.gold : purchases >= 3 ? tags.silver : tags.regular);
    if (live) add.push_back(tags.live);
    if (package_card) add.push_back(tags.package_card);
    for (int64_t tag : add) YT_TRY(profiles.AddTag(s, tenant, customer, tag, "demo", std::nullopt));

    const Timestamp given = Timestamp::FromMicros(now - static_cast<int64_t>(unit(rng) * 300.0) * kDay);
    if (unit(rng) < 0.55) {
        YT_TRY(profiles
                   .RecordConsent(s, tenant, customer,
                                  {.purpose = "marketing.sms",
                                   .granted = true,
                                   .given_at = given,
                                   .source = "checkout",
                                   .notice_version = "2026-01"})
                   .status());
    }
    if (package_card) {
        YT_TRY(profiles
                   .RecordConsent(s, tenant, customer,
                                  {.purpose = "marketing.wecom",
                                   .granted = unit(rng) < 0.9,
                                   .given_at = given,
                                   .source = "wecom",
                                   .notice_version = "2026-01"})
                   .status());
    }
    if (!options.guides.empty() && unit(rng) < 0.4) {
        YT_TRY(profiles.SetOwner(s, tenant, customer, options.guides[rng() % options.guides.size()]));
    }
    return OkStatus();
}

Result<DemoReport> DemoGenerator::Generate(TenantId tenant, const DemoOptions& options,
                                           const std::function<void(int64_t, int64_t)>& progress) {
    if (options.customers < 0) return InvalidArgument("customers must not be negative", "customers");
    std::mt19937_64 rng(options.seed);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::lognormal_distribution<double> cycle_days(std::log(45.0), 0.5);
    DemoReport report;
    const Timestamp now = clock_.Now();
    constexpr int64_t kDay = 86'400'000'000;
    const int64_t window_start = now.micros() - 365 * kDay;
    std::vector<std::pair<IdentityInput, std::string>> recent;  // platform accounts seen, with the real phone
    customers::ProfileStore profiles(keys_, clock_);
    DemoTags tags;
    YT_TRY(db_.Write([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(tags, MakeDemoTags(s, tenant, profiles));
        return OkStatus();
    }));

    for (int64_t first = 0; first < options.customers; first += options.batch) {
        const int64_t last = std::min(options.customers, first + options.batch);
        std::string batch_events = R"({"batch":[)";
        int64_t batch_event_count = 0;
        YT_TRY(db_.Write([&](store::Session& s) -> Status {
            for (int64_t person = first; person < last; ++person) {
                // Pick a platform by weight.
                double pick = unit(rng);
                const PlatformInfo* platform = &kPlatforms.back();
                for (const auto& p : kPlatforms) {
                    if ((pick -= p.weight) < 0) {
                        platform = &p;
                        break;
                    }
                }
                std::string phone = Phone(rng);
                // Package cards (包裹卡): 8% of buyers later scan the card in their parcel and add
                // the merchant's WeCom with their real phone, which links their platform account
                // to their private-domain identity — merging two customers into one.
                std::optional<IdentityInput> linked_account;
                if (!recent.empty() && unit(rng) < 0.08) {
                    const auto& earlier = recent[rng() % recent.size()];
                    phone = earlier.second;
                    linked_account = earlier.first;
                }
                std::vector<IdentityInput> identities;
                const std::string account =
                    std::string(platform->source) + "_" + std::to_string(options.seed) + "_" + std::to_string(person);
                if (platform->account) {
                    identities.push_back({*platform->account, account, ""});
                    const std::pair<IdentityInput, std::string> seen{{*platform->account, account, ""}, phone};
                    if (recent.size() < 2000) {
                        recent.push_back(seen);
                    } else {
                        recent[rng() % recent.size()] = seen;
                    }
                }
                identities.push_back({IdentityKind::kPhone, platform->masked_phone ? MaskedLikeJd(phone) : phone, ""});
                YT_ASSIGN_OR_RETURN(
                    auto resolved, resolver_.Resolve(s, tenant, identities, std::string("import:") + platform->source));
                if (linked_account) {
                    const IdentityInput card[] = {*linked_account, {IdentityKind::kPhone, phone, ""}};
                    YT_ASSIGN_OR_RETURN(resolved, resolver_.Resolve(s, tenant, card, "package_card"));
                }
                std::optional<CustomerId> customer;
                if (resolved.identified()) {
                    customer = resolved.customer;
                    YT_TRY(orders_.Reassign(s, tenant, resolved.customer, resolved.merged));
                }
                ++report.customers;

                // Orders: first purchase somewhere in the window, then repeat on a personal cycle.
                const double cycle = std::max(7.0, cycle_days(rng));
                const double churn = unit(rng) < 0.6 ? 1.0 : 0.25 + 0.3 * unit(rng);
                // New buyers keep arriving until a few days ago, so every part of the year has some.
                int64_t at = window_start + static_cast<int64_t>(unit(rng) * 362.0 * static_cast<double>(kDay));
                const int64_t first_order_at = at;
                int purchases = 0;
                size_t favourite = rng() % kProducts.size();
                for (int n = 0; n < 24 && at < now.micros(); ++n) {
                    const Product& product = kProducts[unit(rng) < 0.6 ? favourite : rng() % kProducts.size()];
                    ++purchases;
                    const int64_t quantity = 1 + static_cast<int64_t>(rng() % 3);
                    const Money total = Money::FromFen(product.price_fen * quantity);
                    const double fate = unit(rng);
                    OrderInput order{
                        .source = platform->source,
                        .external_id =
                            "D" + std::to_string(options.seed) + "-" + std::to_string(person) + "-" + std::to_string(n),
                        .customer = customer,
                        .status = fate < 0.03   ? "cancelled"
                                  : fate < 0.07 ? "refunded"
                                                : "completed",
                        .raw_status = fate < 0.03   ? "已取消"
                                      : fate < 0.07 ? "退款成功"
                                                    : "交易成功",
                        .total = total,
                        .paid = fate < 0.03 ? Money() : total,
                        .refunded = fate >= 0.03 && fate < 0.07 ? total : Money(),
                        .ordered_at = Timestamp::FromMicros(at),
                        .paid_at = Timestamp::FromMicros(at + 60'000'000),
                        .lines = {{product.sku, product.title, quantity, Money::FromFen(product.price_fen)}},
                        .buyer_hint = MaskedLikeJd(phone),
                        .buyer_details = R"({"phone":")" + phone + "\"}"};
                    YT_TRY(orders_.Upsert(s, tenant, order).status());
                    ++report.orders;
                    if (unit(rng) < churn) break;
                    at += static_cast<int64_t>(cycle * (0.7 + 0.6 * unit(rng)) * static_cast<double>(kDay));
                }
                if (customer) {
                    YT_TRY(DecorateProfile(s, tenant, *customer, profiles, tags, rng, favourite, purchases,
                                           linked_account.has_value(), std::string_view(platform->source) == "douyin",
                                           options));
                }
                // A fifth of the people whose phone the merchant knows (the platform did not mask it,
                // or a package card told it) also browse the merchant's own mini-program, some time
                // after their first order: they sign in with that phone (identify links the app's
                // user id to the buyer) and look at a product.
                const bool phone_known = !platform->masked_phone || linked_account.has_value();
                if (unit(rng) < 0.2 && phone_known) {
                    const int64_t seen = std::min(now.micros() - kDay / 24,
                                                  first_order_at + static_cast<int64_t>(unit(rng) * 60.0 * kDay));
                    const std::string user = "demo-" + std::to_string(person);
                    const std::string message = "demo-" + std::to_string(options.seed) + "-" + std::to_string(person);
                    const std::string when = FormatRfc3339(Timestamp::FromMicros(seen));
                    if (batch_event_count) batch_events += ",";
                    batch_events += R"({"type":"identify","userId":")" + user + R"(","messageId":")" + message +
                                    R"(-i","timestamp":")" + when + R"(","traits":{"phone":")" + phone + "\"}},";
                    batch_events += R"({"type":"track","event":"Product Viewed","userId":")" + user +
                                    R"(","messageId":")" + message + R"(","timestamp":")" + when +
                                    R"(","properties":{"sku":")" + kProducts[rng() % kProducts.size()].sku + "\"}}";
                    batch_event_count += 2;
                }
            }
            return OkStatus();
        }));
        if (batch_event_count > 0) {
            YT_ASSIGN_OR_RETURN(auto ingested, ingest_.IngestBatch(tenant, batch_events + "]}"));
            report.events += static_cast<int64_t>(ingested.accepted);
        }
        if (progress) progress(last, options.customers);
    }
    return report;
}

}  // namespace yutang::events
