// OneID: turning the identities seen on an event, an order or a contact into one customer.
//
// Resolution looks every usable identity up; none known → a new customer; one customer → the
// new identities are attached to it; several → they are merged into the oldest (lowest id),
// unless the merge would give one person more identities of a kind than a person has (two
// different user_ids or unionids, a fourth phone): then that customer is left alone, and when
// nobody could be merged the event is the customer's its highest-priority identity names. Each merge
// moves the loser's identities and profile (ProfileStore::Merge) to the winner, leaves the loser as a tombstone
// pointing at it, and records why. The full rules and their reasons: docs/design/identity.md.
//
//   IdentityResolver resolver(keys, clock);
//   YT_TRY(db.Write([&](store::Session& s) -> Status {
//       YT_ASSIGN_OR_RETURN(Resolution r, resolver.Resolve(s, tenant, {{IdentityKind::kPhone, "138-0000-0000"},
//                                                                       {IdentityKind::kJdBuyer, "jd_9f3a"}},
//                                                           "import:jd"));
//       if (r.identified()) … r.customer …
//   }));
#pragma once

#include <algorithm>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "yutang/base/clock.hpp"
#include "yutang/base/crypto.hpp"
#include "yutang/base/ids.hpp"
#include "yutang/customers/identity.hpp"
#include "yutang/customers/profile.hpp"
#include "yutang/store/database.hpp"

namespace yutang::customers {

struct SkippedIdentity {
    IdentityKind kind;
    // "placeholder", "masked", "encrypted" (not identities), "invalid" (not a value of its
    // kind), "limit" (the customer has as many of this kind as a person has), "merge_refused"
    // (it belongs to another customer who could not be merged).
    std::string reason;
    std::string hint;  // safe to show
};

struct Resolution {
    CustomerId customer;             // invalid (0) when no identity was usable
    bool created = false;            // a new customer was made
    std::vector<CustomerId> merged;  // customers merged into `customer` by this call
    bool changed = false;            // created, merged, or given an identity it did not have
    std::vector<SkippedIdentity> skipped;

    bool identified() const { return customer.valid(); }
};

struct StoredIdentity {
    IdentityKind kind;
    std::string value;  // decrypted
    std::string hint;
    std::string source;
    Timestamp created_at;
};

// Puts a customer's identities in the order they are shown: by kind name, then age. Queries
// sort with this rather than ORDER BY kind: without statistics, SQLite answers ORDER BY kind by
// walking the merchant's every identity in primary-key order instead of sorting one customer's
// few. Takes anything with `kind` and `created_at` (StoredIdentity, a view of one).
template <typename Identity>
void SortIdentities(std::vector<Identity>& identities) {
    std::stable_sort(identities.begin(), identities.end(), [](const Identity& a, const Identity& b) {
        return std::pair(IdentityKindName(a.kind), a.created_at) < std::pair(IdentityKindName(b.kind), b.created_at);
    });
}

// One person's identities made ready for ResolveBatch: normalised, blind-indexed and sealed.
// Making them needs no transaction, so an import prepares the next batch on another thread while
// the last one is being stored.
struct PreparedIdentities {
    struct Candidate {
        NormalizedIdentity identity;
        std::string index;             // blind index
        std::string sealed;            // the value, encrypted ("" = sealed when attached)
        std::optional<int64_t> owner;  // the customer it points at, while resolving
    };
    std::vector<Candidate> candidates;     // usable, each once
    std::vector<SkippedIdentity> skipped;  // unusable, with their hints
};

// Stateless apart from its keys; safe to share between threads. Every method runs inside the
// caller's transaction (Resolve and Alias need a write transaction). On PostgreSQL two
// transactions resolving the same new identity at once make one of them fail with
// already_exists: retry that transaction.
class IdentityResolver {
  public:
    IdentityResolver(const KeyRing& keys, const Clock& clock);

    Result<Resolution> Resolve(store::Session& session, TenantId tenant, std::span<const IdentityInput> identities,
                               std::string_view source);
    Result<Resolution> Resolve(store::Session& session, TenantId tenant,
                               std::initializer_list<IdentityInput> identities, std::string_view source) {
        return Resolve(session, tenant, std::span<const IdentityInput>(identities.begin(), identities.size()), source);
    }

