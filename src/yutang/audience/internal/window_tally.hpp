// Window tallies: per customer, how many purchases fall in a day window and what they add up to,
// so that `order_count >= 2 within 90d` or `total_spend >= 800 within 180d` over millions of
// candidates is a bitmap intersection (the window's buyers) and a walk along sorted arrays,
// instead of a search in every candidate's purchases. Private to the audience module;
// docs/design/audience.md ("Window tallies") explains when a tally is exact.
//
// A tally counts the purchases at or after a day window's start (a local midnight), with no end:
// it is exact for an evaluation at `now` for every customer whose purchases are all at or before
// `now`. Customers holding a purchase later than the time they were tallied are kept in `late`
// and tested on their purchases instead, and a tally is used only at or after `checked_at`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "yutang/audience/internal/bitmap.hpp"

namespace yutang::audience::internal {

struct IndexData;

// Tallies kept per index; the least recently used goes first.
inline constexpr size_t kKeptTallies = 8;

// The buyers of one purchase block (kPurchaseBlock consecutive ids) in the window.
struct TallyBlock {
    std::vector<uint16_t> slots;  // ascending: id % kPurchaseBlock of each buyer
    std::vector<int32_t> counts;  // parallel: purchases in the window
    std::vector<int64_t> spend;   // parallel: their net fen
};

struct WindowTally {
    int64_t start = 0;               // purchases at or after this instant count
    int platform = -1;               // index into kPlatforms; -1 = every purchase
    int64_t checked_at = 0;          // the latest "now" the tally was built or patched at
    Bitmap buyers;                   // customers with at least one purchase in the window
    Bitmap late;                     // buyers with a purchase after the time they were tallied
    std::vector<TallyBlock> blocks;  // one per purchase block
    // Bounds of every buyer's count and spend; patches only widen them.
    int64_t min_count = 0, max_count = 0, min_spend = 0, max_spend = 0;
    uint64_t last_used = 0;  // for keeping the most recently used tallies

    size_t Bytes() const;
};

// Tallies `d`'s purchases at or after `start` (of `platform`, -1 = all), as of `now`.
std::unique_ptr<WindowTally> TallyWindow(const IndexData& d, int64_t start, int platform, int64_t now);

// Re-tallies the purchase blocks `blocks` (ascending block indexes) after a refresh rewrote
// them, as of `now`. Grows the tally to the index's blocks first.
void RetallyBlocks(const IndexData& d, WindowTally& tally, const std::vector<uint32_t>& blocks, int64_t now);

}  // namespace yutang::audience::internal
