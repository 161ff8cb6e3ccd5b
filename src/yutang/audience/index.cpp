#include "yutang/audience/index.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <iterator>
#include <map>
#include <set>
#include <span>
#include <tuple>
#include <unordered_set>

#include <boost/json.hpp>

#include "yutang/audience/internal/facet_probe.hpp"
#include "yutang/audience/internal/index_data.hpp"
#include "yutang/audience/internal/index_snapshot.hpp"
#include "yutang/audience/internal/spec.hpp"
#include "yutang/store/bulk.hpp"

namespace yutang::audience {
namespace internal {

// ---- calendar ---------------------------------------------------------------------------------

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
    static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && IsLeapYear(year)) return 29;
    return kDays[static_cast<size_t>(month - 1)];
}

namespace {

// ---- SQL --------------------------------------------------------------------------------------
// Every per-customer statement names its customers with {ids}, a condition on customer_id served
// by an index that starts (tenant_id, customer_id). QueryIds makes it a range of ids, ($2, $3]
// (chunks while building, runs of consecutive ids while refreshing), or a list, IN ($2, …) (the
// scattered ids of a refresh).

constexpr std::string_view kSelectTimeZone = "SELECT time_zone FROM tenants WHERE tenant_id = $1";
constexpr std::string_view kSelectMaxCustomer = "SELECT MAX(customer_id) FROM customers WHERE tenant_id = $1";
constexpr std::string_view kSelectTagCatalogue =
    "SELECT t.tag_id, g.name, t.name FROM tags t JOIN tag_groups g ON g.tenant_id = t.tenant_id "
    "AND g.group_id = t.group_id WHERE t.tenant_id = $1 AND t.deleted_at IS NULL";
constexpr std::string_view kSelectCustomers =
    "SELECT customer_id, merged_into, owner_staff_id, source_channel, last_seen_at FROM customers "
    "WHERE tenant_id = $1 AND {ids}";
constexpr std::string_view kSelectTraits =
    "SELECT customer_id, order_count, total_spend_fen, refunded_fen, first_order_at, last_order_at, "
    "platform_counts, lifecycle_stage, rfm_recency, rfm_frequency, rfm_monetary FROM customer_traits "
    "WHERE tenant_id = $1 AND {ids}";
// created_at, recorded_at and received_at below are not used: they keep a covering index that
// starts (tenant_id, kind …), (tenant_id, purpose …) or (tenant_id, name …) — which a DBA adds for
// reports, and the audience benchmark does — from looking cheaper to SQLite's planner than the
// customer_id index for an IN (…) list; it would scan the merchant's whole table for every refresh.
constexpr std::string_view kSelectIdentityKinds =
    "SELECT customer_id, kind, created_at FROM customer_identities WHERE tenant_id = $1 AND {ids}";
constexpr std::string_view kSelectCustomerTags =
    "SELECT customer_id, tag_id FROM customer_tags WHERE tenant_id = $1 AND {ids}";
constexpr std::string_view kSelectAttributes =
    "SELECT customer_id, name, type, value_cipher FROM customer_attributes WHERE tenant_id = $1 AND {ids}";
constexpr std::string_view kSelectConsent =
    "SELECT customer_id, purpose, granted, given_at, consent_id, recorded_at FROM consent_records "
    "WHERE tenant_id = $1 AND {ids}";
// The statuses that count as purchases: events/orders.cpp (AggregateSql). Keep in sync.
constexpr std::string_view kSelectPurchases =
    "SELECT customer_id, source, paid_fen - refunded_fen, ordered_at FROM orders "
    "WHERE tenant_id = $1 AND {ids} AND status IN ('paid', 'shipped', 'completed', 'refunded')";
constexpr std::string_view kSelectEvents =
    "SELECT customer_id, name, occurred_at, event_id, received_at FROM events WHERE tenant_id = $1 AND {ids} "
    "AND type = 'track'";
// The payloads of events a refresh read, by id.
constexpr std::string_view kSelectPayloadsById = "SELECT event_id, payload FROM events WHERE tenant_id = $1 AND {ids}";
// Read by ranges only: $4 follows the range's $2 and $3.
constexpr std::string_view kSelectEventPayloads =
    "SELECT event_id, payload FROM events WHERE tenant_id = $1 AND {ids} AND type = 'track' AND name = $4";
// The ids merged into the listed customers ({ids} on merged_into: customers_merged_into).
constexpr std::string_view kSelectMergedIds =
    "SELECT customer_id, merged_into FROM customers WHERE tenant_id = $1 AND {ids}";

constexpr std::string_view kCustomerId = "customer_id";
constexpr std::string_view kEventId = "event_id";
constexpr std::string_view kMergedInto = "merged_into";

constexpr int kMaxMergeHops = 64;

// What ChangedSince remembers: the customers of the last kKeptRefreshes refreshes, dropping the
// oldest while they number more than kKeptCustomers (the newest is always kept).
constexpr size_t kKeptRefreshes = 64;
constexpr uint64_t kKeptCustomers = 1'000'000;

// A refresh reads scattered ids up to kLongList to a statement. A shorter list is padded (its last
// id repeated) to kShortList or kLongList, so that each statement has two texts, not one per
// length, in the store's cache of prepared statements.
constexpr size_t kShortList = 16;
constexpr size_t kLongList = 500;
// From this many consecutive ids on, one range reads them.
constexpr size_t kMinRun = 32;

// Customer ids to read: runs of consecutive ids, each read as one range, and scattered ids,
// read as lists.
struct IdSet {
    std::vector<std::pair<int64_t, int64_t>> runs;  // first, last
    std::vector<int64_t> scattered;                 // ascending

