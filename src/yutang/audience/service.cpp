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

bool AudienceService::Ready(const Entry& entry) const {
    return entry.index && !entry.stale && Fresh(*entry.index) && entry.pending.empty() && !entry.applying;
}

Result<std::shared_ptr<AudienceIndex>> AudienceService::Index(TenantId tenant) {
    std::shared_ptr<std::mutex> building;
    {
        std::lock_guard lock(mutex_);
        Entry& entry = entries_[tenant];
        if (Ready(entry)) return entry.index;
        building = entry.building;
    }
    // One caller at a time re-reads or builds; the others wait, so that none of them counts on
    // an index that lacks a change committed before it asked.
    std::lock_guard build_lock(*building);
    std::shared_ptr<AudienceIndex> cached;
    std::vector<CustomerId> pending;
    {
        std::lock_guard lock(mutex_);
        Entry& entry = entries_[tenant];
        if (Ready(entry)) return entry.index;  // another caller did the work while this one waited
        if (entry.index && !entry.stale && Fresh(*entry.index)) {
            cached = entry.index;
            pending.swap(entry.pending);
            entry.applying = true;
        }
    }
    if (cached) {
        std::sort(pending.begin(), pending.end());
        pending.erase(std::unique(pending.begin(), pending.end()), pending.end());
        const Status refreshed = cached->Refresh(pending);
        std::lock_guard lock(mutex_);
        Entry& entry = entries_[tenant];
        entry.applying = false;
        if (refreshed.ok() && entry.index == cached && !entry.stale) return cached;
        if (!refreshed.ok()) {
            spdlog::warn("audience index refresh failed, rebuilding: merchant {}: {}", tenant.value(),
                         refreshed.ToString());
        }
    }
    {
        // Changes reported from here on may be missing from the snapshot the build reads: they
        // are kept and re-read into the new index before its first use.
        std::lock_guard lock(mutex_);
        Entry& entry = entries_[tenant];
        entry.rebuilding = true;
        entry.stale = false;
        entry.pending.clear();
    }
    auto built = AudienceIndex::Build(db_, keys_, tenant, clock_, std::nullopt, settings_.index);
    if (!built.ok()) {
        std::lock_guard lock(mutex_);
        entries_[tenant].rebuilding = false;
        return built.status();
    }
    std::shared_ptr<AudienceIndex> index(std::move(*built));
    const IndexStats stats = index->Stats();
    spdlog::info("audience index built: merchant {} customers {} purchases {} events {} bytes {} in {} ms",
                 tenant.value(), stats.customers, stats.orders, stats.events, stats.bytes,
                 stats.build_time.count() / 1000);
    std::vector<CustomerId> during;
    {
        std::lock_guard lock(mutex_);
        Entry& entry = entries_[tenant];
        entry.index = index;
        entry.customers = static_cast<size_t>(stats.customers);
        entry.rebuilding = false;
        if (entry.stale) return index;  // invalidated while building: the next use builds again
        during.swap(entry.pending);
        entry.applying = !during.empty();
    }
    if (during.empty()) return index;
    std::sort(during.begin(), during.end());
    during.erase(std::unique(during.begin(), during.end()), during.end());
    const Status refreshed = index->Refresh(during);
    std::lock_guard lock(mutex_);
    Entry& entry = entries_[tenant];
    entry.applying = false;
    if (!refreshed.ok()) entry.stale = true;
    return index;
}

Result<Evaluation> AudienceService::Count(TenantId tenant, const Rule& rule, std::optional<StaffId> owner) {
    YT_ASSIGN_OR_RETURN(std::shared_ptr<AudienceIndex> index, Index(tenant));
    return Evaluate(*index, rule, {.sample_size = settings_.sample_size, .owner = owner});
}

Status AudienceService::Refresh(TenantId tenant, std::span<const CustomerId> customers) {
    std::shared_ptr<AudienceIndex> index;
    {
        std::lock_guard lock(mutex_);
        auto it = entries_.find(tenant);
        if (it == entries_.end() || !it->second.index) return OkStatus();
        index = it->second.index;
    }
    return index->Refresh(customers);
}

void AudienceService::CustomersChanged(TenantId tenant, std::span<const CustomerId> customers) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(tenant);
    // Without an index, nor one being built, the next build reads them anyway.
    if (it == entries_.end() || (!it->second.index && !it->second.rebuilding)) return;
    Entry& entry = it->second;
    if (entry.stale) return;
    entry.pending.insert(entry.pending.end(), customers.begin(), customers.end());
    // Re-reading costs per customer; past a point a rebuild is cheaper and bounds the memory.
    const size_t limit = std::min(settings_.max_pending, std::max<size_t>(1000, entry.customers / 10));
    if (entry.pending.size() > limit) {
        entry.stale = true;
        entry.pending.clear();
    }
}

void AudienceService::MerchantChanged(TenantId tenant) { Invalidate(tenant); }

void AudienceService::Invalidate(TenantId tenant) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(tenant);
    if (it == entries_.end()) return;
    it->second.index.reset();
    it->second.stale = true;  // also for a build under way: its snapshot may predate the change
    it->second.pending.clear();
}

}  // namespace yutang::audience
