#include "yutang/events/orders.hpp"

#include <algorithm>
#include <array>
#include <map>

#include "yutang/base/log.hpp"
#include "yutang/store/sequences.hpp"

namespace yutang::events {
namespace {

constexpr std::array<std::string_view, 6> kStatuses = {"pending_payment", "paid",      "shipped",
                                                       "completed",       "cancelled", "refunded"};

constexpr std::string_view kSelectOrder =
    "SELECT order_id, customer_id, status, raw_status, total_fen, paid_fen, refunded_fen, ordered_at, paid_at, "
    "completed_at, lines FROM orders WHERE tenant_id = $1 AND source = $2 AND external_id = $3";
constexpr std::string_view kSelectOrderForPatch =
    "SELECT customer_id, status, raw_status, total_fen, paid_fen, refunded_fen, currency, ordered_at, paid_at, "
    "completed_at, lines, buyer_hint, buyer_cipher FROM orders WHERE tenant_id = $1 AND source = $2 AND "
    "external_id = $3";
constexpr std::string_view kInsertOrder =
    "INSERT INTO orders (tenant_id, order_id, source, external_id, customer_id, status, raw_status, total_fen, "
    "paid_fen, refunded_fen, currency, ordered_at, paid_at, completed_at, lines, buyer_hint, buyer_cipher, "
    "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, "
    "$18, $18)";
constexpr std::string_view kUpdateOrder =
    "UPDATE orders SET customer_id = $3, status = $4, raw_status = $5, total_fen = $6, paid_fen = $7, "
    "refunded_fen = $8, ordered_at = $9, paid_at = $10, completed_at = $11, lines = $12, buyer_hint = $13, "
    "buyer_cipher = $14, updated_at = $15 WHERE tenant_id = $1 AND order_id = $2";
constexpr std::string_view kMoveOrders = "UPDATE orders SET customer_id = $3 WHERE tenant_id = $1 AND customer_id = $2";
constexpr std::string_view kDeleteTraits = "DELETE FROM customer_traits WHERE tenant_id = $1 AND customer_id = $2";
// Cancelled and unpaid orders are not purchases; refunded ones count (the buyer bought) with
// their refund subtracted through refunded_fen.
// The rows are summed here rather than with GROUP BY source: grouping by source made SQLite
// prefer the (tenant_id, source, external_id) index and scan the merchant's every order for
// each customer; one customer's orders are few, and this way they come from orders_customer.
constexpr std::string_view kAggregate =
    "SELECT source, paid_fen, refunded_fen, ordered_at FROM orders "
    "WHERE tenant_id = $1 AND customer_id = $2 AND status IN ('paid', 'shipped', 'completed', 'refunded')";
constexpr std::string_view kUpsertTraits =
    "INSERT INTO customer_traits (tenant_id, customer_id, order_count, total_spend_fen, refunded_fen, "
    "first_order_at, last_order_at, platform_counts, updated_at, lifecycle_stage) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
    "ON CONFLICT (tenant_id, customer_id) DO UPDATE SET order_count = excluded.order_count, "
    "total_spend_fen = excluded.total_spend_fen, refunded_fen = excluded.refunded_fen, "
    "first_order_at = excluded.first_order_at, last_order_at = excluded.last_order_at, "
    "platform_counts = excluded.platform_counts, updated_at = excluded.updated_at, "
    "lifecycle_stage = excluded.lifecycle_stage";
constexpr std::string_view kSelectTraits =
    "SELECT order_count, total_spend_fen, refunded_fen, first_order_at, last_order_at, platform_counts, "
    "lifecycle_stage, rfm_recency, rfm_frequency, rfm_monetary FROM customer_traits WHERE tenant_id = $1 AND "
    "customer_id = $2";

std::string LinesJson(const std::vector<OrderLine>& lines) {
    std::string out = "[";
    for (const OrderLine& line : lines) {
        if (out.size() > 1) out += ",";
        out += "{\"sku\":\"";
        AppendJsonEscaped(out, line.sku);
        out += "\",\"title\":\"";
        AppendJsonEscaped(out, line.title);
        out += "\",\"quantity\":" + std::to_string(line.quantity) +
               ",\"unit_price_fen\":" + std::to_string(line.unit_price.fen()) + "}";
    }
    return out + "]";
}

std::optional<int64_t> Micros(const std::optional<Timestamp>& t) {
    if (!t) return std::nullopt;
    return t->micros();
}

}  // namespace

bool IsOrderStatus(std::string_view status) {
    return std::find(kStatuses.begin(), kStatuses.end(), status) != kStatuses.end();
}

bool CountsAsPurchase(std::string_view status) {
    return status == "paid" || status == "shipped" || status == "completed" || status == "refunded";
}

OrderStore::OrderStore(const KeyRing& keys, const Clock& clock) : keys_(keys), clock_(clock) {}

Result<UpsertOutcome> OrderStore::Upsert(store::Session& s, TenantId tenant, const OrderInput& order) {
    if (order.source.empty()) return InvalidArgument("order source is required", "source");
    if (order.external_id.empty() || order.external_id.size() > 128) {
        return InvalidArgument("order id must have 1 to 128 characters", "order_id");
    }
    if (!IsOrderStatus(order.status)) return InvalidArgument("unknown order status: " + order.status, "status");
    for (const auto& [amount, field] :
         {std::pair{order.total, "total"}, std::pair{order.paid, "paid"}, std::pair{order.refunded, "refunded"}}) {
        if (amount.fen() < 0) return InvalidArgument("amount must not be negative", field);
    }
    const std::string lines = order.lines_json.empty() ? LinesJson(order.lines) : order.lines_json;
    const std::string context = "t" + std::to_string(tenant.value()) + "/order.buyer";
    const Timestamp now = clock_.Now();
    YT_ASSIGN_OR_RETURN(auto existing, s.QueryOne(kSelectOrder, {tenant.value(), order.source, order.external_id}));

    std::optional<int64_t> customer;
    if (order.customer) customer = order.customer->value();
    UpsertOutcome outcome = UpsertOutcome::kCreated;
    std::optional<int64_t> previous_customer;
    if (!existing) {
        YT_ASSIGN_OR_RETURN(int64_t order_id, store::NextId(s, tenant, "order"));
        YT_TRY(s.Execute(kInsertOrder,
                         {tenant.value(), order_id, order.source, order.external_id, customer, order.status,
                          order.raw_status, order.total.fen(), order.paid.fen(), order.refunded.fen(), order.currency,
                          order.ordered_at.micros(), Micros(order.paid_at), Micros(order.completed_at), lines,
                          order.buyer_hint, store::Blob{keys_.Encrypt(order.buyer_details, context)}, now.micros()}));
    } else {
        previous_customer = existing->OptionalInt(1);
        if (!customer) customer = previous_customer;  // never forget who bought it
        const bool same = customer == previous_customer && existing->Text(2) == order.status &&
                          existing->Text(3) == order.raw_status && existing->Int(4) == order.total.fen() &&
                          existing->Int(5) == order.paid.fen() && existing->Int(6) == order.refunded.fen() &&
                          existing->Int(7) == order.ordered_at.micros() &&
                          existing->OptionalInt(8) == Micros(order.paid_at) &&
                          existing->OptionalInt(9) == Micros(order.completed_at) && existing->Text(10) == lines;
        if (same) return UpsertOutcome::kUnchanged;
        outcome = UpsertOutcome::kUpdated;
        YT_TRY(s.Execute(kUpdateOrder,
                         {tenant.value(), existing->Int(0), customer, order.status, order.raw_status, order.total.fen(),
                          order.paid.fen(), order.refunded.fen(), order.ordered_at.micros(), Micros(order.paid_at),
                          Micros(order.completed_at), lines, order.buyer_hint,
                          store::Blob{keys_.Encrypt(order.buyer_details, context)}, now.micros()}));
    }
    if (customer) YT_TRY(RecomputeTraits(s, tenant, CustomerId(*customer)));
    if (previous_customer && previous_customer != customer) {
        YT_TRY(RecomputeTraits(s, tenant, CustomerId(*previous_customer)));
    }
    return outcome;
}

Result<std::optional<OrderInput>> OrderStore::Find(store::Session& s, TenantId tenant, std::string_view source,
                                                   std::string_view external_id) {
    YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(kSelectOrderForPatch, {tenant.value(), source, external_id}));
    if (!row) return std::optional<OrderInput>();
    OrderInput order;
    order.source = std::string(source);
    order.external_id = std::string(external_id);
    if (auto customer = row->OptionalInt(0)) order.customer = CustomerId(*customer);
    order.status = row->Text(1);
    order.raw_status = row->Text(2);
    order.total = Money::FromFen(row->Int(3));
    order.paid = Money::FromFen(row->Int(4));
    order.refunded = Money::FromFen(row->Int(5));
    order.currency = row->Text(6);
    order.ordered_at = Timestamp::FromMicros(row->Int(7));
    if (auto paid_at = row->OptionalInt(8)) order.paid_at = Timestamp::FromMicros(*paid_at);
    if (auto completed_at = row->OptionalInt(9)) order.completed_at = Timestamp::FromMicros(*completed_at);
    order.lines_json = row->Text(10);
    order.buyer_hint = row->Text(11);
    YT_ASSIGN_OR_RETURN(order.buyer_details,
                        keys_.Decrypt(row->Text(12), "t" + std::to_string(tenant.value()) + "/order.buyer"));
    return std::optional<OrderInput>(std::move(order));
}

