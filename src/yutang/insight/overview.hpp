// The merchant's overview (数据看板): how big the pool is and how it grows, what it buys, how
// often people come back, and where they came from — figures per local day of the merchant.
//
//   OverviewReport report(db, clock);
//   YT_ASSIGN_OR_RETURN(Overview o, report.Compute(tenant, {.days = 30}));
//   for (const DayFigures& d : o.daily) chart(d.date, d.new_customers, d.gmv_fen);
//
// A read model over the customers and orders schema: it only reads, with its own SQL, and
// aggregates in the database (a few hundred rows come back whatever the pool's size).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "yutang/base/clock.hpp"
#include "yutang/base/ids.hpp"
#include "yutang/base/status.hpp"
#include "yutang/store/database.hpp"

namespace yutang::insight {

struct OverviewRequest {
    int days = 30;  // 1–366 local days ending with today
};

// One local day. A customer is new on the day they were first seen: the earlier of when the
// customer was created here and their first order (an imported order from last year makes a
// customer of last year).
struct DayFigures {
    std::string date;           // "2026-11-23", the merchant's local day
    int64_t new_customers = 0;  // first seen that day
    int64_t pool_size = 0;      // customers first seen by the end of that day
    int64_t orders = 0;         // orders placed that day, cancelled ones excluded
    int64_t buyers = 0;         // distinct customers behind those orders
    int64_t gmv_fen = 0;        // their paid amount
    int64_t refunded_fen = 0;   // refunded on orders placed that day
};

struct Share {
    std::string key;  // a platform ("jd"), a channel ("import:jd") or a lifecycle stage
    int64_t customers = 0;
    int64_t orders = 0;   // platforms only: orders in the period
    int64_t gmv_fen = 0;  // platforms only: paid amount in the period
};

struct Overview {
    Timestamp as_of;
    std::string time_zone;
    int days = 0;
    int64_t customers = 0;        // the pool now (merged-away ids not counted)
    int64_t new_customers = 0;    // first seen in the period
    int64_t buyers = 0;           // customers with at least one order, ever
    int64_t repeat_buyers = 0;    // … with two or more
    double repurchase_rate = 0;   // repeat_buyers / buyers (0 without buyers)
    int64_t orders = 0;           // in the period, cancelled excluded
    int64_t gmv_fen = 0;          // in the period
    int64_t previous_orders = 0;  // the same number of days just before the period
    int64_t previous_gmv_fen = 0;
    int64_t previous_new_customers = 0;
    std::vector<DayFigures> daily;    // oldest first, one per day of the period
    std::vector<Share> by_platform;   // orders in the period by source, most GMV first
    std::vector<Share> by_channel;    // the pool by source channel, largest first
    std::vector<Share> by_lifecycle;  // the pool by lifecycle stage, in stage order
};

// Thread-safe (the store is).
class OverviewReport {
  public:
    OverviewReport(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

    // invalid_argument (field "days") outside 1–366; not_found for an unknown tenant.
    Result<Overview> Compute(TenantId tenant, const OverviewRequest& request);

  private:
    store::Database& db_;
    const Clock& clock_;
};

}  // namespace yutang::insight
