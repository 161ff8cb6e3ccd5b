// The audience index's layout, shared by index.cpp (which fills it) and engine.cpp (which reads
// it). Private to the audience module. docs/design/audience.md explains the choices.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "yutang/audience/customer_set.hpp"
#include "yutang/audience/index.hpp"
#include "yutang/audience/internal/bitmap.hpp"
#include "yutang/audience/internal/window_tally.hpp"
#include "yutang/audience/rule.hpp"
#include "yutang/store/change_log.hpp"

namespace yutang::audience::internal {

inline constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();
inline constexpr int32_t kNoDay = std::numeric_limits<int32_t>::min();

// DayNumber and DateOfDay (base/time_zone.hpp) number the days.
bool IsLeapYear(int year);
int DaysInMonth(int year, int month);

// The order sources that have an orders_on.* trait, in the order of Trait::kOrdersOnJd …
// kOrdersOnSegment. Keep in sync with rule.hpp and events/orders.hpp (OrderInput::source).
inline constexpr std::array<std::string_view, 6> kPlatforms = {"jd", "taobao", "douyin", "pdd", "youzan", "segment"};

// One purchase (an order in a status that counts: paid, shipped, completed, refunded), 16 bytes.
struct Purchase {
    int64_t at = 0;      // ordered_at, UTC µs
    int64_t packed = 0;  // net fen (paid less refunded) × 256 + platform + 1

    static Purchase Of(int64_t at, int64_t net_fen, int platform) {
        constexpr int64_t kLimit = std::numeric_limits<int64_t>::max() / 512;
        const int64_t fen = net_fen > kLimit ? kLimit : (net_fen < -kLimit ? -kLimit : net_fen);
        return Purchase{at, fen * 256 + (platform + 1)};
    }
    int64_t net_fen() const { return packed >> 8; }                       // arithmetic: negative amounts stay negative
    int platform() const { return static_cast<int>(packed & 0xff) - 1; }  // index into kPlatforms, -1 = other
};

// Purchases are kept in blocks of kPurchaseBlock consecutive customer ids, so that a refresh
// rewrites only the blocks of the customers it read. Within a block, customer c's purchases are
// items[offsets[c % kPurchaseBlock] … offsets[c % kPurchaseBlock + 1]), ascending times.
inline constexpr uint32_t kPurchaseBlockBits = 12;
inline constexpr uint32_t kPurchaseBlock = 1u << kPurchaseBlockBits;
struct PurchaseBlock {
    std::vector<uint32_t> offsets;  // kPurchaseBlock + 1, or empty for a block without purchases
    std::vector<Purchase> items;
};

// The occurrences of one event name among kEventBlock consecutive customer ids: per customer
// (ascending ids) a run of ascending times.
struct EventBlock {
    std::vector<uint32_t> customers;
    std::vector<uint32_t> offsets;  // customers.size() + 1; the run of customers[i] is [offsets[i], offsets[i+1])
    std::vector<int64_t> times;
    std::vector<int64_t> event_ids;  // parallel to times: where to find the payload

    bool empty() const { return customers.empty(); }
};

// The occurrences of one event name, in blocks of kEventBlock consecutive customer ids, so that
// a refresh copies only the blocks of the customers it read (an event tracked for one customer
// costs a copy of its block's runs, not of every occurrence of the name).
inline constexpr uint32_t kEventBlockBits = 12;
inline constexpr uint32_t kEventBlock = 1u << kEventBlockBits;
struct EventRuns {
    std::vector<EventBlock> blocks;  // [c >> kEventBlockBits]; blocks past the end hold nobody

