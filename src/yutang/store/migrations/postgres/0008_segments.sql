-- Saved segments and their live membership: who is in each segment now, every entry and exit
-- with its time (journeys start from these), and the size over time (growth charts).
-- Keep in sync with ../sqlite/0008_segments.sql: same tables, columns and keys.
-- Columns marked "-- personal" hold personal information: export and erasure must cover them.

-- A deleted segment keeps its row (deleted_at) so that its id, which other rules may name, is
-- never reused; its name is free again for a new segment.
CREATE TABLE segments (
    tenant_id BIGINT NOT NULL REFERENCES tenants (tenant_id),
    segment_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    rule_json TEXT NOT NULL,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    evaluated_at BIGINT,
    deleted_at BIGINT,
    PRIMARY KEY (tenant_id, segment_id)
);
CREATE UNIQUE INDEX segments_name ON segments (tenant_id, name) WHERE deleted_at IS NULL;

-- The members as of the segment's last evaluation (segments.evaluated_at).
CREATE TABLE segment_members (
    tenant_id BIGINT NOT NULL,
    segment_id BIGINT NOT NULL,
    customer_id BIGINT NOT NULL,
    entered_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, segment_id, customer_id)
);

-- Every entry and exit, append-only: kind is 'enter' or 'exit'.
CREATE TABLE segment_changes (
    tenant_id BIGINT NOT NULL,
    change_id BIGINT NOT NULL,
    segment_id BIGINT NOT NULL,
    customer_id BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('enter', 'exit')),
    at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, change_id)
);
CREATE INDEX segment_changes_segment ON segment_changes (tenant_id, segment_id, change_id);
CREATE INDEX segment_changes_customer ON segment_changes (tenant_id, customer_id, change_id);
CREATE FUNCTION segment_changes_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'segment_changes is append-only' USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER segment_changes_no_change BEFORE UPDATE OR DELETE ON segment_changes
    FOR EACH ROW EXECUTE FUNCTION segment_changes_append_only();
CREATE TRIGGER segment_changes_no_truncate BEFORE TRUNCATE ON segment_changes
    FOR EACH STATEMENT EXECUTE FUNCTION segment_changes_append_only();

-- The size after an evaluation that changed it, and at least one row per local day.
CREATE TABLE segment_sizes (
    tenant_id BIGINT NOT NULL,
    segment_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    size BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, segment_id, at)
);