    // [first, last].
    static IdSet Range(int64_t first, int64_t last) {
        IdSet set;
        if (first <= last) set.runs.emplace_back(first, last);
        return set;
    }
    // `ids` ascending and distinct.
    static IdSet Of(std::span<const int64_t> ids) {
        IdSet set;
        for (size_t i = 0; i < ids.size();) {
            size_t j = i + 1;
            while (j < ids.size() && ids[j] == ids[j - 1] + 1) ++j;
            if (j - i >= kMinRun) {
                set.runs.emplace_back(ids[i], ids[j - 1]);
            } else {
                set.scattered.insert(set.scattered.end(), ids.begin() + static_cast<ptrdiff_t>(i),
                                     ids.begin() + static_cast<ptrdiff_t>(j));
            }
            i = j;
        }
        return set;
    }
};

// `sql` with its {ids} replaced by `condition`.
std::string WithIds(std::string_view sql, std::string_view condition) {
    constexpr std::string_view kIds = "{ids}";
    const size_t at = sql.find(kIds);
    std::string out;
    out.reserve(sql.size() + condition.size());
    out.append(sql.substr(0, at)).append(condition).append(sql.substr(at + kIds.size()));
    return out;
}

std::string RangeStatement(std::string_view sql, std::string_view column) {
    std::string condition;
    condition.append(column).append(" > $2 AND ").append(column).append(" <= $3");
    return WithIds(sql, condition);
}

std::string ListStatement(std::string_view sql, std::string_view column, size_t n) {
    std::string condition;
    condition.append(column).append(" IN (").append(store::ParamList(2, n)).append(")");
    return WithIds(sql, condition);
}

// Runs `sql`, its {ids} a condition on `column`, for every id of `ids`, and appends the rows to
// `out`: a statement per run, and one per kLongList scattered ids.
Status QueryIds(store::Session& s, TenantId tenant, std::string_view sql, std::string_view column, const IdSet& ids,
                std::vector<store::Row>& out) {
    const auto append = [&out](store::Rows rows) {
        if (out.empty()) {
            out = std::move(rows.rows);
        } else {
            out.insert(out.end(), std::make_move_iterator(rows.rows.begin()), std::make_move_iterator(rows.rows.end()));
        }
    };
    if (!ids.runs.empty()) {
        const std::string statement = RangeStatement(sql, column);
        for (const auto& [first, last] : ids.runs) {
            YT_ASSIGN_OR_RETURN(auto rows, s.Query(statement, {tenant.value(), first - 1, last}));
            append(std::move(rows));
        }
    }
    std::vector<store::Value> params;
    for (size_t i = 0; i < ids.scattered.size(); i += kLongList) {
        const size_t n = std::min(kLongList, ids.scattered.size() - i);
        const size_t slots = n <= kShortList ? kShortList : kLongList;
        params.clear();
        params.reserve(slots + 1);
        params.emplace_back(tenant.value());
        store::AppendChunk(params, ids.scattered, i, slots);
        YT_ASSIGN_OR_RETURN(auto rows, s.Query(ListStatement(sql, column, slots), params));
        append(std::move(rows));
    }
    return OkStatus();
}

std::string AttributeContext(TenantId tenant) { return "t" + std::to_string(tenant.value()) + "/customer.attribute"; }
std::string EventContext(TenantId tenant) { return "t" + std::to_string(tenant.value()) + "/event"; }

Result<uint32_t> Slot(int64_t id) {
    if (id < 0 || id > static_cast<int64_t>(std::numeric_limits<uint32_t>::max()) - 1) {
        return ResourceExhausted("customer ids beyond 2^32-1 cannot be indexed");
    }
    return static_cast<uint32_t>(id);
}

std::optional<double> ParseNumber(std::string_view text) {
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
    return value;
}

int StageIndex(std::string_view stage) {
    const auto stages = LifecycleStages();
    for (size_t i = 0; i < stages.size(); ++i) {
        if (stages[i] == stage) return static_cast<int>(i);
    }
    return -1;
}

int PlatformIndex(std::string_view source) {
    for (size_t i = 0; i < kPlatforms.size(); ++i) {
        if (kPlatforms[i] == source) return static_cast<int>(i);
    }
    return -1;
}

int PurposeIndex(std::string_view purpose) {
    if (auto p = PurposeByName(purpose)) return static_cast<int>(*p);
    return -1;
}

// A column to `capacity` slots, with room for `room` (see Grow).
template <typename T>
void GrowTo(std::vector<T>& column, size_t room, uint32_t capacity, T fill) {
    if (column.capacity() < capacity) column.reserve(room);
    column.resize(capacity, fill);
}

void GrowTo(TimeColumn& column, size_t room, uint32_t capacity) {
    GrowTo(column.at, room, capacity, kNoTime);
    GrowTo(column.day, room, capacity, TimeColumn::kNone);
}

template <typename T>
void EnsureColumn(std::vector<T>& column, uint32_t capacity, T fill) {
    if (column.size() < capacity) column.resize(capacity, fill);
}

// An attribute's value of customer `c`, but the bitmaps `present`, `bool_true` and `bool_false`.
void ClearAttributeValue(AttributeColumn& column, uint32_t c) {
    if (c < column.text_of.size() && column.text_of[c] != 0) {
        column.text_members[column.text_of[c] - 1].Remove(c);
        column.text_of[c] = 0;
    }
    if (c < column.number_of.size()) column.number_of[c] = std::nan("");
    if (c < column.day_of.size()) column.day_of[c] = kNoDay;
    if (c < column.instant_of.size()) column.instant_of[c] = kNoTime;
}

void ClearAttribute(AttributeColumn& column, uint32_t c) {
    column.present.Remove(c);
    column.bool_true.Remove(c);
    column.bool_false.Remove(c);
    ClearAttributeValue(column, c);
}

uint32_t Intern(std::string_view text, std::vector<std::string>& values,
                std::unordered_map<std::string, uint32_t>& codes, std::vector<Bitmap>& members) {
    auto [it, inserted] = codes.try_emplace(std::string(text), static_cast<uint32_t>(values.size()));
    if (inserted) {
        values.emplace_back(text);
        members.emplace_back();
    }
    return it->second;
}

// Orders of customer `c` on platform `p` (a negative count reads as none).
void SetPlatformOrders(IndexData& d, size_t p, uint32_t c, int64_t n) {
    d.platform_orders[p].Set(c, std::max<int64_t>(n, 0));
}

// Grows every column to `capacity` slots. A column that must move gets room for a sixteenth more
// than it holds, so that refreshes adding a few customers at a time neither copy every column
// each time nor double them (as a vector's own growth would).
void Grow(IndexData& d, uint32_t capacity) {
    if (capacity <= d.capacity) return;
    const size_t room = std::max<size_t>(capacity, size_t{d.capacity} + d.capacity / 16);
    GrowTo(d.owner_of, room, capacity, 0u);
    GrowTo(d.channel_of, room, capacity, 0u);
    GrowTo(d.order_count.values, room, capacity, uint8_t{0});
    GrowTo(d.net_spend.values, room, capacity, 0);
    GrowTo(d.first_order_at, room, capacity);
    GrowTo(d.last_order_at, room, capacity);
    GrowTo(d.last_seen, room, capacity);
    for (auto& column : d.rfm) GrowTo(column, room, capacity, uint8_t{0});
    for (auto& column : d.platform_orders) GrowTo(column.values, room, capacity, uint8_t{0});
    d.purchase_blocks.resize((size_t{capacity} + kPurchaseBlock - 1) >> kPurchaseBlockBits);
    for (auto& [name, column] : d.attributes) {
        // Only the columns of the types the attribute has.
        if (!column.text_of.empty()) GrowTo(column.text_of, room, capacity, 0u);
        if (!column.number_of.empty()) GrowTo(column.number_of, room, capacity, std::nan(""));
        if (!column.day_of.empty()) GrowTo(column.day_of, room, capacity, kNoDay);
        if (!column.instant_of.empty()) GrowTo(column.instant_of, room, capacity, kNoTime);
    }
    d.capacity = capacity;
}

// Forgets everything the index holds about the customers `changed` but their purchases and
// events (Loader::ReplacePurchases and ReplaceEvents replace those). Bitmaps lose them in one
// operation each rather than one removal per customer.
void ClearCustomers(IndexData& d, const Bitmap& changed) {
    d.live -= changed;
    d.owned -= changed;
    for (auto& [tag, members] : d.tag_members) members -= changed;
    for (auto& b : d.identities) b -= changed;
    for (auto& b : d.consented) b -= changed;
    for (auto& b : d.stages) b -= changed;
    for (auto& [name, column] : d.attributes) {
        column.present -= changed;
        column.bool_true -= changed;
        column.bool_false -= changed;
    }
    changed.ForEach([&](uint32_t c) {
        if (d.owner_of[c] != 0) {
            d.owner_members[d.owners[d.owner_of[c] - 1]].Remove(c);
            d.owner_of[c] = 0;
        }
        if (d.channel_of[c] != 0) {
            d.channel_members[d.channel_of[c] - 1].Remove(c);
            d.channel_of[c] = 0;
        }
        d.order_count.Set(c, 0);
        d.net_spend.Set(c, 0);
        d.first_order_at.Set(c, kNoTime, d.zone);
        d.last_order_at.Set(c, kNoTime, d.zone);
        d.last_seen.Set(c, kNoTime, d.zone);
        for (auto& column : d.rfm) column[c] = 0;
        for (size_t p = 0; p < kPlatforms.size(); ++p) SetPlatformOrders(d, p, c, 0);
        for (auto& [name, column] : d.attributes) ClearAttributeValue(column, c);
    });
}

// The positions in `customers` (ascending) of the customers `changed` (ascending) holds: a merge
// of the two lists, or a search for each changed customer when they are few.
std::vector<size_t> Hits(std::span<const uint32_t> customers, std::span<const uint32_t> changed) {
    std::vector<size_t> hits;
    if (changed.size() * 16 < customers.size()) {
        auto from = customers.begin();
        for (uint32_t c : changed) {
            from = std::lower_bound(from, customers.end(), c);
            if (from == customers.end()) break;
            if (*from == c) hits.push_back(static_cast<size_t>(from - customers.begin()));
        }
    } else {
        size_t i = 0, j = 0;
        while (i < customers.size() && j < changed.size()) {
            if (customers[i] < changed[j]) {
                ++i;
            } else if (changed[j] < customers[i]) {
                ++j;
            } else {
                hits.push_back(i++);
                ++j;
            }
        }
    }
    return hits;
}

struct CustomerPurchase {
    uint32_t customer = 0;
    Purchase purchase;
};

struct EventRow {
    uint32_t name = 0;  // index into Loader::event_names_
    uint32_t customer = 0;
    int64_t at = 0;
    int64_t id = 0;
};

struct LatestConsent {
    int64_t given_at = 0;
    int64_t id = 0;
    bool granted = false;
};

// Records that `customers` changed, in `facets`, as a new version (for ChangedSince), keeping
// the latest kKeptRefreshes changes of at most about kKeptCustomers customers. Under d.mutex.
void RecordChange(IndexData& d, Bitmap customers, std::array<Bitmap, kFacetCount> facets) {
    if (customers.Empty()) return;
    d.changes.push_back({.version = ++d.version, .customers = std::move(customers), .facets = std::move(facets)});
    uint64_t kept = 0;
    for (const auto& change : d.changes) kept += change.customers.Cardinality();
    while (d.changes.size() > internal::kKeptRefreshes || (d.changes.size() > 1 && kept > internal::kKeptCustomers)) {
        kept -= d.changes.front().customers.Cardinality();
        d.changes.pop_front();
    }
}

// Reads rows into an IndexData: every customer while building, a few while refreshing. Rows of a
// tombstone (a merged customer) count for the customer it was merged into, as the profile reads
// them (customers/profile.hpp): consent and events stay on the ids they were recorded for.
//
// Building: per chunk Fetch, Decrypt, Collect and Apply; then Finish, SortRuns and BuildArrays.
// Refreshing: Fetch once, Decrypt, Collect and SortRuns while evaluations go on; then, under the
// index's write lock, Apply, Finish, ReplacePurchases and ReplaceEvents, none of which can fail.
// Applies deltas of live customers (AudienceIndex::LiveDeltas) in order, adding them to `changed`
// and to the facets they changed. Under d.mutex, held exclusively.
void ApplyDeltas(IndexData& d, std::span<const store::ChangeDelta> deltas, Bitmap& changed,
                 std::array<Bitmap, kFacetCount>& facets) {
    constexpr size_t kTags = std::countr_zero(static_cast<uint32_t>(kFacetTags));
    constexpr size_t kLastSeen = std::countr_zero(static_cast<uint32_t>(kFacetLastSeen));
    for (const store::ChangeDelta& delta : deltas) {
        const auto c = static_cast<uint32_t>(delta.customer.value());
        changed.Add(c);
        switch (delta.kind) {
            case store::ChangeDelta::Kind::kTagAdded: {
                Bitmap& members = d.tag_members[*delta.value];
                if (!members.Contains(c)) {
                    members.Add(c);
                    facets[kTags].Add(c);
                }
                break;
            }
            case store::ChangeDelta::Kind::kTagRemoved:
                if (auto it = d.tag_members.find(*delta.value); it != d.tag_members.end() && it->second.Contains(c)) {
                    it->second.Remove(c);
                    facets[kTags].Add(c);
                }
                break;
            case store::ChangeDelta::Kind::kLastSeen: {
                // As a build reads it: the later of the customers row's time and the last order.
                const int64_t seen = std::max(delta.value.value_or(kNoTime), d.last_order_at[c]);
                if (d.last_seen[c] != seen) {
                    d.last_seen.Set(c, seen, d.zone);
                    facets[kLastSeen].Add(c);
                }
                break;
            }
        }
    }
}

class Loader {
  public:
    Loader(IndexData& d, const KeyRing& keys) : d_(d), keys_(keys), attribute_context_(AttributeContext(d.tenant)) {}

    // Building: canonical_[id] for every id below capacity (0 = no such customer).
    std::vector<uint32_t>& canonical_table() { return canonical_table_; }
    // Refreshing: the canonical slot of each id read.
    void SetCanonical(int64_t id, uint32_t canonical) { canonical_map_[id] = canonical; }

