#include "yutang/customers/resolver.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "yutang/store/sequences.hpp"

namespace yutang::customers {
namespace {

constexpr std::string_view kFindIdentity =
    "SELECT customer_id FROM customer_identities WHERE tenant_id = $1 AND kind = $2 AND value_index = $3";
constexpr std::string_view kInsertCustomer =
    "INSERT INTO customers (tenant_id, customer_id, merged_into, created_at, updated_at, source_channel) "
    "VALUES ($1, $2, NULL, $3, $3, $4)";
constexpr std::string_view kInsertIdentity =
    "INSERT INTO customer_identities (tenant_id, kind, value_index, value_cipher, hint, customer_id, source, "
    "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
constexpr std::string_view kSelectKinds =
    "SELECT kind, value_index FROM customer_identities WHERE tenant_id = $1 AND customer_id = $2";
constexpr std::string_view kMoveIdentities =
    "UPDATE customer_identities SET customer_id = $3 WHERE tenant_id = $1 AND customer_id = $2";
constexpr std::string_view kMarkMerged =
    "UPDATE customers SET merged_into = $3, updated_at = $4 WHERE tenant_id = $1 AND customer_id = $2";
// Path compression: earlier tombstones of the loser point straight at the winner, so a stored
// id is at most one hop from its customer.
constexpr std::string_view kRepointTombstones =
    "UPDATE customers SET merged_into = $3 WHERE tenant_id = $1 AND merged_into = $2";
constexpr std::string_view kTouchCustomer =
    "UPDATE customers SET updated_at = $3 WHERE tenant_id = $1 AND customer_id = $2";
constexpr std::string_view kInsertMerge =
    "INSERT INTO customer_merges (tenant_id, merge_id, winner_id, loser_id, reason, detail, source, at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
constexpr std::string_view kSelectMergedInto =
    "SELECT merged_into FROM customers WHERE tenant_id = $1 AND customer_id = $2";
constexpr std::string_view kSelectIdentities =
    "SELECT kind, value_cipher, hint, source, created_at FROM customer_identities "
    "WHERE tenant_id = $1 AND customer_id = $2 ORDER BY kind, created_at";

struct Candidate {
    NormalizedIdentity identity;
    std::string index;
    std::optional<int64_t> owner;  // the customer it already points at
};

using KindCounts = std::map<IdentityKind, int>;

Result<KindCounts> CountKinds(store::Session& s, TenantId tenant, int64_t customer) {
    YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectKinds, {tenant.value(), customer}));
    KindCounts counts;
    for (const auto& row : rows) {
        YT_ASSIGN_OR_RETURN(IdentityKind kind, ParseIdentityKind(row.Text(0)));
        ++counts[kind];
    }
    return counts;
}

// The first kind whose count would go past its limit if `extra` joined `base`, if any.
std::optional<IdentityKind> Overflow(const KindCounts& base, const KindCounts& extra) {
    for (const auto& [kind, n] : extra) {
        const auto it = base.find(kind);
        if ((it == base.end() ? 0 : it->second) + n > RuleFor(kind).max_per_customer) return kind;
    }
    return std::nullopt;
}

std::string KindListJson(const std::set<IdentityKind>& kinds) {
    std::string out = "[";
    for (IdentityKind k : kinds) {
        if (out.size() > 1) out += ",";
        out += "\"" + std::string(IdentityKindName(k)) + "\"";
    }
    return out + "]";
}

}  // namespace

IdentityResolver::IdentityResolver(const KeyRing& keys, const Clock& clock)
    : keys_(keys), clock_(clock), profiles_(keys, clock) {}

std::string IdentityResolver::Index(TenantId tenant, IdentityKind kind, std::string_view value) const {
    // The tenant is part of the domain, so the same phone at two merchants has unrelated
    // indexes: a copy of the database does not link a person across merchants.
    return keys_.BlindIndex(Context(tenant, kind), value);
}

std::string IdentityResolver::Context(TenantId tenant, IdentityKind kind) const {
    return "t" + std::to_string(tenant.value()) + "/identity." + std::string(IdentityKindName(kind));
}

