// Test helpers shared by the audience index tests (index_test.cpp, index_snapshot_test.cpp): a
// fixture that writes a merchant's rows on SQLite or PostgreSQL (the test's parameter), and two
// indexes compared slot by slot, bitmap by bitmap, through the layout.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "yutang/audience/engine.hpp"
#include "yutang/audience/index.hpp"
#include "yutang/audience/internal/index_data.hpp"
#include "yutang/audience/rule.hpp"
#include "yutang/base/crypto.hpp"

#include "tests/support/audience_rows.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/test_store.hpp"

namespace yutang::audience::index_testing {

inline constexpr int64_t kTenant = 1;

// A store with one merchant (kTenant, in time zone `zone`), on the backend the parameter names
// ("sqlite" or "postgres"), and the rows an index reads. Statements wait in a queue and are
// written in one transaction by Flush (Build flushes first).
class IndexStoreTest : public ::testing::TestWithParam<std::string> {
  protected:
    // Call from SetUp; the test is skipped when there is no PostgreSQL server.
    void Open(std::string_view database_prefix, const std::string& zone) {
        db_ = testing::OpenBackendTestStore(GetParam(), dir_, database_prefix, clock_);
        if (IsSkipped()) return;
        ASSERT_NE(db_, nullptr);
        auto loaded = TimeZone::Load(zone);
        ASSERT_TRUE(loaded.ok()) << zone;
        zone_ = *loaded;
        clock_.Set(At(2026, 6, 30, 20));
        Queue("INSERT INTO tenants (tenant_id, name, time_zone, created_at) VALUES ($1, '测试店', $2, 0)",
              {kTenant, zone});
        Flush();
    }

    Timestamp At(int y, int mo, int d, int h = 12) const {
        return zone_.FromLocal({.date = {y, mo, d}, .hour = h, .minute = 0, .second = 0});
    }

    void Queue(std::string sql, std::initializer_list<store::Value> params) {
        QueueValues(std::move(sql), std::vector<store::Value>(params));
    }
    void QueueValues(std::string sql, std::vector<store::Value> params) {
        pending_.emplace_back(std::move(sql), std::move(params));
    }
    void Flush() {
        if (pending_.empty()) return;
        const Status written = db_->Write([&](store::Session& s) -> Status {
            for (const auto& [sql, params] : pending_) YT_TRY(s.Execute(sql, params).status());
            return OkStatus();
        });
        pending_.clear();
        ASSERT_TRUE(written.ok()) << written.ToString();
    }

    void Customer(int64_t id, std::optional<int64_t> owner = {}, std::string channel = "") {
        Queue(
            "INSERT INTO customers (tenant_id, customer_id, created_at, updated_at, owner_staff_id, source_channel, "
            "last_seen_at) VALUES ($1, $2, 0, 0, $3, $4, $5)",
            {kTenant, id, owner, channel, At(2026, 6, 1).micros() + id});
    }
    // Only `loser` points at `winner`: what an older store left, when merges did not re-point
    // the loser's own tombstones.
    void Merge(int64_t loser, int64_t winner) {
        Queue("UPDATE customers SET merged_into = $3 WHERE tenant_id = $1 AND customer_id = $2",
              {kTenant, loser, winner});
    }
    // As a merge does it now: the loser's tombstones are re-pointed at the winner too.
    void MergeAndRepoint(int64_t loser, int64_t winner) {
        Merge(loser, winner);
        Queue("UPDATE customers SET merged_into = $3 WHERE tenant_id = $1 AND merged_into = $2",
              {kTenant, loser, winner});
    }
    // The tag catalogue, tags, identities, consent and attributes: testing::AudienceRows.
    int64_t TagId(const std::string& group, const std::string& name) { return rows_.TagId(group, name); }
    void Tag(int64_t customer, int64_t tag) { rows_.Tag(customer, tag); }
    void Identity(int64_t customer, const std::string& kind) { rows_.Identity(customer, kind); }
    void Consent(int64_t customer, const std::string& purpose, bool granted, Timestamp given) {
        rows_.Consent(customer, purpose, granted, given);
    }
    void Attribute(int64_t customer, const std::string& name, const std::string& type, const std::string& text) {
        rows_.Attribute(customer, name, type, text);
    }
    // One purchase, on the customer's id; returns the order id.
    int64_t Order(int64_t customer, const std::string& source, int64_t net_fen, Timestamp at) {
        const int64_t id = ++orders_;
        Queue(
            "INSERT INTO orders (tenant_id, order_id, source, external_id, customer_id, status, raw_status, total_fen, "
            "paid_fen, refunded_fen, currency, ordered_at, lines, buyer_hint, buyer_cipher, created_at, updated_at) "
            "VALUES ($1, $2, $3, $4, $5, 'completed', '', $6, $6, 0, 'CNY', $7, '[]', '', $8, 0, 0)",
            {kTenant, id, source, "o" + std::to_string(id), customer, net_fen, at.micros(), store::Blob{"x"}});
        return id;
    }
    void CancelOrder(int64_t order) {
        Queue("UPDATE orders SET status = 'cancelled' WHERE tenant_id = $1 AND order_id = $2", {kTenant, order});
    }
    void Traits(int64_t customer, int64_t count, int64_t spend, const std::string& platforms,
                const std::string& stage = "new") {
        Queue(
            "INSERT INTO customer_traits (tenant_id, customer_id, order_count, total_spend_fen, refunded_fen, "
            "first_order_at, last_order_at, platform_counts, updated_at, lifecycle_stage, rfm_recency, rfm_frequency, "
            "rfm_monetary) VALUES ($1, $2, $3, $4, 0, $5, $6, $7, 0, $8, 3, 4, 5) ON CONFLICT (tenant_id, customer_id) "
            "DO UPDATE SET order_count = excluded.order_count, total_spend_fen = excluded.total_spend_fen, "
            "platform_counts = excluded.platform_counts, lifecycle_stage = excluded.lifecycle_stage",
            {kTenant, customer, count, spend, At(2026, 1, 1).micros(), At(2026, 6, 1).micros() + customer, platforms,
             stage});
    }
    int64_t Event(int64_t customer, const std::string& name, Timestamp at, const std::string& properties = "{}") {
        return rows_.Event(customer, name, at, properties);
    }
    void DeleteEvent(int64_t event) {
        Queue("DELETE FROM events WHERE tenant_id = $1 AND event_id = $2", {kTenant, event});
    }