    // Rows read but not yet applied.
    struct Batch {
        std::vector<store::Row> traits, kinds, tags, attributes, consent, purchases, events;
        std::vector<std::string> values;  // the attributes' values, decrypted
    };

    // Appends the rows of the customers `ids` to `b`.
    Status Fetch(store::Session& s, const IdSet& ids, Batch& b) const {
        const TenantId t = d_.tenant;
        YT_TRY(QueryIds(s, t, kSelectTraits, kCustomerId, ids, b.traits));
        YT_TRY(QueryIds(s, t, kSelectIdentityKinds, kCustomerId, ids, b.kinds));
        YT_TRY(QueryIds(s, t, kSelectCustomerTags, kCustomerId, ids, b.tags));
        YT_TRY(QueryIds(s, t, kSelectAttributes, kCustomerId, ids, b.attributes));
        YT_TRY(QueryIds(s, t, kSelectConsent, kCustomerId, ids, b.consent));
        YT_TRY(QueryIds(s, t, kSelectPurchases, kCustomerId, ids, b.purchases));
        YT_TRY(QueryIds(s, t, kSelectEvents, kCustomerId, ids, b.events));
        return OkStatus();
    }

    // Decrypts a batch's attribute values (the one step that can fail), so that Apply cannot
    // fail half-way. Puts them in id order first, whatever order the store returned them in:
    // when a customer lacks a value of its own, the lowest of its merged ids with one gives it.
    Status Decrypt(Batch& b) const {
        std::stable_sort(b.attributes.begin(), b.attributes.end(),
                         [](const store::Row& x, const store::Row& y) { return x.Int(0) < y.Int(0); });
        b.values.clear();
        b.values.reserve(b.attributes.size());
        for (const auto& row : b.attributes) {
            auto text = keys_.Decrypt(row.Text(3), attribute_context_);
            if (!text.ok()) return Internal("cannot decrypt a customer attribute: " + text.status().ToString());
            b.values.push_back(std::move(*text));
        }
        return OkStatus();
    }

    // Takes a batch's purchases and events, which are placed once every row is read. Touches
    // nothing in the index.
    void Collect(const Batch& b) {
        for (const auto& row : b.purchases) {
            const uint32_t c = Canonical(row.Int(0));
            if (c == 0) continue;
            purchases_.push_back({c, Purchase::Of(row.Int(3), row.Int(2), PlatformIndex(row.Text(1)))});
        }
        for (const auto& row : b.events) {
            const uint32_t c = Canonical(row.Int(0));
            if (c == 0) continue;
            auto [it, inserted] = event_codes_.try_emplace(row.Text(1), static_cast<uint32_t>(event_names_.size()));
            if (inserted) event_names_.push_back(row.Text(1));
            event_rows_.push_back({it->second, c, row.Int(2), row.Int(3)});
        }
    }

    // Applies a decrypted batch, but its purchases and events.
    void Apply(const Batch& b) {
        for (const auto& row : b.traits) ApplyTraits(row);
        for (const auto& row : b.kinds) {
            const uint32_t c = Canonical(row.Int(0));
            const auto kind = IdentityByName(row.Text(1));
            if (c != 0 && kind) d_.identities[static_cast<size_t>(*kind)].Add(c);
        }
        for (const auto& row : b.tags) {
            const uint32_t c = Canonical(row.Int(0));
            if (c != 0) d_.tag_members[row.Int(1)].Add(c);
        }
        for (size_t i = 0; i < b.attributes.size(); ++i) ApplyAttribute(b.attributes[i], b.values[i]);
        for (const auto& row : b.consent) {
            const uint32_t c = Canonical(row.Int(0));
            const int purpose = PurposeIndex(row.Text(1));
            if (c == 0 || purpose < 0) continue;
            const LatestConsent record{row.Int(3), row.Int(4), row.Int(2) != 0};
            auto [it, inserted] = consent_.try_emplace(Key(c, purpose), record);
            if (!inserted && std::pair(record.given_at, record.id) > std::pair(it->second.given_at, it->second.id)) {
                it->second = record;
            }
        }
    }

    // A canonical customer's own row of `customers`.
    void ApplyCustomer(const store::Row& row, uint32_t c) {
        d_.live.Add(c);
        if (auto owner = row.OptionalInt(2); owner && *owner > 0) {
            auto [it, inserted] = d_.owner_codes.try_emplace(*owner, static_cast<uint32_t>(d_.owners.size()));
            if (inserted) d_.owners.push_back(*owner);
            d_.owner_of[c] = it->second + 1;
            d_.owner_members[*owner].Add(c);
            d_.owned.Add(c);
        }
        const std::string channel = row.Text(3);
        if (!channel.empty()) {
            const uint32_t code = Intern(channel, d_.channels, d_.channel_codes, d_.channel_members);
            d_.channel_of[c] = code + 1;
            d_.channel_members[code].Add(c);
        }
        d_.last_seen.at[c] = row.OptionalInt(4).value_or(kNoTime);  // its day is set by Finish
    }

    // After every row is applied: what combines rows (consent, stages, last seen) for
    // `customers` (every live customer when building).
    void Finish(const Bitmap& customers) {
        for (const auto& [key, record] : consent_) {
            if (record.granted) d_.consented[static_cast<size_t>(key & 7)].Add(static_cast<uint32_t>(key >> 3));
        }
        // Customers without a traits row have not bought: prospects.
        d_.stages[0] |= customers - has_traits_;
        customers.ForEach(
            [&](uint32_t c) { d_.last_seen.Set(c, std::max(d_.last_seen[c], d_.last_order_at[c]), d_.zone); });
    }

    // Orders the collected purchases and events by customer, then time.
    void SortRuns() {
        std::sort(purchases_.begin(), purchases_.end(), [](const CustomerPurchase& a, const CustomerPurchase& b) {
            return std::tie(a.customer, a.purchase.at, a.purchase.packed) <
                   std::tie(b.customer, b.purchase.at, b.purchase.packed);
        });
        std::sort(event_rows_.begin(), event_rows_.end(), [](const EventRow& a, const EventRow& b) {
            return std::tie(a.name, a.customer, a.at, a.id) < std::tie(b.name, b.customer, b.at, b.id);
        });
    }

    // Building: the purchase blocks and event runs from everything collected.
    void BuildArrays() {
        d_.purchase_total = static_cast<int64_t>(purchases_.size());
        for (size_t i = 0; i < purchases_.size();) {
            const uint32_t block_index = purchases_[i].customer >> kPurchaseBlockBits;
            size_t end = i;
            while (end < purchases_.size() && purchases_[end].customer >> kPurchaseBlockBits == block_index) ++end;
            PurchaseBlock& block = d_.purchase_blocks[block_index];
            block.offsets.assign(kPurchaseBlock + 1, 0);
            block.items.clear();
            block.items.reserve(end - i);
            for (; i < end; ++i) {
                ++block.offsets[(purchases_[i].customer & (kPurchaseBlock - 1)) + 1];
                block.items.push_back(purchases_[i].purchase);
            }
            for (size_t k = 1; k < block.offsets.size(); ++k) block.offsets[k] += block.offsets[k - 1];
        }
        purchases_ = {};
        d_.events.clear();
        for (const std::string& name : event_names_) {
            const std::span<const EventRow> rows = RowsOf(name);
            if (rows.empty()) continue;
            EventRuns& runs = d_.events[name];
            runs.blocks.resize((rows.back().customer >> kEventBlockBits) + 1);
            for (size_t i = 0; i < rows.size();) {
                const uint32_t b = rows[i].customer >> kEventBlockBits;
                size_t end = i;
                while (end < rows.size() && rows[end].customer >> kEventBlockBits == b) ++end;
                runs.blocks[b] = MergeRuns(EventBlock{}, {}, rows.subspan(i, end - i), nullptr);
                i = end;
            }
        }
        event_rows_ = {};
    }

    // Refreshing: the purchases of the customers `changed` (ascending; every customer collected
    // is one of them) replaced by what was collected. Only their blocks are rewritten.
    void ReplacePurchases(std::span<const uint32_t> changed) {
        size_t next = 0;  // into purchases_
        for (size_t i = 0; i < changed.size();) {
            const uint32_t block_index = changed[i] >> kPurchaseBlockBits;
            size_t end = i;
            while (end < changed.size() && changed[end] >> kPurchaseBlockBits == block_index) ++end;
            size_t last = next;
            while (last < purchases_.size() && purchases_[last].customer >> kPurchaseBlockBits == block_index) ++last;
            RewriteBlock(block_index, changed.subspan(i, end - i),
                         std::span<const CustomerPurchase>(purchases_).subspan(next, last - next));
            next = last;
            i = end;
        }
    }

    // A block of event runs a refresh rewrote and, for the names of `tracked` (those with
    // property columns), for each occurrence now in it where its property values come from — its
    // place in the block before (kFresh: a new event, read from its payload).
    struct RewrittenBlock {
        std::string name;
        size_t block = 0;
        std::vector<uint32_t> source;
    };
    static constexpr uint32_t kFresh = std::numeric_limits<uint32_t>::max();

