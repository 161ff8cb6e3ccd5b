// The change log of customers (customer_changes, migration 0011): triggers on every table the
// audience index reads add the customer each committed write touched, in the writer's own
// transaction. A reader keeps a position — how far it has read — and asks for what was logged
// after it; nothing committed is ever missed, whichever process or write path committed it.
//
//   ChangePosition at;
//   YT_TRY(db.Read([&](Session& s) -> Status {
//       … read the data …
//       YT_ASSIGN_OR_RETURN(at, CurrentChangePosition(s, tenant));   // as of the same snapshot
//       return OkStatus();
//   }));
//   … later …
//   YT_ASSIGN_OR_RETURN(ChangesSince news, ReadChanges(db, tenant, at, 200'000));
//   if (news.restart) … read everything again …;
//   else { re-read news.customers; apply news.deltas; at = news.next; }
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "yutang/base/ids.hpp"
#include "yutang/store/database.hpp"

namespace yutang::store {

// How far a reader has read. SQLite commits one writer at a time, so the log is in commit order
// and the position is the next sequence number. PostgreSQL commits writers concurrently: the
// position is the oldest transaction that was still running (its snapshot's xmin), and `seen`
// the rows already read from transactions at or after it (which may be joined by rows of
// transactions that commit later).
struct ChangePosition {
    int64_t horizon = 0;
    std::vector<int64_t> seen;  // sequence numbers, ascending (PostgreSQL only)

    friend bool operator==(const ChangePosition&, const ChangePosition&) = default;
};

// A change a reader can apply without re-reading the customer (migration 0012): a tag added or
// removed, a new last-seen time with nothing else of the customers row changed.
struct ChangeDelta {
    enum class Kind { kTagAdded = 1, kTagRemoved = 2, kLastSeen = 3 };
    CustomerId customer;
    Kind kind = Kind::kTagAdded;
    std::optional<int64_t> value;  // the tag id; the last-seen time (µs), nullopt: never seen

    friend bool operator==(const ChangeDelta&, const ChangeDelta&) = default;
};

struct ChangesSince {
    // To re-read: a change that is not a delta was logged for them. Ascending, distinct.
    std::vector<CustomerId> customers;
    // Everything logged for the other customers, in the order written (for two changes to one
    // row, the order they were made in).
    std::vector<ChangeDelta> deltas;
    bool catalogue = false;  // the tag catalogue changed
    // Re-read everything instead: the merchant's time zone changed, more than `limit` changes
    // were logged, or the log was pruned past `since`.
    bool restart = false;
    ChangePosition next;  // where the following read starts
};

// The position of the session's snapshot for `tenant`: what it sees of the log is before it,
// every later commit after it. Call it inside the read transaction whose data it describes.
Result<ChangePosition> CurrentChangePosition(Session& session, TenantId tenant);

// What was logged for `tenant` after `since`, read in one snapshot. More than `limit` distinct
// customers (to re-read or with deltas) make it stop reading and ask for a restart (one written
// a thousand times is one).
Result<ChangesSince> ReadChanges(Database& db, TenantId tenant, const ChangePosition& since, size_t limit);

// Deletes all but (about) the newest `keep` rows of the log; readers whose position is older
// than what is left restart. Returns the rows deleted.
Result<int64_t> PruneChanges(Database& db, int64_t keep);

}  // namespace yutang::store
