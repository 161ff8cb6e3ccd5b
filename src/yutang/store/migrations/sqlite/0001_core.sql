-- Merchants (tenants), per-tenant id counters, staff accounts and their sessions.
-- Keep in sync with ../postgres/0001_core.sql: same tables, columns and keys.

CREATE TABLE tenants (
    tenant_id BIGINT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL DEFAULT 'Asia/Shanghai',
    currency TEXT NOT NULL DEFAULT 'CNY',
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX tenants_name ON tenants (name);

CREATE TABLE id_sequences (
    tenant_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    next_id BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, kind)
);

-- Staff emails are personal information: stored encrypted, found through a keyed blind index.
CREATE TABLE staff (
    tenant_id BIGINT NOT NULL REFERENCES tenants (tenant_id),
    staff_id BIGINT NOT NULL,
    email_index BLOB NOT NULL,
    email_cipher BLOB NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, staff_id)
);
CREATE UNIQUE INDEX staff_email ON staff (tenant_id, email_index);
-- Login happens before the merchant is known, so this is the one index that does not start
-- with tenant_id: it finds the candidate accounts of an email across merchants.
CREATE INDEX staff_login ON staff (email_index);

-- Console sessions. The cookie carries "<tenant_id>.<secret>"; only a hash of the secret is
-- stored, so a copy of the database cannot be used to log in.
CREATE TABLE staff_sessions (
    tenant_id BIGINT NOT NULL,
    token_hash BLOB NOT NULL,
    staff_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    PRIMARY KEY (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, staff_id) REFERENCES staff (tenant_id, staff_id)
);