    // Refreshing: the event runs of the customers `changed` (ascending) replaced by what was
    // collected. Only the blocks of the changed customers are looked at; a block whose runs keep
    // their layout (the same customers, with as many occurrences each) is written in place, and
    // only the others are copied anew. Returns the blocks rewritten.
    std::vector<RewrittenBlock> ReplaceEvents(std::span<const uint32_t> changed, const std::set<std::string>& tracked) {
        std::vector<RewrittenBlock> rewritten;
        for (const std::string& name : event_names_) d_.events.try_emplace(name);
        for (auto& [name, runs] : d_.events) {
            const std::span<const EventRow> rows = RowsOf(name);
            const bool track = tracked.contains(name);
            for (size_t i = 0, r = 0; i < changed.size();) {
                const uint32_t b = changed[i] >> kEventBlockBits;
                size_t end = i;
                while (end < changed.size() && changed[end] >> kEventBlockBits == b) ++end;
                const size_t row_end = static_cast<size_t>(
                    std::lower_bound(rows.begin() + static_cast<ptrdiff_t>(r), rows.end(),
                                     (uint64_t{b} + 1) << kEventBlockBits,
                                     [](const EventRow& row, uint64_t c) { return row.customer < c; }) -
                    rows.begin());
                const std::span<const EventRow> block_rows = rows.subspan(r, row_end - r);
                const std::span<const uint32_t> block_changed = changed.subspan(i, end - i);
                i = end;
                r = row_end;
                if (b >= runs.blocks.size()) {
                    if (block_rows.empty()) continue;
                    runs.blocks.resize(b + 1);
                }
                EventBlock& old = runs.blocks[b];
                const std::vector<size_t> hits = Hits(old.customers, block_changed);
                if (hits.empty() && block_rows.empty()) continue;
                RewrittenBlock record{.name = name, .block = b, .source = {}};
                const Patch patch = Overwrite(old, hits, block_rows, track ? &record.source : nullptr);
                if (patch == Patch::kSame) continue;
                if (patch == Patch::kLayoutChanged)
                    old = MergeRuns(old, hits, block_rows, track ? &record.source : nullptr);
                rewritten.push_back(std::move(record));
            }
            while (!runs.blocks.empty() && runs.blocks.back().empty()) runs.blocks.pop_back();
        }
        std::erase_if(d_.events, [](const auto& entry) { return entry.second.blocks.empty(); });
        return rewritten;
    }

  private:
    static uint64_t Key(uint32_t c, int purpose) { return (uint64_t{c} << 3) | static_cast<uint64_t>(purpose); }

    uint32_t Canonical(int64_t id) const {
        if (!canonical_map_.empty() || canonical_table_.empty()) {
            auto it = canonical_map_.find(id);
            return it == canonical_map_.end() ? 0 : it->second;
        }
        if (id <= 0 || static_cast<uint64_t>(id) >= canonical_table_.size()) return 0;
        return canonical_table_[static_cast<size_t>(id)];
    }

    // The rows collected for an event name: a contiguous stretch of event_rows_.
    std::span<const EventRow> RowsOf(const std::string& name) const {
        const auto code = event_codes_.find(name);
        if (code == event_codes_.end()) return {};
        const auto [first, last] =
            std::equal_range(event_rows_.begin(), event_rows_.end(), EventRow{.name = code->second},
                             [](const EventRow& a, const EventRow& b) { return a.name < b.name; });
        return {first, last};
    }

    enum class Patch { kSame, kWritten, kLayoutChanged };

    // When the customers at `hits` are exactly those of `rows`, with as many occurrences each,
    // writes the rows over their runs (kWritten, or kSame when nothing differed). With `source`,
    // says where each occurrence's property values are (RewrittenBlock): the changed customers'
    // are read again from their payloads (kFresh), so the block counts as written whenever it
    // holds one of them.
    static Patch Overwrite(EventBlock& runs, std::span<const size_t> hits, std::span<const EventRow> rows,
                           std::vector<uint32_t>* source) {
        size_t r = 0;
        for (size_t i : hits) {
            const uint32_t c = runs.customers[i];
            const size_t n = runs.offsets[i + 1] - runs.offsets[i];
            if (rows.size() - r < n || rows[r].customer != c || (r + n < rows.size() && rows[r + n].customer == c)) {
                return Patch::kLayoutChanged;
            }
            r += n;
        }
        if (r != rows.size()) return Patch::kLayoutChanged;
        bool differs = false;
        r = 0;
        for (size_t i : hits) {
            for (uint32_t k = runs.offsets[i]; k < runs.offsets[i + 1] && !differs; ++k, ++r) {
                differs = runs.times[k] != rows[r].at || runs.event_ids[k] != rows[r].id;
            }
        }
        if (!differs && (source == nullptr || hits.empty())) return Patch::kSame;
        if (source != nullptr) {
            source->resize(runs.times.size());
            for (uint32_t k = 0; k < source->size(); ++k) (*source)[k] = k;
            for (size_t i : hits) {
                for (uint32_t k = runs.offsets[i]; k < runs.offsets[i + 1]; ++k) (*source)[k] = kFresh;
            }
        }
        r = 0;
        for (size_t i : hits) {
            for (uint32_t k = runs.offsets[i]; k < runs.offsets[i + 1]; ++k, ++r) {
                runs.times[k] = rows[r].at;
                runs.event_ids[k] = rows[r].id;
            }
        }
        return Patch::kWritten;
    }

    // Block `block_index` with the runs of `changed` (ascending, all in the block) replaced by
    // `fresh` (theirs, sorted). When every changed customer keeps as many purchases, they are
    // written in place; otherwise the block is copied anew, the other customers' runs a stretch
    // at a time.
    void RewriteBlock(uint32_t block_index, std::span<const uint32_t> changed,
                      std::span<const CustomerPurchase> fresh) {
        PurchaseBlock& old = d_.purchase_blocks[block_index];
        const uint32_t base = block_index << kPurchaseBlockBits;
        const auto old_count = [&](uint32_t c) {
            return old.offsets.empty() ? 0u : old.offsets[c - base + 1] - old.offsets[c - base];
        };
        size_t kept = old.items.size();
        bool same_layout = true;
        for (size_t c_index = 0, next = 0; c_index < changed.size(); ++c_index) {
            const uint32_t c = changed[c_index];
            size_t n = 0;
            for (; next < fresh.size() && fresh[next].customer == c; ++next) ++n;
            kept -= old_count(c);
            same_layout = same_layout && n == old_count(c);
        }
        if (same_layout) {
            for (size_t next = 0; next < fresh.size();) {
                uint32_t at = old.offsets[fresh[next].customer - base];
                for (const uint32_t c = fresh[next].customer; next < fresh.size() && fresh[next].customer == c;
                     ++next) {
                    old.items[at++] = fresh[next].purchase;
                }
            }
            return;
        }
        d_.purchase_total -= static_cast<int64_t>(old.items.size());
        if (kept + fresh.size() == 0) {
            old = PurchaseBlock{};
            return;
        }
        PurchaseBlock block;
        block.offsets.resize(kPurchaseBlock + 1);
        block.items.reserve(kept + fresh.size());
        uint32_t slot = 0;  // the first slot not yet written
        const auto keep = [&](uint32_t end) {
            if (old.offsets.empty()) {
                std::fill(block.offsets.begin() + slot, block.offsets.begin() + end,
                          static_cast<uint32_t>(block.items.size()));
            } else {
                const uint32_t from = old.offsets[slot];
                const auto to = static_cast<uint32_t>(block.items.size());
                for (uint32_t k = slot; k < end; ++k) block.offsets[k] = old.offsets[k] - from + to;
                block.items.insert(block.items.end(), old.items.begin() + from, old.items.begin() + old.offsets[end]);
            }
            slot = end;
        };
        size_t next = 0;
        for (uint32_t c : changed) {
            keep(c - base);
            block.offsets[c - base] = static_cast<uint32_t>(block.items.size());
            for (; next < fresh.size() && fresh[next].customer == c; ++next)
                block.items.push_back(fresh[next].purchase);
            slot = c - base + 1;
        }
        keep(kPurchaseBlock);
        block.offsets[kPurchaseBlock] = static_cast<uint32_t>(block.items.size());
        d_.purchase_total += static_cast<int64_t>(block.items.size());
        old = std::move(block);
    }

    // `old` without the runs at `hits` (ascending positions), merged with `rows` (sorted by
    // customer, then time; none of them a customer of `old` but at `hits`). The runs in between
    // are copied a stretch at a time. With `source`, says where each occurrence's property values
    // are (RewrittenBlock): the copied runs' where they were, the rows' in their payloads.
    static EventBlock MergeRuns(const EventBlock& old, std::span<const size_t> hits, std::span<const EventRow> rows,
                                std::vector<uint32_t>* source) {
        EventBlock runs;
        runs.customers.reserve(old.customers.size() + rows.size());
        runs.offsets.reserve(old.customers.size() + rows.size() + 1);
        runs.times.reserve(old.times.size() + rows.size());
        runs.event_ids.reserve(old.times.size() + rows.size());
        if (source != nullptr) source->reserve(old.times.size() + rows.size());
        const auto copy = [&](size_t from, size_t to) {  // old runs [from, to)
            if (from == to) return;
            const uint32_t first = old.offsets[from];
            const auto at = static_cast<uint32_t>(runs.times.size());
            runs.customers.insert(runs.customers.end(), old.customers.begin() + static_cast<ptrdiff_t>(from),
                                  old.customers.begin() + static_cast<ptrdiff_t>(to));
            for (size_t k = from; k < to; ++k) runs.offsets.push_back(old.offsets[k] - first + at);
            runs.times.insert(runs.times.end(), old.times.begin() + first, old.times.begin() + old.offsets[to]);
            runs.event_ids.insert(runs.event_ids.end(), old.event_ids.begin() + first,
                                  old.event_ids.begin() + old.offsets[to]);
            if (source != nullptr) {
                for (uint32_t k = first; k < old.offsets[to]; ++k) source->push_back(k);
            }
        };
        size_t r = 0;
        const auto add = [&]() {  // the rows of one customer, from r on
            const uint32_t c = rows[r].customer;
            runs.customers.push_back(c);
            runs.offsets.push_back(static_cast<uint32_t>(runs.times.size()));
            for (; r < rows.size() && rows[r].customer == c; ++r) {
                runs.times.push_back(rows[r].at);
                runs.event_ids.push_back(rows[r].id);
                if (source != nullptr) source->push_back(kFresh);
            }
        };
        size_t i = 0;  // into old.customers
        size_t h = 0;  // into hits
        while (true) {
            const size_t skip = h < hits.size() ? hits[h] : old.customers.size();
            size_t stop = skip;
            if (r < rows.size()) {
                stop = static_cast<size_t>(std::lower_bound(old.customers.begin() + static_cast<ptrdiff_t>(i),
                                                            old.customers.begin() + static_cast<ptrdiff_t>(skip),
                                                            rows[r].customer) -
                                           old.customers.begin());
            }
            copy(i, stop);
            i = stop;
            if (i == skip && i < old.customers.size()) {  // a changed customer's old run, dropped
                ++i;
                ++h;
                if (r < rows.size() && rows[r].customer == old.customers[skip]) add();
            } else if (r < rows.size()) {  // a changed customer new to this name
                add();
            } else {
                break;
            }
        }
        if (!runs.customers.empty()) runs.offsets.push_back(static_cast<uint32_t>(runs.times.size()));
        return runs;
    }

