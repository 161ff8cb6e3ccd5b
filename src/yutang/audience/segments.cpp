#include "yutang/audience/segments.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <span>
#include <tuple>

#include "yutang/base/log.hpp"
#include "yutang/base/text.hpp"
#include "yutang/store/sequences.hpp"

namespace yutang::audience {
namespace {

constexpr std::string_view kInsertSegment =
    "INSERT INTO segments (tenant_id, segment_id, name, rule_json, created_by, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $6)";
constexpr std::string_view kSelectSegmentColumns =
    "SELECT s.segment_id, s.name, s.rule_json, s.created_by, s.created_at, s.updated_at, s.evaluated_at, "
    "(SELECT COUNT(*) FROM segment_members m WHERE m.tenant_id = s.tenant_id AND m.segment_id = s.segment_id) "
    "FROM segments s ";
constexpr std::string_view kSelectLiveSegmentById =
    "WHERE s.tenant_id = $1 AND s.segment_id = $2 AND s.deleted_at IS NULL";
constexpr std::string_view kSelectLiveSegments =
    "WHERE s.tenant_id = $1 AND s.deleted_at IS NULL ORDER BY s.segment_id";
constexpr std::string_view kSelectRuleById =
    "SELECT segment_id, name, rule_json FROM segments WHERE tenant_id = $1 AND segment_id = $2 AND deleted_at IS NULL";
constexpr std::string_view kSelectRuleByName =
    "SELECT segment_id, name, rule_json FROM segments WHERE tenant_id = $1 AND name = $2 AND deleted_at IS NULL";
constexpr std::string_view kSelectLiveRules =
    "SELECT segment_id, name, rule_json FROM segments WHERE tenant_id = $1 AND deleted_at IS NULL";
constexpr std::string_view kSelectNameTaken =
    "SELECT segment_id FROM segments WHERE tenant_id = $1 AND name = $2 AND deleted_at IS NULL AND segment_id <> $3";
constexpr std::string_view kUpdateSegment =
    "UPDATE segments SET name = $3, rule_json = $4, updated_at = $5 "
    "WHERE tenant_id = $1 AND segment_id = $2 AND deleted_at IS NULL";
constexpr std::string_view kDeleteSegment =
    "UPDATE segments SET deleted_at = $3 WHERE tenant_id = $1 AND segment_id = $2 AND deleted_at IS NULL";
constexpr std::string_view kSelectDeletedSegment =
    "SELECT segment_id FROM segments WHERE tenant_id = $1 AND segment_id = $2 AND deleted_at IS NOT NULL";
constexpr std::string_view kDeleteAllMembers = "DELETE FROM segment_members WHERE tenant_id = $1 AND segment_id = $2";
constexpr std::string_view kSelectMemberIds =
    "SELECT customer_id FROM segment_members WHERE tenant_id = $1 AND segment_id = $2";
// A page of members with their identity hints, in one query: ids below $3 descending (the
// members API), or above $3 ascending (an export).
std::string SelectMembersPage(bool ascending) {
    return std::string(
               "SELECT p.customer_id, p.entered_at, i.kind, i.hint, i.created_at FROM ("
               "SELECT m.customer_id, m.entered_at FROM segment_members m "
               "WHERE m.tenant_id = $1 AND m.segment_id = $2 AND m.customer_id ") +
           (ascending ? ">" : "<") +
           " $3 AND ($5 = 0 OR EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = m.tenant_id "
           "AND c.customer_id = m.customer_id AND c.owner_staff_id = $6)) "
           "ORDER BY m.customer_id " +
           (ascending ? "" : "DESC ") +
           "LIMIT $4) p "
           "LEFT JOIN customer_identities i ON i.tenant_id = $1 AND i.customer_id = p.customer_id "
           "ORDER BY p.customer_id" +
           (ascending ? "" : " DESC");
}
const std::string kSelectMembersBefore = SelectMembersPage(false);
const std::string kSelectMembersAfter = SelectMembersPage(true);
constexpr std::string_view kCountMembers =
    "SELECT count(*) FROM segment_members m WHERE m.tenant_id = $1 AND m.segment_id = $2 "
    "AND ($3 = 0 OR EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = m.tenant_id "
    "AND c.customer_id = m.customer_id AND c.owner_staff_id = $4))";
// Sorted by HintsInOrder, not ORDER BY kind, created_at: see customers::SortIdentities.
constexpr std::string_view kSelectHints =
    "SELECT kind, hint, created_at FROM customer_identities WHERE tenant_id = $1 AND customer_id = $2";
constexpr std::string_view kInsertMember =
    "INSERT INTO segment_members (tenant_id, segment_id, customer_id, entered_at) VALUES ($1, $2, $3, $4)";
constexpr std::string_view kDeleteMember =
    "DELETE FROM segment_members WHERE tenant_id = $1 AND segment_id = $2 AND customer_id = $3";
constexpr std::string_view kInsertChange =
    "INSERT INTO segment_changes (tenant_id, change_id, segment_id, customer_id, kind, at) "
    "VALUES ($1, $2, $3, $4, $5, $6)";
constexpr std::string_view kSelectLastSize =
    "SELECT at, size FROM segment_sizes WHERE tenant_id = $1 AND segment_id = $2 ORDER BY at DESC LIMIT 1";
constexpr std::string_view kInsertSize =
    "INSERT INTO segment_sizes (tenant_id, segment_id, at, size) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (tenant_id, segment_id, at) DO UPDATE SET size = excluded.size";
constexpr std::string_view kMarkEvaluated =
    "UPDATE segments SET evaluated_at = $4 WHERE tenant_id = $1 AND segment_id = $2 AND updated_at = $3 "
    "AND deleted_at IS NULL";
constexpr std::string_view kSelectSizes =
    "SELECT at, size FROM segment_sizes WHERE tenant_id = $1 AND segment_id = $2 ORDER BY at DESC LIMIT $3";
constexpr std::string_view kSelectChanges =
    "SELECT change_id, customer_id, kind, at FROM segment_changes WHERE tenant_id = $1 AND segment_id = $2 "
    "ORDER BY change_id DESC LIMIT $3";
constexpr std::string_view kSelectOwnersChanges =
    "SELECT g.change_id, g.customer_id, g.kind, g.at FROM segment_changes g JOIN customers c "
    "ON c.tenant_id = g.tenant_id AND c.customer_id = g.customer_id "
    "WHERE g.tenant_id = $1 AND g.segment_id = $2 AND c.owner_staff_id = $4 ORDER BY g.change_id DESC LIMIT $3";
constexpr std::string_view kSelectTenantsWithSegments =
    "SELECT DISTINCT tenant_id FROM segments WHERE deleted_at IS NULL ORDER BY tenant_id";
constexpr std::string_view kSelectLiveSegmentIds =
    "SELECT segment_id FROM segments WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY segment_id";

std::string Describe(const SegmentRef& ref) {
    if (const auto* id = std::get_if<SegmentId>(&ref)) return std::to_string(id->value());
    return "'" + std::get<std::string>(ref) + "'";
}

// A stored rule (written by this module, so it parses; anything else is a bug or a hand edit).
Result<Rule> ParseStored(std::string_view json, int64_t segment) {
    RuleResult parsed = ParseRuleJson(json);
    if (!parsed.ok()) {
        return Internal("segment " + std::to_string(segment) + " has an unreadable rule: " + parsed.error().message_en);
    }
    return std::move(parsed).value();
}

// The live segment `ref` names, or not_found.
Result<ResolvedSegment> Lookup(store::Session& s, TenantId tenant, const SegmentRef& ref) {
    std::optional<store::Row> row;
    if (const auto* id = std::get_if<SegmentId>(&ref)) {
        YT_ASSIGN_OR_RETURN(row, s.QueryOne(kSelectRuleById, {tenant.value(), id->value()}));
    } else {
        YT_ASSIGN_OR_RETURN(row, s.QueryOne(kSelectRuleByName, {tenant.value(), std::get<std::string>(ref)}));
    }
    if (!row) return NotFound("unknown segment " + Describe(ref));
    YT_ASSIGN_OR_RETURN(Rule rule, ParseStored(row->Text(2), row->Int(0)));
    return ResolvedSegment{.id = SegmentId(row->Int(0)), .name = row->Text(1), .rule = std::move(rule)};
}

// Replaces every segment reference in `rule` by the referenced segment's id.
Status ResolveRefs(Rule& rule, const std::function<Result<SegmentId>(const SegmentRef&)>& resolve) {
    if (rule.kind == Rule::Kind::kCondition) {
        if (auto* segment = std::get_if<SegmentCondition>(&rule.condition)) {
            YT_ASSIGN_OR_RETURN(SegmentId id, resolve(segment->segment));
            segment->segment = id;
        }
        return OkStatus();
    }
    for (Rule& child : rule.children) YT_TRY(ResolveRefs(child, resolve));
    return OkStatus();
}

Status CheckName(std::string_view name) {
    if (name.empty()) return InvalidArgument("name is required", "name");
    if (name.size() > kMaxSegmentNameBytes) return InvalidArgument("name is too long", "name");
    if (!Utf8Length(name)) return InvalidArgument("name is not UTF-8", "name");
    return OkStatus();
}

Segment ReadSegment(const store::Row& row, Rule rule) {
    Segment segment{.id = SegmentId(row.Int(0)),
                    .name = row.Text(1),
                    .rule = std::move(rule),
                    .created_at = Timestamp::FromMicros(row.Int(4)),
                    .updated_at = Timestamp::FromMicros(row.Int(5)),
                    .size = row.Int(7)};
    if (auto by = row.OptionalInt(3)) segment.created_by = StaffId(*by);
    if (auto at = row.OptionalInt(6)) segment.evaluated_at = Timestamp::FromMicros(*at);
    return segment;
}

// Answers segment conditions by evaluating the referenced segments' rules on the same index at
// the same instant, each at most once per evaluation. Saved rules have no cycles (CheckCycles at
// save); the depth bound guards against one made by concurrent edits.
class SegmentEvaluator {
  public:
    SegmentEvaluator(store::Database& db, const AudienceIndex& index, TenantId tenant, Timestamp now)
        : db_(db), index_(index), tenant_(tenant), now_(now) {}

