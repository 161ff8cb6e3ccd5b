// The audience index's layout, shared by index.cpp (which fills it) and engine.cpp (which reads
// it). Private to the audience module. docs/design/audience.md explains the choices.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "yutang/audience/customer_set.hpp"
#include "yutang/audience/index.hpp"
#include "yutang/audience/internal/bitmap.hpp"
#include "yutang/audience/rule.hpp"

namespace yutang::audience::internal {

inline constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();
inline constexpr int32_t kNoDay = std::numeric_limits<int32_t>::min();

// DayNumber and DateOfDay (base/time_zone.hpp) number the days.
bool IsLeapYear(int year);
int DaysInMonth(int year, int month);

// The order sources that have an orders_on.* trait, in the order of Trait::kOrdersOnJd …
// kOrdersOnSegment. Keep in sync with rule.hpp and events/orders.hpp (OrderInput::source).
inline constexpr std::array<std::string_view, 6> kPlatforms = {"jd", "taobao", "douyin", "pdd", "youzan", "segment"};

// One purchase (an order in a status that counts: paid, shipped, completed, refunded).
struct Purchase {
    int64_t at = 0;        // ordered_at, UTC µs
    int64_t net_fen = 0;   // paid less refunded
    int8_t platform = -1;  // index into kPlatforms, -1 for other sources
};

// The occurrences of one event name: per customer (ascending ids) a run of ascending times.
struct EventRuns {
    std::vector<uint32_t> customers;
    std::vector<uint32_t> offsets;  // customers.size() + 1; the run of customers[i] is [offsets[i], offsets[i+1])
    std::vector<int64_t> times;
    std::vector<int64_t> event_ids;  // parallel to times: where to find the payload
};

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

// One property of one event name, read from the payloads: parallel to EventRuns::times.
struct PropertyColumn {
    std::vector<PropertyValue> values;
    std::vector<PropertyText> texts;
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
    std::vector<double> number_of;    // NaN = not a number
    std::vector<int32_t> day_of;      // date and datetime: the local day; kNoDay = neither
    std::vector<int64_t> instant_of;  // date: start of its local day; datetime: the time
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

    // Evaluations hold it shared, Refresh exclusively while it applies what it read.
    mutable std::shared_mutex mutex;
    std::mutex refresh_mutex;  // one Refresh at a time

    uint32_t capacity = 0;  // columns have this many slots: ids 0 … capacity-1
    Bitmap live;            // canonical customers (merged_into IS NULL)

    std::vector<TagInfo> tags;  // the catalogue (deleted tags left out)
    std::unordered_map<int64_t, Bitmap> tag_members;
    std::array<Bitmap, 12> identities;  // by IdentityKind
    std::array<Bitmap, 5> consented;    // by ConsentPurpose: the latest record grants
    std::array<Bitmap, 5> stages;       // by LifecycleStages() order

    std::vector<int64_t> owner_of;  // 0 = none
    std::unordered_map<int64_t, Bitmap> owner_members;
    Bitmap owned;

    std::vector<uint32_t> channel_of;  // code + 1, 0 = not set
    std::vector<std::string> channels;
    std::unordered_map<std::string, uint32_t> channel_codes;
    std::vector<Bitmap> channel_members;

    // Traits (customer_traits), 0 / kNoTime when the customer has no row.
    std::vector<int64_t> order_count;
    std::vector<int64_t> net_spend;  // total_spend_fen - refunded_fen
    std::vector<int64_t> refunded;
    std::vector<int64_t> first_order_at;
    std::vector<int64_t> last_order_at;
    std::vector<int64_t> last_seen;           // max(customers.last_seen_at, last_order_at)
    std::array<std::vector<uint8_t>, 3> rfm;  // recency, frequency, monetary; 0 = not ranked
    std::array<std::vector<int32_t>, kPlatforms.size()> platform_orders;

    // Purchases by customer, ascending times: customer c's are [purchase_offsets[c], purchase_offsets[c+1]).
    std::vector<uint32_t> purchase_offsets;  // capacity + 1
    std::vector<Purchase> purchases;

    std::map<std::string, AttributeColumn, std::less<>> attributes;
    std::map<std::string, EventRuns, std::less<>> events;

    // Loaded on first use; cleared by Refresh (the runs they parallel change).
    mutable std::mutex properties_mutex;
    mutable std::map<std::pair<std::string, std::string>, std::shared_ptr<const PropertyColumn>> properties;
};

// The engine's way in to the index and to sets; not for other modules.
struct IndexAccess {
    static const IndexData& Data(const AudienceIndex& index) { return *index.data_; }
    static const Bitmap& Bits(const CustomerSet& set) { return *set.bits_; }
    static CustomerSet Wrap(Bitmap bits);
    // The property column of (event, property), read from the store on first use.
    static Result<std::shared_ptr<const PropertyColumn>> Property(const IndexData& data, const std::string& event,
                                                                  const std::string& property);
};

}  // namespace yutang::audience::internal