    void ApplyTraits(const store::Row& row) {
        const int64_t id = row.Int(0);
        const uint32_t c = Canonical(id);
        // A tombstone's traits row (left when its orders were not reassigned) is not the person's.
        if (c == 0 || c != id) return;
        has_traits_.Add(c);
        d_.order_count.Set(c, row.Int(1));
        d_.net_spend.Set(c, row.Int(2) - row.Int(3));
        d_.first_order_at.Set(c, row.OptionalInt(4).value_or(kNoTime), d_.zone);
        d_.last_order_at.Set(c, row.OptionalInt(5).value_or(kNoTime), d_.zone);
        boost::system::error_code ec;
        const boost::json::value counts = boost::json::parse(row.Text(6), ec);
        if (!ec && counts.is_object()) {
            for (const auto& [source, n] : counts.as_object()) {
                const int platform = PlatformIndex(std::string_view(source.data(), source.size()));
                if (platform >= 0 && n.is_int64())
                    SetPlatformOrders(d_, static_cast<size_t>(platform), c, n.as_int64());
            }
        }
        const int stage = StageIndex(row.Text(7));
        if (stage >= 0) d_.stages[static_cast<size_t>(stage)].Add(c);
        for (size_t i = 0; i < 3; ++i) {
            const int64_t score = row.OptionalInt(8 + i).value_or(0);
            d_.rfm[i][c] = static_cast<uint8_t>(score >= 1 && score <= 5 ? score : 0);
        }
    }

    void ApplyAttribute(const store::Row& row, const std::string& text) {
        const int64_t id = row.Int(0);
        const uint32_t c = Canonical(id);
        if (c == 0) return;
        const std::string name = row.Text(1);
        AttributeColumn& column = d_.attributes[name];
        if (c == id) {
            // The canonical customer's own value wins over one inherited from a tombstone.
            if (from_tombstone_.erase({c, name}) > 0) ClearAttribute(column, c);
        } else {
            if (column.present.Contains(c)) return;
            from_tombstone_.insert({c, name});
        }
        column.present.Add(c);
        const std::string type = row.Text(2);
        if (type == "string") {
            const uint32_t code = Intern(text, column.texts, column.text_codes, column.text_members);
            EnsureColumn(column.text_of, d_.capacity, 0u);
            column.text_of[c] = code + 1;
            column.text_members[code].Add(c);
        } else if (type == "number") {
            if (auto number = ParseNumber(text)) {
                EnsureColumn(column.number_of, d_.capacity, std::nan(""));
                column.number_of[c] = *number;
            }
        } else if (type == "boolean") {
            if (text == "true") column.bool_true.Add(c);
            if (text == "false") column.bool_false.Add(c);
        } else if (type == "date") {
            // Only the day: its instant, the start of the day in the merchant's zone, is derived
            // where it is needed.
            if (auto date = ParseIsoDate(text); date.ok()) {
                EnsureColumn(column.day_of, d_.capacity, kNoDay);
                column.day_of[c] = DayNumber(*date);
            }
        } else if (type == "datetime") {
            if (auto at = ParseRfc3339(text); at.ok()) {
                EnsureColumn(column.day_of, d_.capacity, kNoDay);
                EnsureColumn(column.instant_of, d_.capacity, kNoTime);
                column.day_of[c] = DayNumber(d_.zone.ToLocal(*at).date);
                column.instant_of[c] = at->micros();
            }
        }
    }

    IndexData& d_;
    const KeyRing& keys_;
    const std::string attribute_context_;
    std::vector<uint32_t> canonical_table_;
    std::unordered_map<int64_t, uint32_t> canonical_map_;
    Bitmap has_traits_;
    std::set<std::pair<uint32_t, std::string>> from_tombstone_;
    std::unordered_map<uint64_t, LatestConsent> consent_;
    std::vector<CustomerPurchase> purchases_;
    std::vector<std::string> event_names_;
    std::unordered_map<std::string, uint32_t> event_codes_;
    std::vector<EventRow> event_rows_;
};

// Who a refresh re-reads, as a build counts rows: each named customer's canonical customer (for a
// tombstone, the live customer at the end of its merged_into chain) with every id merged into
// it, whose rows count for it.
struct RefreshScope {
    std::map<uint32_t, std::vector<int64_t>> groups;  // canonical slot → its ids (itself first)
    std::vector<uint32_t> tombstones;                 // named tombstones and merged ids
    std::vector<store::Row> canonical_rows;           // the customers rows of the canonical customers
    int64_t max_id = 0;
};

// `named`: ascending, distinct. A statement or a few per step for the whole batch: the named
// customers' rows, then each further hop of their merge chains, then the ids merged into the
// canonical customers, one level of merges at a time.
Result<RefreshScope> ReadScope(store::Session& s, TenantId tenant, std::span<const int64_t> named) {
    RefreshScope scope;
    std::unordered_map<int64_t, store::Row> rows;  // customers rows read, by id
    std::unordered_set<int64_t> missing;           // ids read that do not exist
    const auto read = [&](std::span<const int64_t> ids) -> Status {
        std::vector<store::Row> found;
        YT_TRY(QueryIds(s, tenant, kSelectCustomers, kCustomerId, IdSet::Of(ids), found));
        for (store::Row& row : found) {
            const int64_t id = row.Int(0);
            rows.emplace(id, std::move(row));
        }
        for (int64_t id : ids) {
            if (!rows.contains(id)) missing.insert(id);
        }
        return OkStatus();
    };
    YT_TRY(read(named));

    // Merges re-point older tombstones at the new winner, so a chain is one hop; a few more are
    // followed in case an older store holds chains. Each round reads the next hop of every chain
    // that needs one.
    std::unordered_map<int64_t, int64_t> canonical_of;  // named id → the end of its chain
    std::vector<int64_t> unresolved;
    for (int64_t id : named) {
        if (rows.contains(id)) unresolved.push_back(id);
    }
    while (!unresolved.empty()) {
        std::vector<int64_t> wanted, waiting;
        for (int64_t id : unresolved) {
            int64_t canonical = id;
            bool known = true;
            for (int hop = 0; hop <= kMaxMergeHops; ++hop) {
                const auto row = rows.find(canonical);
                if (row == rows.end()) {
                    known = missing.contains(canonical);
                    break;
                }
                if (row->second.IsNull(1)) break;
                canonical = row->second.Int(1);
            }
            if (known) {
                canonical_of.emplace(id, canonical);
            } else {
                wanted.push_back(canonical);
                waiting.push_back(id);
            }
        }
        std::sort(wanted.begin(), wanted.end());
        wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
        if (!wanted.empty()) YT_TRY(read(wanted));
        unresolved = std::move(waiting);
    }

    std::unordered_map<int64_t, uint32_t> group_of;  // id → its canonical slot
    std::vector<int64_t> level;                      // the ids whose merged ids are read next
    for (int64_t id : named) {
        const auto it = canonical_of.find(id);
        if (it == canonical_of.end()) continue;  // no such customer
        YT_ASSIGN_OR_RETURN(const uint32_t slot, Slot(id));
        scope.max_id = std::max(scope.max_id, id);
        if (!rows.at(id).IsNull(1)) scope.tombstones.push_back(slot);
        // A chain that ends nowhere, or not within kMaxMergeHops, leads to nobody: a build counts
        // its rows for no one either.
        const int64_t canonical = it->second;
        const auto end = rows.find(canonical);
        if (end == rows.end() || !end->second.IsNull(1)) continue;
        YT_ASSIGN_OR_RETURN(const uint32_t canonical_slot, Slot(canonical));
        scope.max_id = std::max(scope.max_id, canonical);
        if (group_of.emplace(canonical, canonical_slot).second) {
            scope.groups.emplace(canonical_slot, std::vector<int64_t>{canonical});
            level.push_back(canonical);
        }
    }
    for (int hop = 0; hop <= kMaxMergeHops && !level.empty(); ++hop) {
        std::sort(level.begin(), level.end());
        std::vector<store::Row> merged;
        YT_TRY(QueryIds(s, tenant, kSelectMergedIds, kMergedInto, IdSet::Of(level), merged));
        level.clear();
        for (const store::Row& row : merged) {
            const int64_t id = row.Int(0);
            const auto into = group_of.find(row.Int(1));
            if (into == group_of.end() || group_of.contains(id)) continue;
            YT_ASSIGN_OR_RETURN(const uint32_t slot, Slot(id));
            const uint32_t canonical_slot = into->second;
            group_of.emplace(id, canonical_slot);
            scope.groups[canonical_slot].push_back(id);
            scope.tombstones.push_back(slot);
            scope.max_id = std::max(scope.max_id, id);
            level.push_back(id);
        }
    }
    for (const auto& [slot, ids] : scope.groups) scope.canonical_rows.push_back(std::move(rows.at(ids[0])));
    return scope;
}

Status LoadTagCatalogue(store::Session& s, TenantId tenant, std::vector<TagInfo>& tags) {
    YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectTagCatalogue, {tenant.value()}));
    tags.clear();
    for (const auto& row : rows) tags.push_back({row.Int(0), row.Text(1), row.Text(2)});
    return OkStatus();
}

