#pragma once
// A customer's events: which events belong to which customer, for the profile's timeline,
// export and erasure.
//
// On PostgreSQL the index events_customer (tenant_id, customer_id, occurred_at) answers that.
// On SQLite an index on the customer is the costliest part of ingest: its key is random, so
// nearly every event dirties a leaf page of its own, and each commit appends every dirtied page
// to the WAL (4 KiB for a row of 30 bytes). There the table event_timeline holds the same keys
// (migration 0016), filled behind ingest in large sorted runs (IndexTimeline), which touch each
// leaf once for many events. Up to event_timeline_progress.indexed_through a merchant's events
// are in it; the newer ones (the tail) are found by reading them, which the queries here do.
// That relies on SQLite's single writer: a merchant's event ids are taken and committed in
// order, so no event below the mark can appear after it was set.
#include <cstdint>
#include <string_view>

#include "yutang/base/ids.hpp"
#include "yutang/store/database.hpp"

namespace yutang::events {

// Whether the store keeps event_timeline behind ingest (SQLite) rather than an index (PostgreSQL).
inline bool TimelineKeptBehind(store::Dialect dialect) { return dialect == store::Dialect::kSqlite; }

// How many events of a merchant's tail IndexTimeline indexes per transaction, and how many new
// events make ingest ask for it.
inline constexpr int64_t kTimelineRun = 32768;

// The events of `customer` (one id, not its merged ids), newest first, at most `limit`:
// type, name, occurred_at, payload.
Result<store::Rows> CustomerEvents(store::Session& session, TenantId tenant, int64_t customer, int64_t limit);

// Replaces the payload of every event of `customer` (erasure).
Status WipeCustomerEvents(store::Session& session, TenantId tenant, int64_t customer, const store::Blob& payload);

// Adds up to `max_events` of the merchant's tail to event_timeline, in key order, and moves its
// mark. Returns how many events it covered (0 on PostgreSQL, which needs none).
Result<int64_t> IndexTimeline(store::Session& session, TenantId tenant, int64_t max_events = kTimelineRun);

// IndexTimeline for every merchant until no tail is left (the server's minutely task, and after
// a demo or a restore).
Result<int64_t> IndexTimelines(store::Database& db);

}  // namespace yutang::events
