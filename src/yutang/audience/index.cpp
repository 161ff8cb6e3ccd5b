#include "yutang/audience/index.hpp"

#include <algorithm>
#include <charconv>
#include <set>
#include <tuple>
#include <unordered_set>

#include <boost/json.hpp>

#include "yutang/audience/internal/index_data.hpp"
#include "yutang/audience/internal/spec.hpp"

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
// Every per-customer query reads one range of customer ids, ($2, $3]: chunks while building, a
// range of one id while refreshing. Each is served by an index that starts (tenant_id, customer_id).

constexpr std::string_view kSelectTimeZone = "SELECT time_zone FROM tenants WHERE tenant_id = $1";
constexpr std::string_view kSelectMaxCustomer = "SELECT MAX(customer_id) FROM customers WHERE tenant_id = $1";
constexpr std::string_view kSelectTagCatalogue =
    "SELECT t.tag_id, g.name, t.name FROM tags t JOIN tag_groups g ON g.tenant_id = t.tenant_id "
    "AND g.group_id = t.group_id WHERE t.tenant_id = $1 AND t.deleted_at IS NULL";
constexpr std::string_view kSelectCustomers =
    "SELECT customer_id, merged_into, owner_staff_id, source_channel, last_seen_at FROM customers "
    "WHERE tenant_id = $1 AND customer_id > $2 AND customer_id <= $3";
constexpr std::string_view kSelectTraits =
    "SELECT customer_id, order_count, total_spend_fen, refunded_fen, first_order_at, last_order_at, "
    "platform_counts, lifecycle_stage, rfm_recency, rfm_frequency, rfm_monetary FROM customer_traits "
    "WHERE tenant_id = $1 AND customer_id > $2 AND customer_id <= $3";
constexpr std::string_view kSelectIdentityKinds =
    "SELECT customer_id, kind FROM customer_identities WHERE tenant_id = $1 AND customer_id > $2 AND customer_id <= $3";
constexpr std::string_view kSelectCustomerTags =
    "SELECT customer_id, tag_id FROM customer_tags WHERE tenant_id = $1 AND customer_id > $2 AND customer_id <= $3";
constexpr std::string_view kSelectAttributes =
    "SELECT customer_id, name, type, value_cipher FROM customer_attributes "
    "WHERE tenant_id = $1 AND customer_id > $2 AND customer_id <= $3";
constexpr std::string_view kSelectConsent =
    "SELECT customer_id, purpose, granted, given_at, consent_id FROM consent_records "
    "WHERE tenant_id = $1 AND customer_id > $2 AND customer_id <= $3";
// The statuses that count as purchases: events/orders.cpp (kAggregate). Keep in sync.
constexpr std::string_view kSelectPurchases =
    "SELECT customer_id, source, paid_fen - refunded_fen, ordered_at FROM orders "
    "WHERE tenant_id = $1 AND customer_id > $2 AND customer_id <= $3 "
    "AND status IN ('paid', 'shipped', 'completed', 'refunded')";
constexpr std::string_view kSelectEvents =
    "SELECT customer_id, name, occurred_at, event_id FROM events "
    "WHERE tenant_id = $1 AND customer_id > $2 AND customer_id <= $3 AND type = 'track'";
constexpr std::string_view kSelectEventPayloads =
    "SELECT event_id, payload FROM events "
    "WHERE tenant_id = $1 AND customer_id > $2 AND customer_id <= $3 AND type = 'track' AND name = $4";
constexpr std::string_view kSelectMergedInto =
    "SELECT merged_into FROM customers WHERE tenant_id = $1 AND customer_id = $2";
constexpr std::string_view kSelectMergedIds =
    "SELECT customer_id FROM customers WHERE tenant_id = $1 AND merged_into = $2";

constexpr int kMaxMergeHops = 64;

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

template <typename T>
void GrowColumn(std::vector<T>& column, uint32_t capacity, T fill) {
    if (!column.empty() && column.size() < capacity) column.resize(capacity, fill);
}

template <typename T>
void EnsureColumn(std::vector<T>& column, uint32_t capacity, T fill) {
    if (column.size() < capacity) column.resize(capacity, fill);
}

