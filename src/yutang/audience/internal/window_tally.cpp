#include "yutang/audience/internal/window_tally.hpp"

#include <algorithm>
#include <limits>
#include <span>

#include "yutang/audience/internal/index_data.hpp"

namespace yutang::audience::internal {
namespace {

// Block `block_index` of `d` tallied into `tally.blocks[block_index]`, widening the bounds; its
// buyers and late customers appended to `buyers` and `late` (ascending).
void TallyBlockOf(const IndexData& d, WindowTally& tally, uint32_t block_index, int64_t now,
                  std::vector<uint32_t>& buyers, std::vector<uint32_t>& late) {
    TallyBlock& out = tally.blocks[block_index];
    out = TallyBlock{};
    const PurchaseBlock& block = d.purchase_blocks[block_index];
    if (block.offsets.empty()) return;
    const uint32_t base = block_index << kPurchaseBlockBits;
    for (uint32_t slot = 0; slot < kPurchaseBlock; ++slot) {
        const uint32_t begin = block.offsets[slot], end = block.offsets[slot + 1];
        if (begin == end || block.items[end - 1].at < tally.start) continue;
        int64_t count = 0, spend = 0;
        bool after_now = false;
        // Ascending times: the window is the end of the run.
        for (uint32_t k = end; k > begin && block.items[k - 1].at >= tally.start; --k) {
            const Purchase& p = block.items[k - 1];
            if (tally.platform >= 0 && p.platform() != tally.platform) continue;
            ++count;
            spend += p.net_fen();
            after_now = after_now || p.at > now;
        }
        if (count == 0) continue;
        out.slots.push_back(static_cast<uint16_t>(slot));
        out.counts.push_back(static_cast<int32_t>(std::min<int64_t>(count, std::numeric_limits<int32_t>::max())));
        out.spend.push_back(spend);
        buyers.push_back(base + slot);
        if (after_now) late.push_back(base + slot);
        tally.min_count = std::min(tally.min_count, count);
        tally.max_count = std::max(tally.max_count, count);
        tally.min_spend = std::min(tally.min_spend, spend);
        tally.max_spend = std::max(tally.max_spend, spend);
    }
    out.slots.shrink_to_fit();
    out.counts.shrink_to_fit();
    out.spend.shrink_to_fit();
}

}  // namespace

size_t WindowTally::Bytes() const {
    size_t bytes = sizeof(*this) + buyers.Bytes() + late.Bytes() + VectorBytes(blocks);
    for (const TallyBlock& b : blocks) bytes += VectorBytes(b.slots) + VectorBytes(b.counts) + VectorBytes(b.spend);
    return bytes;
}

std::unique_ptr<WindowTally> TallyWindow(const IndexData& d, int64_t start, int platform, int64_t now) {
    auto tally = std::make_unique<WindowTally>();
    tally->start = start;
    tally->platform = platform;
    tally->checked_at = now;
    tally->min_count = tally->min_spend = std::numeric_limits<int64_t>::max();
    tally->max_count = tally->max_spend = std::numeric_limits<int64_t>::min();
    tally->blocks.resize(d.purchase_blocks.size());
    std::vector<uint32_t> buyers, late;
    BitmapBuilder all;
    for (uint32_t b = 0; b < d.purchase_blocks.size(); ++b) {
        TallyBlockOf(d, *tally, b, now, buyers, late);
        all.AddSorted(buyers);
        buyers.clear();
    }
    tally->buyers = all.Done();
    tally->late = Bitmap::Of(late);
    return tally;
}

std::shared_ptr<const WindowTally> IndexAccess::Tally(const IndexData& d, int64_t start, int platform, int64_t now) {
    std::lock_guard lock(d.tallies_mutex);
    ++d.tally_uses;
    for (const auto& tally : d.tallies) {
        if (tally->start != start || tally->platform != platform) continue;
        if (tally->checked_at > now) return nullptr;
        tally->last_used = d.tally_uses;
        return tally;
    }
    if (d.tallies.size() >= kKeptTallies) {
        d.tallies.erase(std::min_element(d.tallies.begin(), d.tallies.end(),
                                         [](const auto& a, const auto& b) { return a->last_used < b->last_used; }));
    }
    std::shared_ptr<WindowTally> tally = TallyWindow(d, start, platform, now);
    tally->last_used = d.tally_uses;
    d.tallies.push_back(tally);
    return tally;
}

void RetallyBlocks(const IndexData& d, WindowTally& tally, const std::vector<uint32_t>& blocks, int64_t now) {
    if (tally.blocks.size() < d.purchase_blocks.size()) tally.blocks.resize(d.purchase_blocks.size());
    tally.checked_at = std::max(tally.checked_at, now);
    std::vector<uint32_t> buyers, late;
    for (uint32_t b : blocks) {
        const uint64_t base = uint64_t{b} << kPurchaseBlockBits;
        tally.buyers.RemoveRange(base, base + kPurchaseBlock);
        tally.late.RemoveRange(base, base + kPurchaseBlock);
        TallyBlockOf(d, tally, b, now, buyers, late);
    }
    tally.buyers.AddMany(buyers);
    tally.late.AddMany(late);
}

}  // namespace yutang::audience::internal
