-- The change log of what the audience index holds: every committed write to a table it reads
-- adds the customer it touched, in the same transaction (triggers, so that no write path — nor
-- another process on the same store — can forget it). An index remembers how far it has read
-- and re-reads only the customers logged since: it stays current with every commit, and a
-- snapshot of it saved on disk can be brought up to date at start.
-- Keep in sync with ../sqlite/0011_customer_changes.sql: same table and the same tables watched.
--
-- customer_id: the customer written; 0 for the merchant's tag catalogue (tags, tag groups), -1
-- for everything (the merchant's time zone: day boundaries of every rule).
--
-- Writers commit concurrently here, so seq is not commit order: a row with a smaller seq may
-- become visible after a larger one. txid is the writing transaction; a reader's snapshot names
-- the oldest transaction still running (pg_snapshot_xmin), and every row it has not seen has a
-- txid at or above that (store/change_log.cpp).
CREATE TABLE customer_changes (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id BIGINT NOT NULL,
    customer_id BIGINT NOT NULL,
    txid BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint)
);
CREATE INDEX customer_changes_txid ON customer_changes (txid);
-- How far pruning went (a txid): a reader that had not read up to here must start over.
CREATE TABLE customer_changes_pruned (
    only_row BIGINT NOT NULL PRIMARY KEY CHECK (only_row = 1),
    below BIGINT NOT NULL
);
INSERT INTO customer_changes_pruned (only_row, below) VALUES (1, 0);

-- A row written, moved to another customer (a merge: both are logged) or deleted.
CREATE FUNCTION customer_change_logged() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'DELETE' AND NEW.customer_id IS NOT NULL THEN
        INSERT INTO customer_changes (tenant_id, customer_id) VALUES (NEW.tenant_id, NEW.customer_id);
    END IF;
    IF OLD.customer_id IS NOT NULL AND (TG_OP = 'DELETE' OR OLD.customer_id IS DISTINCT FROM NEW.customer_id) THEN
        INSERT INTO customer_changes (tenant_id, customer_id) VALUES (OLD.tenant_id, OLD.customer_id);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION tag_catalogue_change_logged() RETURNS trigger AS $$
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id)
        VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant_id ELSE NEW.tenant_id END, 0);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION time_zone_change_logged() RETURNS trigger AS $$
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (NEW.tenant_id, -1);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER customers_logged AFTER INSERT OR UPDATE OR DELETE ON customers
    FOR EACH ROW EXECUTE FUNCTION customer_change_logged();
CREATE TRIGGER customer_traits_logged AFTER INSERT OR UPDATE OR DELETE ON customer_traits
    FOR EACH ROW EXECUTE FUNCTION customer_change_logged();
CREATE TRIGGER customer_identities_logged AFTER INSERT OR UPDATE OR DELETE ON customer_identities
    FOR EACH ROW EXECUTE FUNCTION customer_change_logged();
CREATE TRIGGER customer_tags_logged AFTER INSERT OR UPDATE OR DELETE ON customer_tags
    FOR EACH ROW EXECUTE FUNCTION customer_change_logged();
CREATE TRIGGER customer_attributes_logged AFTER INSERT OR UPDATE OR DELETE ON customer_attributes
    FOR EACH ROW EXECUTE FUNCTION customer_change_logged();
CREATE TRIGGER orders_logged AFTER INSERT OR UPDATE OR DELETE ON orders
    FOR EACH ROW EXECUTE FUNCTION customer_change_logged();
-- Only named (track) events are held by the index; others show through customers.last_seen_at.
CREATE TRIGGER events_insert_logged AFTER INSERT ON events
    FOR EACH ROW WHEN (NEW.type = 'track') EXECUTE FUNCTION customer_change_logged();
CREATE TRIGGER events_change_logged AFTER UPDATE OR DELETE ON events
    FOR EACH ROW WHEN (OLD.type = 'track') EXECUTE FUNCTION customer_change_logged();
-- consent_records is append-only (0006).
CREATE TRIGGER consent_records_logged AFTER INSERT ON consent_records
    FOR EACH ROW EXECUTE FUNCTION customer_change_logged();
CREATE TRIGGER tags_logged AFTER INSERT OR UPDATE OR DELETE ON tags
    FOR EACH ROW EXECUTE FUNCTION tag_catalogue_change_logged();
CREATE TRIGGER tag_groups_logged AFTER INSERT OR UPDATE OR DELETE ON tag_groups
    FOR EACH ROW EXECUTE FUNCTION tag_catalogue_change_logged();
CREATE TRIGGER tenants_time_zone_logged AFTER UPDATE OF time_zone ON tenants
    FOR EACH ROW WHEN (OLD.time_zone IS DISTINCT FROM NEW.time_zone) EXECUTE FUNCTION time_zone_change_logged();