void ClearAttribute(AttributeColumn& column, uint32_t c) {
    column.present.Remove(c);
    if (c < column.text_of.size() && column.text_of[c] != 0) {
        column.text_members[column.text_of[c] - 1].Remove(c);
        column.text_of[c] = 0;
    }
    column.bool_true.Remove(c);
    column.bool_false.Remove(c);
    if (c < column.number_of.size()) column.number_of[c] = std::nan("");
    if (c < column.day_of.size()) column.day_of[c] = kNoDay;
    if (c < column.instant_of.size()) column.instant_of[c] = kNoTime;
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

// The grows every column to `capacity` slots.
void Grow(IndexData& d, uint32_t capacity) {
    if (capacity <= d.capacity) return;
    d.owner_of.resize(capacity, 0);
    d.channel_of.resize(capacity, 0);
    d.order_count.resize(capacity, 0);
    d.net_spend.resize(capacity, 0);
    d.refunded.resize(capacity, 0);
    d.first_order_at.resize(capacity, kNoTime);
    d.last_order_at.resize(capacity, kNoTime);
    d.last_seen.resize(capacity, kNoTime);
    for (auto& column : d.rfm) column.resize(capacity, 0);
    for (auto& column : d.platform_orders) column.resize(capacity, 0);
    const uint32_t last = d.purchase_offsets.empty() ? 0 : d.purchase_offsets.back();
    d.purchase_offsets.resize(static_cast<size_t>(capacity) + 1, last);
    for (auto& [name, column] : d.attributes) {
        GrowColumn(column.text_of, capacity, 0u);
        GrowColumn(column.number_of, capacity, std::nan(""));
        GrowColumn(column.day_of, capacity, kNoDay);
        GrowColumn(column.instant_of, capacity, kNoTime);
    }
    d.capacity = capacity;
}

// Forgets everything the index holds about slot `c` but its purchases and events (their arrays
// are rebuilt separately).
void ClearCustomer(IndexData& d, uint32_t c) {
    d.live.Remove(c);
    for (auto& [tag, members] : d.tag_members) members.Remove(c);
    for (auto& b : d.identities) b.Remove(c);
    for (auto& b : d.consented) b.Remove(c);
    for (auto& b : d.stages) b.Remove(c);
    if (d.owner_of[c] != 0) {
        d.owner_members[d.owner_of[c]].Remove(c);
        d.owned.Remove(c);
        d.owner_of[c] = 0;
    }
    if (d.channel_of[c] != 0) {
        d.channel_members[d.channel_of[c] - 1].Remove(c);
        d.channel_of[c] = 0;
    }
    d.order_count[c] = 0;
    d.net_spend[c] = 0;
    d.refunded[c] = 0;
    d.first_order_at[c] = kNoTime;
    d.last_order_at[c] = kNoTime;
    d.last_seen[c] = kNoTime;
    for (auto& column : d.rfm) column[c] = 0;
    for (auto& column : d.platform_orders) column[c] = 0;
    for (auto& [name, column] : d.attributes) ClearAttribute(column, c);
}

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

// Reads rows into an IndexData: every customer while building, a few while refreshing. Rows of a
// tombstone (a merged customer) count for the customer it was merged into, as the profile reads
// them (customers/profile.hpp): consent and events stay on the ids they were recorded for.
class Loader {
  public:
    Loader(IndexData& d, const KeyRing& keys) : d_(d), keys_(keys), attribute_context_(AttributeContext(d.tenant)) {}

    // Building: canonical_[id] for every id below capacity (0 = no such customer).
    std::vector<uint32_t>& canonical_table() { return canonical_table_; }
    // Refreshing: the canonical slot of each id read.
    void SetCanonical(int64_t id, uint32_t canonical) { canonical_map_[id] = canonical; }

    // The rows of one range of customer ids, read but not yet applied.
    struct Batch {
        store::Rows traits, kinds, tags, attributes, consent, purchases, events;
        std::vector<std::string> values;  // the attributes' values, decrypted
    };

    Result<Batch> Fetch(store::Session& s, int64_t low, int64_t high) const {
        const int64_t t = d_.tenant.value();
        Batch b;
        YT_ASSIGN_OR_RETURN(b.traits, s.Query(kSelectTraits, {t, low, high}));
        YT_ASSIGN_OR_RETURN(b.kinds, s.Query(kSelectIdentityKinds, {t, low, high}));
        YT_ASSIGN_OR_RETURN(b.tags, s.Query(kSelectCustomerTags, {t, low, high}));
        YT_ASSIGN_OR_RETURN(b.attributes, s.Query(kSelectAttributes, {t, low, high}));
        YT_ASSIGN_OR_RETURN(b.consent, s.Query(kSelectConsent, {t, low, high}));
        YT_ASSIGN_OR_RETURN(b.purchases, s.Query(kSelectPurchases, {t, low, high}));
        YT_ASSIGN_OR_RETURN(b.events, s.Query(kSelectEvents, {t, low, high}));
        return b;
    }

    // Decrypts a batch's attribute values (the one step of Apply that can fail), so that Apply
    // cannot fail half-way.
    Status Decrypt(Batch& b) const {
        b.values.clear();
        for (const auto& row : b.attributes) {
            auto text = keys_.Decrypt(row.Text(3), attribute_context_);
            if (!text.ok()) return Internal("cannot decrypt a customer attribute: " + text.status().ToString());
            b.values.push_back(std::move(*text));
        }
        return OkStatus();
    }

    // Applies a decrypted batch.
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
        for (size_t i = 0; i < b.attributes.size(); ++i) ApplyAttribute(b.attributes.rows[i], b.values[i]);
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
        for (const auto& row : b.purchases) {
            const uint32_t c = Canonical(row.Int(0));
            if (c == 0) continue;
            purchases_.emplace_back(c,
                                    Purchase{row.Int(3), row.Int(2), static_cast<int8_t>(PlatformIndex(row.Text(1)))});
        }
        for (const auto& row : b.events) {
            const uint32_t c = Canonical(row.Int(0));
            if (c == 0) continue;
            auto [it, inserted] = event_codes_.try_emplace(row.Text(1), static_cast<uint32_t>(event_names_.size()));
            if (inserted) event_names_.push_back(row.Text(1));
            event_rows_.push_back({it->second, c, row.Int(2), row.Int(3)});
        }
    }

    // A canonical customer's own row of `customers`.
    void ApplyCustomer(const store::Row& row, uint32_t c) {
        d_.live.Add(c);
        if (auto owner = row.OptionalInt(2); owner && *owner > 0) {
            d_.owner_of[c] = *owner;
            d_.owner_members[*owner].Add(c);
            d_.owned.Add(c);
        }
        const std::string channel = row.Text(3);
        if (!channel.empty()) {
            const uint32_t code = Intern(channel, d_.channels, d_.channel_codes, d_.channel_members);
            d_.channel_of[c] = code + 1;
            d_.channel_members[code].Add(c);
        }
        d_.last_seen[c] = row.OptionalInt(4).value_or(kNoTime);
    }

    // After every row is read: what combines rows (consent, stages, last seen) and the arrays of
    // purchases and events for `customers` (every live customer when building).
    void Finish(const Bitmap& customers) {
        for (const auto& [key, record] : consent_) {
            if (record.granted) d_.consented[static_cast<size_t>(key & 7)].Add(static_cast<uint32_t>(key >> 3));
        }
        // Customers without a traits row have not bought: prospects.
        d_.stages[0] |= customers - has_traits_;
        customers.ForEach([&](uint32_t c) { d_.last_seen[c] = std::max(d_.last_seen[c], d_.last_order_at[c]); });
        std::sort(purchases_.begin(), purchases_.end(), [](const auto& a, const auto& b) {
            return std::tie(a.first, a.second.at, a.second.net_fen) < std::tie(b.first, b.second.at, b.second.net_fen);
        });
        std::sort(event_rows_.begin(), event_rows_.end(), [](const EventRow& a, const EventRow& b) {
            return std::tie(a.name, a.customer, a.at, a.id) < std::tie(b.name, b.customer, b.at, b.id);
        });
    }

    // Building: the purchase and event arrays from everything read.
    void BuildArrays() {
        d_.purchases.clear();
        d_.purchases.reserve(purchases_.size());
        std::fill(d_.purchase_offsets.begin(), d_.purchase_offsets.end(), 0u);
        for (const auto& [c, purchase] : purchases_) {
            ++d_.purchase_offsets[c + 1];
            d_.purchases.push_back(purchase);
        }
        for (size_t i = 1; i < d_.purchase_offsets.size(); ++i) d_.purchase_offsets[i] += d_.purchase_offsets[i - 1];
        d_.events.clear();
        for (size_t i = 0; i < event_rows_.size();) {
            EventRuns& runs = d_.events[event_names_[event_rows_[i].name]];
            const uint32_t name = event_rows_[i].name;
            for (; i < event_rows_.size() && event_rows_[i].name == name; ++i) {
                const EventRow& e = event_rows_[i];
                if (runs.customers.empty() || runs.customers.back() != e.customer) {
                    runs.customers.push_back(e.customer);
                    runs.offsets.push_back(static_cast<uint32_t>(runs.times.size()));
                }
                runs.times.push_back(e.at);
                runs.event_ids.push_back(e.id);
            }
            runs.offsets.push_back(static_cast<uint32_t>(runs.times.size()));
        }
    }

    // Refreshing: the purchase and event arrays with the runs of `changed` replaced by what was read.
    void MergeArrays(const Bitmap& changed) {
        std::vector<uint32_t> offsets(static_cast<size_t>(d_.capacity) + 1, 0);
        std::vector<Purchase> purchases;
        purchases.reserve(d_.purchases.size() + purchases_.size());
        size_t next = 0;
        for (uint32_t c = 0; c < d_.capacity; ++c) {
            offsets[c] = static_cast<uint32_t>(purchases.size());
            if (changed.Contains(c)) {
                for (; next < purchases_.size() && purchases_[next].first == c; ++next) {
                    purchases.push_back(purchases_[next].second);
                }
            } else {
                purchases.insert(purchases.end(), d_.purchases.begin() + d_.purchase_offsets[c],
                                 d_.purchases.begin() + d_.purchase_offsets[c + 1]);
            }
        }
        offsets[d_.capacity] = static_cast<uint32_t>(purchases.size());
        d_.purchases = std::move(purchases);
        d_.purchase_offsets = std::move(offsets);

        std::map<std::string, EventRuns, std::less<>> events;
        std::set<std::string> names;
        for (const auto& [name, runs] : d_.events) names.insert(name);
        names.insert(event_names_.begin(), event_names_.end());
        for (const std::string& name : names) {
            const EventRuns empty;
            const auto old_it = d_.events.find(name);
            const EventRuns& old = old_it == d_.events.end() ? empty : old_it->second;
            const auto code_it = event_codes_.find(name);
            // The rows read for this name: a contiguous, sorted stretch of event_rows_.
            auto first = event_rows_.end(), last = event_rows_.end();
            if (code_it != event_codes_.end()) {
                const uint32_t code = code_it->second;
                first = std::find_if(event_rows_.begin(), event_rows_.end(),
                                     [code](const EventRow& e) { return e.name == code; });
                last = std::find_if(first, event_rows_.end(), [code](const EventRow& e) { return e.name != code; });
            }
            EventRuns runs;
            auto append_old = [&](size_t i) {
                runs.customers.push_back(old.customers[i]);
                runs.offsets.push_back(static_cast<uint32_t>(runs.times.size()));
                runs.times.insert(runs.times.end(), old.times.begin() + old.offsets[i],
                                  old.times.begin() + old.offsets[i + 1]);
                runs.event_ids.insert(runs.event_ids.end(), old.event_ids.begin() + old.offsets[i],
                                      old.event_ids.begin() + old.offsets[i + 1]);
            };
            auto append_new = [&]() {
                const uint32_t c = first->customer;
                runs.customers.push_back(c);
                runs.offsets.push_back(static_cast<uint32_t>(runs.times.size()));
                for (; first != last && first->customer == c; ++first) {
                    runs.times.push_back(first->at);
                    runs.event_ids.push_back(first->id);
                }
            };
            size_t i = 0;
            while (i < old.customers.size() || first != last) {
                if (i < old.customers.size() && changed.Contains(old.customers[i])) {
                    ++i;
                } else if (first == last || (i < old.customers.size() && old.customers[i] < first->customer)) {
                    append_old(i++);
                } else {
                    append_new();
                }
            }
            if (runs.customers.empty()) continue;
            runs.offsets.push_back(static_cast<uint32_t>(runs.times.size()));
            events.emplace(name, std::move(runs));
        }
        d_.events = std::move(events);
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

    void ApplyTraits(const store::Row& row) {
        const int64_t id = row.Int(0);
        const uint32_t c = Canonical(id);
        // A tombstone's traits row (left when its orders were not reassigned) is not the person's.
        if (c == 0 || c != id) return;
        has_traits_.Add(c);
        d_.order_count[c] = row.Int(1);
        d_.net_spend[c] = row.Int(2) - row.Int(3);
        d_.refunded[c] = row.Int(3);
        d_.first_order_at[c] = row.OptionalInt(4).value_or(kNoTime);
        d_.last_order_at[c] = row.OptionalInt(5).value_or(kNoTime);
        boost::system::error_code ec;
        const boost::json::value counts = boost::json::parse(row.Text(6), ec);
        if (!ec && counts.is_object()) {
            for (const auto& [source, n] : counts.as_object()) {
                const int platform = PlatformIndex(std::string_view(source.data(), source.size()));
                if (platform >= 0 && n.is_int64()) {
                    d_.platform_orders[static_cast<size_t>(platform)][c] =
                        static_cast<int32_t>(std::clamp<int64_t>(n.as_int64(), 0, std::numeric_limits<int32_t>::max()));
                }
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
        } else if (type == "date" || type == "datetime") {
            int32_t day = kNoDay;
            int64_t instant = kNoTime;
            if (type == "date") {
                if (auto date = ParseIsoDate(text); date.ok()) {
                    day = DayNumber(*date);
                    instant = d_.zone.StartOfDay(*date).micros();
                }
            } else if (auto at = ParseRfc3339(text); at.ok()) {
                instant = at->micros();
                day = DayNumber(d_.zone.ToLocal(*at).date);
            }
            if (day != kNoDay) {
                EnsureColumn(column.day_of, d_.capacity, kNoDay);
                EnsureColumn(column.instant_of, d_.capacity, kNoTime);
                column.day_of[c] = day;
                column.instant_of[c] = instant;
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
    std::vector<std::pair<uint32_t, Purchase>> purchases_;
    std::vector<std::string> event_names_;
    std::unordered_map<std::string, uint32_t> event_codes_;
    std::vector<EventRow> event_rows_;
};

Status LoadTagCatalogue(store::Session& s, TenantId tenant, std::vector<TagInfo>& tags) {
    YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectTagCatalogue, {tenant.value()}));
    tags.clear();
    for (const auto& row : rows) tags.push_back({row.Int(0), row.Text(1), row.Text(2)});
    return OkStatus();
}

template <typename T>
size_t VectorBytes(const std::vector<T>& v) {
    return v.capacity() * sizeof(T);
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

CustomerSet IndexAccess::Wrap(Bitmap bits) {
    CustomerSet set;
    *set.bits_ = std::move(bits);
    return set;
}

Result<std::shared_ptr<const PropertyColumn>> IndexAccess::Property(const IndexData& d, const std::string& event,
                                                                    const std::string& property) {
    std::lock_guard lock(d.properties_mutex);
    const auto key = std::pair(event, property);
    if (auto it = d.properties.find(key); it != d.properties.end()) return it->second;
    auto column = std::make_shared<PropertyColumn>();
    const auto runs_it = d.events.find(event);
    if (runs_it != d.events.end()) {
        const EventRuns& runs = runs_it->second;
        column->values.resize(runs.times.size());
        std::unordered_map<int64_t, uint32_t> position;
        position.reserve(runs.event_ids.size());
        for (size_t i = 0; i < runs.event_ids.size(); ++i)
            position.emplace(runs.event_ids[i], static_cast<uint32_t>(i));
        std::unordered_map<std::string, uint32_t> text_codes;
        const std::string context = EventContext(d.tenant);
        const int64_t chunk = std::max<int64_t>(1, d.settings.chunk_customers);
        YT_TRY(d.db->Read([&](store::Session& s) -> Status {
            for (int64_t low = 0; low < d.capacity; low += chunk) {
                YT_ASSIGN_OR_RETURN(auto rows,
                                    s.Query(kSelectEventPayloads, {d.tenant.value(), low, low + chunk, event}));
                for (const auto& row : rows) {
                    auto at = position.find(row.Int(0));
                    if (at == position.end()) continue;  // newer than the index
                    auto payload = d.keys->Decrypt(row.Text(1), context);
                    if (!payload.ok()) return Internal("cannot decrypt an event: " + payload.status().ToString());
                    boost::system::error_code ec;
                    const boost::json::value message = boost::json::parse(*payload, ec);
                    if (ec || !message.is_object()) continue;
                    const auto* properties = message.as_object().if_contains("properties");
                    if (properties == nullptr || !properties->is_object()) continue;
                    const auto* value = properties->as_object().if_contains(property);
                    if (value == nullptr) continue;
                    PropertyValue& out = column->values[at->second];
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
                            auto [code, inserted] =
                                text_codes.try_emplace(text, static_cast<uint32_t>(column->texts.size()));
                            if (inserted) column->texts.push_back(ReadPropertyText(d.zone, std::move(text)));
                            out.kind = PropertyValue::Kind::kString;
                            out.text = code->second;
                            break;
                        }
                        default:
                            out.kind = PropertyValue::Kind::kOther;
                            break;
                    }
                }
            }
            return OkStatus();
        }));
    }
    d.properties.emplace(key, column);
    return std::shared_ptr<const PropertyColumn>(std::move(column));
}

}  // namespace internal

using internal::Bitmap;
using internal::IndexData;
using internal::Loader;

AudienceIndex::AudienceIndex(std::unique_ptr<IndexData> data) : data_(std::move(data)) {}
AudienceIndex::~AudienceIndex() = default;

Result<std::unique_ptr<AudienceIndex>> AudienceIndex::Build(store::Database& db, const KeyRing& keys, TenantId tenant,
                                                            const Clock& clock, std::optional<TimeZone> zone,
                                                            IndexSettings settings) {
    const auto started = std::chrono::steady_clock::now();
    auto d = std::make_unique<IndexData>();
    d->tenant = tenant;
    d->clock = &clock;
    d->db = &db;
    d->keys = &keys;
    d->settings = settings;
    const int64_t chunk = std::max<int64_t>(1, settings.chunk_customers);
    YT_TRY(db.Read([&](store::Session& s) -> Status {
        d->built_at = clock.Now();
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

        Loader loader(*d, keys);
        // Pass 1: who is canonical, and where each tombstone leads.
        std::vector<uint32_t>& canonical = loader.canonical_table();
        canonical.assign(d->capacity, 0);
        std::vector<int64_t> merged_into(d->capacity, 0);
        for (int64_t low = 0; low < max_id; low += chunk) {
            YT_ASSIGN_OR_RETURN(auto rows, s.Query(internal::kSelectCustomers, {tenant.value(), low, low + chunk}));
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
            YT_ASSIGN_OR_RETURN(auto batch, loader.Fetch(s, low, low + chunk));
            YT_TRY(loader.Decrypt(batch));
            loader.Apply(batch);
        }
        loader.Finish(d->live);
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

Status AudienceIndex::Refresh(std::span<const CustomerId> customers) {
    if (customers.empty()) return OkStatus();
    IndexData& d = *data_;
    // One refresh at a time, so that an older read is never applied after a newer one.
    std::lock_guard refreshing(d.refresh_mutex);
    const int64_t t = d.tenant.value();

    // 1. Read, while evaluations go on: which customers are affected, and their rows.
    std::map<uint32_t, std::vector<int64_t>> groups;  // canonical slot → its ids (itself first)
    std::set<uint32_t> tombstones;
    int64_t max_id = 0;
    std::vector<internal::TagInfo> catalogue;
    std::vector<store::Row> customer_rows;
    std::vector<Loader::Batch> batches;
    Loader loader(d, *d.keys);
    YT_TRY(d.db->Read([&](store::Session& s) -> Status {
        YT_TRY(internal::LoadTagCatalogue(s, d.tenant, catalogue));
        for (CustomerId customer : customers) {
            YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(internal::kSelectMergedInto, {t, customer.value()}));
            if (!row) continue;
            YT_ASSIGN_OR_RETURN(uint32_t slot, internal::Slot(customer.value()));
            max_id = std::max(max_id, customer.value());
            int64_t canonical = customer.value();
            if (!row->IsNull(0)) {
                tombstones.insert(slot);
                canonical = row->Int(0);
                for (int hop = 0; hop < internal::kMaxMergeHops; ++hop) {
                    YT_ASSIGN_OR_RETURN(auto next, s.QueryOne(internal::kSelectMergedInto, {t, canonical}));
                    if (!next || next->IsNull(0)) break;
                    canonical = next->Int(0);
                }
            }
            YT_ASSIGN_OR_RETURN(uint32_t canonical_slot, internal::Slot(canonical));
            max_id = std::max(max_id, canonical);
            if (groups.contains(canonical_slot)) continue;
            std::vector<int64_t>& ids = groups[canonical_slot];
            ids.push_back(canonical);
            YT_ASSIGN_OR_RETURN(auto merged, s.Query(internal::kSelectMergedIds, {t, canonical}));
            for (const auto& m : merged) {
                YT_ASSIGN_OR_RETURN(uint32_t merged_slot, internal::Slot(m.Int(0)));
                ids.push_back(m.Int(0));
                max_id = std::max(max_id, m.Int(0));
                tombstones.insert(merged_slot);
            }
        }
        for (const auto& [c, ids] : groups) {
            for (int64_t id : ids) loader.SetCanonical(id, c);
            YT_ASSIGN_OR_RETURN(auto rows, s.Query(internal::kSelectCustomers, {t, ids[0] - 1, ids[0]}));
            for (auto& row : rows.rows) customer_rows.push_back(std::move(row));
            for (int64_t id : ids) {
                YT_ASSIGN_OR_RETURN(auto batch, loader.Fetch(s, id - 1, id));
                YT_TRY(loader.Decrypt(batch));
                batches.push_back(std::move(batch));
            }
        }
        return OkStatus();
    }));
    YT_ASSIGN_OR_RETURN(const uint32_t max_slot, internal::Slot(max_id));

    // 2. Apply, with evaluations waiting. Nothing here can fail.
    std::unique_lock lock(d.mutex);
    internal::Grow(d, std::max(d.capacity, max_slot + 1));
    Bitmap changed;
    for (const auto& [c, ids] : groups) changed.Add(c);
    for (uint32_t c : tombstones) changed.Add(c);
    changed.ForEach([&](uint32_t c) { internal::ClearCustomer(d, c); });
    Bitmap refreshed;
    for (const store::Row& row : customer_rows) {
        if (!row.IsNull(1)) continue;  // merged since it was named: a tombstone now
        const auto c = static_cast<uint32_t>(row.Int(0));
        loader.ApplyCustomer(row, c);
        refreshed.Add(c);
    }
    for (const auto& batch : batches) loader.Apply(batch);
    loader.Finish(refreshed);
    loader.MergeArrays(changed);
    d.tags = std::move(catalogue);
    // The runs property columns are parallel to have changed.
    std::lock_guard properties_lock(d.properties_mutex);
    d.properties.clear();
    return OkStatus();
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
    stats.orders = static_cast<int64_t>(d.purchases.size());
    stats.tags = static_cast<int64_t>(d.tags.size());
    stats.attributes = static_cast<int64_t>(d.attributes.size());
    stats.event_names = static_cast<int64_t>(d.events.size());
    stats.build_time = d.build_time;
    using internal::VectorBytes;
    size_t bytes = d.live.Bytes() + d.owned.Bytes();
    for (const auto& [tag, b] : d.tag_members) bytes += b.Bytes();
    for (const auto& b : d.identities) bytes += b.Bytes();
    for (const auto& b : d.consented) bytes += b.Bytes();
    for (const auto& b : d.stages) bytes += b.Bytes();
    for (const auto& [owner, b] : d.owner_members) bytes += b.Bytes();
    for (const auto& b : d.channel_members) bytes += b.Bytes();
    bytes += VectorBytes(d.owner_of) + VectorBytes(d.channel_of) + VectorBytes(d.order_count) +
             VectorBytes(d.net_spend) + VectorBytes(d.refunded) + VectorBytes(d.first_order_at) +
             VectorBytes(d.last_order_at) + VectorBytes(d.last_seen) + VectorBytes(d.purchase_offsets) +
             VectorBytes(d.purchases);
    for (const auto& column : d.rfm) bytes += VectorBytes(column);
    for (const auto& column : d.platform_orders) bytes += VectorBytes(column);
    for (const auto& [name, column] : d.attributes) {
        bytes += column.present.Bytes() + column.bool_true.Bytes() + column.bool_false.Bytes() +
                 VectorBytes(column.text_of) + VectorBytes(column.number_of) + VectorBytes(column.day_of) +
                 VectorBytes(column.instant_of);
        for (const auto& b : column.text_members) bytes += b.Bytes();
        for (const auto& text : column.texts) bytes += text.capacity();
    }
    for (const auto& [name, runs] : d.events) {
        stats.events += static_cast<int64_t>(runs.times.size());
        bytes += VectorBytes(runs.customers) + VectorBytes(runs.offsets) + VectorBytes(runs.times) +
                 VectorBytes(runs.event_ids);
    }
    stats.bytes = bytes;
    return stats;
}

}  // namespace yutang::audience
