#include "yutang/events/orders.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "yutang/base/log.hpp"
#include "yutang/store/bulk.hpp"
#include "yutang/store/sequences.hpp"

namespace yutang::events {
namespace {

constexpr std::array<std::string_view, 6> kStatuses = {"pending_payment", "paid",      "shipped",
                                                       "completed",       "cancelled", "refunded"};

// The stored orders of a batch are read kFindChunk external ids per statement (a short chunk is
// padded with its last id); a single order uses a one-id statement.
constexpr size_t kFindChunk = 64;
std::string FindOrdersSql(size_t n) {
    std::string sql =
        "SELECT external_id, order_id, customer_id, status, raw_status, total_fen, paid_fen, refunded_fen, "
        "ordered_at, paid_at, completed_at, lines FROM orders WHERE tenant_id = $1 AND source = $2 AND "
        "external_id IN (";
    return sql + store::ParamList(3, n) + ")";
}
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
std::string AggregateSql(size_t n) {
    std::string sql =
        "SELECT customer_id, source, paid_fen, refunded_fen, ordered_at FROM orders WHERE tenant_id = $1 AND "
        "status IN ('paid', 'shipped', 'completed', 'refunded') AND customer_id IN (";
    return sql + store::ParamList(2, n) + ")";
}
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

std::string BuyerContext(TenantId tenant) { return "t" + std::to_string(tenant.value()) + "/order.buyer"; }

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

namespace {

// What Upsert compares an order with: the stored row's values.
struct StoredOrder {
    int64_t order_id = 0;
    std::optional<int64_t> customer;
    std::string status;
    std::string raw_status;
    int64_t total = 0;
    int64_t paid = 0;
    int64_t refunded = 0;
    int64_t ordered_at = 0;
    std::optional<int64_t> paid_at;
    std::optional<int64_t> completed_at;
    std::string lines;

