// Saved segments (分层) and their live membership.
//
// A segment is a named rule (rule.hpp), stored in canonical JSON with every segment condition
// resolved to the other segment's id (so renaming a segment never breaks a rule that names it).
// Evaluate() counts the rule on the merchant's index (AudienceService), diffs the result against
// the stored members and, in one write transaction, applies the diff, appends an 'enter' or
// 'exit' row per changed customer to segment_changes (journeys start from these) and a row to
// segment_sizes when the size changed, and at least once per local day (growth charts).
// EvaluateDue() does this for every live segment of every merchant; the server's scheduler runs
// it every minute, so windows and calendars turn at the merchant's midnight without a special
// case. docs/design/audience.md, "Saved segments".
//
// Most evaluations are incremental: the service remembers the members it last wrote and the
// index version they came from, and when the rule does not depend on the time (or, for windows
// in days and calendars, the merchant's day has not turned), it re-tests only the customers the
// index re-read since — none, usually, and then nothing is read or written but the time.
//
// Segment conditions (in saved rules and in previews) are answered by evaluating the referenced
// segment's rule on the same index snapshot, recursively: a count, a preview and the stored
// members then agree with each other at one instant, whatever order segments were evaluated in.
//
//   SegmentService segments(db, audiences, clock);
//   YT_ASSIGN_OR_RETURN(auto rule, …ParseRuleText(R"(tag = "母婴" and has wecom)")…);
//   YT_ASSIGN_OR_RETURN(Segment s, segments.Create(tenant, "母婴企微", rule, staff));
//   YT_ASSIGN_OR_RETURN(SegmentEvaluation e, segments.Evaluate(tenant, s.id));   // e.entered …
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "yutang/audience/engine.hpp"
#include "yutang/audience/rule.hpp"
#include "yutang/audience/service.hpp"
#include "yutang/base/clock.hpp"
#include "yutang/base/ids.hpp"
#include "yutang/store/database.hpp"

namespace yutang::audience {

inline constexpr size_t kMaxSegmentNameBytes = 200;

struct Segment {
    SegmentId id;
    std::string name;
    Rule rule;  // segment conditions name segments by id
    std::optional<StaffId> created_by;
    Timestamp created_at;
    Timestamp updated_at;
    std::optional<Timestamp> evaluated_at;  // when the stored members were last computed
    int64_t size = 0;                       // stored members
};

struct IdentityHint {
    std::string kind;  // "phone", "wecom" …
    std::string hint;  // masked, safe to show ("138****0000")
};

struct SegmentMember {
    CustomerId customer;
    Timestamp entered_at;
    std::vector<IdentityHint> identities;  // by kind, then when recorded
};

struct SegmentMembersPage {
    std::vector<SegmentMember> members;  // descending customer id
    std::optional<CustomerId> next;      // pass as `before` for the next page; nullopt on the last
};

struct SegmentSize {
    Timestamp at;
    int64_t size = 0;
};

struct SegmentChange {
    int64_t change_id = 0;
    CustomerId customer;
    bool entered = false;  // 'enter' or 'exit'
    Timestamp at;
};

struct SegmentHistory {
    std::vector<SegmentSize> sizes;      // ascending time
    std::vector<SegmentChange> changes;  // the latest first
};

struct SegmentEvaluation {
    int64_t size = 0;
    int64_t entered = 0;
    int64_t exited = 0;
    Timestamp at;
};

struct SegmentSettings {
    // History(): at most this many sizes (the latest) and changes.
    int64_t history_sizes = 400;
    int64_t history_changes = 100;
};

// Thread-safe. `db`, `audiences` and `clock` must outlive it.
class SegmentService {
  public:
    SegmentService(store::Database& db, AudienceService& audiences, const Clock& clock, SegmentSettings settings = {});

    // Saves a new segment and evaluates it. The rule must be valid (as the parsers return);
    // segment conditions must name live segments (by id or name) and not lead back to the new
    // segment. invalid_argument (field "name") for an empty or too long name or one that is not
    // UTF-8; already_exists (field "name") when a live segment has the name; invalid_argument
    // (field "rule") for an unknown segment or a cycle (CheckCycles). A failed first evaluation
    // is logged and left to EvaluateDue.
    Result<Segment> Create(TenantId tenant, std::string_view name, const Rule& rule, std::optional<StaffId> by);