std::string_view LifecycleStageFor(int64_t order_count, std::optional<Timestamp> last_order_at, Timestamp now) {
    if (order_count == 0 || !last_order_at) return "prospect";
    const auto days = std::chrono::duration_cast<std::chrono::hours>(now - *last_order_at).count() / 24;
    if (days > kChurnedAfterDays) return "churned";
    if (days > kAtRiskAfterDays) return "at_risk";
    return order_count == 1 ? "new" : "repeat";
}

Status OrderStore::Reassign(store::Session& s, TenantId tenant, CustomerId winner, std::span<const CustomerId> losers) {
    for (CustomerId loser : losers) {
        YT_TRY(s.Execute(kMoveOrders, {tenant.value(), loser.value(), winner.value()}));
        YT_TRY(s.Execute(kDeleteTraits, {tenant.value(), loser.value()}));
    }
    if (!losers.empty()) YT_TRY(RecomputeTraits(s, tenant, winner));
    return OkStatus();
}

Status OrderStore::RecomputeTraits(store::Session& s, TenantId tenant, CustomerId customer) {
    YT_ASSIGN_OR_RETURN(auto rows, s.Query(kAggregate, {tenant.value(), customer.value()}));
    if (rows.empty()) return s.Execute(kDeleteTraits, {tenant.value(), customer.value()}).status();
    int64_t count = 0, spend = 0, refunded = 0;
    std::optional<int64_t> first, last;
    std::map<std::string, int64_t> per_source;
    for (const auto& row : rows) {
        ++count;
        spend += row.Int(1);
        refunded += row.Int(2);
        const int64_t at = row.Int(3);
        first = first ? std::min(*first, at) : at;
        last = last ? std::max(*last, at) : at;
        ++per_source[row.Text(0)];
    }
    std::string platforms = "{";
    for (const auto& [source, n] : per_source) {
        if (platforms.size() > 1) platforms += ",";
        platforms += "\"";
        AppendJsonEscaped(platforms, source);
        platforms += "\":" + std::to_string(n);
    }
    platforms += "}";
    const Timestamp now = clock_.Now();
    const std::string_view stage = LifecycleStageFor(count, Timestamp::FromMicros(*last), now);
    return s
        .Execute(kUpsertTraits, {tenant.value(), customer.value(), count, spend, refunded, first, last, platforms,
                                 now.micros(), stage})
        .status();
}

Result<std::optional<CustomerTraits>> OrderStore::Traits(store::Session& s, TenantId tenant, CustomerId customer) {
    YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(kSelectTraits, {tenant.value(), customer.value()}));
    if (!row) return std::optional<CustomerTraits>();
    CustomerTraits traits;
    traits.order_count = row->Int(0);
    traits.total_spend = Money::FromFen(row->Int(1));
    traits.refunded = Money::FromFen(row->Int(2));
    if (auto first = row->OptionalInt(3)) traits.first_order_at = Timestamp::FromMicros(*first);
    if (auto last = row->OptionalInt(4)) traits.last_order_at = Timestamp::FromMicros(*last);
    traits.platform_counts = row->Text(5);
    traits.lifecycle_stage = row->Text(6);
    if (auto r = row->OptionalInt(7))
        traits.rfm = {*r, row->OptionalInt(8).value_or(0), row->OptionalInt(9).value_or(0)};
    return std::optional<CustomerTraits>(std::move(traits));
}

}  // namespace yutang::events