    std::unique_ptr<AudienceIndex> Build() {
        Flush();
        auto index = AudienceIndex::Build(*db_, keys_, TenantId(kTenant), clock_);
        EXPECT_TRUE(index.ok()) << index.status().ToString();
        return index.ok() ? std::move(*index) : nullptr;
    }
    // The members of `text` (all of them: the sample is made large enough).
    std::vector<int64_t> Members(const AudienceIndex& index, std::string_view text, std::optional<Timestamp> now = {}) {
        const RuleResult rule = ParseRuleText(text);
        EXPECT_TRUE(rule.ok()) << text << ": " << (rule.ok() ? "" : rule.error().message_en);
        if (!rule.ok()) return {};
        auto result = Evaluate(index, rule.value(), {.now = now, .sample_size = 100'000});
        EXPECT_TRUE(result.ok()) << text << ": " << result.status().ToString();
        if (!result.ok()) return {};
        std::vector<int64_t> ids;
        for (CustomerId id : result->sample) ids.push_back(id.value());
        return ids;
    }

    testing::TempDir dir_;
    ManualClock clock_;
    TimeZone zone_ = TimeZone::Default();
    KeyRing keys_ = KeyRing::Generate();
    testing::AudienceRows rows_{kTenant, keys_, [this](std::string sql, std::vector<store::Value> params) {
                                    QueueValues(std::move(sql), std::move(params));
                                }};
    std::unique_ptr<store::Database> db_;
    std::vector<std::pair<std::string, std::vector<store::Value>>> pending_;
    int64_t orders_ = 0;
};

using internal::IndexAccess;
using internal::IndexData;

// What one customer's slot holds, read through the layout, comparable between two indexes.
struct Slot {
    bool live = false;
    int64_t owner = 0;
    std::string channel;
    int64_t order_count = 0, net_spend = 0, first_order_at = 0, last_order_at = 0, last_seen = 0;
    std::vector<int> days;  // the time columns' local days
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
    s.days = {d.first_order_at.day[c], d.last_order_at.day[c], d.last_seen.day[c]};
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

// The same event names, with the same runs block by block.
inline void ExpectSameEvents(const IndexData& a, const IndexData& b) {
    std::vector<std::string> events_a, events_b;
    for (const auto& [name, runs] : a.events) events_a.push_back(name);
    for (const auto& [name, runs] : b.events) events_b.push_back(name);
    EXPECT_EQ(events_a, events_b);
    for (const auto& [name, runs] : a.events) {
        if (!b.events.contains(name)) continue;
        const internal::EventRuns& other = b.events.at(name);
        ASSERT_EQ(runs.blocks.size(), other.blocks.size()) << name;
        for (size_t k = 0; k < runs.blocks.size(); ++k) {
            EXPECT_EQ(runs.blocks[k].customers, other.blocks[k].customers) << name << " block " << k;
            EXPECT_EQ(runs.blocks[k].offsets, other.blocks[k].offsets) << name << " block " << k;
            EXPECT_EQ(runs.blocks[k].times, other.blocks[k].times) << name << " block " << k;
            EXPECT_EQ(runs.blocks[k].event_ids, other.blocks[k].event_ids) << name << " block " << k;
        }
    }
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
    ExpectSameEvents(a, b);
    // Property columns `a` has made agree with `b`'s (made now if need be), value by value (texts
    // by what they say).
    for (const auto& [key, column] : a.properties) {
        ASSERT_TRUE(IndexAccess::Property(b, key.first, key.second).ok());
        const auto other = b.properties.find(key);
        if (other == b.properties.end()) continue;
        const std::string what = key.first + "." + key.second;
        ASSERT_EQ(column->values.size(), other->second->values.size()) << what;
        for (size_t k = 0; k < column->values.size(); ++k) {
            ASSERT_EQ(column->values[k].size(), other->second->values[k].size()) << what << " block " << k;
            for (size_t i = 0; i < column->values[k].size(); ++i) {
                const internal::PropertyValue& x = column->values[k][i];
                const internal::PropertyValue& y = other->second->values[k][i];
                EXPECT_EQ(x.kind, y.kind) << what << " block " << k << " at " << i;
                if (x.kind != y.kind) continue;
                if (x.kind == internal::PropertyValue::Kind::kString) {
                    EXPECT_EQ(column->texts[x.text].text, other->second->texts[y.text].text) << what << " at " << i;
                }
                if (x.kind == internal::PropertyValue::Kind::kNumber) {
                    EXPECT_EQ(x.number, y.number) << what;
                }
                if (x.kind == internal::PropertyValue::Kind::kBool) {
                    EXPECT_EQ(x.boolean, y.boolean) << what;
                }
            }
        }
    }
    const IndexStats x = refreshed.Stats(), y = built.Stats();
    EXPECT_EQ(x.customers, y.customers);
    EXPECT_EQ(x.orders, y.orders);
    EXPECT_EQ(x.events, y.events);
    EXPECT_EQ(x.event_names, y.event_names);
    EXPECT_EQ(x.tags, y.tags);
}

}  // namespace yutang::audience::index_testing
