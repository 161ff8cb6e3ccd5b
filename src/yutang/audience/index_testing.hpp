// Test helpers shared by the audience index tests (index_test.cpp, index_snapshot_test.cpp):
// two indexes compared slot by slot, bitmap by bitmap, through the layout.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "yutang/audience/index.hpp"
#include "yutang/audience/internal/index_data.hpp"

namespace yutang::audience::index_testing {

using internal::IndexAccess;
using internal::IndexData;

// What one customer's slot holds, read through the layout, comparable between two indexes.
struct Slot {
    bool live = false;
    int64_t owner = 0;
    std::string channel;
    int64_t order_count = 0, net_spend = 0, first_order_at = 0, last_order_at = 0, last_seen = 0;
    std::vector<int> rfm;
    std::vector<int64_t> platform_orders;
    std::vector<std::pair<int64_t, int64_t>> purchases;  // at, packed
    bool operator==(const Slot&) const = default;
};

// An attribute value of one customer, as the columns hold it.
struct AttributeSlot {
    std::string text;
    double number = 0;  // NaN read as -1e300, so that == compares
    int boolean = -1;
    int64_t day = internal::kNoDay;
    int64_t instant = internal::kNoTime;
    bool operator==(const AttributeSlot&) const = default;
};

inline Slot SlotOf(const IndexData& d, uint32_t c) {
    Slot s;
    if (c >= d.capacity) return s;
    s.live = d.live.Contains(c);
    s.owner = d.owner_of[c] == 0 ? 0 : d.owners[d.owner_of[c] - 1];
    s.channel = d.channel_of[c] == 0 ? "" : d.channels[d.channel_of[c] - 1];
    s.order_count = d.order_count.Get(c);
    s.net_spend = d.net_spend.Get(c);
    s.first_order_at = d.first_order_at[c];
    s.last_order_at = d.last_order_at[c];
    s.last_seen = d.last_seen[c];
    for (const auto& column : d.rfm) s.rfm.push_back(column[c]);
    for (size_t p = 0; p < internal::kPlatforms.size(); ++p) s.platform_orders.push_back(d.PlatformOrders(p, c));
    for (const internal::Purchase& purchase : d.PurchasesOf(c)) s.purchases.emplace_back(purchase.at, purchase.packed);
    return s;
}

inline AttributeSlot AttributeOf(const internal::AttributeColumn& column, uint32_t c) {
    AttributeSlot a;
    if (c < column.text_of.size() && column.text_of[c] != 0) a.text = column.texts[column.text_of[c] - 1];
    a.number = c < column.number_of.size() && !std::isnan(column.number_of[c]) ? column.number_of[c] : -1e300;
    if (column.bool_true.Contains(c)) a.boolean = 1;
    if (column.bool_false.Contains(c)) a.boolean = 0;
    if (c < column.day_of.size()) a.day = column.day_of[c];
    if (c < column.instant_of.size()) a.instant = column.instant_of[c];
    return a;
}

// Bitmaps by key, empty ones left out.
template <typename Map>
inline std::map<std::string, std::vector<uint32_t>> NonEmpty(const Map& bitmaps) {
    std::map<std::string, std::vector<uint32_t>> out;
    for (const auto& [key, bits] : bitmaps) {
        if (!bits.Empty()) out[std::to_string(key)] = bits.ToVector();
    }
    return out;
}

// Every customer slot, bitmap, attribute and event run of `a` and `b` agree.
inline void ExpectSameIndex(const AudienceIndex& refreshed, const AudienceIndex& built) {
    const IndexData& a = IndexAccess::Data(refreshed);
    const IndexData& b = IndexAccess::Data(built);
    const uint32_t capacity = std::max(a.capacity, b.capacity);
    for (uint32_t c = 0; c < capacity; ++c) EXPECT_EQ(SlotOf(a, c), SlotOf(b, c)) << "customer " << c;
    EXPECT_EQ(a.purchase_total, b.purchase_total);
    EXPECT_TRUE(a.live == b.live);
    EXPECT_TRUE(a.owned == b.owned);
    EXPECT_EQ(NonEmpty(a.tag_members), NonEmpty(b.tag_members));
    EXPECT_EQ(NonEmpty(a.owner_members), NonEmpty(b.owner_members));
    for (size_t i = 0; i < a.identities.size(); ++i) EXPECT_TRUE(a.identities[i] == b.identities[i]) << i;
    for (size_t i = 0; i < a.consented.size(); ++i) EXPECT_TRUE(a.consented[i] == b.consented[i]) << i;
    for (size_t i = 0; i < a.stages.size(); ++i) EXPECT_TRUE(a.stages[i] == b.stages[i]) << "stage " << i;
    for (size_t i = 0; i < a.channel_members.size(); ++i) {
        const auto& other = b.channel_members[b.channel_codes.at(a.channels[i])];
        EXPECT_TRUE(a.channel_members[i] == other) << a.channels[i];
    }
    std::set<std::string> names;
    for (const auto& [name, column] : a.attributes) names.insert(name);
    for (const auto& [name, column] : b.attributes) names.insert(name);
    for (const std::string& name : names) {
        static const internal::AttributeColumn kNone;
        const auto& x = a.attributes.contains(name) ? a.attributes.at(name) : kNone;
        const auto& y = b.attributes.contains(name) ? b.attributes.at(name) : kNone;
        EXPECT_TRUE(x.present == y.present) << name;
        x.present.ForEach([&](uint32_t c) { EXPECT_EQ(AttributeOf(x, c), AttributeOf(y, c)) << name << " of " << c; });
    }
    std::vector<std::string> events_a, events_b;
    for (const auto& [name, runs] : a.events) events_a.push_back(name);
    for (const auto& [name, runs] : b.events) events_b.push_back(name);
    EXPECT_EQ(events_a, events_b);
    for (const auto& [name, runs] : a.events) {
        if (!b.events.contains(name)) continue;
        const internal::EventRuns& other = b.events.at(name);
        EXPECT_EQ(runs.customers, other.customers) << name;
        EXPECT_EQ(runs.offsets, other.offsets) << name;
        EXPECT_EQ(runs.times, other.times) << name;
        EXPECT_EQ(runs.event_ids, other.event_ids) << name;
    }
    const IndexStats x = refreshed.Stats(), y = built.Stats();
    EXPECT_EQ(x.customers, y.customers);
    EXPECT_EQ(x.orders, y.orders);
    EXPECT_EQ(x.events, y.events);
    EXPECT_EQ(x.event_names, y.event_names);
    EXPECT_EQ(x.tags, y.tags);
}

}  // namespace yutang::audience::index_testing
