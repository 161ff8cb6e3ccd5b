// Counting audiences for the API (POST /api/v1/audience/preview) and the CLI (`yutang segment
// count`): one AudienceIndex per merchant, built on first use and kept in memory.
//
// Until every write path refreshes the index as it commits (live membership, TODO(#5)), a cached
// index is rebuilt when it is older than `max_index_age` (60 s by default): a count reflects the
// store as it was at most that long ago (Evaluation::as_of says when). Callers that know which
// customers they changed can Refresh them at once.
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

#include "yutang/audience/engine.hpp"
#include "yutang/audience/index.hpp"
#include "yutang/audience/rule.hpp"

namespace yutang::audience {

struct AudienceSettings {
    // A cached index older than this is rebuilt before the next count; 0 rebuilds every time.
    std::chrono::seconds max_index_age{60};
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

    // Re-reads `customers` into the merchant's cached index; nothing when none is cached.
    Status Refresh(TenantId tenant, std::span<const CustomerId> customers);

    // Forgets the merchant's index: the next count builds a new one.
    void Invalidate(TenantId tenant);

  private:
    struct Entry {
        std::shared_ptr<AudienceIndex> index;
        std::shared_ptr<std::mutex> building = std::make_shared<std::mutex>();
    };
    bool Fresh(const AudienceIndex& index) const;

    store::Database& db_;
    const KeyRing& keys_;
    const Clock& clock_;
    AudienceSettings settings_;
    std::mutex mutex_;  // guards entries_
    std::map<TenantId, Entry> entries_;
};

}  // namespace yutang::audience
