#include "yutang/events/demo.hpp"

#include <array>
#include <cmath>
#include <random>

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

}  // namespace

DemoGenerator::DemoGenerator(store::Database& db, customers::IdentityResolver& resolver, OrderStore& orders,
                             Ingestor& ingest, const Clock& clock)
    : db_(db), resolver_(resolver), orders_(orders), ingest_(ingest), clock_(clock) {}

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
                YT_ASSIGN_OR_RETURN(auto resolved, resolver_.Resolve(s, tenant, identities, "demo"));
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
                int64_t at = window_start + static_cast<int64_t>(unit(rng) * 330.0 * static_cast<double>(kDay));
                for (int n = 0; n < 24 && at < now.micros(); ++n) {
                    const Product& product = kProducts[rng() % kProducts.size()];
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
                // A fifth of the people also browse the merchant's own mini-program.
                if (unit(rng) < 0.2) {
                    if (batch_event_count) batch_events += ",";
                    batch_events += R"({"type":"track","event":"Product Viewed","userId":"demo-)" +
                                    std::to_string(person) + R"(","messageId":"demo-)" + std::to_string(options.seed) +
                                    "-" + std::to_string(person) + R"(","properties":{"sku":")" +
                                    kProducts[rng() % kProducts.size()].sku + "\"}}";
                    ++batch_event_count;
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