    SegmentMembers Callback(int depth) {
        return [this, depth](const SegmentRef& ref) { return Members(ref, depth); };
    }

  private:
    Result<CustomerSet> Members(const SegmentRef& ref, int depth) {
        if (depth >= kMaxRuleDepth) return InvalidArgument("segments refer to each other too deeply", "rule");
        ResolvedSegment resolved;
        YT_TRY(db_.Read([&](store::Session& s) -> Status {
            YT_ASSIGN_OR_RETURN(resolved, Lookup(s, tenant_, ref));
            return OkStatus();
        }));
        if (auto it = done_.find(resolved.id); it != done_.end()) return it->second;
        YT_ASSIGN_OR_RETURN(Evaluation e, Evaluate(index_, resolved.rule,
                                                   {.now = now_, .segments = Callback(depth + 1), .sample_size = 0}));
        done_.emplace(resolved.id, e.members);
        return std::move(e.members);
    }

    store::Database& db_;
    const AudienceIndex& index_;
    TenantId tenant_;
    Timestamp now_;
    std::map<SegmentId, CustomerSet> done_;
};

// Identity hints from rows of (kind, hint, created_at) starting at column `at`, by kind, then
// age: the order customers::SortIdentities gives.
std::vector<IdentityHint> HintsInOrder(std::span<const store::Row> rows, size_t at) {
    std::vector<std::tuple<std::string, int64_t, std::string>> sorted;
    sorted.reserve(rows.size());
    for (const store::Row& row : rows) sorted.emplace_back(row.Text(at), row.Int(at + 2), row.Text(at + 1));
    std::sort(sorted.begin(), sorted.end());
    std::vector<IdentityHint> out;
    out.reserve(sorted.size());
    for (auto& [kind, created_at, hint] : sorted) out.push_back({std::move(kind), std::move(hint)});
    return out;
}

// Members from rows of (customer_id, entered_at, kind, hint, created_at), one row per identity
// (a member without any has one row of NULLs), each member's rows consecutive.
std::vector<SegmentMember> MembersFrom(std::span<const store::Row> rows) {
    std::vector<SegmentMember> members;
    for (size_t from = 0; from < rows.size();) {
        size_t to = from + 1;
        while (to < rows.size() && rows[to].Int(0) == rows[from].Int(0)) ++to;
        const store::Row& first = rows[from];
        SegmentMember& member = members.emplace_back(
            SegmentMember{.customer = CustomerId(first.Int(0)), .entered_at = Timestamp::FromMicros(first.Int(1))});
        if (!first.IsNull(2)) member.identities = HintsInOrder(rows.subspan(from, to - from), 2);
        from = to;
    }
    return members;
}
}  // namespace

SegmentService::SegmentService(store::Database& db, AudienceService& audiences, const Clock& clock,
                               SegmentSettings settings)
    : db_(db), audiences_(audiences), clock_(clock), settings_(settings) {}

Result<Rule> SegmentService::Resolve(store::Session& s, TenantId tenant, const Rule& rule, SegmentId self) {
    if (auto error = Validate(rule)) return error->ToStatus();
    auto as_rule_error = [](const Status& status, const SegmentRef& ref) -> Status {
        if (status.code() == ErrorCode::kNotFound) return InvalidArgument("unknown segment " + Describe(ref), "rule");
        return status;
    };
    Status cycles = CheckCycles(rule, self, [&](const SegmentRef& ref) -> Result<ResolvedSegment> {
        auto found = Lookup(s, tenant, ref);
        if (!found.ok()) return as_rule_error(found.status(), ref);
        return found;
    });
    YT_TRY(cycles);
    Rule resolved = rule;
    YT_TRY(ResolveRefs(resolved, [&](const SegmentRef& ref) -> Result<SegmentId> {
        auto found = Lookup(s, tenant, ref);
        if (!found.ok()) return as_rule_error(found.status(), ref);
        return found->id;
    }));
    return resolved;
}

Result<Segment> SegmentService::Create(TenantId tenant, std::string_view name, const Rule& rule,
                                       std::optional<StaffId> by) {
    YT_TRY(CheckName(name));
    SegmentId id;
    YT_TRY(db_.Write([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto taken, s.QueryOne(kSelectNameTaken, {tenant.value(), name, 0}));
        if (taken) return AlreadyExists("a segment with this name exists", "name");
        YT_ASSIGN_OR_RETURN(Rule resolved, Resolve(s, tenant, rule, SegmentId()));
        YT_ASSIGN_OR_RETURN(int64_t next, store::NextId(s, tenant, "segment"));
        id = SegmentId(next);
        std::optional<int64_t> creator;
        if (by) creator = by->value();
        auto inserted =
            s.Execute(kInsertSegment, {tenant.value(), next, name, ToJson(resolved), creator, clock_.Now().micros()});
        if (!inserted.ok() && inserted.status().code() == ErrorCode::kAlreadyExists) {
            return AlreadyExists("a segment with this name exists", "name");
        }
        return inserted.status();
    }));
    if (auto evaluated = Evaluate(tenant, id); !evaluated.ok()) {
        spdlog::warn("segment {} of merchant {}: first evaluation failed: {}", id.value(), tenant.value(),
                     evaluated.status().ToString());
    }
    return Get(tenant, id);
}

