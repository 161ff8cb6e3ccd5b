// Which facets (index.hpp) of which customers a refresh changed: what the index holds about the
// refreshed customers is taken before the refresh applies what it read and compared after. The
// bitmaps are compared a whole bitmap at a time (their members among the customers, before and
// after, XORed); columns, purchases, attribute values and event runs customer by customer.
// Private to the audience module.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "yutang/audience/index.hpp"
#include "yutang/audience/internal/bitmap.hpp"

namespace yutang::audience::internal {

struct IndexData;

class FacetProbe {
  public:
    // Takes what `d` holds about `customers` (`ids`: the same, ascending) now.
    FacetProbe(const IndexData& d, const Bitmap& customers, std::span<const uint32_t> ids);
    // Per facet (bit i of Facets at [i]), the customers whose facet differs in `d` now.
    std::array<Bitmap, kFacetCount> Changed(const IndexData& d) const;

  private:
    // One customer's columns, purchases, attribute values and event runs.
    struct Row {
        std::vector<int64_t> profile;  // owner, channel
        std::vector<int64_t> traits;   // order count, spend, first/last order, RFM, per platform
        int64_t last_seen = 0;
        std::vector<int64_t> purchases;  // (time, packed) pairs
        // Per attribute the customer has: name, text, number (its bits), day, instant.
        std::vector<std::tuple<std::string, std::string, int64_t, int64_t, int64_t>> attributes;
        std::vector<std::pair<std::string, std::vector<int64_t>>> events;  // name, (time, id) pairs
    };
    // Each bitmap's members among the customers, by (facet, key).
    using Members = std::map<std::pair<uint32_t, std::string>, Bitmap>;

    void Take(const IndexData& d, Members& members, std::vector<Row>& rows) const;

    Bitmap customers_;
    std::vector<uint32_t> ids_;
    Members before_members_;
    std::vector<Row> before_rows_;
};

}  // namespace yutang::audience::internal