Result<Resolution> IdentityResolver::Resolve(store::Session& s, TenantId tenant,
                                             std::span<const IdentityInput> identities, std::string_view source) {
    Resolution result;
    const Timestamp now = clock_.Now();

    // 1. Normalise; keep usable values once each.
    std::vector<Candidate> candidates;
    std::set<std::pair<IdentityKind, std::string>> seen;
    for (const IdentityInput& input : identities) {
        auto normalized = NormalizeIdentity(input);
        if (!normalized.ok()) {
            result.skipped.push_back({input.kind, "invalid", ""});
            continue;
        }
        if (!normalized->usable) {
            result.skipped.push_back({input.kind, normalized->refused_because, normalized->hint});
            continue;
        }
        if (!seen.insert({input.kind, normalized->value}).second) continue;
        candidates.push_back({std::move(*normalized), "", std::nullopt});
    }
    if (candidates.empty()) return result;

    // 2. Who do they point at now?
    std::set<int64_t> owners;
    std::map<int64_t, std::set<IdentityKind>> shared_kinds;
    for (Candidate& c : candidates) {
        c.index = Index(tenant, c.identity.kind, c.identity.value);
        YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(kFindIdentity, {tenant.value(), IdentityKindName(c.identity.kind),
                                                                 store::Blob{c.index}}));
        if (row) {
            c.owner = row->Int(0);
            owners.insert(*c.owner);
            shared_kinds[*c.owner].insert(c.identity.kind);
        }
    }

    // 3. The winner: the oldest customer among them, or a new one.
    int64_t winner = 0;
    KindCounts winner_counts;
    if (owners.empty()) {
        YT_ASSIGN_OR_RETURN(winner, store::NextId(s, tenant, "customer"));
        YT_TRY(s.Execute(kInsertCustomer, {tenant.value(), winner, now.micros(), std::string(source)}));
        result.created = true;
    } else {
        winner = *owners.begin();
        // The winner's identity counts matter only for a merge (step 4) or an attachment (step
        // 5); the common case, every identity already the winner's, needs neither.
        const bool needs_counts = owners.size() > 1 || std::any_of(candidates.begin(), candidates.end(),
                                                                   [](const Candidate& c) { return !c.owner; });
        if (needs_counts) {
            YT_ASSIGN_OR_RETURN(winner_counts, CountKinds(s, tenant, winner));
        }
    }

    // 4. Merge the others into it where a person could have both sets of identities.
    for (int64_t loser : owners) {
        if (loser == winner) continue;
        YT_ASSIGN_OR_RETURN(KindCounts loser_counts, CountKinds(s, tenant, loser));
        if (auto kind = Overflow(winner_counts, loser_counts)) {
            for (const Candidate& c : candidates) {
                if (c.owner == loser) result.skipped.push_back({c.identity.kind, "merge_refused", c.identity.hint});
            }
            continue;
        }
        YT_TRY(s.Execute(kMoveIdentities, {tenant.value(), loser, winner}));
        YT_TRY(s.Execute(kRepointTombstones, {tenant.value(), loser, winner}));
        YT_TRY(s.Execute(kMarkMerged, {tenant.value(), loser, winner, now.micros()}));
        YT_TRY(profiles_.Merge(s, tenant, CustomerId(loser), CustomerId(winner)));
        YT_ASSIGN_OR_RETURN(int64_t merge_id, store::NextId(s, tenant, "customer_merge"));
        std::set<IdentityKind> moved;
        for (const auto& [kind, n] : loser_counts) moved.insert(kind);
        const std::string detail =
            "{\"shared\":" + KindListJson(shared_kinds[loser]) + ",\"moved\":" + KindListJson(moved) + "}";
        YT_TRY(s.Execute(kInsertMerge,
                         {tenant.value(), merge_id, winner, loser, "shared_identity", detail, source, now.micros()}));
        for (const auto& [kind, n] : loser_counts) winner_counts[kind] += n;
        for (Candidate& c : candidates) {
            if (c.owner == loser) c.owner = winner;
        }
        result.merged.emplace_back(loser);
    }

    // 5. Attach what nobody had yet, within the limits.
    bool changed = result.created || !result.merged.empty();
    for (const Candidate& c : candidates) {
        if (c.owner) continue;
        const IdentityKind kind = c.identity.kind;
        if (winner_counts[kind] + 1 > RuleFor(kind).max_per_customer) {
            result.skipped.push_back({kind, "limit", c.identity.hint});
            continue;
        }
        YT_TRY(s.Execute(kInsertIdentity, {tenant.value(), IdentityKindName(kind), store::Blob{c.index},
                                           store::Blob{keys_.Encrypt(c.identity.value, Context(tenant, kind))},
                                           c.identity.hint, winner, source, now.micros()}));
        ++winner_counts[kind];
        changed = true;
    }
    // Seeing known identities again changes nothing (a re-import must leave the store as it was).
    if (changed && !result.created) YT_TRY(s.Execute(kTouchCustomer, {tenant.value(), winner, now.micros()}));
    result.changed = changed;
    result.customer = CustomerId(winner);
    return result;
}

