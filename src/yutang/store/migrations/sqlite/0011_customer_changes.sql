-- The change log of what the audience index holds: every committed write to a table it reads
-- adds the customer it touched, in commit order, in the same transaction (triggers, so that no
-- write path — nor another process on the same store — can forget it). An index remembers how
-- far it has read and re-reads only the customers logged since: it stays current with every
-- commit, and a snapshot of it saved on disk can be brought up to date at start.
-- Keep in sync with ../postgres/0011_customer_changes.sql: same table and the same tables watched.
--
-- customer_id: the customer written; 0 for the merchant's tag catalogue (tags, tag groups), -1
-- for everything (the merchant's time zone: day boundaries of every rule).
-- seq is the rowid: one past the largest, in commit order (SQLite has one writer). Pruning
-- (store/change_log.cpp) always keeps the newest row, so a seq is never reused.
CREATE TABLE customer_changes (
    seq INTEGER PRIMARY KEY,
    tenant_id BIGINT NOT NULL,
    customer_id BIGINT NOT NULL
);
-- How far pruning went: a reader that had not read up to here must start over.
CREATE TABLE customer_changes_pruned (
    only_row BIGINT NOT NULL PRIMARY KEY CHECK (only_row = 1),
    below BIGINT NOT NULL
);
INSERT INTO customer_changes_pruned (only_row, below) VALUES (1, 0);

CREATE TRIGGER customers_insert_logged AFTER INSERT ON customers
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (NEW.tenant_id, NEW.customer_id);
END;
CREATE TRIGGER customers_update_logged AFTER UPDATE ON customers
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (NEW.tenant_id, NEW.customer_id);
END;
CREATE TRIGGER customers_delete_logged AFTER DELETE ON customers
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (OLD.tenant_id, OLD.customer_id);
END;

CREATE TRIGGER customer_traits_insert_logged AFTER INSERT ON customer_traits
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (NEW.tenant_id, NEW.customer_id);
END;
CREATE TRIGGER customer_traits_update_logged AFTER UPDATE ON customer_traits
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (NEW.tenant_id, NEW.customer_id);
    INSERT INTO customer_changes (tenant_id, customer_id)
        SELECT OLD.tenant_id, OLD.customer_id WHERE OLD.customer_id IS NOT NEW.customer_id;
END;
CREATE TRIGGER customer_traits_delete_logged AFTER DELETE ON customer_traits
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (OLD.tenant_id, OLD.customer_id);
END;

CREATE TRIGGER customer_identities_insert_logged AFTER INSERT ON customer_identities
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (NEW.tenant_id, NEW.customer_id);
END;
CREATE TRIGGER customer_identities_update_logged AFTER UPDATE ON customer_identities
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (NEW.tenant_id, NEW.customer_id);
    INSERT INTO customer_changes (tenant_id, customer_id)
        SELECT OLD.tenant_id, OLD.customer_id WHERE OLD.customer_id IS NOT NEW.customer_id;
END;
CREATE TRIGGER customer_identities_delete_logged AFTER DELETE ON customer_identities
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (OLD.tenant_id, OLD.customer_id);
END;

CREATE TRIGGER customer_tags_insert_logged AFTER INSERT ON customer_tags
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (NEW.tenant_id, NEW.customer_id);
END;
CREATE TRIGGER customer_tags_update_logged AFTER UPDATE ON customer_tags
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (NEW.tenant_id, NEW.customer_id);
    INSERT INTO customer_changes (tenant_id, customer_id)
        SELECT OLD.tenant_id, OLD.customer_id WHERE OLD.customer_id IS NOT NEW.customer_id;
END;
CREATE TRIGGER customer_tags_delete_logged AFTER DELETE ON customer_tags
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (OLD.tenant_id, OLD.customer_id);
END;

CREATE TRIGGER customer_attributes_insert_logged AFTER INSERT ON customer_attributes
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (NEW.tenant_id, NEW.customer_id);
END;
CREATE TRIGGER customer_attributes_update_logged AFTER UPDATE ON customer_attributes
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (NEW.tenant_id, NEW.customer_id);
    INSERT INTO customer_changes (tenant_id, customer_id)
        SELECT OLD.tenant_id, OLD.customer_id WHERE OLD.customer_id IS NOT NEW.customer_id;
END;
CREATE TRIGGER customer_attributes_delete_logged AFTER DELETE ON customer_attributes
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (OLD.tenant_id, OLD.customer_id);
END;

CREATE TRIGGER orders_insert_logged AFTER INSERT ON orders
    WHEN NEW.customer_id IS NOT NULL
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (NEW.tenant_id, NEW.customer_id);
END;
CREATE TRIGGER orders_update_logged AFTER UPDATE ON orders
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id)
        SELECT NEW.tenant_id, NEW.customer_id WHERE NEW.customer_id IS NOT NULL;
    INSERT INTO customer_changes (tenant_id, customer_id)
        SELECT OLD.tenant_id, OLD.customer_id WHERE OLD.customer_id IS NOT NULL AND OLD.customer_id IS NOT NEW.customer_id;
END;
CREATE TRIGGER orders_delete_logged AFTER DELETE ON orders
    WHEN OLD.customer_id IS NOT NULL
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (OLD.tenant_id, OLD.customer_id);
END;

CREATE TRIGGER events_insert_logged AFTER INSERT ON events
    WHEN NEW.customer_id IS NOT NULL AND NEW.type = 'track'
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (NEW.tenant_id, NEW.customer_id);
END;
CREATE TRIGGER events_update_logged AFTER UPDATE ON events
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id)
        SELECT NEW.tenant_id, NEW.customer_id WHERE NEW.customer_id IS NOT NULL AND NEW.type = 'track';
    INSERT INTO customer_changes (tenant_id, customer_id)
        SELECT OLD.tenant_id, OLD.customer_id WHERE OLD.customer_id IS NOT NULL AND OLD.type = 'track' AND OLD.customer_id IS NOT NEW.customer_id;
END;
CREATE TRIGGER events_delete_logged AFTER DELETE ON events
    WHEN OLD.customer_id IS NOT NULL AND OLD.type = 'track'
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (OLD.tenant_id, OLD.customer_id);
END;

-- consent_records is append-only (0006).
CREATE TRIGGER consent_records_insert_logged AFTER INSERT ON consent_records
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (NEW.tenant_id, NEW.customer_id);
END;

CREATE TRIGGER tags_insert_logged AFTER INSERT ON tags
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (NEW.tenant_id, 0);
END;
CREATE TRIGGER tags_update_logged AFTER UPDATE ON tags
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (NEW.tenant_id, 0);
END;
CREATE TRIGGER tags_delete_logged AFTER DELETE ON tags
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (OLD.tenant_id, 0);
END;
CREATE TRIGGER tag_groups_insert_logged AFTER INSERT ON tag_groups
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (NEW.tenant_id, 0);
END;
CREATE TRIGGER tag_groups_update_logged AFTER UPDATE ON tag_groups
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (NEW.tenant_id, 0);
END;
CREATE TRIGGER tag_groups_delete_logged AFTER DELETE ON tag_groups
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (OLD.tenant_id, 0);
END;

CREATE TRIGGER tenants_time_zone_logged AFTER UPDATE OF time_zone ON tenants
    WHEN OLD.time_zone IS NOT NEW.time_zone
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id) VALUES (NEW.tenant_id, -1);
END;
