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

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "yutang/audience/internal/bitmap.hpp"

namespace yutang::audience::internal {

struct IndexData;

// Tallies kept per index; the least recently used goes first.
inline constexpr size_t kKeptTallies = 8;

// The buyers of one purchase block (kPurchaseBlock consecutive ids) in the window: a bit per id
// and, in id order, each buyer's count and spend. A buyer's place in those arrays is the number
// of buyers before it, `before[w]` plus the bits below it in its word, so that any customer is
// found in constant time, however sparse the candidates are among the buyers.
struct TallyBlock {
    static constexpr size_t kWords = size_t{1} << (12 - 6);  // kPurchaseBlock / 64
    std::array<uint64_t, kWords> words{};                    // bit id % 64 of word (id % kPurchaseBlock) / 64: a buyer
    std::array<uint16_t, kWords> before{};                   // buyers in the words before each
    std::vector<int32_t> counts;                             // per buyer, in id order: purchases in the window
    std::vector<int64_t> spend;                              // parallel: their net fen

    // The place of buyer `slot` (id % kPurchaseBlock) in counts and spend; -1 when not a buyer.
    int64_t PlaceOf(uint32_t slot) const {
        const uint64_t word = words[slot >> 6];
        const uint64_t bit = uint64_t{1} << (slot & 63);
        if ((word & bit) == 0) return -1;
        return int64_t{before[slot >> 6]} + std::popcount(word & (bit - 1));
    }
};

// Count steps kept per tally: the buyers with at least 2, 3, … kCountSteps + 1 purchases in the
// window, so that a test of the count (`order_count >= 2 within 90d`) is an intersection or two
// rather than a test of every buyer. Most buyers buy once in any window, so the steps are small.
inline constexpr size_t kCountSteps = 7;

struct WindowTally {
    int64_t start = 0;                         // purchases at or after this instant count
    int platform = -1;                         // index into kPlatforms; -1 = every purchase
    int64_t checked_at = 0;                    // the latest "now" the tally was built or patched at
    Bitmap buyers;                             // customers with at least one purchase in the window
    Bitmap late;                               // buyers with a purchase after the time they were tallied
    std::array<Bitmap, kCountSteps> at_least;  // [i]: buyers with at least i + 2 purchases
    std::vector<TallyBlock> blocks;            // one per purchase block
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
