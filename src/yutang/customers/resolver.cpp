#include "yutang/customers/resolver.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "yutang/store/bulk.hpp"
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
    "WHERE tenant_id = $1 AND customer_id = $2";

// Identities looked up per statement by ResolveBatch: a short chunk is padded with its last
// value, so one prepared statement serves every batch.
constexpr size_t kFindChunk = 64;

std::string FindIdentitiesSql() {
    std::string sql =
        "SELECT value_index, customer_id FROM customer_identities WHERE tenant_id = $1 AND kind = $2 AND "
        "value_index IN (";
    return sql + store::ParamList(3, kFindChunk) + ")";
}

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

PreparedIdentities IdentityResolver::Prepare(TenantId tenant, std::span<const IdentityInput> identities) const {
    return Normalize(tenant, identities, /*seal=*/true);
}

PreparedIdentities IdentityResolver::Normalize(TenantId tenant, std::span<const IdentityInput> identities,
                                               bool seal) const {
    PreparedIdentities prepared;
    for (const IdentityInput& input : identities) {
        auto normalized = NormalizeIdentity(input);
        if (!normalized.ok()) {
            prepared.skipped.push_back({input.kind, "invalid", ""});
            continue;
        }
        if (!normalized->usable) {
            prepared.skipped.push_back({input.kind, normalized->refused_because, normalized->hint});
            continue;
        }
        const bool repeated = std::any_of(prepared.candidates.begin(), prepared.candidates.end(), [&](const auto& c) {
            return c.identity.kind == input.kind && c.identity.value == normalized->value;
        });
        if (repeated) continue;
        std::string index = Index(tenant, input.kind, normalized->value);
        std::string sealed = seal ? keys_.Encrypt(normalized->value, Context(tenant, input.kind)) : std::string();
        prepared.candidates.push_back({std::move(*normalized), std::move(index), std::move(sealed), std::nullopt});
    }
    return prepared;
}

Result<Resolution> IdentityResolver::Resolve(store::Session& s, TenantId tenant,
                                             std::span<const IdentityInput> identities, std::string_view source) {
    return Resolve(s, tenant, identities, source, kSharedIdentity);
}

Result<Resolution> IdentityResolver::Resolve(store::Session& s, TenantId tenant,
                                             std::span<const IdentityInput> identities, std::string_view source,
                                             std::string_view merge_reason) {
    // Values are sealed only if they are attached (most resolutions find them known).
    PreparedIdentities prepared = Normalize(tenant, identities, /*seal=*/false);
    Resolution result;
    result.skipped = std::move(prepared.skipped);
    std::vector<Candidate>& candidates = prepared.candidates;
    if (candidates.empty()) return result;
    for (Candidate& c : candidates) {
        YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(kFindIdentity, {tenant.value(), IdentityKindName(c.identity.kind),
                                                                 store::Blob{c.index}}));
        if (row) c.owner = row->Int(0);
    }
    auto next_customer = [&]() { return store::NextId(s, tenant, "customer"); };
    YT_TRY(Settle(s, tenant, candidates, source, merge_reason, next_customer, result));
    return result;
}

Result<IdentityResolver::Batch> IdentityResolver::StartBatch(store::Session& s, TenantId tenant,
                                                             std::span<const PreparedIdentities> people) {
    size_t identified = 0;
    for (const PreparedIdentities& person : people)
        if (!person.candidates.empty()) ++identified;
    Batch batch(*this, s, tenant, identified);
    std::map<IdentityKind, std::vector<std::string_view>> wanted;
    for (const PreparedIdentities& person : people) {
        for (const Candidate& c : person.candidates) {
            if (batch.owners_.emplace(Batch::Key(c), std::nullopt).second) wanted[c.identity.kind].push_back(c.index);
        }
    }
    static const std::string kFindIdentities = FindIdentitiesSql();
    std::vector<store::Value> params;
    for (const auto& [kind, indexes] : wanted) {
        for (size_t from = 0; from < indexes.size(); from += kFindChunk) {
            params.assign({tenant.value(), IdentityKindName(kind)});
            store::AppendChunk(params, indexes, from, kFindChunk,
                               [](std::string_view index) { return store::Blob{std::string(index)}; });
            YT_ASSIGN_OR_RETURN(auto rows, s.Query(kFindIdentities, params));
            for (const auto& row : rows) {
                batch.owners_[std::string(1, static_cast<char>(kind)).append(row.Text(0))] = row.Int(1);
            }
        }
    }
    return batch;
}

