// Counting audiences for the API (POST /api/v1/audience/preview) and the CLI (`yutang segment
// count`): one AudienceIndex per merchant, built on first use and kept in memory.
//
// The write paths of this process report what they committed (CustomersChanged, MerchantChanged;
// the app wires them to the events module's change listener): the changed customers are re-read
// into the cached index before the next count, so a count sees every change committed before it
// was asked. Writes this process does not see — another process on the same store, such as a
// `yutang import orders` run beside the server — show after the index's next rebuild, which
// happens when it is older than `max_index_age` (10 minutes by default; Evaluation::as_of says
// when the index was built).
//
//   AudienceService audiences(db, keys, clock, {.max_index_age = std::chrono::seconds(60)});
//   YT_ASSIGN_OR_RETURN(auto rule, ParseRuleText("tag = \"母婴\"").status() …);
//   YT_ASSIGN_OR_RETURN(Evaluation e, audiences.Count(tenant, rule));
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "yutang/audience/engine.hpp"
#include "yutang/audience/index.hpp"
#include "yutang/audience/rule.hpp"

namespace yutang::audience {

struct AudienceSettings {
    // A cached index older than this is rebuilt before the next count; 0 rebuilds every time.
    std::chrono::seconds max_index_age{600};
    // More changed customers than this waiting for one index (or more than a tenth of its
    // customers) make the next count rebuild it instead of re-reading them one by one.
    size_t max_pending = 200'000;
    size_t sample_size = 20;
    IndexSettings index;
};

// Thread-safe. `db`, `keys` and `clock` must outlive it.
class AudienceService {
  public:
    AudienceService(store::Database& db, const KeyRing& keys, const Clock& clock, AudienceSettings settings = {});

    // Evaluates `rule` over `tenant`'s customers (only those of guide `owner`, when given) and
    // returns the count, a sample and the time taken. Errors as Evaluate (engine.hpp): a segment
    // condition is invalid_argument here (SegmentService::Count answers them from saved
    // segments); and as Index().
    Result<Evaluation> Count(TenantId tenant, const Rule& rule, std::optional<StaffId> owner = std::nullopt);

    // The merchant's index: the cached one while younger than max_index_age, otherwise built now
    // (one build per merchant at a time; others wait for it). Errors as AudienceIndex::Build.
    Result<std::shared_ptr<AudienceIndex>> Index(TenantId tenant);

    // Re-reads `customers` into the merchant's cached index now; nothing when none is cached.
    Status Refresh(TenantId tenant, std::span<const CustomerId> customers);

    // A commit changed these customers: they are re-read into the cached index before its next
    // use (not here: this is called on the writer's thread and only queues the ids).
    void CustomersChanged(TenantId tenant, std::span<const CustomerId> customers);
    // Everything about the merchant may have changed: the next use rebuilds its index.
    void MerchantChanged(TenantId tenant);

    // Forgets the merchant's index: the next count builds a new one.
    void Invalidate(TenantId tenant);

  private:
    struct Entry {
        std::shared_ptr<AudienceIndex> index;
        std::shared_ptr<std::mutex> building = std::make_shared<std::mutex>();
        std::vector<CustomerId> pending;  // changed since the index read them
        bool applying = false;            // pending ids are being re-read (under `building`)
        bool rebuilding = false;          // a build is reading the store (under `building`)
        bool stale = false;               // everything may have changed: rebuild before use
        size_t customers = 0;             // in the index when it was built
    };
    // Usable as it is: young enough, nothing waiting to be re-read.
    bool Ready(const Entry& entry) const;
    bool Fresh(const AudienceIndex& index) const;

    store::Database& db_;
    const KeyRing& keys_;
    const Clock& clock_;
    AudienceSettings settings_;
    std::mutex mutex_;  // guards entries_
    std::map<TenantId, Entry> entries_;
};

}  // namespace yutang::audience
