// A reference evaluation of audience rules, for tests only: every customer's rows read straight
// from the store into plain structs, and each condition decided per customer in the most obvious
// way, from docs/design/rules.md — no bitmaps, no columns, no precomputed ranges. The
// differential test checks the engine (audience/engine.hpp) against it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "yutang/audience/rule.hpp"
#include "yutang/base/crypto.hpp"
#include "yutang/base/time_zone.hpp"
#include "yutang/store/database.hpp"

namespace yutang::testing {

struct RefCustomer {
    int64_t id = 0;
    std::optional<int64_t> owner;
    std::string channel;
    std::optional<int64_t> last_seen_at;
    // customer_traits (absent: never bought)
    bool has_traits = false;
    int64_t order_count = 0, spend_fen = 0, refunded_fen = 0;
    std::optional<int64_t> first_order_at, last_order_at;
    std::map<std::string, int64_t> platform_counts;
    std::string stage;
    std::optional<int64_t> rfm[3];
    std::set<std::pair<std::string, std::string>> tags;  // (group, name)
    std::set<std::string> identity_kinds;
    std::map<std::string, std::pair<std::string, std::string>> attributes;  // name → (type, text)
    struct Consent {
        std::string purpose;
        bool granted;
        int64_t given_at, id;
    };
    std::vector<Consent> consent;
    struct Purchase {
        std::string source;
        int64_t net_fen, at;
    };
    std::vector<Purchase> purchases;
    struct Event {
        std::string name;
        int64_t at;
        boost::json::object properties;
    };
    std::vector<Event> events;
};

using RefSegments = std::function<std::optional<std::set<int64_t>>(const audience::SegmentRef&)>;

class ReferenceAudience {
  public:
    // Reads every customer of `tenant`. Rows of a merged customer count for the customer it was
    // merged into; that customer's own attributes win over inherited ones.
    static Result<ReferenceAudience> Load(store::Database& db, const KeyRing& keys, TenantId tenant);

    // The canonical customers the rule holds at `now`; nullopt when it names a segment that
    // `segments` does not know.
    std::optional<std::set<int64_t>> Members(const audience::Rule& rule, Timestamp now,
                                             const RefSegments& segments) const;

    const std::map<int64_t, RefCustomer>& customers() const { return customers_; }
    // The customer's data, for failure messages.
    std::string Describe(int64_t id) const;

  private:
    explicit ReferenceAudience(TimeZone zone) : zone_(std::move(zone)) {}
    TimeZone zone_;
    std::map<int64_t, RefCustomer> customers_;
};

}  // namespace yutang::testing