Result<Segment> SegmentService::Update(TenantId tenant, SegmentId segment, std::optional<std::string_view> name,
                                       const std::optional<Rule>& rule) {
    if (name) YT_TRY(CheckName(*name));
    YT_TRY(db_.Write([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(kSelectRuleById, {tenant.value(), segment.value()}));
        if (!row) return NotFound("no such segment");
        const std::string new_name = name ? std::string(*name) : row->Text(1);
        std::string rule_json = row->Text(2);
        if (name) {
            YT_ASSIGN_OR_RETURN(auto taken, s.QueryOne(kSelectNameTaken, {tenant.value(), new_name, segment.value()}));
            if (taken) return AlreadyExists("a segment with this name exists", "name");
        }
        if (rule) {
            YT_ASSIGN_OR_RETURN(Rule resolved, Resolve(s, tenant, *rule, segment));
            rule_json = ToJson(resolved);
        }
        auto updated =
            s.Execute(kUpdateSegment, {tenant.value(), segment.value(), new_name, rule_json, clock_.Now().micros()});
        if (!updated.ok() && updated.status().code() == ErrorCode::kAlreadyExists) {
            return AlreadyExists("a segment with this name exists", "name");
        }
        return updated.status();
    }));
    if (rule) {
        if (auto evaluated = Evaluate(tenant, segment); !evaluated.ok()) {
            spdlog::warn("segment {} of merchant {}: evaluation after an update failed: {}", segment.value(),
                         tenant.value(), evaluated.status().ToString());
        }
    }
    return Get(tenant, segment);
}