// A hash map's nodes (each its element and a link, and the allocator's overhead) and buckets,
// approximately.
template <typename K, typename V, typename... Rest>
size_t MapBytes(const std::unordered_map<K, V, Rest...>& map) {
    return map.size() * (sizeof(std::pair<const K, V>) + 2 * sizeof(void*)) + map.bucket_count() * sizeof(void*);
}

template <typename T>
size_t NarrowBytes(const NarrowColumn<T>& column) {
    return VectorBytes(column.values) + MapBytes(column.wide);
}

size_t StringsBytes(const std::vector<std::string>& strings) {
    size_t bytes = VectorBytes(strings);
    for (const std::string& s : strings) bytes += s.capacity();
    return bytes;
}

// A string property read as a date ("2024-06-18") or an RFC 3339 time, when it is one.
PropertyText ReadPropertyText(const TimeZone& zone, std::string text) {
    PropertyText out{.text = std::move(text)};
    if (auto date = ParseIsoDate(out.text); date.ok()) {
        out.day = DayNumber(*date);
        out.instant = zone.StartOfDay(*date).micros();
    } else if (auto at = ParseRfc3339(out.text); at.ok()) {
        out.instant = at->micros();
        out.day = DayNumber(zone.ToLocal(*at).date);
    }
    return out;
}

}  // namespace

uint16_t TimeColumn::DayCode(int64_t t, const TimeZone& zone) {
    if (t == kNoTime) return kNone;
    // Instants far outside the two bytes' days are not converted (the zone's arithmetic would
    // overflow at the extremes); a day's local offset is under a day.
    constexpr int64_t kMicrosPerDay = int64_t{86'400'000'000};
    if (t < -kMicrosPerDay || t > (int64_t{kOutside} + 1) * kMicrosPerDay) return kOutside;
    const LocalDateTime local = zone.ToLocal(Timestamp::FromMicros(t));
    const int32_t day = DayNumber(local.date);
    const uint16_t code = DayCodeOf(day);
    if (code == kOutside) return kOutside;
    // Only an instant in its day's span may be decided by the day (TimeColumn). No instant is
    // before its local date's start (the first instant with that date); one is after the next
    // day's start only where the clock went back across midnight, which leaves it less than the
    // step back before midnight on the wall clock. Steps back are of an hour or two (12 hours
    // is taken as the bound), so only instants from noon on are looked at, sparing a build half
    // the zone arithmetic.
    if (local.hour >= 12 && zone.StartOfDay(DateOfDay(day + 1)).micros() <= t) return kOutside;
    return code;
}

CustomerSet IndexAccess::Wrap(Bitmap bits) {
    CustomerSet set;
    *set.bits_ = std::move(bits);
    return set;
}

// The value of `property` in a tracked message (decrypted payload), its text interned in
// `column`.
PropertyValue ReadPropertyValue(const TimeZone& zone, std::string_view payload, const std::string& property,
                                PropertyColumn& column) {
    PropertyValue out;
    boost::system::error_code ec;
    const boost::json::value message = boost::json::parse(payload, ec);
    if (ec || !message.is_object()) return out;
    const auto* properties = message.as_object().if_contains("properties");
    if (properties == nullptr || !properties->is_object()) return out;
    const auto* value = properties->as_object().if_contains(property);
    if (value == nullptr) return out;
    switch (value->kind()) {
        case boost::json::kind::null:
            break;
        case boost::json::kind::bool_:
            out.kind = PropertyValue::Kind::kBool;
            out.boolean = value->get_bool();
            break;
        case boost::json::kind::int64:
        case boost::json::kind::uint64:
        case boost::json::kind::double_:
            out.kind = PropertyValue::Kind::kNumber;
            out.number = value->to_number<double>();
            break;
        case boost::json::kind::string: {
            std::string text(value->get_string());
            auto [code, inserted] = column.text_codes.try_emplace(text, static_cast<uint32_t>(column.texts.size()));
            if (inserted) column.texts.push_back(ReadPropertyText(zone, std::move(text)));
            out.kind = PropertyValue::Kind::kString;
            out.text = code->second;
            break;
        }
        default:
            out.kind = PropertyValue::Kind::kOther;
            break;
    }
    return out;
}

Result<std::shared_ptr<const PropertyColumn>> IndexAccess::Property(const IndexData& d, const std::string& event,
                                                                    const std::string& property) {
    std::lock_guard lock(d.properties_mutex);
    const auto key = std::pair(event, property);
    if (auto it = d.properties.find(key); it != d.properties.end())
        return std::shared_ptr<const PropertyColumn>(it->second);
    auto column = std::make_shared<PropertyColumn>();
    const auto runs_it = d.events.find(event);
    if (runs_it != d.events.end()) {
        const EventRuns& runs = runs_it->second;
        column->values.resize(runs.blocks.size());
        std::unordered_map<int64_t, std::pair<uint32_t, uint32_t>> position;  // event id → (block, place)
        position.reserve(runs.occurrences());
        for (size_t b = 0; b < runs.blocks.size(); ++b) {
            const EventBlock& block = runs.blocks[b];
            column->values[b].resize(block.times.size());
            for (size_t i = 0; i < block.event_ids.size(); ++i)
                position.emplace(block.event_ids[i], std::pair(static_cast<uint32_t>(b), static_cast<uint32_t>(i)));
        }
        const std::string context = EventContext(d.tenant);
        const int64_t chunk = std::max<int64_t>(1, d.settings.chunk_customers);
        const std::string select_payloads = RangeStatement(kSelectEventPayloads, kCustomerId);
        YT_TRY(d.db->Read([&](store::Session& s) -> Status {
            for (int64_t low = 0; low < d.capacity; low += chunk) {
                YT_ASSIGN_OR_RETURN(auto rows, s.Query(select_payloads, {d.tenant.value(), low, low + chunk, event}));
                for (const auto& row : rows) {
                    auto at = position.find(row.Int(0));
                    if (at == position.end()) continue;  // newer than the index
                    auto payload = d.keys->Decrypt(row.Text(1), context);
                    if (!payload.ok()) return Internal("cannot decrypt an event: " + payload.status().ToString());
                    column->values[at->second.first][at->second.second] =
                        ReadPropertyValue(d.zone, *payload, property, *column);
                }
            }
            return OkStatus();
        }));
    }
    d.properties.emplace(key, column);
    return std::shared_ptr<const PropertyColumn>(std::move(column));
}

// The payloads a refresh needs for the property columns made so far: of every event it read in
// the names that have a column. All of them, not only the events the index does not hold yet: a
// payload may have changed under the same event (erasure wipes it, customer_records.cpp).
struct FreshPayloads {
    std::set<std::string> names;                        // event names with a property column
    std::unordered_map<int64_t, std::string> payloads;  // event id → decrypted message
};

Result<FreshPayloads> ReadFreshPayloads(const IndexData& d, const std::vector<store::Row>& events) {
    FreshPayloads fresh;
    {
        std::lock_guard lock(d.properties_mutex);
        for (const auto& [key, column] : d.properties) fresh.names.insert(key.first);
    }
    if (fresh.names.empty()) return fresh;
    std::vector<int64_t> ids;
    for (const auto& row : events) {
        if (fresh.names.contains(row.Text(1))) ids.push_back(row.Int(3));
    }
    if (ids.empty()) return fresh;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::vector<store::Row> rows;
    YT_TRY(d.db->Read(
        [&](store::Session& s) { return QueryIds(s, d.tenant, kSelectPayloadsById, kEventId, IdSet::Of(ids), rows); }));
    const std::string context = EventContext(d.tenant);
    for (const auto& row : rows) {
        // One payload that cannot be read must not stop the index from following the store: its
        // column is dropped instead (PatchProperties), and reading it again on next use reports it.
        auto payload = d.keys->Decrypt(row.Text(1), context);
        if (payload.ok()) fresh.payloads.emplace(row.Int(0), std::move(*payload));
    }
    return fresh;
}

// Brings the property columns up to the event blocks a refresh rewrote: each rewritten block's
// values are taken from where they were or parsed from the payloads the refresh read. A column is
// dropped (made again on next use) when a value it needs is missing: a payload that could not be
// decrypted, or a column made after the refresh read its payloads whose blocks it rewrote. Under
// d.mutex, held exclusively.
void PatchProperties(IndexData& d, std::span<const Loader::RewrittenBlock> rewritten, const FreshPayloads& fresh) {
    std::lock_guard lock(d.properties_mutex);
    for (auto it = d.properties.begin(); it != d.properties.end();) {
        const auto& [event, property] = it->first;
        PropertyColumn& column = *it->second;
        // A column made after the refresh read its payloads can be patched only if none of its
        // name's blocks was rewritten.
        bool patched = fresh.names.contains(event) ||
                       std::none_of(rewritten.begin(), rewritten.end(),
                                    [&](const Loader::RewrittenBlock& r) { return r.name == event; });
        const auto runs = d.events.find(event);
        for (const Loader::RewrittenBlock& r : rewritten) {
            if (!patched) break;
            if (r.name != event) continue;
            std::vector<PropertyValue> values;
            if (runs != d.events.end() && r.block < runs->second.blocks.size()) {
                const EventBlock& block = runs->second.blocks[r.block];
                const std::vector<PropertyValue> empty;
                const std::vector<PropertyValue>& old = r.block < column.values.size() ? column.values[r.block] : empty;
                values.resize(block.times.size());
                patched = r.source.size() == values.size();
                for (size_t i = 0; i < values.size() && patched; ++i) {
                    const uint32_t from = r.source[i];
                    if (from == Loader::kFresh) {
                        const auto payload = fresh.payloads.find(block.event_ids[i]);
                        if (payload == fresh.payloads.end()) {
                            patched = false;
                        } else {
                            values[i] = ReadPropertyValue(d.zone, payload->second, property, column);
                        }
                    } else if (from < old.size()) {
                        values[i] = old[from];
                    } else {
                        patched = false;
                    }
                }
            }
            if (column.values.size() <= r.block) column.values.resize(r.block + 1);
            column.values[r.block] = std::move(values);
        }
        if (patched && runs != d.events.end()) column.values.resize(runs->second.blocks.size());
        it = patched ? std::next(it) : d.properties.erase(it);
    }
}

}  // namespace internal