    bool operator==(const StoredOrder&) const = default;
};

StoredOrder StoredFrom(const store::Row& row) {
    return {.order_id = row.Int(1),
            .customer = row.OptionalInt(2),
            .status = row.Text(3),
            .raw_status = row.Text(4),
            .total = row.Int(5),
            .paid = row.Int(6),
            .refunded = row.Int(7),
            .ordered_at = row.Int(8),
            .paid_at = row.OptionalInt(9),
            .completed_at = row.OptionalInt(10),
            .lines = row.Text(11)};
}

Status Validate(const OrderInput& order) {
    if (order.source.empty()) return InvalidArgument("order source is required", "source");
    if (order.external_id.empty() || order.external_id.size() > 128) {
        return InvalidArgument("order id must have 1 to 128 characters", "order_id");
    }
    if (!IsOrderStatus(order.status)) return InvalidArgument("unknown order status: " + order.status, "status");
    for (const auto& [amount, field] :
         {std::pair{order.total, "total"}, std::pair{order.paid, "paid"}, std::pair{order.refunded, "refunded"}}) {
        if (amount.fen() < 0) return InvalidArgument("amount must not be negative", field);
    }
    return OkStatus();
}

}  // namespace

Result<UpsertOutcome> OrderStore::Upsert(store::Session& s, TenantId tenant, const OrderInput& order) {
    YT_ASSIGN_OR_RETURN(auto outcomes, UpsertBatch(s, tenant, std::span<const OrderInput>(&order, 1)));
    return outcomes.front();
}

Result<std::vector<UpsertOutcome>> OrderStore::UpsertBatch(store::Session& s, TenantId tenant,
                                                           std::span<const OrderInput> orders) {
    for (const OrderInput& order : orders) YT_TRY(Validate(order));
    static const std::string kFindOne = FindOrdersSql(1);
    static const std::string kFindChunkSql = FindOrdersSql(kFindChunk);

    // The stored rows of the batch's orders, read up front and kept current as the batch is
    // written, so that an order listed twice is compared with what its first listing left.
    using Key = std::pair<std::string_view, std::string_view>;  // source, external id
    std::map<Key, std::optional<StoredOrder>> stored;
    std::map<std::string_view, std::vector<std::string_view>> wanted;
    for (const OrderInput& order : orders) {
        if (stored.emplace(Key{order.source, order.external_id}, std::nullopt).second) {
            wanted[order.source].push_back(order.external_id);
        }
    }
    std::vector<store::Value> params;
    for (const auto& [source, ids] : wanted) {
        const size_t chunk = ids.size() == 1 ? 1 : kFindChunk;
        for (size_t from = 0; from < ids.size(); from += chunk) {
            params.assign({tenant.value(), source});
            store::AppendChunk(params, ids, from, chunk);
            YT_ASSIGN_OR_RETURN(auto rows, s.Query(chunk == 1 ? kFindOne : kFindChunkSql, params));
            for (const auto& row : rows) {
                const std::string external_id = row.Text(0);
                const auto it = stored.find(Key{source, external_id});
                if (it != stored.end()) it->second = StoredFrom(row);
            }
        }
    }
    // New orders take their ids from one block of exactly as many.
    const auto created = static_cast<int64_t>(
        std::count_if(stored.begin(), stored.end(), [](const auto& entry) { return !entry.second; }));
    int64_t next_order = 0;
    if (created > 0) {
        YT_ASSIGN_OR_RETURN(next_order, store::NextIds(s, tenant, "order", created));
    }

    const Timestamp now = clock_.Now();
    const auto sealed = [&](const OrderInput& order) {
        return store::Blob{order.buyer_sealed.empty() ? keys_.Encrypt(order.buyer_details, BuyerContext(tenant))
                                                      : order.buyer_sealed};
    };
    std::vector<UpsertOutcome> outcomes;
    outcomes.reserve(orders.size());
    std::set<int64_t> recompute;  // customers whose traits the batch changed
    for (const OrderInput& order : orders) {
        std::optional<StoredOrder>& slot = stored[Key{order.source, order.external_id}];
        StoredOrder next{.customer = order.customer ? std::optional(order.customer->value()) : std::nullopt,
                         .status = order.status,
                         .raw_status = order.raw_status,
                         .total = order.total.fen(),
                         .paid = order.paid.fen(),
                         .refunded = order.refunded.fen(),
                         .ordered_at = order.ordered_at.micros(),
                         .paid_at = Micros(order.paid_at),
                         .completed_at = Micros(order.completed_at),
                         .lines = order.lines_json.empty() ? LinesJson(order.lines) : order.lines_json};
        if (!slot) {
            next.order_id = next_order++;
            YT_TRY(s.Execute(
                kInsertOrder,
                {tenant.value(), next.order_id, order.source, order.external_id, next.customer, order.status,
                 order.raw_status, next.total, next.paid, next.refunded, order.currency, next.ordered_at, next.paid_at,
                 next.completed_at, next.lines, order.buyer_hint, sealed(order), now.micros()}));
            outcomes.push_back(UpsertOutcome::kCreated);
        } else {
            next.order_id = slot->order_id;
            if (!next.customer) next.customer = slot->customer;  // never forget who bought it
            if (next == *slot) {
                outcomes.push_back(UpsertOutcome::kUnchanged);
                continue;
            }
            YT_TRY(s.Execute(kUpdateOrder,
                             {tenant.value(), next.order_id, next.customer, order.status, order.raw_status, next.total,
                              next.paid, next.refunded, next.ordered_at, next.paid_at, next.completed_at, next.lines,
                              order.buyer_hint, sealed(order), now.micros()}));
            if (slot->customer && slot->customer != next.customer) recompute.insert(*slot->customer);
            outcomes.push_back(UpsertOutcome::kUpdated);
        }
        if (next.customer) recompute.insert(*next.customer);
        slot = std::move(next);
    }
    // Traits once per customer, from the orders as the batch left them.
    const std::vector<int64_t> customers(recompute.begin(), recompute.end());
    YT_TRY(RecomputeTraits(s, tenant, customers));
    return outcomes;
}

void OrderStore::Seal(TenantId tenant, OrderInput& order) const {
    order.buyer_sealed = keys_.Encrypt(order.buyer_details, BuyerContext(tenant));
    if (order.lines_json.empty()) order.lines_json = LinesJson(order.lines);
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
    YT_ASSIGN_OR_RETURN(order.buyer_details, keys_.Decrypt(row->Text(12), BuyerContext(tenant)));
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
    const int64_t id = customer.value();
    return RecomputeTraits(s, tenant, std::span<const int64_t>(&id, 1));
}

Status OrderStore::RecomputeTraits(store::Session& s, TenantId tenant, std::span<const int64_t> customers) {
    static const std::string kAggregateOne = AggregateSql(1);
    static const std::string kAggregateChunk = AggregateSql(kFindChunk);
    struct Sums {
        int64_t count = 0, spend = 0, refunded = 0, first = 0, last = 0;
        std::map<std::string, int64_t> per_source;
    };
    std::map<int64_t, Sums> sums;
    std::vector<store::Value> params;
    const size_t chunk = customers.size() == 1 ? 1 : kFindChunk;
    for (size_t from = 0; from < customers.size(); from += chunk) {
        params.assign({tenant.value()});
        store::AppendChunk(params, customers, from, chunk);
        YT_ASSIGN_OR_RETURN(auto rows, s.Query(chunk == 1 ? kAggregateOne : kAggregateChunk, params));
        for (const auto& row : rows) {
            Sums& sum = sums[row.Int(0)];
            const int64_t at = row.Int(4);
            sum.first = sum.count == 0 ? at : std::min(sum.first, at);
            sum.last = sum.count == 0 ? at : std::max(sum.last, at);
            ++sum.count;
            sum.spend += row.Int(2);
            sum.refunded += row.Int(3);
            ++sum.per_source[row.Text(1)];
        }
    }
    const Timestamp now = clock_.Now();
    for (int64_t customer : customers) {
        const auto it = sums.find(customer);
        if (it == sums.end()) {
            YT_TRY(s.Execute(kDeleteTraits, {tenant.value(), customer}));
            continue;
        }
        const Sums& sum = it->second;
        std::string platforms = "{";
        for (const auto& [source, n] : sum.per_source) {
            if (platforms.size() > 1) platforms += ",";
            platforms += "\"";
            AppendJsonEscaped(platforms, source);
            platforms += "\":" + std::to_string(n);
        }
        platforms += "}";
        const std::string_view stage = LifecycleStageFor(sum.count, Timestamp::FromMicros(sum.last), now);
        YT_TRY(s.Execute(kUpsertTraits, {tenant.value(), customer, sum.count, sum.spend, sum.refunded, sum.first,
                                         sum.last, platforms, now.micros(), stage}));
    }
    return OkStatus();
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