std::string IdentityResolver::Batch::Key(const Candidate& c) {
    std::string key(1, static_cast<char>(c.identity.kind));
    return key.append(c.index);
}

Result<Resolution> IdentityResolver::Batch::Resolve(PreparedIdentities& person, std::string_view source) {
    Resolution result;
    result.skipped = person.skipped;
    std::vector<Candidate>& candidates = person.candidates;
    if (candidates.empty()) return result;
    for (Candidate& c : candidates) {
        auto known = owners_.find(Key(c));
        if (known == owners_.end()) {
            YT_ASSIGN_OR_RETURN(auto row,
                                session_->QueryOne(kFindIdentity, {tenant_.value(), IdentityKindName(c.identity.kind),
                                                                   store::Blob{c.index}}));
            known = owners_.emplace(Key(c), row ? std::optional<int64_t>(row->Int(0)) : std::nullopt).first;
        }
        c.owner = known->second;
    }
    // Customer ids for the people who turn out to be new, from one block as large as the
    // people still to come.
    auto next_customer = [&]() -> Result<int64_t> {
        if (next_id_ == block_end_) {
            const auto count = static_cast<int64_t>(std::max<size_t>(identified_, 1));
            YT_ASSIGN_OR_RETURN(next_id_, store::NextIds(*session_, tenant_, "customer", count));
            block_end_ = next_id_ + count;
        }
        return next_id_++;
    };
    YT_TRY(resolver_->Settle(*session_, tenant_, candidates, source, kSharedIdentity, next_customer, result));
    if (identified_ > 0) --identified_;
    for (const Candidate& c : candidates) owners_[Key(c)] = c.owner;
    for (CustomerId loser : result.merged) {
        for (auto& [identity, owner] : owners_) {
            if (owner == loser.value()) owner = result.customer.value();
        }
    }
    return result;
}

Status IdentityResolver::Batch::Finish() {
    if (next_id_ != block_end_) YT_TRY(store::ReleaseIds(*session_, tenant_, "customer", next_id_, block_end_));
    next_id_ = block_end_ = 0;
    return OkStatus();
}

Result<std::vector<Resolution>> IdentityResolver::ResolveBatch(store::Session& s, TenantId tenant,
                                                               std::span<PreparedIdentities> people,
                                                               std::string_view source) {
    YT_ASSIGN_OR_RETURN(Batch batch, StartBatch(s, tenant, people));
    std::vector<Resolution> results;
    results.reserve(people.size());
    for (PreparedIdentities& person : people) {
        YT_ASSIGN_OR_RETURN(Resolution resolution, batch.Resolve(person, source));
        results.push_back(std::move(resolution));
    }
    YT_TRY(batch.Finish());
    return results;
}

