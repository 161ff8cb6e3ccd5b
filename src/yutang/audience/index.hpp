// The audience index: one merchant's customers, held in memory in the shapes rules are
// evaluated on (engine.hpp), built from the store, which stays the source of truth.
//
// Bitmaps (Roaring) hold the categorical facts — live customers (tombstones of merges are never
// members), tags, identity kinds, current consent per purpose, lifecycle stage, owner guide,
// source channel, string and boolean attribute values; columns indexed by customer id hold the
// numbers and times — order count, spend, refunds, first/last order, last seen, RFM scores,
// orders per platform, number and date attributes. Each customer's purchases and named (track)
// events are kept as sorted times, so that any relative window is exact; event properties are
// read (decrypted) lazily, per (event, property), the first time a rule filters on one.
// docs/design/audience.md describes the layout and its reasons.
//
//   YT_ASSIGN_OR_RETURN(auto index, AudienceIndex::Build(db, keys, tenant, clock));
//   YT_ASSIGN_OR_RETURN(auto result, Evaluate(*index, rule));       // engine.hpp
//   … after a write that touched customers 7 and 9:
//   YT_TRY(index->Refresh(std::vector{CustomerId(7), CustomerId(9)}));
//
// The store logs the customer of every committed write to what the index holds (store/
// change_log.hpp), whichever process wrote it; CatchUp re-reads the customers logged since the
// index last looked. AudienceService (service.hpp) catches up before every count.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <unordered_set>
#include <vector>

#include "yutang/audience/customer_set.hpp"
#include "yutang/base/clock.hpp"
#include "yutang/base/crypto.hpp"
#include "yutang/base/ids.hpp"
#include "yutang/base/time_zone.hpp"
#include "yutang/store/change_log.hpp"
#include "yutang/store/database.hpp"

namespace yutang::audience {

namespace internal {
struct IndexData;
struct IndexAccess;
}  // namespace internal

struct IndexSettings {
    // Customers read per query while building (bounds the rows held at once).
    int64_t chunk_customers = 10'000;
    // An evaluation over at least this many candidates runs on two threads, which share four
    // parts of the candidates between them (engine.hpp).
    int64_t parallel_from = 1'000'000;
};

struct IndexStats {
    int64_t customers = 0;  // live (canonical) customers
    int64_t capacity = 0;   // highest customer id + 1: the length of each column
    int64_t orders = 0;     // purchases held for windows
    int64_t events = 0;     // named (track) events held
    int64_t tags = 0;
    int64_t attributes = 0;   // distinct attribute names
    int64_t event_names = 0;  // distinct event names
    size_t bytes = 0;         // memory held, approximately
    size_t event_bytes = 0;   // of which the events' times and ids
    // Held besides: window and event tallies, caches of per-customer totals that day-window
    // conditions (`… within 90d`, `event "X" count >= 2 within 30d`) make on first use, at most a
    // few per index.
    size_t window_bytes = 0;
    std::chrono::microseconds build_time{0};
};

// What a refresh found changed about a customer, so that a saved segment re-tests only the
// customers changed in what its rule reads (FacetsOf, engine.hpp). Bits of Facets.
enum Facet : uint32_t {
    kFacetLive = 1u << 0,        // became or stopped being a canonical customer (new, merged)
    kFacetTags = 1u << 1,        // tags held
    kFacetIdentities = 1u << 2,  // identity kinds held
    kFacetConsent = 1u << 3,     // current consent per purpose
    kFacetProfile = 1u << 4,     // owner guide, source channel
    kFacetTraits = 1u << 5,      // order count, spend, first/last order, RFM, stage, orders per platform
    kFacetLastSeen = 1u << 6,    // last seen
    kFacetPurchases = 1u << 7,   // the purchases windows count
    kFacetAttributes = 1u << 8,  // attribute values
    kFacetEvents = 1u << 9,      // named events
};
using Facets = uint32_t;
inline constexpr Facets kAllFacets = (1u << 10) - 1;
inline constexpr size_t kFacetCount = 10;

// Thread-safe: any number of evaluations run at once; Refresh waits for them and they for it.
class AudienceIndex {
  public:
    // Reads everything rules need about `tenant`'s customers in one read transaction (a
    // consistent snapshot). `zone` defaults to the merchant's (tenants.time_zone). `db`, `keys`
    // and `clock` must outlive the index: event properties are read from the store on first use,
    // and evaluations take "now" from `clock` unless told otherwise.
    // not_found for an unknown tenant; unavailable / internal from the store; internal when a
    // stored value cannot be decrypted (a missing key); resource_exhausted for customer ids
    // beyond 2^32-1.
    static Result<std::unique_ptr<AudienceIndex>> Build(store::Database& db, const KeyRing& keys, TenantId tenant,
                                                        const Clock& clock, std::optional<TimeZone> zone = {},
                                                        IndexSettings settings = {});
    // Reads an index that Save wrote for `tenant`, in seconds where Build takes a minute at 10M
    // customers. It is as of the change-log position it was saved at: CatchUp brings it up to
    // date with the store (or says to build a new one, when the log no longer reaches back).
    // `db`, `keys` and `clock` as for Build; the time zone is the one it was built with.
    // not_found when there is no such file; failed_precondition when it is of another format
    // version, another merchant or sealed with another key; internal when it is damaged;
    // unavailable when it cannot be read.
    static Result<std::unique_ptr<AudienceIndex>> Load(store::Database& db, const KeyRing& keys, TenantId tenant,
                                                       const Clock& clock, const std::filesystem::path& file,
                                                       IndexSettings settings = {});
    // Writes the index to `file` (atomically: the old file stays whole until the new one is),
    // sealed with the store's keys, as it was after its last refresh. Evaluations go on;
    // refreshes wait for it. unavailable when it cannot be written.
    Status Save(const std::filesystem::path& file) const;

