-- The index of merged_into holds tombstones only. Most customers are never merged, and a NULL
-- entry for each of them cost a B-tree write per new customer and let the planner take a lookup
-- of the ids merged into a few customers for a scan of the whole index.
-- Keep in sync with ../postgres/0009_tombstone_index.sql.
DROP INDEX customers_merged_into;
CREATE INDEX customers_merged_into ON customers (tenant_id, merged_into) WHERE merged_into IS NOT NULL;