Status SegmentService::Delete(TenantId tenant, SegmentId segment) {
    std::lock_guard lock(evaluating_);
    return db_.Write([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectLiveRules, {tenant.value()}));
        bool exists = false;
        for (const store::Row& row : rows) {
            if (row.Int(0) == segment.value()) {
                exists = true;
                continue;
            }
            YT_ASSIGN_OR_RETURN(Rule other, ParseStored(row.Text(2), row.Int(0)));
            for (const SegmentRef& ref : ReferencedSegments(other)) {
                if (ref == SegmentRef(segment)) {
                    return FailedPrecondition("segment " + std::to_string(row.Int(0)) + " '" + row.Text(1) +
                                              "' refers to this segment");
                }
            }
        }
        if (!exists) {
            // Deleting a deleted segment again changes nothing (DELETE is idempotent).
            YT_ASSIGN_OR_RETURN(auto deleted, s.QueryOne(kSelectDeletedSegment, {tenant.value(), segment.value()}));
            if (deleted) return OkStatus();
            return NotFound("no such segment");
        }
        YT_ASSIGN_OR_RETURN(int64_t n,
                            s.Execute(kDeleteSegment, {tenant.value(), segment.value(), clock_.Now().micros()}));
        if (n == 0) return NotFound("no such segment");
        return s.Execute(kDeleteAllMembers, {tenant.value(), segment.value()}).status();
    });
}

