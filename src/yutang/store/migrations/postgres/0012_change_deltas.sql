-- What the audience index can apply from the change log alone, without re-reading the customer:
-- a tag added or removed, a new last-seen time. Campaign tagging and activity are most of what
-- changes, and re-reading a customer costs eight indexed reads.
-- Keep in sync with ../sqlite/0012_change_deltas.sql.
--
-- kind 0: re-read the customer (every other change, as before); 1: tag `value` added; 2: tag
-- `value` removed; 3: customers.last_seen_at is now `value` (NULL: never) and nothing else the
-- index reads of the customers row changed. A customers column the index starts reading must
-- join the comparison below.
--
-- Rows of concurrent transactions reach a reader out of sequence order, but two changes to the
-- same row are ordered: the second writer waits for the first to commit (row lock) before its
-- trigger takes a sequence number.
ALTER TABLE customer_changes ADD COLUMN kind BIGINT NOT NULL DEFAULT 0;
ALTER TABLE customer_changes ADD COLUMN value BIGINT;

CREATE FUNCTION customer_tag_change_logged() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO customer_changes (tenant_id, customer_id, kind, value)
            VALUES (NEW.tenant_id, NEW.customer_id, 1, NEW.tag_id);
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO customer_changes (tenant_id, customer_id, kind, value)
            VALUES (OLD.tenant_id, OLD.customer_id, 2, OLD.tag_id);
    ELSE
        INSERT INTO customer_changes (tenant_id, customer_id) VALUES (NEW.tenant_id, NEW.customer_id);
        IF OLD.customer_id IS DISTINCT FROM NEW.customer_id THEN
            INSERT INTO customer_changes (tenant_id, customer_id) VALUES (OLD.tenant_id, OLD.customer_id);
        END IF;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION customer_row_change_logged() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.tenant_id, OLD.customer_id, OLD.merged_into, OLD.owner_staff_id,
                             OLD.source_channel, OLD.created_at)
                            IS NOT DISTINCT FROM (NEW.tenant_id, NEW.customer_id, NEW.merged_into,
                                                  NEW.owner_staff_id, NEW.source_channel, NEW.created_at) THEN
        INSERT INTO customer_changes (tenant_id, customer_id, kind, value)
            VALUES (NEW.tenant_id, NEW.customer_id, 3, NEW.last_seen_at);
        RETURN NULL;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO customer_changes (tenant_id, customer_id) VALUES (NEW.tenant_id, NEW.customer_id);
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.customer_id IS DISTINCT FROM NEW.customer_id) THEN
        INSERT INTO customer_changes (tenant_id, customer_id) VALUES (OLD.tenant_id, OLD.customer_id);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

DROP TRIGGER customer_tags_logged ON customer_tags;
CREATE TRIGGER customer_tags_logged AFTER INSERT OR UPDATE OR DELETE ON customer_tags
    FOR EACH ROW EXECUTE FUNCTION customer_tag_change_logged();
DROP TRIGGER customers_logged ON customers;
CREATE TRIGGER customers_logged AFTER INSERT OR UPDATE OR DELETE ON customers
    FOR EACH ROW EXECUTE FUNCTION customer_row_change_logged();
