-- PostgreSQL keeps events_customer (events/timeline.hpp): its WAL records an index insert as a
-- small record, not as the whole page, so the random key costs little there. Nothing changes;
-- the number stays in step with ../sqlite/0016_event_timeline.sql.
SELECT 1;