Result<std::vector<Segment>> SegmentService::List(TenantId tenant) {
    std::vector<Segment> segments;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto rows, s.Query(std::string(kSelectSegmentColumns) + std::string(kSelectLiveSegments),
                                               {tenant.value()}));
        for (const store::Row& row : rows) {
            YT_ASSIGN_OR_RETURN(Rule rule, ParseStored(row.Text(2), row.Int(0)));
            segments.push_back(ReadSegment(row, std::move(rule)));
        }
        return OkStatus();
    }));
    return segments;
}

Result<Segment> SegmentService::Load(TenantId tenant, SegmentId segment) {
    std::optional<Segment> found;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto row,
                            s.QueryOne(std::string(kSelectSegmentColumns) + std::string(kSelectLiveSegmentById),
                                       {tenant.value(), segment.value()}));
        if (!row) return NotFound("no such segment");
        YT_ASSIGN_OR_RETURN(Rule rule, ParseStored(row->Text(2), row->Int(0)));
        found = ReadSegment(*row, std::move(rule));
        return OkStatus();
    }));
    return std::move(*found);
}

Result<Segment> SegmentService::Get(TenantId tenant, SegmentId segment) { return Load(tenant, segment); }

Result<std::vector<SegmentMember>> SegmentService::DescribeCustomers(TenantId tenant,
                                                                     std::span<const CustomerId> customers) {
    std::vector<SegmentMember> out;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        out.clear();
        for (CustomerId customer : customers) {
            SegmentMember member{.customer = customer};
            YT_ASSIGN_OR_RETURN(auto hints, s.Query(kSelectHints, {tenant.value(), customer.value()}));
            member.identities = HintsInOrder(hints.rows, 0);
            out.push_back(std::move(member));
        }
        return OkStatus();
    }));
    return out;
}

