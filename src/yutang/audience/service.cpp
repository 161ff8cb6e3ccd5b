#include "yutang/audience/service.hpp"

#include "yutang/base/log.hpp"

namespace yutang::audience {

AudienceService::AudienceService(store::Database& db, const KeyRing& keys, const Clock& clock,
                                 AudienceSettings settings)
    : db_(db), keys_(keys), clock_(clock), settings_(settings) {}

bool AudienceService::Fresh(const AudienceIndex& index) const {
    return clock_.Now() - index.built_at() <
           std::chrono::duration_cast<std::chrono::microseconds>(settings_.max_index_age);
}

Result<std::shared_ptr<AudienceIndex>> AudienceService::Index(TenantId tenant) {
    std::shared_ptr<std::mutex> building;
    {
        std::lock_guard lock(mutex_);
        Entry& entry = entries_[tenant];
        if (entry.index && Fresh(*entry.index)) return entry.index;
        building = entry.building;
    }
    std::lock_guard build_lock(*building);
    {
        // Another caller may have built it while this one waited.
        std::lock_guard lock(mutex_);
        Entry& entry = entries_[tenant];
        if (entry.index && Fresh(*entry.index)) return entry.index;
    }
    YT_ASSIGN_OR_RETURN(std::unique_ptr<AudienceIndex> built,
                        AudienceIndex::Build(db_, keys_, tenant, clock_, std::nullopt, settings_.index));
    std::shared_ptr<AudienceIndex> index(std::move(built));
    const IndexStats stats = index->Stats();
    spdlog::info("audience index built: merchant {} customers {} purchases {} events {} bytes {} in {} ms",
                 tenant.value(), stats.customers, stats.orders, stats.events, stats.bytes,
                 stats.build_time.count() / 1000);
    std::lock_guard lock(mutex_);
    entries_[tenant].index = index;
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

void AudienceService::Invalidate(TenantId tenant) {
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(tenant); it != entries_.end()) it->second.index.reset();
}

}  // namespace yutang::audience
