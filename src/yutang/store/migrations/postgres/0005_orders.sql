-- Orders from every source, and the traits computed from them per customer.
-- Keep in sync with ../sqlite/0005_orders.sql: same tables, columns and keys.
-- Columns marked "-- personal" hold personal information: export and erasure must cover them
-- (events/personal_data.cpp; a test checks it).

-- One row per (source, external order id): a re-sent event or a re-imported file updates it.
-- Money in fen. buyer_cipher holds what the source said about the buyer (name, phone, address,
-- as given — possibly masked), encrypted; buyer_hint a masked form for display.
CREATE TABLE orders (
    tenant_id BIGINT NOT NULL,
    order_id BIGINT NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    customer_id BIGINT,
    status TEXT NOT NULL,
    raw_status TEXT NOT NULL,
    total_fen BIGINT NOT NULL,
    paid_fen BIGINT NOT NULL,
    refunded_fen BIGINT NOT NULL,
    currency TEXT NOT NULL,
    ordered_at BIGINT NOT NULL,
    paid_at BIGINT,
    completed_at BIGINT,
    lines TEXT NOT NULL,
    buyer_hint TEXT NOT NULL,  -- personal
    buyer_cipher BYTEA NOT NULL,  -- personal
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, order_id)
);
CREATE UNIQUE INDEX orders_external ON orders (tenant_id, source, external_id);
CREATE INDEX orders_customer ON orders (tenant_id, customer_id, ordered_at);

-- Recomputed from the customer's orders whenever one of them changes.
CREATE TABLE customer_traits (
    tenant_id BIGINT NOT NULL,
    customer_id BIGINT NOT NULL,
    order_count BIGINT NOT NULL,
    total_spend_fen BIGINT NOT NULL,
    refunded_fen BIGINT NOT NULL,
    first_order_at BIGINT,
    last_order_at BIGINT,
    platform_counts TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, customer_id)
);