Result<SegmentMembersPage> SegmentService::Members(TenantId tenant, SegmentId segment, std::optional<CustomerId> before,
                                                   int64_t limit, std::optional<StaffId> owner) {
    if (limit < 1 || limit > 1000) return InvalidArgument("limit must be 1 … 1000", "limit");
    YT_TRY(Load(tenant, segment).status());
    SegmentMembersPage page;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(
            auto rows, s.Query(kSelectMembersBefore, {tenant.value(), segment.value(),
                                                      before ? before->value() : std::numeric_limits<int64_t>::max(),
                                                      limit + 1, owner ? 1 : 0, owner ? owner->value() : 0}));
        page.members = MembersFrom(rows.rows);
        return OkStatus();
    }));
    if (static_cast<int64_t>(page.members.size()) > limit) {
        page.members.resize(static_cast<size_t>(limit));
        page.next = page.members.back().customer;
    }
    return page;
}

Result<int64_t> SegmentService::ReadMembers(TenantId tenant, SegmentId segment, std::optional<StaffId> owner,
                                            const MemberPages& pages) {
    int64_t read = 0;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        const int64_t only_owner = owner ? 1 : 0;
        const int64_t owner_id = owner ? owner->value() : 0;
        YT_ASSIGN_OR_RETURN(auto counted,
                            s.QueryOne(kCountMembers, {tenant.value(), segment.value(), only_owner, owner_id}));
        const int64_t total = counted ? counted->Int(0) : 0;
        int64_t after = 0;  // customer ids start at 1
        while (true) {
            YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectMembersAfter, {tenant.value(), segment.value(), after,
                                                                         kExportPageMembers, only_owner, owner_id}));
            const std::vector<SegmentMember> page = MembersFrom(rows.rows);
            if (page.empty() && read > 0) return OkStatus();
            read += static_cast<int64_t>(page.size());
            YT_TRY(pages(page, total));
            if (static_cast<int64_t>(page.size()) < kExportPageMembers) return OkStatus();
            after = page.back().customer.value();
        }
    }));
    return read;
}

Result<std::vector<SegmentMember>> SegmentService::AllMembers(TenantId tenant, SegmentId segment,
                                                              std::optional<StaffId> owner) {
    YT_TRY(Load(tenant, segment).status());
    std::vector<SegmentMember> all;
    YT_TRY(ReadMembers(tenant, segment, owner, [&](std::span<const SegmentMember> page, int64_t total) {
               all.reserve(static_cast<size_t>(total));
               all.insert(all.end(), page.begin(), page.end());
               return OkStatus();
           }).status());
    return all;
}

Result<int64_t> SegmentService::ExportMembers(TenantId tenant, SegmentId segment, std::optional<StaffId> owner,
                                              const std::function<Status(store::Session&, Timestamp)>& record,
                                              const MemberPages& pages) {
    YT_TRY(Load(tenant, segment).status());
    const Timestamp now = clock_.Now();
    YT_TRY(db_.Write([&](store::Session& s) { return record(s, now); }));
    return ReadMembers(tenant, segment, owner, pages);
}

Result<SegmentHistory> SegmentService::History(TenantId tenant, SegmentId segment, std::optional<StaffId> owner) {
    YT_TRY(Load(tenant, segment).status());
    SegmentHistory history;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        if (owner) {
            YT_ASSIGN_OR_RETURN(auto changes,
                                s.Query(kSelectOwnersChanges,
                                        {tenant.value(), segment.value(), settings_.history_changes, owner->value()}));
            for (const store::Row& row : changes) {
                history.changes.push_back({.change_id = row.Int(0),
                                           .customer = CustomerId(row.Int(1)),
                                           .entered = row.Text(2) == "enter",
                                           .at = Timestamp::FromMicros(row.Int(3))});
            }
            return OkStatus();
        }
        YT_ASSIGN_OR_RETURN(auto sizes,
                            s.Query(kSelectSizes, {tenant.value(), segment.value(), settings_.history_sizes}));
        for (const store::Row& row : sizes) history.sizes.push_back({Timestamp::FromMicros(row.Int(0)), row.Int(1)});
        std::reverse(history.sizes.begin(), history.sizes.end());
        YT_ASSIGN_OR_RETURN(auto changes,
                            s.Query(kSelectChanges, {tenant.value(), segment.value(), settings_.history_changes}));
        for (const store::Row& row : changes) {
            history.changes.push_back({.change_id = row.Int(0),
                                       .customer = CustomerId(row.Int(1)),
                                       .entered = row.Text(2) == "enter",
                                       .at = Timestamp::FromMicros(row.Int(3))});
        }
        return OkStatus();
    }));
    return history;
}

