#include "yutang/audience/internal/window_tally.hpp"

#include <algorithm>
#include <bit>
#include <limits>
#include <span>

#include "yutang/audience/internal/index_data.hpp"

namespace yutang::audience::internal {
namespace {

static_assert(TallyBlock::kWords * 64 == kPurchaseBlock);

// The ids a tally's bitmaps are made of, ascending.
struct TalliedIds {
    std::vector<uint32_t> buyers, late;
    std::array<std::vector<uint32_t>, kCountSteps> at_least;
};

// Block `block_index` of `d` tallied into `tally.blocks[block_index]`, widening the bounds; its
// buyers, late customers and count steps appended to `ids`.
void TallyBlockOf(const IndexData& d, WindowTally& tally, uint32_t block_index, int64_t now, TalliedIds& ids) {
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
        out.words[slot >> 6] |= uint64_t{1} << (slot & 63);
        out.counts.push_back(static_cast<int32_t>(std::min<int64_t>(count, std::numeric_limits<int32_t>::max())));
        out.spend.push_back(spend);
        ids.buyers.push_back(base + slot);
        if (after_now) ids.late.push_back(base + slot);
        for (int64_t k = 2; k <= count && k < static_cast<int64_t>(kCountSteps) + 2; ++k) {
            ids.at_least[static_cast<size_t>(k - 2)].push_back(base + slot);
        }
        tally.min_count = std::min(tally.min_count, count);
        tally.max_count = std::max(tally.max_count, count);
        tally.min_spend = std::min(tally.min_spend, spend);
        tally.max_spend = std::max(tally.max_spend, spend);
    }
    uint16_t before = 0;
    for (size_t w = 0; w < TallyBlock::kWords; ++w) {
        out.before[w] = before;
        before = static_cast<uint16_t>(before + std::popcount(out.words[w]));
    }
    out.counts.shrink_to_fit();
    out.spend.shrink_to_fit();
}

}  // namespace

size_t WindowTally::Bytes() const {
    size_t bytes = sizeof(*this) + buyers.Bytes() + late.Bytes() + VectorBytes(blocks);
    for (const Bitmap& step : at_least) bytes += step.Bytes();
    for (const TallyBlock& b : blocks) bytes += VectorBytes(b.counts) + VectorBytes(b.spend);
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
    TalliedIds ids;
    BitmapBuilder all;
    for (uint32_t b = 0; b < d.purchase_blocks.size(); ++b) {
        TallyBlockOf(d, *tally, b, now, ids);
        all.AddSorted(ids.buyers);
        ids.buyers.clear();
    }
    tally->buyers = all.Done();
    tally->late = Bitmap::Of(ids.late);
    for (size_t i = 0; i < kCountSteps; ++i) {
        BitmapBuilder step;
        step.AddSorted(ids.at_least[i]);
        tally->at_least[i] = step.Done();
    }
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
    TalliedIds ids;
    for (uint32_t b : blocks) {
        const uint64_t base = uint64_t{b} << kPurchaseBlockBits;
        tally.buyers.RemoveRange(base, base + kPurchaseBlock);
        tally.late.RemoveRange(base, base + kPurchaseBlock);
        for (Bitmap& step : tally.at_least) step.RemoveRange(base, base + kPurchaseBlock);
        TallyBlockOf(d, tally, b, now, ids);
    }
    tally.buyers.AddMany(ids.buyers);
    tally.late.AddMany(ids.late);
    for (size_t i = 0; i < kCountSteps; ++i) tally.at_least[i].AddMany(ids.at_least[i]);
}

}  // namespace yutang::audience::internal