    size_t occurrences() const {
        size_t n = 0;
        for (const EventBlock& b : blocks) n += b.times.size();
        return n;
    }
    bool empty() const {
        for (const EventBlock& b : blocks) {
            if (!b.empty()) return false;
        }
        return true;
    }
    // Customer c's run: its block and place there, or nullptr when c has none.
    std::pair<const EventBlock*, size_t> RunOf(uint32_t c) const {
        const size_t b = c >> kEventBlockBits;
        if (b >= blocks.size()) return {nullptr, 0};
        const EventBlock& block = blocks[b];
        const auto at = std::lower_bound(block.customers.begin(), block.customers.end(), c);
        if (at == block.customers.end() || *at != c) return {nullptr, 0};
        return {&block, static_cast<size_t>(at - block.customers.begin())};
    }
};

// An event tally: per customer, how many occurrences of one event (passing one property filter,
// or all) are at or after `start` (a local midnight, or the beginning of time), so that
// `event "X" where p = "v" count >= 2 within 30d` reads the customers active in the window rather
// than searching every run of the name. Made by evaluations (engine.cpp), kept current by
// refreshes, which mark the blocks they rewrite stale for the next evaluation to tally again.
// Customers with an occurrence later than the time their block was tallied are `late`: tested
// on their runs instead.
struct EventTallyEntry {
    uint32_t customer = 0;
    uint32_t count = 0;  // matching occurrences at or after start
    bool late = false;
};
struct EventTallyKey {
    std::string event;
    std::optional<PropertyFilter> where;
    int64_t start = 0;
    bool operator==(const EventTallyKey&) const = default;
};
struct EventTally {
    EventTallyKey key;
    int64_t checked_at = 0;                            // the latest "now" any block was tallied at
    std::vector<std::vector<EventTallyEntry>> blocks;  // per event block, ascending customers
    std::vector<char> stale;                           // per block: rewritten since tallied
    uint64_t last_used = 0;

    size_t Bytes() const {
        size_t bytes = sizeof(*this) + blocks.capacity() * sizeof(blocks[0]) + stale.capacity();
        for (const auto& b : blocks) bytes += b.capacity() * sizeof(EventTallyEntry);
        return bytes;
    }
};
inline constexpr size_t kKeptEventTallies = 8;
// A tally is made on the second request for it within the last kEventTallyRequests: a key asked
// for once (a rule being edited, a sweep over many segments) is answered from the runs, and does
// not evict a tally in use.
inline constexpr size_t kEventTallyRequests = 32;

// A distinct string value of a property, with what it reads as when compared to a date.
struct PropertyText {
    std::string text;
    int32_t day = kNoDay;       // an ISO date, or an RFC 3339 time's local day
    int64_t instant = kNoTime;  // the time; for a date, the start of its local day
};

struct PropertyValue {
    enum class Kind : uint8_t { kMissing, kString, kNumber, kBool, kOther };
    Kind kind = Kind::kMissing;
    bool boolean = false;
    uint32_t text = 0;  // index into PropertyColumn::texts
    double number = 0;
};

// One property of one event name, read from the payloads: values parallel to EventRuns::blocks,
// each parallel to its block's times. Patched by a refresh for the blocks it rewrites.
struct PropertyColumn {
    std::vector<std::vector<PropertyValue>> values;
    std::vector<PropertyText> texts;
    std::unordered_map<std::string, uint32_t> text_codes;  // text → index into texts
};

// One attribute name. A customer holds one value of one type; each type has its own column,
// allocated when the first value of that type arrives. Indexed by customer id.
struct AttributeColumn {
    Bitmap present;  // has the attribute, of any type

    std::vector<std::string> texts;  // distinct string values
    std::unordered_map<std::string, uint32_t> text_codes;
    std::vector<Bitmap> text_members;  // per distinct value
    std::vector<uint32_t> text_of;     // code + 1, 0 = not a string

    Bitmap bool_true, bool_false;
    std::vector<double> number_of;  // NaN = not a number
    std::vector<int32_t> day_of;    // date and datetime: the local day; kNoDay = neither
    // datetime only (a date's instant is the start of its day_of); kNoTime = not a datetime.
    std::vector<int64_t> instant_of;
};

// A column of integers held in a narrow type: values from T's lowest to its largest less one
// sit in place, and T's largest marks a value kept in `wide`. Counts (one byte) and amounts in
// fen (four bytes) almost always fit, and a scan then reads an eighth or half the memory.
template <typename T>
struct NarrowColumn {
    static constexpr T kWide = std::numeric_limits<T>::max();
    std::vector<T> values;  // one slot per customer id
    std::unordered_map<uint32_t, int64_t> wide;

