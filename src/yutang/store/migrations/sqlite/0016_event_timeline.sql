-- Which events belong to which customer, kept behind ingest (events/timeline.hpp) instead of
-- the index events_customer: that index's key is random, so nearly every event dirtied a leaf
-- page of its own, and each commit wrote every dirtied page to the WAL again.
-- event_timeline holds the same keys, added in sorted runs of many events; a merchant's events
-- up to event_timeline_progress.indexed_through are in it, the newer ones are read from events.
-- No personal data: ids and times.
-- Keep in sync with ../postgres/0016_event_timeline.sql (which keeps events_customer).
DROP INDEX events_customer;
CREATE TABLE event_timeline (
    tenant_id BIGINT NOT NULL,
    customer_id BIGINT NOT NULL,
    occurred_at BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, customer_id, occurred_at, event_id)
) WITHOUT ROWID;
CREATE TABLE event_timeline_progress (
    tenant_id BIGINT NOT NULL PRIMARY KEY,
    indexed_through BIGINT NOT NULL
);
INSERT INTO event_timeline (tenant_id, customer_id, occurred_at, event_id)
    SELECT tenant_id, customer_id, occurred_at, event_id FROM events WHERE customer_id IS NOT NULL
    ORDER BY tenant_id, customer_id, occurred_at, event_id;
INSERT INTO event_timeline_progress (tenant_id, indexed_through)
    SELECT tenant_id, MAX(event_id) FROM events GROUP BY tenant_id;
