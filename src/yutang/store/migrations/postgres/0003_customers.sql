-- Customers (one dense id per person per merchant), their identities, and merges.
-- Keep in sync with ../sqlite/0003_customers.sql: same tables, columns and keys.
-- Columns marked "-- personal" hold personal information: export and erasure must cover them
-- (events/personal_data.cpp; a test checks it).

-- A merged customer stays as a tombstone: merged_into names the customer it became, so ids
-- stored elsewhere (orders, ledgers) still lead to the person.
CREATE TABLE customers (
    tenant_id BIGINT NOT NULL REFERENCES tenants (tenant_id),
    customer_id BIGINT NOT NULL,
    merged_into BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, customer_id)
);
-- Finds a customer's tombstones (merges re-point them; export and erasure follow them).
CREATE INDEX customers_merged_into ON customers (tenant_id, merged_into);

-- Each identity value is stored encrypted (value_cipher) and found through a keyed blind index
-- (value_index); hint is a masked form that is safe to show.
CREATE TABLE customer_identities (
    tenant_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    value_index BYTEA NOT NULL,
    value_cipher BYTEA NOT NULL,  -- personal
    hint TEXT NOT NULL,  -- personal
    customer_id BIGINT NOT NULL,
    source TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, kind, value_index),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, customer_id)
);
CREATE INDEX customer_identities_customer ON customer_identities (tenant_id, customer_id);

-- Why two customers became one: which kinds they shared, what asked for it. No plaintext.
CREATE TABLE customer_merges (
    tenant_id BIGINT NOT NULL,
    merge_id BIGINT NOT NULL,
    winner_id BIGINT NOT NULL,
    loser_id BIGINT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    source TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, merge_id)
);
CREATE INDEX customer_merges_loser ON customer_merges (tenant_id, loser_id);