using internal::Bitmap;
using internal::IndexData;
using internal::Loader;

AudienceIndex::AudienceIndex(std::unique_ptr<IndexData> data) : data_(std::move(data)) {}

namespace {

// An empty index of `tenant` wired to what Build and Load are given.
std::unique_ptr<IndexData> NewData(store::Database& db, const KeyRing& keys, TenantId tenant, const Clock& clock,
                                   IndexSettings settings) {
    auto d = std::make_unique<IndexData>();
    d->tenant = tenant;
    d->clock = &clock;
    d->db = &db;
    d->keys = &keys;
    d->settings = settings;
    return d;
}

}  // namespace
AudienceIndex::~AudienceIndex() = default;

Result<std::unique_ptr<AudienceIndex>> AudienceIndex::Build(store::Database& db, const KeyRing& keys, TenantId tenant,
                                                            const Clock& clock, std::optional<TimeZone> zone,
                                                            IndexSettings settings) {
    const auto started = std::chrono::steady_clock::now();
    auto d = NewData(db, keys, tenant, clock, settings);
    const int64_t chunk = std::max<int64_t>(1, settings.chunk_customers);
    YT_TRY(db.Read([&](store::Session& s) -> Status {
        d->built_at = clock.Now();
        d->current_at.store(d->built_at.micros(), std::memory_order_release);
        YT_ASSIGN_OR_RETURN(auto tenant_row, s.QueryOne(internal::kSelectTimeZone, {tenant.value()}));
        if (!tenant_row) return NotFound("no such merchant");
        if (zone) {
            d->zone = *zone;
        } else {
            YT_ASSIGN_OR_RETURN(d->zone, TimeZone::Load(tenant_row->Text(0)));
        }
        YT_ASSIGN_OR_RETURN(auto max_row, s.QueryOne(internal::kSelectMaxCustomer, {tenant.value()}));
        const int64_t max_id = max_row ? max_row->OptionalInt(0).value_or(0) : 0;
        YT_ASSIGN_OR_RETURN(const uint32_t max_slot, internal::Slot(max_id));
        internal::Grow(*d, max_slot + 1);
        YT_TRY(internal::LoadTagCatalogue(s, tenant, d->tags));
        YT_ASSIGN_OR_RETURN(d->logged, store::CurrentChangePosition(s, tenant));

        Loader loader(*d, keys);
        // Pass 1: who is canonical, and where each tombstone leads.
        std::vector<uint32_t>& canonical = loader.canonical_table();
        canonical.assign(d->capacity, 0);
        std::vector<int64_t> merged_into(d->capacity, 0);
        const std::string select_customers =
            internal::RangeStatement(internal::kSelectCustomers, internal::kCustomerId);
        for (int64_t low = 0; low < max_id; low += chunk) {
            YT_ASSIGN_OR_RETURN(auto rows, s.Query(select_customers, {tenant.value(), low, low + chunk}));
            for (const auto& row : rows) {
                const auto c = static_cast<uint32_t>(row.Int(0));
                if (row.IsNull(1)) {
                    canonical[c] = c;
                    loader.ApplyCustomer(row, c);
                } else {
                    merged_into[c] = row.Int(1);
                }
            }
        }
        for (uint32_t c = 1; c < d->capacity; ++c) {
            if (merged_into[c] == 0) continue;
            // Merges re-point older tombstones at the new winner, so this is one hop; follow a
            // few more in case an older store holds chains.
            int64_t next = merged_into[c];
            for (int hop = 0; hop < internal::kMaxMergeHops && next > 0 && next < d->capacity; ++hop) {
                const auto n = static_cast<size_t>(next);
                if (canonical[n] == next) break;
                next = merged_into[n];
            }
            if (next > 0 && next < d->capacity && canonical[static_cast<size_t>(next)] == next) {
                canonical[c] = static_cast<uint32_t>(next);
            }
        }
        // Pass 2: everything else.
        for (int64_t low = 0; low < max_id; low += chunk) {
            Loader::Batch batch;
            YT_TRY(loader.Fetch(s, internal::IdSet::Range(low + 1, low + chunk), batch));
            YT_TRY(loader.Decrypt(batch));
            loader.Collect(batch);
            loader.Apply(batch);
        }
        loader.Finish(d->live);
        loader.SortRuns();
        loader.BuildArrays();
        return OkStatus();
    }));
    d->live.Optimize();
    for (auto& [tag, members] : d->tag_members) members.Optimize();
    for (auto& [name, column] : d->attributes) {
        column.present.Optimize();
        for (auto& members : column.text_members) members.Optimize();
    }
    d->build_time = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    return std::unique_ptr<AudienceIndex>(new AudienceIndex(std::move(d)));
}

Result<std::unique_ptr<AudienceIndex>> AudienceIndex::Load(store::Database& db, const KeyRing& keys, TenantId tenant,
                                                           const Clock& clock, const std::filesystem::path& file,
                                                           IndexSettings settings) {
    auto d = NewData(db, keys, tenant, clock, settings);
    YT_TRY(internal::ReadSnapshot(file, *d));
    return internal::IndexAccess::Make(std::move(d));
}

Status AudienceIndex::Save(const std::filesystem::path& file) const {
    // The data and the position it is current as of change together, under refresh_mutex.
    std::lock_guard no_refresh(data_->refresh_mutex);
    return internal::WriteSnapshot(*data_, file);
}

Status AudienceIndex::Refresh(std::span<const CustomerId> customers) {
    // One refresh at a time, so that an older read is never applied after a newer one.
    std::lock_guard refreshing(data_->refresh_mutex);
    return RefreshLocked(customers, false, {});
}

Result<AudienceIndex::CatchUpReport> AudienceIndex::CatchUp(size_t limit) {
    IndexData& d = *data_;
    std::lock_guard refreshing(d.refresh_mutex);
    // Every commit before this is in the log read next.
    const Timestamp reading = d.clock->Now();
    YT_ASSIGN_OR_RETURN(store::ChangesSince news, store::ReadChanges(*d.db, d.tenant, d.logged, limit));
    if (news.restart) return CatchUpReport{.restart = true};
    // The deltas take each customer from what the index holds (as of the last position) to what
    // the log says now; the customers re-read are read after the log, so they are at least as new.
    // Both are applied together once the re-read succeeded, as one change (one version).
    std::vector<CustomerId> reread = std::move(news.customers);
    size_t applied = 0;
    // A tag removed from a customer may still be held through one of its tombstones, whose tag
    // rows a build counts for it (a store older than merges that move tags): those customers
    // are re-read. The partial index of tombstones makes this one short read.
    std::unordered_set<int64_t> merged_into;
    std::vector<int64_t> untagged;
    for (const store::ChangeDelta& delta : news.deltas) {
        if (delta.kind == store::ChangeDelta::Kind::kTagRemoved) untagged.push_back(delta.customer.value());
    }
    if (!untagged.empty()) {
        std::sort(untagged.begin(), untagged.end());
        untagged.erase(std::unique(untagged.begin(), untagged.end()), untagged.end());
        std::vector<store::Row> rows;
        YT_TRY(d.db->Read([&](store::Session& s) {
            return internal::QueryIds(s, d.tenant, internal::kSelectMergedIds, internal::kMergedInto,
                                      internal::IdSet::Of(untagged), rows);
        }));
        for (const auto& row : rows) merged_into.insert(row.Int(1));
    }
    const std::vector<store::ChangeDelta> deltas = LiveDeltas(news.deltas, merged_into, reread, applied);
    YT_TRY(RefreshLocked(reread, news.catalogue, deltas));
    d.logged = std::move(news.next);
    d.current_at.store(reading.micros(), std::memory_order_release);
    return CatchUpReport{.customers = reread.size(), .applied = applied};
}

std::vector<store::ChangeDelta> AudienceIndex::LiveDeltas(std::span<const store::ChangeDelta> deltas,
                                                          const std::unordered_set<int64_t>& merged_into,
                                                          std::vector<CustomerId>& reread, size_t& customers) const {
    const IndexData& d = *data_;
    std::shared_lock reading(d.mutex);
    // Only a live customer's tags and last-seen time are as the log's earlier rows left them; a
    // new customer, a tombstone or a malformed row is re-read whole. A build also counts the tag
    // rows of a customer's tombstones for it: a merge moves or drops the loser's tags
    // (customers/profile.cpp), but an older store may hold some, so a customer with tombstones
    // that lost a tag is re-read too.
    std::unordered_set<int64_t> skipped, kept_customers;
    for (const store::ChangeDelta& delta : deltas) {
        const int64_t id = delta.customer.value();
        if (id <= 0 || id >= static_cast<int64_t>(d.capacity) || !d.live.Contains(static_cast<uint32_t>(id)) ||
            (delta.kind != store::ChangeDelta::Kind::kLastSeen && !delta.value) || merged_into.contains(id)) {
            if (skipped.insert(id).second) reread.push_back(delta.customer);
        }
    }
    std::vector<store::ChangeDelta> kept;
    for (const store::ChangeDelta& delta : deltas) {
        if (skipped.contains(delta.customer.value())) continue;
        kept.push_back(delta);
        kept_customers.insert(delta.customer.value());
    }
    customers = kept_customers.size();
    return kept;
}

