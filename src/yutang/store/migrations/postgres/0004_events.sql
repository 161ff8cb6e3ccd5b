-- Tracked events (Segment-compatible) and the events that could not be accepted.
-- Keep in sync with ../sqlite/0004_events.sql: same tables, columns and keys.
-- Columns marked "-- personal" hold personal information: export and erasure must cover them
-- (events/personal_data.cpp; a test checks it).

-- payload is the message as sent (properties, traits, context, integrations), encrypted: it may
-- hold personal information. message_id makes a re-sent message a no-op.
CREATE TABLE events (
    tenant_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    message_id TEXT NOT NULL,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    customer_id BIGINT,
    occurred_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    payload BYTEA NOT NULL,  -- personal
    PRIMARY KEY (tenant_id, event_id)
);
CREATE UNIQUE INDEX events_message ON events (tenant_id, message_id);
CREATE INDEX events_customer ON events (tenant_id, customer_id, occurred_at);

-- Nothing is dropped silently: a rejected message is kept here with the reason.
CREATE TABLE failed_events (
    tenant_id BIGINT NOT NULL,
    failed_id BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    reason TEXT NOT NULL,
    field TEXT NOT NULL,
    payload BYTEA NOT NULL,  -- personal
    PRIMARY KEY (tenant_id, failed_id)
);