    int64_t Get(uint32_t c) const {
        const T v = values[c];
        return v != kWide ? int64_t{v} : wide.at(c);
    }
    void Set(uint32_t c, int64_t v) {
        if (values[c] == kWide) wide.erase(c);
        if (v >= std::numeric_limits<T>::min() && v < kWide) {
            values[c] = static_cast<T>(v);
        } else {
            values[c] = kWide;
            wide[c] = v;
        }
    }
};

// Instants (µs since the epoch, kNoTime = none) with, beside each, its local day in the merchant's
// zone in two bytes. A test bounded by local midnights (`first_order_at within 30d`,
// `days_since_last_order <= 60`) reads the days, a quarter of the memory, and the instant itself
// only for a day a bound falls inside (today, for `within`) and for days out of the two bytes'
// range. Every coded instant lies in its day's span [StartOfDay(day), StartOfDay(day + 1)): an
// instant whose local date went back across midnight (an autumn clock change at 00:00, as some
// zones had) is kOutside. Set() keeps both; the index's zone is fixed for its life.
struct TimeColumn {
    static constexpr uint16_t kNone = 0;          // no time
    static constexpr uint16_t kOutside = 0xffff;  // before 1970-01-01, from 2149-06-05 on, or
                                                  // outside its day's span (below): read `at`
    std::vector<int64_t> at;
    std::vector<uint16_t> day;  // DayNumber(local date) + 1, or kNone, or kOutside

    int64_t operator[](uint32_t c) const { return at[c]; }
    void Set(uint32_t c, int64_t t, const TimeZone& zone) {
        at[c] = t;
        day[c] = DayCode(t, zone);
    }
    // The code of `t`'s local day; of a local day (DayNumber) with DayCodeOf.
    static uint16_t DayCode(int64_t t, const TimeZone& zone);
    static uint16_t DayCodeOf(int64_t day_number) {
        return day_number >= 0 && day_number < kOutside - 1 ? static_cast<uint16_t>(day_number + 1) : kOutside;
    }
};

struct TagInfo {
    int64_t id = 0;
    std::string group;
    std::string name;
};

struct IndexData {
    TenantId tenant;
    TimeZone zone = TimeZone::Default();
    const Clock* clock = nullptr;
    store::Database* db = nullptr;
    const KeyRing* keys = nullptr;
    IndexSettings settings;
    Timestamp built_at;
    std::chrono::microseconds build_time{0};
    // When the index last held every change committed before it (µs): its build's snapshot, then
    // each CatchUp's read of the change log.
    std::atomic<int64_t> current_at{0};

    // Evaluations hold it shared, Refresh exclusively while it applies what it read.
    mutable std::shared_mutex mutex;
    std::mutex refresh_mutex;  // one Refresh at a time
    // How far the index has read the store's change log (CatchUp). Guarded by refresh_mutex.
    store::ChangePosition logged;

    uint32_t capacity = 0;  // columns have this many slots: ids 0 … capacity-1
    Bitmap live;            // canonical customers (merged_into IS NULL)

    std::vector<TagInfo> tags;  // the catalogue (deleted tags left out)
    std::unordered_map<int64_t, Bitmap> tag_members;
    std::array<Bitmap, 12> identities;  // by IdentityKind
    std::array<Bitmap, 5> consented;    // by ConsentPurpose: the latest record grants
    std::array<Bitmap, 5> stages;       // by LifecycleStages() order

    std::vector<uint32_t> owner_of;  // index + 1 into owners, 0 = none
    std::vector<int64_t> owners;     // staff ids
    std::unordered_map<int64_t, uint32_t> owner_codes;
    std::unordered_map<int64_t, Bitmap> owner_members;
    Bitmap owned;

    std::vector<uint32_t> channel_of;  // code + 1, 0 = not set
    std::vector<std::string> channels;
    std::unordered_map<std::string, uint32_t> channel_codes;
    std::vector<Bitmap> channel_members;

