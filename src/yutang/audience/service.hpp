// Counting audiences for the API (POST /api/v1/audience/preview) and the CLI (`yutang segment
// count`): one AudienceIndex per merchant, built on first use and kept in memory.
//
// Before each count the cached index catches up with the store's change log (AudienceIndex::
// CatchUp): every customer changed by a commit — of this process or another, such as a `yutang
// import orders` run beside the server — is re-read first, so a count sees every change
// committed before it was asked. When catching up would cost more than a build (a daily trait
// refresh re-ranked everyone), it is rebuilt before the count. An index older than
// `max_index_age` is rebuilt aside by RebuildAged (the server's scheduler, each minute) while
// counts go on with the old one, caught up as ever, so that no count waits for that build.
//
//   AudienceService audiences(db, keys, clock, {.max_index_age = std::chrono::hours(24)});
//   YT_ASSIGN_OR_RETURN(auto rule, ParseRuleText("tag = \"母婴\"").status() …);
//   YT_ASSIGN_OR_RETURN(Evaluation e, audiences.Count(tenant, rule));
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "yutang/audience/engine.hpp"
#include "yutang/audience/index.hpp"
#include "yutang/audience/rule.hpp"

namespace yutang::audience {

struct AudienceSettings {
    // A cached index older than this is rebuilt aside by RebuildAged. Catching up keeps an index
    // exact: this only bounds how long one lives.
    std::chrono::seconds max_index_age{24 * 3600};
    // More changed customers than this to catch up with (or more than a tenth of the index's
    // customers) make the next count rebuild the index instead of re-reading them.
    size_t max_pending = 200'000;
    size_t sample_size = 20;
    IndexSettings index;
    // Where indexes are saved (AudienceIndex::Save), one file per merchant, and loaded from
    // instead of built when the service has none in memory (after a restart). Empty: never.
    std::filesystem::path snapshot_dir;
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

    // The merchant's index, caught up with every change committed before the call: the cached
    // one (however old) when it can catch up, otherwise one loaded or built now (one caller per
    // merchant at a time catches up or builds; the others wait for it). Errors as
    // AudienceIndex::Build and CatchUp.
    Result<std::shared_ptr<AudienceIndex>> Index(TenantId tenant);

    // Builds a new index for every merchant whose index in memory is older than max_index_age,
    // without holding up counts (they go on with the old one), then catches it up and puts it in
    // the old one's place (and saves it, with a snapshot dir). One call at a time; returns how
    // many it replaced; the first error, after trying them all.
    Result<int> RebuildAged();

    // Saves to the snapshot dir (nothing without one) every index in memory that changed since
    // it was last saved or loaded, and was last saved at least `every` ago: on a schedule and at
    // shutdown, so that a restart loads them and catches up with the change log instead of
    // building them. Returns how many it saved; the first error, after trying them all.
    Result<int> SaveSnapshots(std::chrono::seconds every = std::chrono::seconds(0));

  private:
    struct Entry {
        std::shared_ptr<AudienceIndex> index;
        std::shared_ptr<std::mutex> building = std::make_shared<std::mutex>();
        std::shared_ptr<std::mutex> saving = std::make_shared<std::mutex>();  // one writer per file
        std::optional<uint64_t> saved_version;  // the index's version in its file, if it is there
        size_t catch_up_limit = 0;              // more changed customers than this: build again
        Timestamp saved_at;                     // when it was last saved or loaded
    };
    bool Fresh(const AudienceIndex& index) const;
    std::filesystem::path SnapshotFile(TenantId tenant) const;
    // A new index for the merchant, put in the entry: the saved one caught up (`may_load`: none
    // was in memory), or one built from the store (`built` set: the caller saves it once it no
    // longer holds up counts).
    Result<std::shared_ptr<AudienceIndex>> Open(TenantId tenant, bool may_load, bool& built);
    size_t CatchUpLimit(int64_t customers) const;
    // Puts `index` (of `customers`, from its Stats) in `entry` (mutex_ held); `file_version`: the
    // version its file holds, if any.
    void Install(Entry& entry, std::shared_ptr<AudienceIndex> index, int64_t customers,
                 std::optional<uint64_t> file_version);
    Status Save(TenantId tenant, const std::shared_ptr<AudienceIndex>& index);

    store::Database& db_;
    const KeyRing& keys_;
    const Clock& clock_;
    AudienceSettings settings_;
    std::mutex mutex_;       // guards entries_
    std::mutex rebuilding_;  // one RebuildAged at a time
    std::map<TenantId, Entry> entries_;
};

}  // namespace yutang::audience