Result<SegmentEvaluation> SegmentService::Evaluate(TenantId tenant, SegmentId segment) {
    YT_ASSIGN_OR_RETURN(std::shared_ptr<AudienceIndex> index, audiences_.Index(tenant));
    YT_ASSIGN_OR_RETURN(Segment saved, Load(tenant, segment));
    const Timestamp now = clock_.Now();
    const TimeZone& zone = index->time_zone();
    const int32_t today = DayNumber(zone.ToLocal(now).date);
    std::lock_guard lock(evaluating_);

    // What this process wrote last, when it still describes the stored members: computed on this
    // index, for this version of the rule, and as many as the segment row says it has.
    const auto key = std::pair(tenant, segment);
    Known* known = nullptr;
    if (auto it = known_.find(key); it != known_.end()) {
        if (it->second.index.lock() == index && it->second.updated_at == saved.updated_at &&
            it->second.members.size() == saved.size) {
            known = &it->second;
        } else {
            known_.erase(it);
        }
    }
    // Read before evaluating: a refresh that lands in between is re-tested next time.
    const uint64_t version = index->version();
    const Timing timing = TimingOf(saved.rule);
    std::optional<CustomerSet> changed;
    if (known != nullptr && (timing == Timing::kFixed || (timing == Timing::kDaily && known->local_day == today))) {
        changed = index->ChangedSince(known->version, FacetsOf(saved.rule));
    }

    CustomerSet members, entered, exited;
    int64_t size = 0;
    if (changed) {
        // Only the changed customers can have entered or left.
        if (!changed->empty()) {
            YT_ASSIGN_OR_RETURN(
                Evaluation result,
                audience::Evaluate(*index, saved.rule,
                                   {.now = now, .segments = {}, .sample_size = 0, .within = &*changed}));
            entered = result.members - known->members;
            exited = (known->members & *changed) - result.members;
            members = (known->members - *changed) | result.members;
        } else {
            members = known->members;
        }
        size = members.size();
    } else {
        SegmentEvaluator segments(db_, *index, tenant, now);
        YT_ASSIGN_OR_RETURN(
            Evaluation result,
            audience::Evaluate(*index, saved.rule, {.now = now, .segments = segments.Callback(1), .sample_size = 0}));
        members = std::move(result.members);
        size = result.count;
        if (known != nullptr) {
            entered = members - known->members;
            exited = known->members - members;
        }
    }

    SegmentEvaluation outcome{.size = size, .at = now};
    YT_TRY(db_.Write([&](store::Session& s) -> Status {
        outcome.entered = outcome.exited = 0;
        // Only a segment that is still live and unchanged since it was read is written.
        YT_ASSIGN_OR_RETURN(int64_t marked, s.Execute(kMarkEvaluated, {tenant.value(), segment.value(),
                                                                       saved.updated_at.micros(), now.micros()}));
        if (marked == 0) return Aborted("the segment changed while it was evaluated");
        std::vector<int64_t> entering, exiting;
        if (known != nullptr) {
            for (CustomerId c : entered.ToVector()) entering.push_back(c.value());
            for (CustomerId c : exited.ToVector()) exiting.push_back(c.value());
        } else {
            // Nothing known here: diff against the stored members.
            YT_ASSIGN_OR_RETURN(auto stored_rows, s.Query(kSelectMemberIds, {tenant.value(), segment.value()}));
            std::vector<int64_t> stored;
            stored.reserve(stored_rows.size());
            for (const store::Row& row : stored_rows) stored.push_back(row.Int(0));
            std::sort(stored.begin(), stored.end());
            const std::vector<CustomerId> now_members = members.ToVector();
            size_t i = 0;
            size_t j = 0;
            while (i < now_members.size() || j < stored.size()) {
                if (j == stored.size() || (i < now_members.size() && now_members[i].value() < stored[j])) {
                    entering.push_back(now_members[i++].value());
                } else if (i == now_members.size() || stored[j] < now_members[i].value()) {
                    exiting.push_back(stored[j++]);
                } else {
                    ++i;
                    ++j;
                }
            }
        }
        const int64_t changes = static_cast<int64_t>(entering.size() + exiting.size());
        int64_t change_id = 0;
        if (changes > 0) {
            YT_ASSIGN_OR_RETURN(change_id, store::NextIds(s, tenant, "segment_change", changes));
        }
        for (int64_t customer : exiting) {
            YT_TRY(s.Execute(kDeleteMember, {tenant.value(), segment.value(), customer}).status());
            YT_TRY(
                s.Execute(kInsertChange, {tenant.value(), change_id++, segment.value(), customer, "exit", now.micros()})
                    .status());
        }
        for (int64_t customer : entering) {
            YT_TRY(s.Execute(kInsertMember, {tenant.value(), segment.value(), customer, now.micros()}).status());
            YT_TRY(s.Execute(kInsertChange,
                             {tenant.value(), change_id++, segment.value(), customer, "enter", now.micros()})
                       .status());
        }
        outcome.entered = static_cast<int64_t>(entering.size());
        outcome.exited = static_cast<int64_t>(exiting.size());
        YT_ASSIGN_OR_RETURN(auto last, s.QueryOne(kSelectLastSize, {tenant.value(), segment.value()}));
        const bool record = !last || last->Int(1) != size ||
                            zone.ToLocal(Timestamp::FromMicros(last->Int(0))).date != zone.ToLocal(now).date;
        if (record) YT_TRY(s.Execute(kInsertSize, {tenant.value(), segment.value(), now.micros(), size}).status());
        return OkStatus();
    }));
    known_[key] = Known{.index = index,
                        .version = version,
                        .updated_at = saved.updated_at,
                        .local_day = today,
                        .members = std::move(members)};
    return outcome;
}