    ~AudienceIndex();
    AudienceIndex(const AudienceIndex&) = delete;
    AudienceIndex& operator=(const AudienceIndex&) = delete;

    // Re-reads the given customers from the store (in one read transaction) and replaces what
    // the index holds about them: for a tombstone, also the customer it was merged into; for a
    // canonical customer, its merged ids too. New customers are added; ids that do not exist
    // are ignored; order and duplicates do not matter.
    // Costs time proportional to the batch, not to the index: each table is read with a few
    // statements for the whole batch (ranges of consecutive ids, lists of up to 500 others), and
    // only what the batch's customers touch is rewritten — their purchase blocks (4,096 ids
    // each) and the occurrences of the event names they have or had. So pass the customers of a
    // commit, or of several, together. Evaluations run on while the store is read and wait only
    // while the result is applied.
    // Store and decryption errors as for Build; the index is unchanged then.
    Status Refresh(std::span<const CustomerId> customers);
    Status Update(CustomerId customer) { return Refresh(std::span<const CustomerId>(&customer, 1)); }

    // Brings the index up to what the store logged since the snapshot the index was built from,
    // or since the last CatchUp — written by this process or any other: the tags added and
    // removed and the last-seen times logged as deltas (store::ChangeDelta) are applied as they
    // are, with no read of the store; every other customer logged is re-read (Refresh), and the
    // tag catalogue when it changed. `restart` when the index cannot be brought up to date that
    // way: more than `limit` customers changed, the merchant's time zone changed, or the log was
    // pruned past the index's position; build a new index then (this one is left as it was).
    // Errors as Refresh.
    struct CatchUpReport {
        size_t customers = 0;  // re-read
        size_t applied = 0;    // customers whose deltas were applied without a read
        bool restart = false;
    };
    Result<CatchUpReport> CatchUp(size_t limit);

    // How many refreshes have changed the index: each that re-read anyone adds one.
    uint64_t version() const;
    // The customers whom the refreshes after `version` found changed in one of `facets` (with
    // kAllFacets: every customer they re-read, tombstones included): whoever may have entered or
    // left the members of a rule reading those facets since an evaluation at `version`. Empty
    // when `version` is the current one; std::nullopt when it is not one of this index's
    // versions, or older than the index remembers (the last 64 refreshes, and only as far back
    // as their customers number at most a million).
    std::optional<CustomerSet> ChangedSince(uint64_t version, Facets facets = kAllFacets) const;

    TenantId tenant() const;
    const TimeZone& time_zone() const;
    // When the store was read (the clock's time at Build); for an index loaded from a file, when
    // the index saved in it was built.
    Timestamp built_at() const;
    IndexStats Stats() const;

  private:
    friend struct internal::IndexAccess;
    explicit AudienceIndex(std::unique_ptr<internal::IndexData> data);
    // Refresh, with data_->refresh_mutex held; also re-reads the tag catalogue when asked.
    // Re-reads `customers` and applies `deltas` (of other customers), recorded as one change.
    Status RefreshLocked(std::span<const CustomerId> customers, bool catalogue_changed,
                         std::span<const store::ChangeDelta> deltas);
    // The deltas of live customers, in order, and how many customers they are; the other
    // customers, and those of `merged_into` (which have tombstones), are added to `reread`.
    std::vector<store::ChangeDelta> LiveDeltas(std::span<const store::ChangeDelta> deltas,
                                               const std::unordered_set<int64_t>& merged_into,
                                               std::vector<CustomerId>& reread, size_t& customers) const;
    std::unique_ptr<internal::IndexData> data_;
};

}  // namespace yutang::audience
