#include "yutang/audience/service.hpp"

#include <algorithm>

#include "yutang/base/log.hpp"

namespace yutang::audience {

AudienceService::AudienceService(store::Database& db, const KeyRing& keys, const Clock& clock,
                                 AudienceSettings settings)
    : db_(db), keys_(keys), clock_(clock), settings_(settings) {}

bool AudienceService::Fresh(const AudienceIndex& index) const {
    return clock_.Now() - index.built_at() <
           std::chrono::duration_cast<std::chrono::microseconds>(settings_.max_index_age);
}

std::filesystem::path AudienceService::SnapshotFile(TenantId tenant) const {
    return settings_.snapshot_dir / ("audience-" + std::to_string(tenant.value()) + ".snapshot");
}

Result<std::shared_ptr<AudienceIndex>> AudienceService::Index(TenantId tenant) {
    std::shared_ptr<std::mutex> building;
    {
        std::lock_guard lock(mutex_);
        building = entries_[tenant].building;
    }
    // One caller at a time catches up or builds; the others wait, so that none of them counts on
    // an index that lacks a change committed before it asked.
    std::unique_lock build_lock(*building);
    std::shared_ptr<AudienceIndex> cached;
    size_t limit = 0;
    {
        std::lock_guard lock(mutex_);
        const Entry& entry = entries_[tenant];
        cached = entry.index;
        limit = entry.catch_up_limit;
    }
    if (cached) {
        auto caught_up = cached->CatchUp(limit);
        if (caught_up.ok() && !caught_up->restart) return cached;
        if (!caught_up.ok()) {
            spdlog::warn("audience index could not catch up, rebuilding: merchant {}: {}", tenant.value(),
                         caught_up.status().ToString());
        }
    }
    bool built = false;
    YT_ASSIGN_OR_RETURN(std::shared_ptr<AudienceIndex> index, Open(tenant, cached == nullptr, built));
    build_lock.unlock();
    // A restart then loads what was just built instead of building it again; counts need not wait
    // for the file.
    if (built && !settings_.snapshot_dir.empty()) {
        if (Status saved = Save(tenant, index); !saved.ok()) {
            spdlog::warn("audience index not saved: merchant {}: {}", tenant.value(), saved.ToString());
        }
    }
    return index;
}

Result<int> AudienceService::RebuildAged() {
    std::lock_guard one_at_a_time(rebuilding_);
    std::vector<std::pair<TenantId, std::shared_ptr<AudienceIndex>>> aged;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [tenant, entry] : entries_) {
            if (entry.index && !Fresh(*entry.index)) aged.emplace_back(tenant, entry.index);
        }
    }
    Status first = OkStatus();
    int replaced = 0;
    for (const auto& [tenant, old] : aged) {
        // Built from a snapshot of the store with no lock held: counts go on with the old index.
        auto built = AudienceIndex::Build(db_, keys_, tenant, clock_, std::nullopt, settings_.index);
        if (!built.ok()) {
            spdlog::warn("audience index not rebuilt: merchant {}: {}", tenant.value(), built.status().ToString());
            if (first.ok()) first = built.status();
            continue;
        }
        std::shared_ptr<AudienceIndex> index = std::move(*built);
        const IndexStats stats = index->Stats();
        std::shared_ptr<std::mutex> building;
        {
            std::lock_guard lock(mutex_);
            building = entries_[tenant].building;
        }
        // Still private: what was committed during the build is read, and the file written,
        // before anyone waits for this index.
        const auto catch_up = [&]() -> Status {
            auto caught_up = index->CatchUp(CatchUpLimit(stats.customers));
            if (!caught_up.ok()) return caught_up.status();
            if (caught_up->restart) return Unavailable("too much changed during the build to catch up");
            return OkStatus();
        };
        Status ready = catch_up();
        const uint64_t file_version = index->version();
        bool saved = false;
        if (ready.ok() && !settings_.snapshot_dir.empty()) {
            if (Status written = Save(tenant, index); written.ok()) {
                saved = true;
            } else {
                spdlog::warn("audience index not saved: merchant {}: {}", tenant.value(), written.ToString());
            }
        }
        {
            std::lock_guard build_lock(*building);
            // The few commits since, before it takes the old one's place.
            if (ready.ok()) ready = catch_up();
            std::lock_guard lock(mutex_);
            Entry& entry = entries_[tenant];
            if (ready.ok() && entry.index == old) {  // not replaced meanwhile by a rebuild in place
                Install(entry, index, stats.customers, saved ? std::optional<uint64_t>(file_version) : std::nullopt);
                ++replaced;
            }
        }
        if (!ready.ok()) {
            spdlog::warn("audience index rebuilt but not used: merchant {}: {}", tenant.value(), ready.ToString());
            if (first.ok()) first = ready;
            continue;
        }
        spdlog::info("audience index rebuilt aside: merchant {} customers {} purchases {} bytes {} in {} ms",
                     tenant.value(), stats.customers, stats.orders, stats.bytes, stats.build_time.count() / 1000);
    }
    if (!first.ok()) return first;
    return replaced;
}

