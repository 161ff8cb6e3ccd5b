// The audience engine: which customers a rule (rule.hpp) holds, evaluated on an AudienceIndex.
//
// AND intersects bitmaps, OR unites them, NOT is "live customers minus"; tags, identities,
// consent, stages, owners, channels and string/boolean attributes are bitmaps already; numbers
// and times are read from columns, and windows from each customer's purchases or events, only
// for the customers an AND still holds after its cheaper conditions (all customers otherwise).
// Windows, calendars and "days since" are relative to now in the merchant's time zone, exactly
// as docs/design/rules.md says. Segment conditions ask a callback for the other segment's
// members.
//
//   YT_ASSIGN_OR_RETURN(Evaluation e, Evaluate(index, rule, {.sample_size = 20}));
//   e.count;     // 1,234
//   e.sample;    // the 20 smallest member ids
//   e.took;      // 0.4 ms
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "yutang/audience/customer_set.hpp"
#include "yutang/audience/index.hpp"
#include "yutang/audience/rule.hpp"

namespace yutang::audience {

// Another segment's current members. An error stops the evaluation and is returned as it is;
// return not_found for a segment that does not exist.
using SegmentMembers = std::function<Result<CustomerSet>(const SegmentRef& segment)>;

struct EvaluateOptions {
    // "Now" for windows and calendars; default: the index's clock.
    std::optional<Timestamp> now;
    // Null: every segment condition is an error. SegmentService supplies one from saved segments.
    SegmentMembers segments;
    // How many member ids Evaluation::sample holds.
    size_t sample_size = 20;
    // Only this guide's customers (owner = staff): what a guide (导购) may count.
    std::optional<StaffId> owner;
    // Only these customers (the ones that changed, when a saved segment is brought up to date);
    // null: every customer.
    const CustomerSet* within = nullptr;
};

struct Evaluation {
    CustomerSet members;
    int64_t count = 0;
    std::vector<CustomerId> sample;  // the smallest member ids, ascending
    std::chrono::microseconds took{0};
    Timestamp as_of;           // the index held every change committed before this (its last catch-up)
    Timestamp index_built_at;  // when the index was built (or the one it was loaded from)
};

// How a rule's members can change while no customer changes: never (kFixed), at the merchant's
// local midnight (kDaily: windows in days, days since, birthdays, months since), or at any moment
// (kContinuous: windows in hours). A segment condition counts as kContinuous: what changes the
// other segment is not known from this rule.
enum class Timing { kFixed, kDaily, kContinuous };
Timing TimingOf(const Rule& rule);

// What a rule reads (Facets, index.hpp), always including kFacetLive: a customer whom a refresh
// found unchanged in all of these is still a member or still not one, so a saved segment
// re-tests only AudienceIndex::ChangedSince(version, FacetsOf(rule)). A segment condition reads
// everything (kAllFacets).
Facets FacetsOf(const Rule& rule);

// Evaluates a valid rule (as the parsers return; Validate() it when built in code).
// invalid_argument (field "rule", message "<JSON pointer>: unknown segment …") for a segment
// condition when options.segments is null or says not_found; otherwise the callback's errors;
// store errors (unavailable, internal) when an event property is read for the first time.
// Thread-safe.
Result<Evaluation> Evaluate(const AudienceIndex& index, const Rule& rule, const EvaluateOptions& options = {});

}  // namespace yutang::audience
