// Orders from every source, keyed by (source, external order id), and the customer traits
// computed from them.
//
// A Segment "Order Completed" event, a re-sent one, and the same order in a platform export all
// land on one row: the first creates it, later ones update it. After every change the owning
// customer's traits (order count, spend, refunds, first/last order, per-source counts) are
// recomputed from their orders in the same transaction, so they are never stale and refunds or
// cancellations adjust them.
//
//   OrderStore orders(keys, clock);
//   YT_TRY(db.Write([&](store::Session& s) -> Status {
//       return orders.Upsert(s, tenant, {.source = "jd", .external_id = "2931", .customer = customer,
//                                        .status = "completed", .total = Money::FromFen(19900), …}).status();
//   }));
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yutang/base/clock.hpp"
#include "yutang/base/crypto.hpp"
#include "yutang/base/ids.hpp"
#include "yutang/base/money.hpp"
#include "yutang/store/database.hpp"

namespace yutang::events {

// The common order statuses every source is mapped to.
// "pending_payment", "paid", "shipped", "completed", "cancelled", "refunded".
bool IsOrderStatus(std::string_view status);
// Orders in these statuses count towards spend and order count.
bool CountsAsPurchase(std::string_view status);

struct OrderLine {
    std::string sku;
    std::string title;
    int64_t quantity = 1;
    Money unit_price;
};

struct OrderInput {
    std::string source;                  // "segment", "jd", "taobao", "douyin", "pdd", "youzan", "mapped"
    std::string external_id;             // the order id at the source
    std::optional<CustomerId> customer;  // unknown when the buyer could not be identified
    std::string status;
    std::string raw_status;
    Money total;
    Money paid;
    Money refunded;
    std::string currency = "CNY";
    Timestamp ordered_at;
    std::optional<Timestamp> paid_at;
    std::optional<Timestamp> completed_at;
    std::vector<OrderLine> lines;
    std::string lines_json;     // the lines as stored (from Find or Seal); used instead of `lines` when set
    std::string buyer_hint;     // masked, for display
    std::string buyer_details;  // what the source said about the buyer (JSON), stored encrypted
    std::string buyer_sealed;   // buyer_details already encrypted (OrderStore::Seal), or ""
};

enum class UpsertOutcome { kCreated, kUpdated, kUnchanged };

// Lifecycle stages (客户生命周期), from the purchases and the days since the last one:
// "prospect" (潜客: no purchase), "new" (新客: one purchase), "repeat" (复购: two or more),
// "at_risk" (沉睡: no purchase for more than 180 days), "churned" (流失: more than 365 days).
// Recomputed on every order and, as days pass, by the daily trait refresh.
inline constexpr int64_t kAtRiskAfterDays = 180;
inline constexpr int64_t kChurnedAfterDays = 365;
std::string_view LifecycleStageFor(int64_t order_count, std::optional<Timestamp> last_order_at, Timestamp now);

// RFM scores 1–5 (5 best) by quintile within the merchant's buyers; 0 until the first daily
// refresh has ranked the customer.
struct RfmScores {
    int64_t recency = 0;
    int64_t frequency = 0;
    int64_t monetary = 0;
};

struct CustomerTraits {
    int64_t order_count = 0;
    Money total_spend;
    Money refunded;
    std::optional<Timestamp> first_order_at;
    std::optional<Timestamp> last_order_at;
    std::string platform_counts;  // {"jd":2,"segment":1}
    std::string lifecycle_stage = "prospect";
    std::optional<RfmScores> rfm;
    Money average_order_value() const { return Money::FromFen(order_count == 0 ? 0 : total_spend.fen() / order_count); }
};

// Stateless apart from its keys; runs inside the caller's write transaction.
class OrderStore {
  public:
    OrderStore(const KeyRing& keys, const Clock& clock);

    // Creates or updates the order (source, external_id); kUnchanged when nothing differs.
    // A known customer is never replaced by "unknown". invalid_argument (field) for a bad
    // status, empty ids, or negative amounts.
    Result<UpsertOutcome> Upsert(store::Session& session, TenantId tenant, const OrderInput& order);
    // Upserts the orders in turn, with the outcome of calling Upsert for each, in fewer
    // statements: the stored rows are read 64 per query, new orders take one id block, and each
    // customer's traits are recomputed once, after the last order. Nothing is written when any
    // order is invalid.
    Result<std::vector<UpsertOutcome>> UpsertBatch(store::Session& session, TenantId tenant,
                                                   std::span<const OrderInput> orders);
    // Encrypts the buyer details and writes the lines as stored (lines_json, unless set) ahead
    // of Upsert, outside the transaction. Thread-safe.
    void Seal(TenantId tenant, OrderInput& order) const;
    // The stored order, to patch it (an "Order Refunded" event names only the order).
    Result<std::optional<OrderInput>> Find(store::Session& session, TenantId tenant, std::string_view source,
                                           std::string_view external_id);
    // After a merge: the losers' orders move to the winner and its traits are recomputed.
    Status Reassign(store::Session& session, TenantId tenant, CustomerId winner, std::span<const CustomerId> losers);
    // Recomputes a customer's traits from their orders.
    Status RecomputeTraits(store::Session& session, TenantId tenant, CustomerId customer);
    // The same for several customers, their orders read 64 customers per query.
    Status RecomputeTraits(store::Session& session, TenantId tenant, std::span<const int64_t> customers);
    // nullopt when the customer has no traits yet.
    Result<std::optional<CustomerTraits>> Traits(store::Session& session, TenantId tenant, CustomerId customer);

  private:
    const KeyRing& keys_;
    const Clock& clock_;
};

}  // namespace yutang::events