    // Renames and/or changes the rule (nullopt: unchanged); re-evaluates when the rule changed.
    // not_found for a deleted or unknown segment; otherwise errors as Create.
    Result<Segment> Update(TenantId tenant, SegmentId segment, std::optional<std::string_view> name,
                           const std::optional<Rule>& rule);

    // Soft delete: the row stays (its id is never reused, its name is free again), the members
    // are removed without exit rows. failed_precondition when a live segment's rule refers to
    // it; not_found when it is unknown; OK (nothing changes) when it is already deleted.
    Status Delete(TenantId tenant, SegmentId segment);

    // Live segments by id.
    Result<std::vector<Segment>> List(TenantId tenant);
    // not_found for an unknown or deleted segment.
    Result<Segment> Get(TenantId tenant, SegmentId segment);

    // Stored members with customer id < `before` (all when nullopt), descending, at most
    // `limit` (1 … 1000); only guide `owner`'s customers when given.
    Result<SegmentMembersPage> Members(TenantId tenant, SegmentId segment, std::optional<CustomerId> before,
                                       int64_t limit, std::optional<StaffId> owner = std::nullopt);
    // The masked identities of `customers` (a preview's sample), in the order given; entered_at
    // is left at zero. Ids of another merchant come back without identities.
    Result<std::vector<SegmentMember>> DescribeCustomers(TenantId tenant, std::span<const CustomerId> customers);
    // Every stored member, ascending; only `owner`'s customers when given. Holds them all: an
    // export reads them page by page (ExportMembers).
    Result<std::vector<SegmentMember>> AllMembers(TenantId tenant, SegmentId segment,
                                                  std::optional<StaffId> owner = std::nullopt);

    // How an export receives the members: the next at most kExportPageMembers of them, ascending,
    // and how many the export holds in all (the same in every call). Called once with no members
    // when there are none. An error stops the export and is returned by ExportMembers.
    using MemberPages = std::function<Status(std::span<const SegmentMember> members, int64_t total)>;
    static constexpr int64_t kExportPageMembers = 2'000;

    // For an export: first runs `record` (with the time) in a write transaction of its own (an
    // audit entry; the export is refused when it cannot be recorded), then hands every stored
    // member to `pages`, as AllMembers would list them, and returns how many. All pages are read
    // in one read transaction, so a segment re-evaluated during a long export is exported as it
    // was when the export began; only one page is held at a time.
    Result<int64_t> ExportMembers(TenantId tenant, SegmentId segment, std::optional<StaffId> owner,
                                  const std::function<Status(store::Session&, Timestamp)>& record,
                                  const MemberPages& pages);

    // Sizes over time and the latest changes. With `owner` (a guide): no sizes, and only the
    // changes of that guide's customers.
    Result<SegmentHistory> History(TenantId tenant, SegmentId segment, std::optional<StaffId> owner = std::nullopt);

    // Re-evaluates one segment now and records the difference (see the top of this file).
    // not_found for an unknown or deleted segment; errors of the index and the store.
    Result<SegmentEvaluation> Evaluate(TenantId tenant, SegmentId segment);

    // Evaluates every live segment of every merchant. Returns how many were evaluated; a
    // segment that fails is logged and skipped, and the first such error is returned after all
    // the others were evaluated.
    Result<int64_t> EvaluateDue();

    // Counts `rule` as AudienceService::Count does, with segment conditions answered from the
    // saved segments.
    Result<Evaluation> Count(TenantId tenant, const Rule& rule, std::optional<StaffId> owner = std::nullopt);

  private:
    Result<Segment> Load(TenantId tenant, SegmentId segment);
    // The pages of ExportMembers, without the record; the caller has checked the segment exists.
    Result<int64_t> ReadMembers(TenantId tenant, SegmentId segment, std::optional<StaffId> owner,
                                const MemberPages& pages);
    Result<Rule> Resolve(store::Session& s, TenantId tenant, const Rule& rule, SegmentId self);

    // The members this process last wrote for a segment, with what they were computed from, so
    // that the next evaluation re-tests only the customers the index re-read since.
    struct Known {
        std::weak_ptr<AudienceIndex> index;
        uint64_t version = 0;  // the index's version the members were computed on
        Timestamp updated_at;  // the segment's
        int32_t local_day = 0;
        CustomerSet members;
    };

    store::Database& db_;
    AudienceService& audiences_;
    const Clock& clock_;
    SegmentSettings settings_;
    std::mutex evaluating_;  // one evaluation at a time; guards known_
    std::map<std::pair<TenantId, SegmentId>, Known> known_;
};

}  // namespace yutang::audience