    // Traits (customer_traits), 0 / kNoTime when the customer has no row.
    NarrowColumn<uint8_t> order_count;
    NarrowColumn<int32_t> net_spend;  // total_spend_fen - refunded_fen
    TimeColumn first_order_at;
    TimeColumn last_order_at;
    TimeColumn last_seen;                     // max(customers.last_seen_at, last_order_at)
    std::array<std::vector<uint8_t>, 3> rfm;  // recency, frequency, monetary; 0 = not ranked
    std::array<NarrowColumn<uint8_t>, kPlatforms.size()> platform_orders;  // orders per platform

    std::vector<PurchaseBlock> purchase_blocks;  // ceil(capacity / kPurchaseBlock)
    int64_t purchase_total = 0;                  // purchases held, for IndexStats

    int64_t PlatformOrders(size_t platform, uint32_t c) const { return platform_orders[platform].Get(c); }
    std::span<const Purchase> PurchasesOf(uint32_t c) const {
        const PurchaseBlock& block = purchase_blocks[c >> kPurchaseBlockBits];
        if (block.offsets.empty()) return {};
        const uint32_t i = c & (kPurchaseBlock - 1);
        return std::span<const Purchase>(block.items.data() + block.offsets[i],
                                         block.offsets[i + 1] - block.offsets[i]);
    }

    std::map<std::string, AttributeColumn, std::less<>> attributes;
    std::map<std::string, EventRuns, std::less<>> events;

    // Refreshes applied, and what each of the latest re-read and found changed (oldest first),
    // for AudienceIndex::ChangedSince. Guarded by `mutex`.
    struct Change {
        uint64_t version = 0;
        Bitmap customers;                        // re-read
        std::array<Bitmap, kFacetCount> facets;  // changed, by facet (bit i of Facets at [i])
    };
    uint64_t version = 0;
    std::deque<Change> changes;

    // Window tallies made by evaluations of day windows, the kKeptTallies most recently used.
    // Made under `tallies_mutex` by evaluations (which hold `mutex` shared); patched by Refresh,
    // which holds `mutex` exclusively.
    mutable std::mutex tallies_mutex;
    mutable std::vector<std::shared_ptr<WindowTally>> tallies;
    mutable uint64_t tally_uses = 0;

    // Event tallies made by evaluations, the kKeptEventTallies most recently used. Made and
    // brought up to date under `event_tallies_mutex` by evaluations (which hold `mutex` shared);
    // marked stale by Refresh, which holds `mutex` exclusively.
    mutable std::mutex event_tallies_mutex;
    mutable std::vector<std::shared_ptr<EventTally>> event_tallies;
    mutable std::deque<EventTallyKey> event_tally_requests;
    mutable uint64_t event_tally_uses = 0;

    // Loaded on first use (under `mutex` shared and `properties_mutex`); patched by Refresh for
    // the blocks it rewrites (under `mutex` exclusively).
    mutable std::mutex properties_mutex;
    mutable std::map<std::pair<std::string, std::string>, std::shared_ptr<PropertyColumn>> properties;
};

// Memory held by a vector's elements.
template <typename T>
size_t VectorBytes(const std::vector<T>& v) {
    return v.capacity() * sizeof(T);
}

// The engine's way in to the index and to sets; not for other modules.
struct IndexAccess {
    static const IndexData& Data(const AudienceIndex& index) { return *index.data_; }
    static const Bitmap& Bits(const CustomerSet& set) { return *set.bits_; }
    static CustomerSet Wrap(Bitmap bits);
    // An index of `data`, read from a snapshot (index_snapshot.hpp, which implements this).
    static std::unique_ptr<AudienceIndex> Make(std::unique_ptr<IndexData> data);
    // The property column of (event, property), read from the store on first use.
    static Result<std::shared_ptr<const PropertyColumn>> Property(const IndexData& data, const std::string& event,
                                                                  const std::string& property);
    // The tally of the purchases at or after `start` (of `platform`, -1 = all), made on first
    // use; null when it was last checked after `now` (evaluate from the purchases then).
    static std::shared_ptr<const WindowTally> Tally(const IndexData& data, int64_t start, int platform, int64_t now);
};

}  // namespace yutang::audience::internal