Result<std::shared_ptr<AudienceIndex>> AudienceService::Open(TenantId tenant, bool may_load, bool& built) {
    std::shared_ptr<AudienceIndex> index;
    bool loaded = false;
    uint64_t file_version = 0;  // of a loaded index, before it caught up
    if (may_load && !settings_.snapshot_dir.empty()) {
        auto read = AudienceIndex::Load(db_, keys_, tenant, clock_, SnapshotFile(tenant), settings_.index);
        if (read.ok()) {  // however old: it catches up, and RebuildAged replaces it in time
            index = std::move(*read);
            file_version = index->version();
            auto caught_up = index->CatchUp(CatchUpLimit(index->Stats().customers));
            if (caught_up.ok() && !caught_up->restart) {
                loaded = true;
                spdlog::info("audience index loaded: merchant {}, {} customers changed since it was saved",
                             tenant.value(), caught_up->customers);
            } else {
                index.reset();
            }
        } else if (!read.ok() && read.status().code() != ErrorCode::kNotFound) {
            spdlog::warn("audience index snapshot not used: merchant {}: {}", tenant.value(), read.status().ToString());
        }
    }
    if (!index) {
        YT_ASSIGN_OR_RETURN(index, AudienceIndex::Build(db_, keys_, tenant, clock_, std::nullopt, settings_.index));
    }
    const IndexStats stats = index->Stats();
    if (!loaded) {
        spdlog::info("audience index built: merchant {} customers {} purchases {} events {} bytes {} in {} ms",
                     tenant.value(), stats.customers, stats.orders, stats.events, stats.bytes,
                     stats.build_time.count() / 1000);
    }
    {
        std::lock_guard lock(mutex_);
        Install(entries_[tenant], index, stats.customers,
                loaded ? std::optional<uint64_t>(file_version) : std::nullopt);
    }
    built = !loaded;
    return index;
}

void AudienceService::Install(Entry& entry, std::shared_ptr<AudienceIndex> index, int64_t customers,
                              std::optional<uint64_t> file_version) {
    entry.catch_up_limit = CatchUpLimit(customers);
    entry.index = std::move(index);
    entry.saved_version = file_version;
    if (file_version) entry.saved_at = clock_.Now();
}

size_t AudienceService::CatchUpLimit(int64_t customers) const {
    // Re-reading costs per customer; past a point a build is cheaper.
    return std::min(settings_.max_pending, std::max<size_t>(1000, static_cast<size_t>(customers) / 10));
}

Status AudienceService::Save(TenantId tenant, const std::shared_ptr<AudienceIndex>& index) {
    std::shared_ptr<std::mutex> saving;
    {
        std::lock_guard lock(mutex_);
        saving = entries_[tenant].saving;
    }
    std::lock_guard save_lock(*saving);
    std::error_code ec;
    std::filesystem::create_directories(settings_.snapshot_dir, ec);
    if (ec) return Unavailable("cannot create " + settings_.snapshot_dir.string(), ec.message());
    const uint64_t version = index->version();
    YT_TRY(index->Save(SnapshotFile(tenant)));
    std::lock_guard lock(mutex_);
    Entry& entry = entries_[tenant];
    // Refreshes after `version` may be in the file too: saving again later is harmless.
    if (entry.index == index) {
        entry.saved_version = version;
        entry.saved_at = clock_.Now();
    }
    return OkStatus();
}

Result<int> AudienceService::SaveSnapshots(std::chrono::seconds every) {
    if (settings_.snapshot_dir.empty()) return 0;
    std::vector<std::pair<TenantId, std::shared_ptr<AudienceIndex>>> changed;
    {
        std::lock_guard lock(mutex_);
        const Timestamp now = clock_.Now();
        for (const auto& [tenant, entry] : entries_) {
            if (!entry.index || entry.saved_version == entry.index->version()) continue;
            if (entry.saved_version && now - entry.saved_at < std::chrono::microseconds(every)) continue;
            changed.emplace_back(tenant, entry.index);
        }
    }
    Status first = OkStatus();
    int saved = 0;
    for (const auto& [tenant, index] : changed) {
        if (Status status = Save(tenant, index); status.ok()) {
            ++saved;
        } else if (first.ok()) {
            first = status;
        }
    }
    if (!first.ok()) return first;
    return saved;
}

Result<Evaluation> AudienceService::Count(TenantId tenant, const Rule& rule, std::optional<StaffId> owner) {
    YT_ASSIGN_OR_RETURN(std::shared_ptr<AudienceIndex> index, Index(tenant));
    return Evaluate(*index, rule, {.sample_size = settings_.sample_size, .owner = owner});
}

}  // namespace yutang::audience
