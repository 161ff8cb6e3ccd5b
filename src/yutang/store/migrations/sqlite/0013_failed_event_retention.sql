-- Failed events are kept for a retention period (events/ingest.hpp, Ingestor::DeleteExpiredFailures):
-- long enough for a sender to find and resend what was refused, no longer than their personal
-- data needs. This index finds the expired ones without reading the table.
-- Keep in sync with ../postgres/0013_failed_event_retention.sql.
CREATE INDEX failed_events_received ON failed_events (received_at);
