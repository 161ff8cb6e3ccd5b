-- A merchant's failed events by arrival: the integration page counts them per day
-- (events/failed_events.hpp). 0013's index serves retention, which spans every merchant.
-- Keep in sync with ../sqlite/0015_failed_events_by_merchant.sql.
CREATE INDEX failed_events_tenant_received ON failed_events (tenant_id, received_at);