Result<Resolution> IdentityResolver::Alias(store::Session& s, TenantId tenant, const IdentityInput& previous,
                                           const IdentityInput& current, std::string_view source) {
    for (const IdentityInput* input : {&previous, &current}) {
        YT_ASSIGN_OR_RETURN(NormalizedIdentity n, NormalizeIdentity(*input));
        if (!n.usable) {
            return InvalidArgument("cannot alias a " + n.refused_because + " value", "previous_id");
        }
    }
    const IdentityInput both[] = {current, previous};
    YT_ASSIGN_OR_RETURN(Resolution result, Resolve(s, tenant, both, source));
    for (const SkippedIdentity& skipped : result.skipped) {
        if (skipped.reason == "merge_refused" || skipped.reason == "limit") {
            return FailedPrecondition("these identities belong to people who cannot be merged (" +
                                      std::string(IdentityKindName(skipped.kind)) + ")");
        }
    }
    return result;
}

Result<std::optional<CustomerId>> IdentityResolver::Find(store::Session& s, TenantId tenant,
                                                         const IdentityInput& identity) {
    auto normalized = NormalizeIdentity(identity);
    if (!normalized.ok() || !normalized->usable) return std::optional<CustomerId>();
    YT_ASSIGN_OR_RETURN(auto row,
                        s.QueryOne(kFindIdentity, {tenant.value(), IdentityKindName(identity.kind),
                                                   store::Blob{Index(tenant, identity.kind, normalized->value)}}));
    if (!row) return std::optional<CustomerId>();
    return std::optional<CustomerId>(CustomerId(row->Int(0)));
}

Result<CustomerId> IdentityResolver::Canonical(store::Session& s, TenantId tenant, CustomerId customer) {
    int64_t id = customer.value();
    // Chains are kept one hop long (path compression); the bound only guards against a cycle.
    for (int hops = 0; hops < 16; ++hops) {
        YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(kSelectMergedInto, {tenant.value(), id}));
        if (!row) return NotFound("no such customer");
        if (row->IsNull(0)) return CustomerId(id);
        id = row->Int(0);
    }
    return Internal("customer merge chain too long for customer " + std::to_string(customer.value()));
}

Result<std::vector<StoredIdentity>> IdentityResolver::Identities(store::Session& s, TenantId tenant,
                                                                 CustomerId customer) {
    YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectIdentities, {tenant.value(), customer.value()}));
    std::vector<StoredIdentity> out;
    for (const auto& row : rows) {
        YT_ASSIGN_OR_RETURN(IdentityKind kind, ParseIdentityKind(row.Text(0)));
        YT_ASSIGN_OR_RETURN(std::string value, keys_.Decrypt(row.Text(1), Context(tenant, kind)));
        out.push_back({kind, std::move(value), row.Text(2), row.Text(3), Timestamp::FromMicros(row.Int(4))});
    }
    return out;
}

}  // namespace yutang::customers
