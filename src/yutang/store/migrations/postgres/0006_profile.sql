-- The profile beyond identities: owner guide, source channel, attributes, tags, notes, consent,
-- and the traits computed on a schedule (RFM, lifecycle stage, last seen).
-- Keep in sync with ../sqlite/0006_profile.sql: same tables, columns and keys.
-- Columns marked "-- personal" hold personal information: export and erasure must cover them.

-- owner_staff_id: the guide (导购) who looks after the customer; guides see only their own.
-- source_channel: where the customer first came from ("import:jd", "segment", "console" …).
ALTER TABLE customers ADD COLUMN owner_staff_id BIGINT;
ALTER TABLE customers ADD COLUMN source_channel TEXT NOT NULL DEFAULT '';
-- The last time the customer was seen: an event or an order.
ALTER TABLE customers ADD COLUMN last_seen_at BIGINT;
CREATE INDEX customers_owner ON customers (tenant_id, owner_staff_id, customer_id);

-- Typed attributes (Segment traits). Values are encrypted: traits such as name, birthday or
-- address are personal. value_index is a blind index of searchable attributes (name) only.
CREATE TABLE customer_attributes (
    tenant_id BIGINT NOT NULL,
    customer_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    value_cipher BYTEA NOT NULL,  -- personal
    value_index BYTEA,
    source TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, customer_id, name)
);
CREATE INDEX customer_attributes_search ON customer_attributes (tenant_id, value_index);

-- Tags live in groups; in an exclusive group (会员等级 …) a customer holds at most one tag.
-- A deleted tag keeps its row (deleted_at) so that its id, which saved rules may name, is never
-- reused; creating its name again brings it back.
CREATE TABLE tag_groups (
    tenant_id BIGINT NOT NULL REFERENCES tenants (tenant_id),
    group_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    exclusive BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, group_id)
);
CREATE UNIQUE INDEX tag_groups_name ON tag_groups (tenant_id, name);

CREATE TABLE tags (
    tenant_id BIGINT NOT NULL,
    tag_id BIGINT NOT NULL,
    group_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    deleted_at BIGINT,
    PRIMARY KEY (tenant_id, tag_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES tag_groups (tenant_id, group_id)
);
CREATE UNIQUE INDEX tags_name ON tags (tenant_id, group_id, name);

CREATE TABLE customer_tags (
    tenant_id BIGINT NOT NULL,
    customer_id BIGINT NOT NULL,
    tag_id BIGINT NOT NULL,
    source TEXT NOT NULL,
    tagged_by BIGINT,
    tagged_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, customer_id, tag_id)
);
CREATE INDEX customer_tags_tag ON customer_tags (tenant_id, tag_id, customer_id);

-- Free-text notes by staff; the text is encrypted.
CREATE TABLE customer_notes (
    tenant_id BIGINT NOT NULL,
    note_id BIGINT NOT NULL,
    customer_id BIGINT NOT NULL,
    author_staff_id BIGINT,
    body_cipher BYTEA NOT NULL,  -- personal
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, note_id)
);
CREATE INDEX customer_notes_customer ON customer_notes (tenant_id, customer_id, created_at);

-- The consent ledger: one row per grant or withdrawal, never changed. The current state of a
-- purpose is its latest row. given_at is when the customer decided; recorded_at when Yutang
-- learnt it. It holds no personal data beyond the customer id, and is kept after erasure as
-- the merchant's evidence.
CREATE TABLE consent_records (
    tenant_id BIGINT NOT NULL,
    consent_id BIGINT NOT NULL,
    customer_id BIGINT NOT NULL,
    purpose TEXT NOT NULL,
    granted BIGINT NOT NULL,
    given_at BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    source TEXT NOT NULL,
    notice_version TEXT NOT NULL,
    recorded_by BIGINT,
    PRIMARY KEY (tenant_id, consent_id)
);
CREATE INDEX consent_records_customer ON consent_records (tenant_id, customer_id, purpose, given_at);
CREATE FUNCTION consent_records_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'consent_records is append-only' USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER consent_records_no_change BEFORE UPDATE OR DELETE ON consent_records
    FOR EACH ROW EXECUTE FUNCTION consent_records_append_only();
CREATE TRIGGER consent_records_no_truncate BEFORE TRUNCATE ON consent_records
    FOR EACH STATEMENT EXECUTE FUNCTION consent_records_append_only();

-- Computed on each order and again every day (days pass): the lifecycle stage, and RFM scores
-- 1–5 ranked within the merchant (recomputed on the daily schedule only).
ALTER TABLE customer_traits ADD COLUMN rfm_recency BIGINT;
ALTER TABLE customer_traits ADD COLUMN rfm_frequency BIGINT;
ALTER TABLE customer_traits ADD COLUMN rfm_monetary BIGINT;
ALTER TABLE customer_traits ADD COLUMN rfm_at BIGINT;
ALTER TABLE customer_traits ADD COLUMN lifecycle_stage TEXT NOT NULL DEFAULT 'prospect';

-- The daily refresh of the computed traits, per merchant: when it last ran (and for which local
-- day), so a restart neither skips a day nor repeats one.
CREATE TABLE trait_refreshes (
    tenant_id BIGINT NOT NULL PRIMARY KEY,
    local_date TEXT NOT NULL,
    refreshed_at BIGINT NOT NULL,
    customers BIGINT NOT NULL,
    changed BIGINT NOT NULL
);
