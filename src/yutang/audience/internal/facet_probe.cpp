#include "yutang/audience/internal/facet_probe.hpp"

#include <algorithm>
#include <bit>

#include "yutang/audience/internal/index_data.hpp"

namespace yutang::audience::internal {
namespace {

// The position of the facet bit `facet` (a single bit).
size_t FacetIndex(uint32_t facet) { return static_cast<size_t>(std::countr_zero(facet)); }

template <typename T>
int64_t ValueOr(const std::vector<T>& column, uint32_t c, int64_t none) {
    return c < column.size() ? static_cast<int64_t>(column[c]) : none;
}

}  // namespace

FacetProbe::FacetProbe(const IndexData& d, const Bitmap& customers, std::span<const uint32_t> ids)
    : customers_(customers), ids_(ids.begin(), ids.end()) {
    Take(d, before_members_, before_rows_);
}

void FacetProbe::Take(const IndexData& d, Members& members, std::vector<Row>& rows) const {
    const auto among = [&](uint32_t facet, std::string key, const Bitmap& bits) {
        Bitmap in = bits & customers_;
        if (!in.Empty()) members.emplace(std::pair(facet, std::move(key)), std::move(in));
    };
    among(kFacetLive, "", d.live);
    for (const auto& [tag, bits] : d.tag_members) among(kFacetTags, std::to_string(tag), bits);
    for (size_t i = 0; i < d.identities.size(); ++i) among(kFacetIdentities, std::to_string(i), d.identities[i]);
    for (size_t i = 0; i < d.consented.size(); ++i) among(kFacetConsent, std::to_string(i), d.consented[i]);
    for (size_t i = 0; i < d.stages.size(); ++i) among(kFacetTraits, std::to_string(i), d.stages[i]);
    for (const auto& [name, column] : d.attributes) {
        among(kFacetAttributes, name + "/present", column.present);
        among(kFacetAttributes, name + "/true", column.bool_true);
        among(kFacetAttributes, name + "/false", column.bool_false);
    }

    rows.assign(ids_.size(), Row{});
    for (size_t i = 0; i < ids_.size(); ++i) {
        const uint32_t c = ids_[i];
        Row& row = rows[i];
        if (c < d.capacity) {
            // A channel's code is never reused for another channel, so the code stands for it.
            const uint32_t owner = d.owner_of[c];
            row.profile = {owner == 0 ? 0 : d.owners[owner - 1], d.channel_of[c]};
            row.traits = {d.order_count.Get(c), d.net_spend.Get(c), d.first_order_at[c], d.last_order_at[c]};
            for (const auto& column : d.rfm) row.traits.push_back(column[c]);
            for (size_t p = 0; p < kPlatforms.size(); ++p) row.traits.push_back(d.PlatformOrders(p, c));
            row.last_seen = d.last_seen[c];
            for (const Purchase& p : d.PurchasesOf(c)) {
                row.purchases.push_back(p.at);
                row.purchases.push_back(p.packed);
            }
        }
        for (const auto& [name, column] : d.attributes) {
            if (!column.present.Contains(c)) continue;
            const int64_t text = ValueOr(column.text_of, c, 0);
            row.attributes.emplace_back(name, text == 0 ? std::string() : column.texts[static_cast<size_t>(text - 1)],
                                        c < column.number_of.size() ? std::bit_cast<int64_t>(column.number_of[c]) : 0,
                                        ValueOr(column.day_of, c, kNoDay), ValueOr(column.instant_of, c, kNoTime));
        }
        for (const auto& [name, runs] : d.events) {
            const auto [block, k] = runs.RunOf(c);
            if (block == nullptr) continue;
            std::vector<int64_t> occurrences;
            for (uint32_t j = block->offsets[k]; j < block->offsets[k + 1]; ++j) {
                occurrences.push_back(block->times[j]);
                occurrences.push_back(block->event_ids[j]);
            }
            row.events.emplace_back(name, std::move(occurrences));
        }
    }
}

std::array<Bitmap, kFacetCount> FacetProbe::Changed(const IndexData& d) const {
    Members after_members;
    std::vector<Row> after_rows;
    Take(d, after_members, after_rows);
    std::array<Bitmap, kFacetCount> out;
    // Bitmaps: a key on one side only is empty on the other.
    for (const auto& [key, before] : before_members_) {
        const auto it = after_members.find(key);
        out[FacetIndex(key.first)] |= it == after_members.end() ? before : before ^ it->second;
    }
    for (const auto& [key, after] : after_members) {
        if (!before_members_.contains(key)) out[FacetIndex(key.first)] |= after;
    }
    std::array<std::vector<uint32_t>, kFacetCount> rows_changed;
    const auto mark = [&](uint32_t facet, uint32_t c) { rows_changed[FacetIndex(facet)].push_back(c); };
    for (size_t i = 0; i < ids_.size(); ++i) {
        const Row& a = before_rows_[i];
        const Row& b = after_rows[i];
        const uint32_t c = ids_[i];
        if (a.profile != b.profile) mark(kFacetProfile, c);
        if (a.traits != b.traits) mark(kFacetTraits, c);
        if (a.last_seen != b.last_seen) mark(kFacetLastSeen, c);
        if (a.purchases != b.purchases) mark(kFacetPurchases, c);
        if (a.attributes != b.attributes) mark(kFacetAttributes, c);
        if (a.events != b.events) mark(kFacetEvents, c);
    }
    for (size_t f = 0; f < kFacetCount; ++f) out[f].AddMany(rows_changed[f]);
    return out;
}

}  // namespace yutang::audience::internal