Status AudienceIndex::RefreshLocked(std::span<const CustomerId> customers, bool catalogue_changed,
                                    std::span<const store::ChangeDelta> deltas) {
    std::vector<int64_t> named;
    named.reserve(customers.size());
    for (CustomerId customer : customers) {
        if (customer.value() > 0) named.push_back(customer.value());
    }
    IndexData& d = *data_;
    if (named.empty()) {
        if (!catalogue_changed && deltas.empty()) return OkStatus();
        std::vector<internal::TagInfo> catalogue;
        if (catalogue_changed) {
            YT_TRY(d.db->Read([&](store::Session& s) { return internal::LoadTagCatalogue(s, d.tenant, catalogue); }));
        }
        std::unique_lock lock(d.mutex);
        if (catalogue_changed) d.tags = std::move(catalogue);
        Bitmap changed;
        std::array<Bitmap, kFacetCount> facets;
        internal::ApplyDeltas(d, deltas, changed, facets);
        internal::RecordChange(d, std::move(changed), std::move(facets));
        return OkStatus();
    }
    std::sort(named.begin(), named.end());
    named.erase(std::unique(named.begin(), named.end()), named.end());

    // 1. Read, while evaluations go on: which customers are affected, and their rows, a few
    // statements per table for the whole batch.
    internal::RefreshScope scope;
    std::vector<internal::TagInfo> catalogue;
    Loader loader(d, *d.keys);
    Loader::Batch batch;
    YT_TRY(d.db->Read([&](store::Session& s) -> Status {
        YT_TRY(internal::LoadTagCatalogue(s, d.tenant, catalogue));
        YT_ASSIGN_OR_RETURN(scope, internal::ReadScope(s, d.tenant, named));
        std::vector<int64_t> ids;
        for (const auto& [c, group] : scope.groups) {
            for (int64_t id : group) {
                loader.SetCanonical(id, c);
                ids.push_back(id);
            }
        }
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        return loader.Fetch(s, internal::IdSet::Of(ids), batch);
    }));
    YT_ASSIGN_OR_RETURN(const uint32_t max_slot, internal::Slot(scope.max_id));
    YT_TRY(loader.Decrypt(batch));
    loader.Collect(batch);
    loader.SortRuns();
    // The property columns made so far are patched, not dropped: the payloads of the events the
    // index does not hold yet are read for them now.
    YT_ASSIGN_OR_RETURN(const internal::FreshPayloads fresh, internal::ReadFreshPayloads(d, batch.events));
    Bitmap changed;
    for (const auto& [c, group] : scope.groups) changed.Add(c);
    changed.AddMany(scope.tombstones);
    const std::vector<uint32_t> changed_ids = changed.ToVector();
    // What the index holds about them now, to tell afterwards which facets changed. Only a
    // refresh changes the index, and this one holds refresh_mutex: it stays true until the apply.
    const internal::FacetProbe probe = [&] {
        std::shared_lock reading(d.mutex);
        return internal::FacetProbe(d, changed, changed_ids);
    }();

    // 2. Apply, with evaluations waiting. Nothing here can fail.
    std::unique_lock lock(d.mutex);
    internal::Grow(d, max_slot + 1);
    internal::ClearCustomers(d, changed);
    Bitmap refreshed;
    for (const store::Row& row : scope.canonical_rows) {
        const auto c = static_cast<uint32_t>(row.Int(0));
        loader.ApplyCustomer(row, c);
        refreshed.Add(c);
    }
    loader.Apply(batch);
    loader.Finish(refreshed);
    loader.ReplacePurchases(changed_ids);
    // The window tallies follow the purchase blocks just rewritten.
    {
        std::lock_guard tallies_lock(d.tallies_mutex);
        if (!d.tallies.empty()) {
            std::vector<uint32_t> blocks;
            for (uint32_t c : changed_ids) {
                if (blocks.empty() || blocks.back() != c >> internal::kPurchaseBlockBits)
                    blocks.push_back(c >> internal::kPurchaseBlockBits);
            }
            const int64_t now = d.clock->Now().micros();
            for (const auto& tally : d.tallies) internal::RetallyBlocks(d, *tally, blocks, now);
        }
    }
    const auto rewritten = loader.ReplaceEvents(changed_ids, fresh.names);
    d.tags = std::move(catalogue);
    // The deltas of other customers, applied under the same lock and recorded as the same change.
    std::array<Bitmap, kFacetCount> facets = probe.Changed(d);
    internal::ApplyDeltas(d, deltas, changed, facets);
    internal::RecordChange(d, std::move(changed), std::move(facets));
    internal::PatchProperties(d, rewritten, fresh);
    // Event tallies are tallied again, block by block, by the next evaluation that reads them.
    std::lock_guard event_tallies_lock(d.event_tallies_mutex);
    for (const auto& tally : d.event_tallies) {
        for (const Loader::RewrittenBlock& r : rewritten) {
            if (r.name != tally->key.event) continue;
            if (tally->blocks.size() <= r.block) {
                tally->blocks.resize(r.block + 1);
                tally->stale.resize(r.block + 1, 1);
            }
            tally->stale[r.block] = 1;
        }
    }
    return OkStatus();
}

uint64_t AudienceIndex::version() const {
    std::shared_lock lock(data_->mutex);
    return data_->version;
}

std::optional<CustomerSet> AudienceIndex::ChangedSince(uint64_t version, Facets facets) const {
    const IndexData& d = *data_;
    std::shared_lock lock(d.mutex);
    if (version > d.version) return std::nullopt;
    if (version == d.version) return CustomerSet();
    // Refreshes version + 1 … d.version must all be remembered.
    if (d.changes.empty() || d.changes.front().version > version + 1) return std::nullopt;
    Bitmap changed;
    for (const auto& change : d.changes) {
        if (change.version <= version) continue;
        if ((facets & kAllFacets) == kAllFacets) {
            changed |= change.customers;
            continue;
        }
        for (size_t f = 0; f < kFacetCount; ++f) {
            if ((facets >> f & 1u) != 0) changed |= change.facets[f];
        }
    }
    return internal::IndexAccess::Wrap(std::move(changed));
}

TenantId AudienceIndex::tenant() const { return data_->tenant; }
const TimeZone& AudienceIndex::time_zone() const { return data_->zone; }
Timestamp AudienceIndex::built_at() const { return data_->built_at; }

IndexStats AudienceIndex::Stats() const {
    const IndexData& d = *data_;
    std::shared_lock lock(d.mutex);
    IndexStats stats;
    stats.customers = static_cast<int64_t>(d.live.Cardinality());
    stats.capacity = d.capacity;
    stats.orders = d.purchase_total;
    stats.tags = static_cast<int64_t>(d.tags.size());
    stats.attributes = static_cast<int64_t>(d.attributes.size());
    stats.event_names = static_cast<int64_t>(d.events.size());
    stats.build_time = d.build_time;
    using internal::MapBytes;
    using internal::NarrowBytes;
    using internal::StringsBytes;
    using internal::VectorBytes;
    // Everything the index holds but the property columns, a cache read on demand.
    size_t bytes = d.live.Bytes() + d.owned.Bytes();
    bytes += VectorBytes(d.tags);
    for (const auto& tag : d.tags) bytes += tag.group.capacity() + tag.name.capacity();
    bytes += MapBytes(d.tag_members);
    for (const auto& [tag, b] : d.tag_members) bytes += b.Bytes();
    for (const auto& b : d.identities) bytes += b.Bytes();
    for (const auto& b : d.consented) bytes += b.Bytes();
    for (const auto& b : d.stages) bytes += b.Bytes();
    bytes += VectorBytes(d.owner_of) + VectorBytes(d.owners) + MapBytes(d.owner_codes) + MapBytes(d.owner_members);
    for (const auto& [owner, b] : d.owner_members) bytes += b.Bytes();
    bytes += VectorBytes(d.channel_of) + StringsBytes(d.channels) + MapBytes(d.channel_codes) +
             VectorBytes(d.channel_members);
    for (const auto& [channel, code] : d.channel_codes) bytes += channel.capacity();
    for (const auto& b : d.channel_members) bytes += b.Bytes();
    for (const internal::TimeColumn* column : {&d.first_order_at, &d.last_order_at, &d.last_seen}) {
        bytes += VectorBytes(column->at) + VectorBytes(column->day);
    }
    bytes += NarrowBytes(d.order_count) + NarrowBytes(d.net_spend);
    for (const auto& column : d.rfm) bytes += VectorBytes(column);
    for (const auto& column : d.platform_orders) bytes += NarrowBytes(column);
    bytes += VectorBytes(d.purchase_blocks);
    for (const auto& block : d.purchase_blocks) bytes += VectorBytes(block.offsets) + VectorBytes(block.items);
    for (const auto& [name, column] : d.attributes) {
        bytes += name.capacity() + column.present.Bytes() + column.bool_true.Bytes() + column.bool_false.Bytes() +
                 VectorBytes(column.text_of) + VectorBytes(column.number_of) + VectorBytes(column.day_of) +
                 VectorBytes(column.instant_of) + StringsBytes(column.texts) + MapBytes(column.text_codes) +
                 VectorBytes(column.text_members);
        for (const auto& [text, code] : column.text_codes) bytes += text.capacity();
        for (const auto& b : column.text_members) bytes += b.Bytes();
    }
    for (const auto& [name, runs] : d.events) {
        stats.events += static_cast<int64_t>(runs.occurrences());
        stats.event_bytes += name.capacity() + VectorBytes(runs.blocks);
        for (const auto& block : runs.blocks) {
            stats.event_bytes += VectorBytes(block.customers) + VectorBytes(block.offsets) + VectorBytes(block.times) +
                                 VectorBytes(block.event_ids);
        }
    }
    bytes += stats.event_bytes;
    for (const auto& change : d.changes) {
        bytes += change.customers.Bytes();
        for (const auto& facet : change.facets) bytes += facet.Bytes();
    }
    stats.bytes = bytes;
    std::lock_guard tallies_lock(d.tallies_mutex);
    for (const auto& tally : d.tallies) stats.window_bytes += tally->Bytes();
    std::lock_guard event_tallies_lock(d.event_tallies_mutex);
    for (const auto& tally : d.event_tallies) stats.window_bytes += tally->Bytes();
    return stats;
}

}  // namespace yutang::audience