    // Thread-safe, outside any transaction.
    PreparedIdentities Prepare(TenantId tenant, std::span<const IdentityInput> identities) const;
    // The same, with the values left unsealed: Settle seals those it attaches. For senders whose
    // identities are mostly known already (ingest), where sealing every value would be wasted.
    PreparedIdentities PrepareUnsealed(TenantId tenant, std::span<const IdentityInput> identities) const {
        return Normalize(tenant, identities, /*seal=*/false);
    }

    class Batch;
    // Starts resolving `people` one after another in this transaction (Batch below).
    Result<Batch> StartBatch(store::Session& session, TenantId tenant, std::span<const PreparedIdentities> people);
    // Resolves each person's identities in order, with the same outcome as calling Resolve for
    // each in turn, in fewer statements (a Batch of them all). For imports, where most people are
    // new or already known.
    Result<std::vector<Resolution>> ResolveBatch(store::Session& session, TenantId tenant,
                                                 std::span<PreparedIdentities> people, std::string_view source);

    // An explicit "these are the same person" (Segment alias: previousId → userId). Resolves
    // both together; failed_precondition when their customers cannot be merged (the rules
    // above), invalid_argument when either value is not usable.
    Result<Resolution> Alias(store::Session& session, TenantId tenant, const IdentityInput& previous,
                             const IdentityInput& current, std::string_view source);

    // The customer an identity points at, if any (nullopt also for unusable values).
    Result<std::optional<CustomerId>> Find(store::Session& session, TenantId tenant, const IdentityInput& identity);
    // Follows tombstones to the customer an id has become; not_found for an unknown id.
    Result<CustomerId> Canonical(store::Session& session, TenantId tenant, CustomerId customer);
    // A customer's identities, decrypted, by kind then age.
    Result<std::vector<StoredIdentity>> Identities(store::Session& session, TenantId tenant, CustomerId customer);

  private:
    using Candidate = PreparedIdentities::Candidate;

    // Prepare, with the values sealed or (seal false) left to Settle to seal when it attaches them.
    PreparedIdentities Normalize(TenantId tenant, std::span<const IdentityInput> identities, bool seal) const;

    // Why a merge happened, as customer_merges.reason records it.
    static constexpr std::string_view kSharedIdentity = "shared_identity";  // an event named both
    static constexpr std::string_view kAlias = "alias";                     // the sender said so

    Result<Resolution> Resolve(store::Session& session, TenantId tenant, std::span<const IdentityInput> identities,
                               std::string_view source, std::string_view merge_reason);
    // Given where each candidate points now: picks or creates the winner, merges (recorded with
    // merge_reason), attaches, and leaves each candidate's owner as it points afterwards.
    Status Settle(store::Session& session, TenantId tenant, std::vector<Candidate>& candidates, std::string_view source,
                  std::string_view merge_reason, const std::function<Result<int64_t>()>& next_customer,
                  Resolution& result);
    std::string Index(TenantId tenant, IdentityKind kind, std::string_view value) const;
    std::string Context(TenantId tenant, IdentityKind kind) const;

    const KeyRing& keys_;
    const Clock& clock_;
    ProfileStore profiles_;  // a merge moves the loser's profile too
};

// People resolved one after another in one transaction, each with the outcome Resolve would
// give, in fewer statements: every identity of the people named at StartBatch is looked up up
// front, with one query per kind and 64 values, and where each points is kept exact as people
// are settled (a creation or an attachment points identities at the customer, a merge
// re-points the loser's). New customers take their ids from one block; Finish gives back what
// is left of it, so ids stay dense.
//
// Only the Batch may change identities between StartBatch and Finish: before anything else
// does (an Alias), Finish, and start another Batch after it.
class IdentityResolver::Batch {
  public:
    // The next person: one of those named at StartBatch (another person's identities are looked
    // up one by one). Leaves each candidate's owner as it points afterwards.
    Result<Resolution> Resolve(PreparedIdentities& person, std::string_view source);
    Status Finish();

  private:
    friend class IdentityResolver;
    Batch(IdentityResolver& resolver, store::Session& session, TenantId tenant, size_t identified)
        : resolver_(&resolver), session_(&session), tenant_(tenant), identified_(identified) {}
    static std::string Key(const Candidate& c);

    IdentityResolver* resolver_;
    store::Session* session_;
    TenantId tenant_;
    size_t identified_;  // people still to come who have identities: the most new customers
    std::unordered_map<std::string, std::optional<int64_t>> owners_;  // by kind and blind index
    int64_t next_id_ = 0, block_end_ = 0;
};

}  // namespace yutang::customers