Result<int64_t> SegmentService::EvaluateDue() {
    std::vector<TenantId> tenants;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectTenantsWithSegments));
        for (const store::Row& row : rows) tenants.push_back(TenantId(row.Int(0)));
        return OkStatus();
    }));
    int64_t evaluated = 0;
    Status first_error;
    for (TenantId tenant : tenants) {
        std::vector<SegmentId> ids;
        YT_TRY(db_.Read([&](store::Session& s) -> Status {
            YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectLiveSegmentIds, {tenant.value()}));
            for (const store::Row& row : rows) ids.push_back(SegmentId(row.Int(0)));
            return OkStatus();
        }));
        for (SegmentId id : ids) {
            auto result = Evaluate(tenant, id);
            if (result.ok()) {
                ++evaluated;
                continue;
            }
            if (result.status().code() == ErrorCode::kNotFound || result.status().code() == ErrorCode::kAborted) {
                continue;  // deleted or edited meanwhile: the edit evaluates it
            }
            spdlog::warn("segment {} of merchant {}: evaluation failed: {}", id.value(), tenant.value(),
                         result.status().ToString());
            if (first_error.ok()) first_error = result.status();
        }
    }
    YT_TRY(first_error);
    return evaluated;
}

Result<Evaluation> SegmentService::Count(TenantId tenant, const Rule& rule, std::optional<StaffId> owner) {
    YT_ASSIGN_OR_RETURN(std::shared_ptr<AudienceIndex> index, audiences_.Index(tenant));
    const Timestamp now = clock_.Now();
    SegmentEvaluator segments(db_, *index, tenant, now);
    return audience::Evaluate(*index, rule,
                              {.now = now, .segments = segments.Callback(1), .sample_size = 20, .owner = owner});
}

}  // namespace yutang::audience