Status IdentityResolver::Settle(store::Session& s, TenantId tenant, std::vector<Candidate>& candidates,
                                std::string_view source, std::string_view merge_reason,
                                const std::function<Result<int64_t>()>& next_customer, Resolution& result) {
    const Timestamp now = clock_.Now();
    std::set<int64_t> owners;
    std::map<int64_t, std::set<IdentityKind>> shared_kinds;
    for (const Candidate& c : candidates) {
        if (!c.owner) continue;
        owners.insert(*c.owner);
        shared_kinds[*c.owner].insert(c.identity.kind);
    }

    // The winner of merges: the oldest customer among them, or a new one (when no merge can be
    // made, the event may go to another of them: see below).
    int64_t winner = 0;
    KindCounts winner_counts;
    if (owners.empty()) {
        YT_ASSIGN_OR_RETURN(winner, next_customer());
        YT_TRY(s.Execute(kInsertCustomer, {tenant.value(), winner, now.micros(), std::string(source)}));
        result.created = true;
    } else {
        winner = *owners.begin();
        // The winner's identity counts matter only for a merge or an attachment; the common
        // case, every identity already the winner's, needs neither.
        const bool needs_counts = owners.size() > 1 || std::any_of(candidates.begin(), candidates.end(),
                                                                   [](const Candidate& c) { return !c.owner; });
        if (needs_counts) {
            YT_ASSIGN_OR_RETURN(winner_counts, CountKinds(s, tenant, winner));
        }
    }

    // Merge the others into it where a person could have both sets of identities.
    bool refused = false;
    for (int64_t loser : owners) {
        if (loser == winner) continue;
        YT_ASSIGN_OR_RETURN(KindCounts loser_counts, CountKinds(s, tenant, loser));
        if (auto kind = Overflow(winner_counts, loser_counts)) {
            refused = true;
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
        YT_TRY(s.Execute(kInsertMerge, {tenant.value(), merge_id, winner, loser, std::string(merge_reason), detail,
                                        source, now.micros()}));
        for (const auto& [kind, n] : loser_counts) winner_counts[kind] += n;
        for (Candidate& c : candidates) {
            if (c.owner == loser) c.owner = winner;
        }
        result.merged.emplace_back(loser);
    }

    // People who cannot be one stay apart. When nobody was merged, the message belongs to the
    // one its highest-priority identity names (its userId, not the anonymousId of a device two
    // people shared), the oldest on a tie; what nobody had yet is attached to that one. The
    // identities of the others are reported as merge_refused.
    if (refused) {
        if (result.merged.empty()) {
            const Candidate* best = nullptr;
            for (const Candidate& c : candidates) {
                if (!c.owner) continue;
                const int priority = RuleFor(c.identity.kind).priority;
                if (best == nullptr || priority > RuleFor(best->identity.kind).priority ||
                    (priority == RuleFor(best->identity.kind).priority && *c.owner < *best->owner)) {
                    best = &c;
                }
            }
            if (best != nullptr && *best->owner != winner) {  // refused: someone owns one
                winner = *best->owner;
                YT_ASSIGN_OR_RETURN(winner_counts, CountKinds(s, tenant, winner));
            }
        }
        for (const Candidate& c : candidates) {
            if (c.owner && *c.owner != winner)
                result.skipped.push_back({c.identity.kind, "merge_refused", c.identity.hint});
        }
    }

    // Attach what nobody had yet, within the limits.
    bool changed = result.created || !result.merged.empty();
    for (Candidate& c : candidates) {
        if (c.owner) continue;
        const IdentityKind kind = c.identity.kind;
        if (winner_counts[kind] + 1 > RuleFor(kind).max_per_customer) {
            result.skipped.push_back({kind, "limit", c.identity.hint});
            continue;
        }
        YT_TRY(s.Execute(
            kInsertIdentity,
            {tenant.value(), IdentityKindName(kind), store::Blob{c.index},
             store::Blob{c.sealed.empty() ? keys_.Encrypt(c.identity.value, Context(tenant, kind)) : c.sealed},
             c.identity.hint, winner, source, now.micros()}));
        ++winner_counts[kind];
        c.owner = winner;
        changed = true;
    }
    // Seeing known identities again changes nothing (a re-import must leave the store as it was).
    if (changed && !result.created) YT_TRY(s.Execute(kTouchCustomer, {tenant.value(), winner, now.micros()}));
    result.changed = changed;
    result.customer = CustomerId(winner);
    return OkStatus();
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
    YT_ASSIGN_OR_RETURN(Resolution result, Resolve(s, tenant, both, source, kAlias));
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
    SortIdentities(out);
    return out;
}

}  // namespace yutang::customers
