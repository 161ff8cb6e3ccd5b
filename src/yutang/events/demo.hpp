// A believable demo merchant: customers across platforms, orders from a repeat-purchase
// process, refunds, overlapping identities (so merges happen), and tracked events.
//
// Everything goes through the real write paths (identity resolution, order upserts, ingest), so
// the demo exercises what a merchant's own data would. Deterministic for a seed (on one standard
// library); generated and committed in batches so that memory stays flat for any size.
//
// The purchase process: each customer has a purchase cycle (days, log-normal around 45) and a
// churn chance after each order; about 60% buy once, the rest come back on their own cycle until
// they churn or the window (the last 365 days) ends. 4% of orders are refunded, 3% cancelled.
// Profiles as operators would have kept them: names for half, gender, city, babies' birth dates,
// tags (人群, 偏好, 会员等级 by purchase count, 来源), marketing consent, and owner guides.
//
//   DemoGenerator demo(db, resolver, orders, ingestor, keys, clock);
//   YT_TRY(demo.Generate(tenant, {.customers = 50'000, .seed = 7}, progress));
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "yutang/events/ingest.hpp"
#include "yutang/events/orders.hpp"

namespace yutang::events {

struct DemoOptions {
    int64_t customers = 50'000;
    uint64_t seed = 1;
    int64_t batch = 500;          // customers per transaction
    std::vector<StaffId> guides;  // owners for about 40% of the customers (none: nobody owns them)
};

namespace internal {
struct DemoTags;  // the demo merchant's tag ids (demo.cpp)
}  // namespace internal

struct DemoReport {
    int64_t customers = 0;  // generated people (some merge into one another)
    int64_t orders = 0;
    int64_t events = 0;
};

class DemoGenerator {
  public:
    DemoGenerator(store::Database& db, customers::IdentityResolver& resolver, OrderStore& orders, Ingestor& ingest,
                  const KeyRing& keys, const Clock& clock);

    // `progress(done, total)` is called after each batch.
    Result<DemoReport> Generate(TenantId tenant, const DemoOptions& options,
                                const std::function<void(int64_t done, int64_t total)>& progress = {});

  private:
    Status DecorateProfile(store::Session& s, TenantId tenant, CustomerId customer, customers::ProfileStore& profiles,
                           const internal::DemoTags& tags, std::mt19937_64& rng, size_t favourite, int purchases,
                           bool package_card, bool live, const DemoOptions& options);

    store::Database& db_;
    customers::IdentityResolver& resolver_;
    OrderStore& orders_;
    Ingestor& ingest_;
    const KeyRing& keys_;
    const Clock& clock_;
};

}  // namespace yutang::events
