-- customer_identities becomes a WITHOUT ROWID table, its rows kept in the primary key's B-tree.
-- As a rowid table it was two B-trees for one key: finding an identity's customer read the key's
-- index and then the row, and a new identity wrote both (plus the customer index). Identities are
-- found by that key on every event and every imported order, and their keys are blind indexes,
-- random by design, so each of those reads and writes lands on a page of its own.
-- Keep in sync with ../postgres/0014_identities_without_rowid.sql.
ALTER TABLE customer_identities RENAME TO customer_identities_rowid;

CREATE TABLE customer_identities (
    tenant_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    value_index BLOB NOT NULL,
    value_cipher BLOB NOT NULL,  -- personal
    hint TEXT NOT NULL,  -- personal
    customer_id BIGINT NOT NULL,
    source TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, kind, value_index),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, customer_id)
) WITHOUT ROWID;
INSERT INTO customer_identities (tenant_id, kind, value_index, value_cipher, hint, customer_id, source, created_at)
    SELECT tenant_id, kind, value_index, value_cipher, hint, customer_id, source, created_at
    FROM customer_identities_rowid ORDER BY tenant_id, kind, value_index;
-- Takes its index and change-log triggers with it; both are made again below (0003, 0011).
DROP TABLE customer_identities_rowid;

CREATE INDEX customer_identities_customer ON customer_identities (tenant_id, customer_id);
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
