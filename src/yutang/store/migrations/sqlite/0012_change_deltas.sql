-- What the audience index can apply from the change log alone, without re-reading the customer:
-- a tag added or removed, a new last-seen time. Campaign tagging and activity are most of what
-- changes, and re-reading a customer costs eight indexed reads.
-- Keep in sync with ../postgres/0012_change_deltas.sql.
--
-- kind 0: re-read the customer (every other change, as before); 1: tag `value` added; 2: tag
-- `value` removed; 3: customers.last_seen_at is now `value` (NULL: never) and nothing else the
-- index reads of the customers row changed. A customers column the index starts reading must
-- join the comparison below.
ALTER TABLE customer_changes ADD COLUMN kind BIGINT NOT NULL DEFAULT 0;
ALTER TABLE customer_changes ADD COLUMN value BIGINT;

DROP TRIGGER customer_tags_insert_logged;
CREATE TRIGGER customer_tags_insert_logged AFTER INSERT ON customer_tags
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id, kind, value)
        VALUES (NEW.tenant_id, NEW.customer_id, 1, NEW.tag_id);
END;
DROP TRIGGER customer_tags_delete_logged;
CREATE TRIGGER customer_tags_delete_logged AFTER DELETE ON customer_tags
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id, kind, value)
        VALUES (OLD.tenant_id, OLD.customer_id, 2, OLD.tag_id);
END;

DROP TRIGGER customers_update_logged;
CREATE TRIGGER customers_update_logged AFTER UPDATE ON customers
BEGIN
    INSERT INTO customer_changes (tenant_id, customer_id, kind, value)
        SELECT NEW.tenant_id, NEW.customer_id, CASE WHEN only_seen THEN 3 ELSE 0 END,
               CASE WHEN only_seen THEN NEW.last_seen_at END
        FROM (SELECT OLD.tenant_id IS NEW.tenant_id AND OLD.customer_id IS NEW.customer_id
                     AND OLD.merged_into IS NEW.merged_into AND OLD.owner_staff_id IS NEW.owner_staff_id
                     AND OLD.source_channel IS NEW.source_channel AND OLD.created_at IS NEW.created_at AS only_seen);
END;
